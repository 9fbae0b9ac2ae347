"""Zero Hessians of piecewise linear losses, and parameters the loss never uses, everywhere."""

from __future__ import annotations

import math

import pytest
import torch

from curvature import CurvatureAdaptiveSGD
from curvature.estimators import (
    hessian,
    hessian_diagonal,
    hessian_trace,
    hutchinson_diagonal,
    hutchinson_samples,
    hutchinson_trace,
    hvp,
    minibatch_hessian_diagonal,
    top_eigenvalue,
)
from curvature.estimators._params import flatten

NOISE = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
H_W = torch.tensor([[10.0, 14.0], [14.0, 20.0]], dtype=torch.float64)


def max_loss(ps):
    """mean_j max(max_i x_i·e^(z_ij), 0.1): piecewise linear in x, so H = 0."""
    scaled = (ps[0] * torch.exp(NOISE)).max(dim=1).values
    return torch.clamp(scaled, min=0.1).mean()


def relu_loss(ps):
    """The same kind built from ReLU: mean_j relu(x·e^(z_j) − 1) summed over i."""
    return torch.relu(ps[0] * torch.exp(NOISE) - 1.0).sum(dim=1).mean()


def squared_error(ps):
    """Mean squared error of Xw against y = 0: H_w = XᵀX = [[10, 14], [14, 20]]."""
    return ((X @ ps[0]) ** 2).mean()


def unused_point():
    return [torch.tensor([0.3, -0.2], dtype=torch.float64), torch.ones(3, dtype=torch.float64)]


def zero_results(loss_fn, point, allow_unused=False):
    """Every estimator's value on ``loss_fn`` as a flat tensor, keyed by estimator."""
    generator = torch.Generator().manual_seed(1)
    ones = [torch.ones_like(p) for p in point]
    kwargs = {"allow_unused": allow_unused}
    return {
        "hvp": flatten(hvp(loss_fn, point, ones, **kwargs)),
        "hessian": hessian(loss_fn, point, **kwargs).reshape(-1),
        "hessian_diagonal": flatten(hessian_diagonal(loss_fn, point, **kwargs)),
        "hessian_trace": hessian_trace(loss_fn, point, **kwargs).reshape(1),
        "hutchinson_trace": hutchinson_trace(
            loss_fn, point, 8, generator=generator, **kwargs
        ).reshape(1),
        "hutchinson_diagonal": flatten(
            hutchinson_diagonal(loss_fn, point, 8, generator=generator, **kwargs)
        ),
        "minibatch": flatten(
            minibatch_hessian_diagonal(
                lambda ps, batch: loss_fn(ps), point, [0, 1], method="hutchinson", **kwargs
            )
        ),
        "top_eigenvalue": torch.tensor(
            [top_eigenvalue(loss_fn, point, generator=generator, **kwargs).value]
        ),
    }


@pytest.mark.parametrize("loss_fn", [max_loss, relu_loss], ids=["max-clamp", "relu"])
def test_piecewise_linear_gives_zeros_everywhere(loss_fn):
    point = [torch.tensor([1.0, 2.0], dtype=torch.float64)]
    for name, value in zero_results(loss_fn, point).items():
        assert torch.count_nonzero(value) == 0, f"{name} returned {value}"


@pytest.mark.parametrize("estimator", ["exact", "hutchinson"])
@pytest.mark.parametrize("loss_fn", [max_loss, relu_loss], ids=["max-clamp", "relu"])
def test_piecewise_linear_optimizer_trace_zero(loss_fn, estimator):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0, estimator=estimator)
    optimizer.step(lambda: loss_fn([x]))
    assert optimizer.history.traces == [0.0]
    assert optimizer.history.lrs == [[0.1]]


def test_unused_parameter_exact_values():
    point = unused_point()
    expected_hessian = torch.zeros(5, 5, dtype=torch.float64)
    expected_hessian[:2, :2] = H_W
    ones = [torch.ones(2, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]

    product = hvp(squared_error, point, ones, allow_unused=True)
    assert torch.equal(product[0], torch.tensor([24.0, 34.0], dtype=torch.float64))
    assert torch.equal(product[1], torch.zeros(3, dtype=torch.float64))
    assert torch.equal(hessian(squared_error, point, allow_unused=True), expected_hessian)
    diagonal = hessian_diagonal(squared_error, point, allow_unused=True)
    assert torch.equal(flatten(diagonal), torch.tensor([10.0, 20.0, 0.0, 0.0, 0.0]).double())
    assert float(hessian_trace(squared_error, point, allow_unused=True)) == 30.0


def test_unused_parameter_top_eigenvalue():
    estimate = top_eigenvalue(
        squared_error,
        unused_point(),
        rtol=1e-12,
        generator=torch.Generator().manual_seed(0),
        allow_unused=True,
    )
    assert estimate.converged
    assert estimate.value == pytest.approx(15.0 + math.sqrt(221.0), rel=1e-10)


def test_unused_parameter_hutchinson_terms():
    # For Rademacher z on w: zᵀH_w z = 30 ± 2·14 ∈ {2, 58}; z_1(H_w z)_1 = 10 ± 14 ∈ {−4, 24}.
    samples = hutchinson_samples(
        squared_error,
        unused_point(),
        64,
        generator=torch.Generator().manual_seed(2),
        allow_unused=True,
    )
    assert set(samples.trace.tolist()) <= {2.0, 58.0}
    assert set(samples.diagonal[:, 0].tolist()) <= {-4.0, 24.0}
    assert torch.count_nonzero(samples.diagonal[:, 2:]) == 0


def test_unused_parameter_minibatch_exact():
    diagonal = minibatch_hessian_diagonal(
        lambda ps, scale: scale * squared_error(ps),
        unused_point(),
        [1.0, 3.0],
        allow_unused=True,
    )
    assert torch.equal(flatten(diagonal), torch.tensor([20.0, 40.0, 0.0, 0.0, 0.0]).double())


@pytest.mark.parametrize(
    "call",
    [
        lambda p: hvp(squared_error, p, [torch.ones_like(q) for q in p]),
        lambda p: hessian(squared_error, p),
        lambda p: hessian_diagonal(squared_error, p),
        lambda p: hessian_trace(squared_error, p),
        lambda p: hutchinson_trace(squared_error, p, 2),
        lambda p: hutchinson_diagonal(squared_error, p, 2),
        lambda p: minibatch_hessian_diagonal(lambda ps, b: squared_error(ps), p, [0]),
        lambda p: top_eigenvalue(squared_error, p),
    ],
    ids=[
        "hvp",
        "hessian",
        "diagonal",
        "trace",
        "hutchinson-trace",
        "hutchinson-diagonal",
        "minibatch",
        "top-eigenvalue",
    ],
)
def test_unused_parameter_named_without_flag(call):
    with pytest.raises(ValueError, match=r"params\[1\] \(3,\).*allow_unused=True"):
        call(unused_point())


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.parametrize("estimator", ["exact", "hutchinson"])
@pytest.mark.parametrize("path", ["closure", "backward"])
def test_unused_parameter_in_optimizer(estimator, path):
    w = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)
    u = torch.ones(3, dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD(
        [w, u], lr=0.01, curvature_scale=1.0, estimator=estimator, seed=0
    )
    start = w.detach().clone()

    if path == "closure":
        optimizer.step(lambda: squared_error([w]))
    else:
        squared_error([w]).backward(create_graph=True)
        optimizer.step()

    trace = optimizer.history.traces[0]
    assert trace in ((30.0,) if estimator == "exact" else (2.0, 58.0))
    rate = 0.01 / math.sqrt(1.0 + trace)
    assert torch.allclose(w.detach(), start - rate * (H_W @ start), rtol=0, atol=1e-15)
    assert torch.equal(u.detach(), torch.ones(3, dtype=torch.float64))
    assert u.grad is None
