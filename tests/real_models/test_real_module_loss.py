"""module_loss on real layers against double backward through the model's own forward."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.nn.functional import cross_entropy

from curvature import NonFiniteValueError, UnsupportedModuleError
from curvature.estimators import (
    batched_hvp,
    hessian,
    hessian_diagonal,
    hessian_trace,
    hutchinson_diagonal,
    hutchinson_trace,
    hvp,
    minibatch_hessian_diagonal,
    module_loss,
    top_eigenvalue,
)
from curvature.estimators._params import flatten
from tests.real_models.conftest import (
    KernelNet,
    ResidualConvNet,
    autograd_hessian,
    autograd_hvp,
    batchnorm_mlp,
    dropout_mlp,
)


def batch(seed=0, size=8):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(size, 3, generator=generator, dtype=torch.float64)
    return inputs, torch.randint(0, 2, (size,), generator=generator)


def random_vectors(params, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(p.shape, generator=generator, dtype=p.dtype) for p in params]


def snapshot(model):
    return {key: value.clone() for key, value in model.state_dict().items()}


def assert_state_unchanged(model, before):
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} changed"


# BatchNorm in training mode.


def functional_loss(model):
    """Cross-entropy through torch.func.functional_call, bypassing module_loss."""
    inputs, labels = batch()
    names = [name for name, _ in model.named_parameters()]

    def plain_loss(ps):
        outputs = torch.func.functional_call(model, dict(zip(names, ps)), (inputs,))
        return cross_entropy(outputs, labels)

    return plain_loss, [p.detach() for p in model.parameters()]


def test_batchnorm_hvp_matches_double_backward():
    torch.manual_seed(0)
    model = batchnorm_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    vectors = random_vectors(loss_fn.params)

    expected = autograd_hvp(model, cross_entropy, (inputs,), labels, vectors)
    actual = flatten(hvp(loss_fn, loss_fn.params, vectors))
    assert torch.allclose(actual, expected, rtol=1e-12, atol=1e-13)


def test_batchnorm_hessian_matches_dense_reference():
    torch.manual_seed(0)
    model = batchnorm_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels)

    expected = autograd_hessian(model, cross_entropy, (inputs,), labels)
    assert torch.allclose(hessian(loss_fn, loss_fn.params), expected, rtol=1e-10, atol=1e-12)


def test_batchnorm_running_statistics_untouched():
    torch.manual_seed(0)
    model = batchnorm_mlp()
    with torch.no_grad():
        model(torch.randn(16, 3, dtype=torch.float64))  # non-trivial running statistics
    before = snapshot(model)
    inputs, labels = batch()

    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    params = loss_fn.params
    hessian(loss_fn, params)
    hutchinson_trace(loss_fn, params, 4)
    top_eigenvalue(loss_fn, params, max_iterations=5)

    assert_state_unchanged(model, before)
    assert model.training


def test_batchnorm_mode_is_stated():
    model = batchnorm_mlp()
    inputs, labels = batch()

    training = module_loss(model, cross_entropy, inputs, labels)
    evaluation = module_loss(model, cross_entropy, inputs, labels, mode="eval")

    assert training.mode == "train"
    assert "statistics of the batch" in training.behaviour["1"]
    assert "not updated" in training.behaviour["1"]
    assert evaluation.mode == "eval"
    assert "running statistics" in evaluation.behaviour["1"]
    assert model.training, "the model's own mode must be restored"


def test_batchnorm_eval_mode_uses_running_statistics():
    torch.manual_seed(3)
    model = batchnorm_mlp()
    with torch.no_grad():
        model(torch.randn(16, 3, dtype=torch.float64))
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels, mode="eval")
    vectors = random_vectors(loss_fn.params)

    reference_model = copy.deepcopy(model).eval()
    expected = autograd_hvp(reference_model, cross_entropy, (inputs,), labels, vectors)
    assert torch.allclose(flatten(hvp(loss_fn, loss_fn.params, vectors)), expected, atol=1e-13)


def test_frozen_batchnorm_gives_mixed_mode():
    torch.manual_seed(2)
    model = batchnorm_mlp()
    with torch.no_grad():
        model(torch.randn(16, 3, dtype=torch.float64))
    model[1].eval()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    vectors = random_vectors(loss_fn.params)

    expected = autograd_hvp(model, cross_entropy, (inputs,), labels, vectors)
    assert loss_fn.mode == "mixed"
    assert "running statistics" in loss_fn.behaviour["1"]
    assert torch.allclose(flatten(hvp(loss_fn, loss_fn.params, vectors)), expected, atol=1e-13)


class TiedAutoencoder(nn.Module):
    """Encoder and decoder sharing one weight matrix."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(3, 2, bias=False)
        self.decoder = nn.Linear(2, 3, bias=False)
        self.decoder.weight = self.encoder.weight  # one tensor under two names

    def forward(self, inputs):
        return torch.tanh(inputs @ self.encoder.weight.T) @ self.decoder.weight


def test_tied_weights_counted_once():
    torch.manual_seed(3)
    model = TiedAutoencoder().double()
    inputs = torch.randn(5, 3, dtype=torch.float64)
    loss_fn = module_loss(model, torch.nn.functional.mse_loss, inputs, inputs)

    expected = autograd_hessian(model, torch.nn.functional.mse_loss, (inputs,), inputs)
    assert loss_fn.param_names == ("encoder.weight",)
    assert torch.allclose(hessian(loss_fn, loss_fn.params), expected, atol=1e-12)


def test_functional_call_in_training_mode_gets_clear_error():
    model = batchnorm_mlp()
    plain_loss, params = functional_loss(model)
    with pytest.raises(ValueError, match=r"running statistics.*module_loss"):
        hessian_trace(plain_loss, params)


# A convolutional model with an identity branch and a BatchNorm branch.


def test_residual_conv_diagonal_matches_dense_hessian():
    torch.manual_seed(4)
    model = ResidualConvNet().double()
    images = torch.randn(4, 1, 6, 6, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 1])
    before = snapshot(model)

    loss_fn = module_loss(model, cross_entropy, images, labels)
    expected = autograd_hessian(model, cross_entropy, (images,), labels)
    diagonal = flatten(hessian_diagonal(loss_fn, loss_fn.params, chunk_size=160))

    assert expected.shape == (477, 477)
    assert torch.allclose(diagonal, torch.diagonal(expected), rtol=1e-10, atol=1e-12)
    assert "statistics of the batch" in loss_fn.behaviour["branch.1"]
    assert_state_unchanged(model, before)


# Parameters of any rank.


def kernel_problem():
    torch.manual_seed(5)
    model = KernelNet().double()
    volumes = torch.randn(3, 1, 4, 4, 4, dtype=torch.float64)
    images = torch.randn(3, 1, 4, 4, dtype=torch.float64)
    labels = torch.tensor([0, 1, 1])
    return model, (volumes, images), labels


def test_kernel_ranks_in_every_estimator():
    model, inputs, labels = kernel_problem()
    loss_fn = module_loss(model, cross_entropy, inputs, labels)
    params = loss_fn.params
    shapes = [tuple(p.shape) for p in params]
    assert sorted(len(shape) for shape in shapes) == [0, 1, 1, 1, 2, 4, 5]

    expected = autograd_hessian(model, cross_entropy, inputs, labels)
    vectors = random_vectors(params)
    generator = torch.Generator().manual_seed(0)

    assert torch.allclose(hessian(loss_fn, params), expected, rtol=1e-10, atol=1e-12)
    product = hvp(loss_fn, params, vectors)
    assert [tuple(p.shape) for p in product] == shapes
    assert torch.allclose(flatten(product), expected @ flatten(vectors), atol=1e-12)
    diagonal = hessian_diagonal(loss_fn, params)
    assert [tuple(d.shape) for d in diagonal] == shapes
    assert torch.allclose(flatten(diagonal), torch.diagonal(expected), atol=1e-12)
    assert float(hessian_trace(loss_fn, params)) == pytest.approx(float(expected.trace()))
    estimate = hutchinson_diagonal(loss_fn, params, 3, generator=generator)
    assert [tuple(d.shape) for d in estimate] == shapes
    assert torch.isfinite(hutchinson_trace(loss_fn, params, 3, generator=generator))
    top = top_eigenvalue(loss_fn, params, rtol=1e-10, max_iterations=500, generator=generator)
    assert top.value == pytest.approx(float(torch.linalg.eigvalsh(expected).abs().max()), rel=1e-6)


def test_kernel_ranks_with_minibatches():
    model, inputs, labels = kernel_problem()
    first = module_loss(model, cross_entropy, inputs, labels)
    halves = [
        first.with_batch(tuple(part[:2] for part in inputs), labels[:2]),
        first.with_batch(tuple(part[2:] for part in inputs), labels[2:]),
    ]
    diagonal = minibatch_hessian_diagonal(lambda ps, loss: loss(ps), first.params, halves)

    expected = [
        torch.diagonal(
            autograd_hessian(model, cross_entropy, tuple(p[:2] for p in inputs), labels[:2])
        ),
        torch.diagonal(
            autograd_hessian(model, cross_entropy, tuple(p[2:] for p in inputs), labels[2:])
        ),
    ]
    assert torch.allclose(flatten(diagonal), (expected[0] + expected[1]) / 2, atol=1e-12)


# Dropout.


def test_dropout_hessian_uses_one_mask():
    torch.manual_seed(6)
    model = dropout_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels, seed=11)
    params = loss_fn.params
    n = sum(p.numel() for p in params)

    expected = autograd_hessian(model, cross_entropy, (inputs,), labels, seed=11)
    rows = batched_hvp(loss_fn, params, torch.eye(n, dtype=torch.float64), chunk_size=16)

    assert torch.allclose(rows, expected, rtol=1e-10, atol=1e-12)
    assert torch.allclose(rows, rows.T, atol=1e-12), "rows from different masks"
    assert loss_fn.seed == 11
    assert loss_fn.vmap_randomness == "same"
    assert "one dropout mask" in loss_fn.behaviour["2"]


def test_dropout_results_reproducible_with_seed():
    model = dropout_mlp()
    inputs, labels = batch()

    def estimate(seed):
        loss_fn = module_loss(model, cross_entropy, inputs, labels, seed=seed)
        return (
            hessian(loss_fn, loss_fn.params),
            top_eigenvalue(loss_fn, loss_fn.params, generator=torch.Generator().manual_seed(0)),
        )

    first, second, other = estimate(3), estimate(3), estimate(4)
    assert torch.equal(first[0], second[0])
    assert first[1] == second[1]
    assert not torch.allclose(first[0], other[0]), "the seed must choose the mask"


def test_dropout_unseeded_follows_torch_manual_seed():
    model = dropout_mlp()
    inputs, labels = batch()
    seeds = []
    for _ in range(2):
        torch.manual_seed(21)
        seeds.append(module_loss(model, cross_entropy, inputs, labels).seed)
    assert seeds[0] == seeds[1] is not None


def test_dropout_leaves_global_generator_alone():
    model = dropout_mlp()
    inputs, labels = batch()
    torch.manual_seed(8)
    loss_fn = module_loss(model, cross_entropy, inputs, labels, seed=2)
    state = torch.get_rng_state()

    hessian_trace(loss_fn, loss_fn.params)
    assert torch.equal(torch.get_rng_state(), state)


def test_dropout_eval_mode_is_deterministic():
    model = dropout_mlp()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels, mode="eval")
    vectors = random_vectors(loss_fn.params)

    expected = autograd_hvp(copy.deepcopy(model).eval(), cross_entropy, (inputs,), labels, vectors)
    assert loss_fn.seed is None
    assert loss_fn.behaviour["2"] == "Dropout, evaluation mode: no dropout"
    assert torch.allclose(flatten(hvp(loss_fn, loss_fn.params, vectors)), expected, atol=1e-13)


def test_dropout_minibatch_through_wrapper():
    # The lambda hides the loss's vmap_randomness; two equal evaluations show it is fixed.
    model = dropout_mlp()
    inputs, labels = batch(size=12)
    base = module_loss(model, cross_entropy, inputs[:6], labels[:6], seed=5)
    losses = [base, base.with_batch(inputs[6:], labels[6:])]

    diagonal = minibatch_hessian_diagonal(lambda ps, loss: loss(ps), base.params, losses)

    expected = [
        torch.diagonal(autograd_hessian(model, cross_entropy, (inputs[:6],), labels[:6], seed=5)),
        torch.diagonal(autograd_hessian(model, cross_entropy, (inputs[6:],), labels[6:], seed=5)),
    ]
    assert torch.allclose(flatten(diagonal), (expected[0] + expected[1]) / 2, atol=1e-12)


def test_unseeded_random_loss_rejected():
    model = dropout_mlp()
    plain_loss, params = functional_loss(model)
    with pytest.raises(ValueError, match=r"new random numbers at every evaluation.*module_loss"):
        hessian(plain_loss, params)


# Failures that name the module or parameter.


class PairwiseDistance(nn.Module):
    """Distances to learned centres with torch.cdist, which has no second derivative."""

    def __init__(self) -> None:
        super().__init__()
        self.centres = nn.Parameter(torch.randn(4, 3, dtype=torch.float64))

    def forward(self, inputs):
        return torch.cdist(inputs, self.centres)


def test_unsupported_module_is_named():
    model = nn.Sequential(nn.Linear(3, 3), PairwiseDistance(), nn.Linear(4, 2)).double()
    inputs, labels = batch()
    with pytest.raises(
        UnsupportedModuleError, match=r"'1' \(PairwiseDistance\).*_cdist_(backward|forward)"
    ):
        module_loss(model, cross_entropy, inputs, labels)


def test_unsupported_module_avoided_with_params():
    model = nn.Sequential(nn.Linear(3, 3), PairwiseDistance(), nn.Linear(4, 2)).double()
    inputs, labels = batch()
    loss_fn = module_loss(model, cross_entropy, inputs, labels, params=["2.weight", "2.bias"])
    assert hessian(loss_fn, loss_fn.params).shape == (10, 10)


class CallCounter(nn.Module):
    """Counts its calls in a buffer, an in-place update of state during forward."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, inputs):
        self.calls += 1
        return inputs


def test_buffer_update_in_forward_rejected():
    model = nn.Sequential(nn.Linear(3, 2), CallCounter()).double()
    inputs, labels = batch()
    with pytest.raises(ValueError, match=r"buffer '1\.calls' of CallCounter '1'"):
        module_loss(model, cross_entropy, inputs, labels)
    assert int(model[1].calls) == 0


def test_unused_module_parameter_named():
    model = nn.ModuleDict({"body": nn.Linear(3, 2), "aux": nn.Linear(3, 1)}).double()
    inputs, labels = batch()
    loss_fn = module_loss(model.body, cross_entropy, inputs, labels)
    assert loss_fn.unused == ()

    wrapper = _BodyOnly(model)
    loss_fn = module_loss(wrapper, cross_entropy, inputs, labels)
    assert loss_fn.unused == ("model.aux.weight", "model.aux.bias")
    with pytest.raises(ValueError, match=r"params\[2\] \(1, 3\) named 'model\.aux\.weight'"):
        hessian_trace(loss_fn, loss_fn.params)
    assert hessian_trace(loss_fn, loss_fn.params, allow_unused=True) > 0


class _BodyOnly(nn.Module):
    def __init__(self, model: nn.ModuleDict) -> None:
        super().__init__()
        self.model = model

    def forward(self, inputs):
        return self.model["body"](inputs)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"params": ["0.weight", "missing"]}, ValueError, "'missing', which is not a parameter"),
        ({"params": []}, ValueError, "`params` is empty"),
        ({"params": ["0.bias", "0.bias"]}, ValueError, "names a parameter twice"),
        ({"mode": "training"}, ValueError, "`mode` must be one of 'train', 'eval'"),
    ],
    ids=["unknown-name", "empty", "duplicate", "mode"],
)
def test_module_loss_rejects_invalid_arguments(kwargs, error, message):
    model = nn.Sequential(nn.Linear(3, 2)).double()
    inputs, labels = batch()
    with pytest.raises(error, match=message):
        module_loss(model, cross_entropy, inputs, labels, **kwargs)


def test_module_loss_rejects_non_module():
    with pytest.raises(TypeError, match=r"`model` must be a torch\.nn\.Module, got function"):
        module_loss(lambda x: x, cross_entropy, *batch())


def test_frozen_model_needs_params():
    model = nn.Linear(3, 2).double().requires_grad_(False)
    with pytest.raises(ValueError, match="no parameter of the Linear requires grad"):
        module_loss(model, cross_entropy, *batch())


def test_nan_input_reported():
    inputs, labels = batch()
    inputs[0, 0] = float("nan")
    with pytest.raises(ValueError, match="the loss is nan"):
        module_loss(nn.Linear(3, 2).double(), cross_entropy, inputs, labels)


def test_infinite_second_derivative_names_parameter():
    # |x|^1.5 has gradient 0 and second derivative +inf at 0.
    point = [torch.ones(2, dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64)]
    with pytest.raises(NonFiniteValueError, match=r"NaN or infinity in params\[1\] \(2,\)"):
        hessian(lambda ps: (ps[0] ** 2).sum() + (ps[1].abs() ** 1.5).sum(), point)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_dropout_module_loss_on_cuda_matches_cpu():
    model = dropout_mlp()
    inputs, labels = batch()
    results = []
    for device in ("cpu", "cuda"):
        moved = copy.deepcopy(model).to(device)
        loss_fn = module_loss(moved, cross_entropy, inputs.to(device), labels.to(device), seed=1)
        results.append(hessian(loss_fn, loss_fn.params).cpu())
    # The CPU and CUDA generators draw different masks, so only the shapes and symmetry agree.
    assert results[0].shape == results[1].shape
    assert torch.allclose(results[1], results[1].T, atol=1e-12)
