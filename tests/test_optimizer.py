"""CurvatureAdaptiveSGD against hand-computed steps, torch.optim conventions and bad inputs."""

from __future__ import annotations

import copy
import io
import math

import pytest
import torch

from curvature import CurvatureAdaptiveSGD, MissingGraphError, NonFiniteValueError
from curvature.errors import UndefinedLearningRateError
from curvature.estimators import hessian
from tests.conftest import dense_reference, small_mlp_problem

A = torch.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=torch.float64)


def quadratic_setup(**options):
    x = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.5, curvature_scale=0.2, **options)

    def closure():
        optimizer.zero_grad()
        return 0.5 * x @ A @ x

    return x, optimizer, closure


@pytest.mark.parametrize("estimator", ["exact", "hutchinson"])
def test_step_matches_hand_computation(estimator):
    # tr(A) = 5; for a 2x2 A with Rademacher z, zᵀAz = 5 ± 2·A₁₂, so only the exact
    # estimator gives a known value; Hutchinson is checked against the possible values.
    x, optimizer, closure = quadratic_setup(estimator=estimator, seed=0)
    start = x.detach().clone()

    optimizer.step(closure)

    trace = optimizer.history.traces[0]
    assert trace in ((5.0,) if estimator == "exact" else (3.0, 7.0))
    eta = 0.5 / math.sqrt(1 + 0.2 * trace)
    assert optimizer.history.lrs[0] == [pytest.approx(eta, rel=1e-15)]
    assert torch.allclose(x.detach(), start - eta * (A @ start), rtol=0, atol=1e-15)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_backward_with_graph_path_equals_closure_path():
    x1, optimizer1, closure1 = quadratic_setup(estimator="exact")
    x2 = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    optimizer2 = CurvatureAdaptiveSGD([x2], lr=0.5, curvature_scale=0.2, estimator="exact")

    for _ in range(3):
        optimizer1.step(closure1)
        optimizer2.zero_grad()
        (0.5 * x2 @ A @ x2).backward(create_graph=True)
        optimizer2.step()

    assert torch.equal(x1.detach(), x2.detach())


def test_exact_trace_matches_dense_hessian(mlp_problem):
    loss_fn, start = mlp_problem
    params = [p.clone().requires_grad_(True) for p in start]
    optimizer = CurvatureAdaptiveSGD(params, lr=0.1, curvature_scale=1.0, estimator="exact")

    optimizer.step(lambda: loss_fn(params))

    expected = float(torch.trace(dense_reference(loss_fn, start)))
    assert optimizer.history.traces[0] == pytest.approx(expected, rel=1e-12)


def test_hutchinson_trace_is_unbiased_in_the_optimizer():
    # Mean of 4000 single-probe estimates; Chebyshev with α = 1e-3 gives k ≈ 31.6 SE.
    loss_fn, start = small_mlp_problem(0)
    H = dense_reference(loss_fn, start)
    n = H.shape[0]
    variance = 2 * (float((H**2).sum()) - float((torch.diagonal(H) ** 2).sum()))
    params = [p.clone().requires_grad_(True) for p in start]
    optimizer = CurvatureAdaptiveSGD(params, lr=1e-12, curvature_scale=1.0, num_probes=4000, seed=3)

    optimizer.step(lambda: loss_fn(params))

    standard_error = math.sqrt(variance / 4000)
    deviation = abs(optimizer.history.traces[0] - float(torch.trace(H))) / standard_error
    assert deviation <= math.sqrt(1 / 1e-3), f"{deviation:.1f} SE off (n = {n})"


def test_module_training_reduces_loss():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    inputs, targets = torch.randn(64, 4), torch.randn(64, 1)
    optimizer = CurvatureAdaptiveSGD(model.parameters(), lr=0.2, curvature_scale=0.5, seed=1)

    def closure():
        optimizer.zero_grad()
        return torch.nn.functional.mse_loss(model(inputs), targets)

    first = float(closure().detach())
    for _ in range(50):
        optimizer.step(closure)
    assert float(closure().detach()) < first
    assert len(optimizer.history) == 50


def test_param_groups_use_their_own_rates():
    a = torch.ones(2, requires_grad=True)
    b = torch.ones(2, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD(
        [{"params": [a]}, {"params": [b], "lr": 0.01, "curvature_scale": 0.0}],
        lr=0.1,
        curvature_scale=1.0,
        estimator="exact",
    )
    optimizer.step(lambda: (a**2).sum() + (b**2).sum())
    # tr(H) = 2·2 + 2·2 = 8 over both groups.
    assert optimizer.history.lrs[0] == [pytest.approx(0.1 / 3.0), pytest.approx(0.01)]


def test_update_every_reuses_the_estimate():
    _, optimizer, closure = quadratic_setup(update_every=3, seed=0)
    for _ in range(7):
        optimizer.step(closure)
    assert optimizer.history.refreshed == [True, False, False, True, False, False, True]
    assert optimizer.history.traces[1] == optimizer.history.traces[0]


def test_average_over_takes_the_window_mean():
    _, optimizer, closure = quadratic_setup(average_over=2, seed=0)
    samples = []
    for _ in range(4):
        optimizer.step(closure)
        samples.append(optimizer.history.traces[-1])
    # Each raw estimate is 3 or 7; the used trace is the mean of the last two.
    assert all(value in (3.0, 5.0, 7.0) for value in samples)


def test_state_dict_round_trip_is_bitwise():
    loss_fn, start = small_mlp_problem(1)

    def make():
        params = [p.clone().requires_grad_(True) for p in start]
        return params, CurvatureAdaptiveSGD(
            params, lr=0.05, curvature_scale=0.5, num_probes=2, seed=11
        )

    def closure_for(params, optimizer):
        def closure():
            optimizer.zero_grad()
            return loss_fn(params)

        return closure

    params, optimizer = make()
    for _ in range(5):
        optimizer.step(closure_for(params, optimizer))
    buffer = io.BytesIO()
    torch.save(
        {"params": [p.detach().clone() for p in params], "optimizer": optimizer.state_dict()},
        buffer,
    )
    for _ in range(5):
        optimizer.step(closure_for(params, optimizer))
    reference = [p.detach().clone() for p in params]

    buffer.seek(0)
    saved = torch.load(buffer, weights_only=False)
    resumed, resumed_optimizer = make()
    with torch.no_grad():
        for target, value in zip(resumed, saved["params"]):
            target.copy_(value)
    resumed_optimizer.load_state_dict(saved["optimizer"])
    for _ in range(5):
        resumed_optimizer.step(closure_for(resumed, resumed_optimizer))

    for expected, actual in zip(reference, resumed):
        assert torch.equal(expected, actual.detach())
    assert resumed_optimizer.history.traces == optimizer.history.traces
    assert resumed_optimizer.steps_taken == 10


def test_load_rejects_foreign_state():
    x, optimizer, _ = quadratic_setup()
    foreign = torch.optim.SGD([x], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="not saved by CurvatureAdaptiveSGD"):
        optimizer.load_state_dict(foreign)


def test_indefinite_hessian_keeps_rates_finite_and_records_events():
    x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    matrix = torch.diag(torch.tensor([-3.0, 1.0], dtype=torch.float64))
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0, estimator="exact")

    optimizer.step(lambda: 0.5 * x @ matrix @ x)

    event = optimizer.history.undefined[0]
    assert (event.step, event.trace, event.denominator, event.lr) == (0, -2.0, -1.0, 0.1)
    assert torch.isfinite(x).all()


def test_raise_policy_stops_before_changing_parameters():
    x = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    matrix = torch.diag(torch.tensor([-3.0, 1.0], dtype=torch.float64))
    optimizer = CurvatureAdaptiveSGD(
        [x], lr=0.1, curvature_scale=1.0, estimator="exact", undefined_policy="raise"
    )

    with pytest.raises(UndefinedLearningRateError):
        optimizer.step(lambda: 0.5 * x @ matrix @ x)
    assert torch.equal(x.detach(), torch.ones(2, dtype=torch.float64))


def test_nan_loss_leaves_parameters_unchanged():
    x, optimizer, _ = quadratic_setup()
    with pytest.raises(
        NonFiniteValueError, match="the loss is nan at step 0; no parameter was changed"
    ):
        optimizer.step(lambda: (x**2).sum() * float("nan"))
    assert torch.equal(x.detach(), torch.tensor([1.0, -1.0], dtype=torch.float64))


def test_infinite_gradient_names_the_parameter():
    x = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)
    with pytest.raises(NonFiniteValueError, match=r"parameter 0 in group 0 \(shape \(2,\)\)"):
        optimizer.step(lambda: torch.sqrt(x.abs()).sum())
    assert torch.equal(x.detach(), torch.tensor([0.0, 1.0], dtype=torch.float64))


def test_closure_without_zero_grad_reports_stale_gradients():
    x = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)
    optimizer.step(lambda: 0.5 * x @ A @ x)
    with pytest.raises(MissingGraphError, match=r"zero_grad\(\) first"):
        optimizer.step(lambda: 0.5 * x @ A @ x)


def test_gradients_without_graph_raise():
    x, optimizer, _ = quadratic_setup()
    (0.5 * x @ A @ x).backward()
    with pytest.raises(MissingGraphError, match=r"create_graph=True"):
        optimizer.step()


def test_closure_that_calls_plain_backward_raises():
    x, optimizer, _ = quadratic_setup()

    def closure():
        optimizer.zero_grad()
        loss = 0.5 * x @ A @ x
        loss.backward()
        return loss

    with pytest.raises(MissingGraphError):
        optimizer.step(closure)


def test_non_scalar_closure_loss_raises():
    x, optimizer, _ = quadratic_setup()
    with pytest.raises(ValueError, match=r"scalar loss, got shape \(2,\)"):
        optimizer.step(lambda: x**2)


def test_closure_loss_without_grad_raises():
    _, optimizer, _ = quadratic_setup()
    with pytest.raises(ValueError, match="does not require grad"):
        optimizer.step(lambda: torch.tensor(1.0))


def test_unused_parameter_is_skipped():
    w = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)
    u = torch.ones(3, dtype=torch.float64, requires_grad=True)
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    optimizer = CurvatureAdaptiveSGD([w, u], lr=0.01, curvature_scale=1.0, estimator="exact")

    optimizer.step(lambda: ((X @ w) ** 2).mean())

    assert optimizer.history.traces[0] == pytest.approx(30.0)
    assert torch.equal(u.detach(), torch.ones(3, dtype=torch.float64))


def test_linear_loss_with_closure_has_zero_trace():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    optimizer = CurvatureAdaptiveSGD([x], lr=0.1, curvature_scale=1.0)
    optimizer.step(lambda: 3 * x.sum())
    assert optimizer.history.traces == [0.0]


def test_half_precision_parameters_rejected():
    with pytest.raises(TypeError, match=r"parameter 0 of group 0 has dtype torch\.float16"):
        CurvatureAdaptiveSGD(
            [torch.ones(2, dtype=torch.float16, requires_grad=True)], lr=0.1, curvature_scale=1.0
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -0.1}, "`lr` must be a finite number greater than 0, got -0.1"),
        (
            {"curvature_scale": -2.0},
            "`curvature_scale` must be a finite number of at least 0, got -2.0",
        ),
        ({"estimator": "dense"}, "`estimator` must be one of 'hutchinson', 'exact', got 'dense'"),
        ({"num_probes": 0}, "`num_probes` must be a positive integer, got 0"),
        ({"update_every": 0}, "`update_every` must be a positive integer, got 0"),
        ({"average_over": -1}, "`average_over` must be a positive integer, got -1"),
        ({"undefined_policy": "ignore"}, "`undefined_policy` must be one of"),
        ({"lr_min": 0.5, "lr_max": 0.1}, "`lr_min` must not exceed `lr_max`"),
        ({"lr_max": 0.0}, "`lr_max` must be a finite number greater than 0, got 0.0"),
        ({"lr": "0.1"}, "`lr` must be a real number, got '0.1'"),
    ],
    ids=[
        "lr",
        "scale",
        "estimator",
        "probes",
        "update-every",
        "average-over",
        "policy",
        "bounds",
        "lr-max",
        "lr-string",
    ],
)
def test_constructor_rejects_invalid_arguments(kwargs, message):
    arguments = {"lr": 0.1, "curvature_scale": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        CurvatureAdaptiveSGD([torch.ones(2, requires_grad=True)], **arguments)


def test_grads_are_detached_after_step():
    x, optimizer, closure = quadratic_setup()
    optimizer.step(closure)
    assert x.grad is not None
    assert x.grad.grad_fn is None


def test_seed_makes_runs_reproducible():
    runs = []
    for _ in range(2):
        _, optimizer, closure = quadratic_setup(seed=5)
        for _ in range(10):
            optimizer.step(closure)
        runs.append(copy.deepcopy(optimizer.history.traces))
    assert runs[0] == runs[1]


def test_torch_manual_seed_controls_unseeded_optimizer():
    runs = []
    for _ in range(2):
        torch.manual_seed(123)
        _, optimizer, closure = quadratic_setup()
        for _ in range(10):
            optimizer.step(closure)
        runs.append(optimizer.history.traces)
    assert runs[0] == runs[1]


def test_graph_exact_trace_agrees_with_functional_hessian_on_module():
    torch.manual_seed(2)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    inputs = torch.randn(10, 3, dtype=torch.float64)
    labels = torch.randint(0, 2, (10,))
    names = [name for name, _ in model.named_parameters()]

    def loss_fn(params):
        outputs = torch.func.functional_call(model, dict(zip(names, params)), (inputs,))
        return torch.nn.functional.cross_entropy(outputs, labels)

    expected = float(torch.trace(hessian(loss_fn, [p.detach() for p in model.parameters()])))
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=0.1, curvature_scale=1.0, estimator="exact"
    )
    optimizer.step(lambda: loss_fn(list(model.parameters())))
    assert optimizer.history.traces[0] == pytest.approx(expected, rel=1e-10)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_step_on_cuda_matches_cpu():
    def run_on(device):
        x = torch.tensor([1.0, -1.0], dtype=torch.float64, device=device, requires_grad=True)
        matrix = A.to(device)
        optimizer = CurvatureAdaptiveSGD([x], lr=0.5, curvature_scale=0.2, estimator="exact")
        for _ in range(3):
            optimizer.step(lambda: 0.5 * x @ matrix @ x)
        return x.detach().cpu()

    results = [run_on("cpu"), run_on("cuda")]
    assert torch.allclose(results[0], results[1], atol=1e-12)
