"""CurvatureAdaptiveSGD on real layers: one forward per step, missing graphs, non-finite values."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn
from torch.nn.functional import cross_entropy

from curvature import CurvatureAdaptiveSGD, MissingGraphError, NonFiniteValueError
from curvature.estimators import hessian_trace, module_loss
from tests.real_models.conftest import KernelNet, batchnorm_mlp, dropout_mlp

pytestmark = pytest.mark.filterwarnings(
    "ignore:Using backward\\(\\) with create_graph=True:UserWarning"
)


def batch(seed=0, size=8):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(size, 3, generator=generator, dtype=torch.float64)
    return inputs, torch.randint(0, 2, (size,), generator=generator)


# The graph path keeps the guarantees of module_loss.


@pytest.mark.parametrize("estimator", ["exact", "hutchinson"])
def test_batchnorm_statistics_updated_once_per_step(estimator):
    torch.manual_seed(0)
    model = batchnorm_mlp()
    inputs, labels = batch()
    reference = copy.deepcopy(model)
    with torch.no_grad():
        reference(inputs)  # one forward pass: the update the user's step should make
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=0.1, curvature_scale=1.0, estimator=estimator, seed=0
    )

    def closure():
        optimizer.zero_grad()
        return cross_entropy(model(inputs), labels)

    optimizer.step(closure)

    assert int(model[1].num_batches_tracked) == 1
    assert torch.equal(model[1].running_mean, reference[1].running_mean)
    assert torch.equal(model[1].running_var, reference[1].running_var)


def test_batchnorm_graph_trace_uses_batch_statistics():
    torch.manual_seed(1)
    model = batchnorm_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    expected = float(hessian_trace(loss_fn, loss_fn.params))
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=0.1, curvature_scale=1.0, estimator="exact"
    )

    optimizer.step(lambda: cross_entropy(model(inputs), labels))
    assert optimizer.history.traces[0] == pytest.approx(expected, rel=1e-12)


def test_dropout_graph_trace_uses_one_mask():
    model = dropout_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels, seed=9)
    expected = float(hessian_trace(loss_fn, loss_fn.params))
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=0.1, curvature_scale=1.0, estimator="exact"
    )

    def closure():
        optimizer.zero_grad()
        torch.manual_seed(9)  # the mask module_loss(seed=9) draws
        return cross_entropy(model(inputs), labels)

    optimizer.step(closure)
    assert optimizer.history.traces[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("estimator", ["exact", "hutchinson"])
def test_kernel_ranks_in_optimizer(estimator):
    torch.manual_seed(5)
    model = KernelNet().double()
    inputs = (
        torch.randn(3, 1, 4, 4, 4, dtype=torch.float64),
        torch.randn(3, 1, 4, 4, dtype=torch.float64),
    )
    labels = torch.tensor([0, 1, 1])
    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    expected = float(hessian_trace(loss_fn, loss_fn.params))
    start = [p.detach().clone() for p in model.parameters()]
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=0.1, curvature_scale=0.1, estimator=estimator, num_probes=4, seed=0
    )

    optimizer.step(lambda: cross_entropy(model(*inputs), labels))

    trace = optimizer.history.traces[0]
    if estimator == "exact":
        assert trace == pytest.approx(expected, rel=1e-12)
    assert math.isfinite(trace)
    for before, after in zip(start, model.parameters()):
        assert after.shape == before.shape
        assert not torch.equal(after.detach(), before), f"shape {tuple(before.shape)} not updated"


# Gradients without a graph.


def quadratic():
    x = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    matrix = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)
    return x, (lambda: 0.5 * x @ matrix @ x)


def test_plain_backward_message_says_what_to_change():
    x, loss = quadratic()
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)
    loss().backward()
    with pytest.raises(MissingGraphError, match=r"closure.*create_graph=True") as caught:
        optimizer.step()
    assert "no Hessian-vector product" in str(caught.value)
    assert torch.equal(x.detach(), torch.tensor([1.0, -1.0], dtype=torch.float64))


def test_freed_graph_reported():
    x, loss = quadratic()
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0, estimator="exact")
    loss().backward(create_graph=True, retain_graph=False)
    with pytest.raises(MissingGraphError, match="already freed"):
        optimizer.step()


def test_zero_grad_without_set_to_none_works():
    x, loss = quadratic()
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0, estimator="exact")
    x.grad = torch.ones_like(x)

    def closure():
        optimizer.zero_grad(set_to_none=False)
        return loss()

    optimizer.step(closure)
    assert optimizer.history.traces == [5.0]


def test_plain_backward_with_zero_gradient_reported():
    # At the minimiser a plain backward leaves zero gradients, like zero_grad(set_to_none=False).
    x = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)

    def closure():
        optimizer.zero_grad()
        value = (x**2).sum()
        value.backward()
        return value

    with pytest.raises(MissingGraphError, match="create_graph=True"):
        optimizer.step(closure)


# The rule where it is undefined, and non-finite values.


@pytest.mark.parametrize("policy", ["positive-part", "absolute", "previous"])
def test_undefined_rule_stays_within_bounds(policy):
    # Loss −Σ x²: H = −2I with n = 3, so 1 + λ·tr(H) = 1 − 6 < 0 at every step.
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD(
        [x],
        lr=0.1,
        curvature_scale=1.0,
        estimator="exact",
        undefined_policy=policy,
        lr_min=0.02,
        lr_max=0.08,
    )

    def closure():
        optimizer.zero_grad()
        return -(x**2).sum()

    for _ in range(5):
        optimizer.step(closure)

    rates = optimizer.history.group_lrs()
    assert all(0.02 <= rate <= 0.08 for rate in rates), rates
    assert [event.step for event in optimizer.history.undefined] == [0, 1, 2, 3, 4]
    assert all(event.denominator == -5.0 for event in optimizer.history.undefined)
    assert torch.isfinite(x).all()


def test_nan_loss_mid_run_keeps_parameters():
    x, loss = quadratic()
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)
    optimizer.step(lambda: (optimizer.zero_grad(), loss())[1])
    before_nan = x.detach().clone()

    with pytest.raises(NonFiniteValueError, match="the loss is nan at step 1"):
        optimizer.step(lambda: (optimizer.zero_grad(), loss() * float("nan"))[1])
    assert torch.equal(x.detach(), before_nan)


def test_infinite_curvature_keeps_parameters():
    # |x|^1.5: finite gradient 0 at x = 0, infinite second derivative.
    x = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0, estimator="exact")
    with pytest.raises(NonFiniteValueError, match=r"trace estimate is (nan|inf) at step 0"):
        optimizer.step(lambda: (x.abs() ** 1.5).sum())
    assert torch.equal(x.detach(), torch.tensor([0.0, 1.0], dtype=torch.float64))


def test_overflowing_update_keeps_parameters():
    # Gradient 1e30 at lr 1e10 moves a float32 parameter by 1e40 > 3.4e38.
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=1e10, curvature_scale=0.0)
    with pytest.raises(
        NonFiniteValueError, match=r"parameter 0 in group 0 .*overflow torch\.float32"
    ):
        optimizer.step(lambda: 1e30 * x.sum())
    assert torch.equal(x.detach(), torch.tensor([1.0, 2.0]))


def test_large_but_finite_update_allowed():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=1e10, curvature_scale=0.0)
    optimizer.step(lambda: 1e20 * x.sum())
    assert torch.isfinite(x).all()
    assert x.detach()[0] == pytest.approx(-1e30, rel=1e-6)


def test_nan_gradient_names_module_parameter():
    model = nn.Sequential(nn.Linear(3, 2)).double()
    inputs, labels = batch()
    optimizer = CurvatureAdaptiveSGD(model.parameters(), lr=0.1, curvature_scale=1.0)
    before = copy.deepcopy(model.state_dict())

    def closure():
        optimizer.zero_grad()
        # √|b − b| is 0 with a NaN gradient: the loss stays finite, the gradient does not.
        bias = model[0].bias
        return cross_entropy(model(inputs), labels) + torch.sqrt((bias - bias.detach()).abs()).sum()

    with pytest.raises(NonFiniteValueError, match=r"parameter 1 in group 0 \(shape \(2,\)\)"):
        optimizer.step(closure)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
