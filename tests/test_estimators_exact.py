"""Exact Hessian, diagonal, trace and HVP against torch.func.hessian and closed forms."""

from __future__ import annotations

import pytest
import torch

from curvature.estimators import hessian, hessian_diagonal, hessian_trace, hvp
from curvature.estimators._params import flatten
from curvature.estimators.hvp import batched_hvp
from tests.conftest import dense_reference, small_mlp_problem


def test_hessian_matches_torch_func(mlp_problem):
    loss_fn, params = mlp_problem
    expected = dense_reference(loss_fn, params)
    actual = hessian(loss_fn, params, chunk_size=5)
    assert torch.allclose(actual, expected, rtol=1e-12, atol=1e-12)


def test_diagonal_equals_dense_diagonal(mlp_problem):
    loss_fn, params = mlp_problem
    expected = torch.diagonal(dense_reference(loss_fn, params))
    actual = flatten(hessian_diagonal(loss_fn, params, chunk_size=3))
    assert torch.allclose(actual, expected, rtol=1e-12, atol=1e-12)


def test_trace_equals_dense_trace(mlp_problem):
    loss_fn, params = mlp_problem
    expected = torch.trace(dense_reference(loss_fn, params))
    assert torch.allclose(hessian_trace(loss_fn, params), expected, rtol=1e-12)


def test_diagonal_keeps_parameter_shapes(mlp_problem):
    loss_fn, params = mlp_problem
    diagonal = hessian_diagonal(loss_fn, params)
    assert [d.shape for d in diagonal] == [p.shape for p in params]


def test_hvp_matches_dense_product(mlp_problem):
    loss_fn, params = mlp_problem
    generator = torch.Generator().manual_seed(5)
    vectors = [torch.randn(p.shape, generator=generator, dtype=torch.float64) for p in params]
    expected = dense_reference(loss_fn, params) @ flatten(vectors)
    assert torch.allclose(flatten(hvp(loss_fn, params, vectors)), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["forward-over-reverse", "reverse-over-reverse", "auto"])
def test_hvp_modes_agree(mode):
    loss_fn, params = small_mlp_problem(3)
    matrix = torch.eye(sum(p.numel() for p in params), dtype=torch.float64)[:7]
    expected = dense_reference(loss_fn, params)[:7]
    assert torch.allclose(batched_hvp(loss_fn, params, matrix, mode=mode), expected, atol=1e-12)


def test_mse_loss_falls_back_to_reverse_mode():
    # torch 2.13 has no forward-mode derivative of mse_loss's backward; auto mode must cope.
    features = torch.randn(8, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    targets = torch.zeros(8, dtype=torch.float64)

    def loss_fn(ps):
        return torch.nn.functional.mse_loss(torch.tanh(features @ ps[0]), targets)

    weights = torch.ones(3, dtype=torch.float64)
    expected = dense_reference(loss_fn, [weights])
    assert torch.allclose(hessian(loss_fn, [weights]), expected, atol=1e-12)


def test_float32_parameters_give_float32_hessian():
    loss_fn, params = small_mlp_problem(0)
    single = [p.float() for p in params]
    result = hessian(lambda ps: loss_fn([p.double() for p in ps]).float(), single)
    assert result.dtype == torch.float32


def test_closed_form_quadratic_hessian():
    matrix = torch.tensor([[10.0, 14.0], [14.0, 20.0]], dtype=torch.float64)
    x = torch.zeros(2, dtype=torch.float64)
    assert torch.equal(hessian(lambda ps: 0.5 * ps[0] @ matrix @ ps[0], [x]), matrix)


def test_unused_parameter_raises_by_default():
    w = torch.ones(2, dtype=torch.float64)
    u = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"params\[1\] \(3,\)"):
        hessian(lambda ps: (ps[0] ** 2).sum(), [w, u])


def test_unused_parameter_gives_zero_rows_when_allowed():
    # X = [[1, 2], [3, 4]], y = 0, mean squared error of Xw: H = XᵀX·(2/2) = [[10, 14], [14, 20]].
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    w = torch.tensor([0.3, -0.2], dtype=torch.float64)
    u = torch.ones(3, dtype=torch.float64)

    def loss_fn(ps):
        return ((X @ ps[0]) ** 2).mean()

    H = hessian(loss_fn, [w, u], allow_unused=True)
    expected = torch.zeros(5, 5, dtype=torch.float64)
    expected[:2, :2] = torch.tensor([[10.0, 14.0], [14.0, 20.0]])
    assert torch.allclose(H, expected, atol=1e-12)
    assert float(hessian_trace(loss_fn, [w, u], allow_unused=True)) == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("loss_fn", "message"),
    [
        (lambda ps: ps[0] ** 2, "scalar tensor"),
        (lambda ps: (ps[0] ** 2).sum() * float("nan"), "nan"),
        (lambda ps: (ps[0] ** 2).sum() + float("inf"), "inf"),
        (lambda ps: 3.0, "must return a torch.Tensor"),
    ],
    ids=["non-scalar", "nan-loss", "infinite-loss", "not-a-tensor"],
)
def test_invalid_loss_raises(loss_fn, message):
    x = torch.ones(3, dtype=torch.float64)
    with pytest.raises((ValueError, TypeError), match=message):
        hessian(loss_fn, [x])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_rejected(dtype):
    x = torch.ones(3, dtype=dtype)
    with pytest.raises(TypeError, match=r"params\[0\]` has dtype"):
        hessian_diagonal(lambda ps: (ps[0] ** 2).sum(), [x])


def test_mixed_dtypes_rejected():
    with pytest.raises(TypeError, match="one dtype"):
        hessian(
            lambda ps: ps[0].sum() + ps[1].sum(),
            [torch.ones(2), torch.ones(2, dtype=torch.float64)],
        )


def test_empty_params_rejected():
    with pytest.raises(ValueError, match="`params` is empty"):
        hessian(lambda ps: torch.zeros(()), [])


def test_dense_hessian_refused_above_memory_budget():
    x = torch.zeros(8000, dtype=torch.float64)
    with pytest.raises(MemoryError, match=r"n=8000 .*0\.48 GiB"):
        hessian(lambda ps: (ps[0] ** 2).sum(), [x], max_bytes=100 * 1024**2)


def test_hvp_rejects_mismatched_vectors():
    x = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"vectors\[0\]` has shape \(2,\)"):
        hvp(lambda ps: (ps[0] ** 2).sum(), [x], [torch.ones(2, dtype=torch.float64)])


def test_chunk_size_validated():
    x = torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match="`chunk_size` must be a positive integer, got 0"):
        batched_hvp(
            lambda ps: (ps[0] ** 2).sum(), [x], torch.eye(3, dtype=torch.float64), chunk_size=0
        )


def test_piecewise_linear_loss_has_zero_hessian():
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(1000, 2, generator=generator, dtype=torch.float64)
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)

    def loss_fn(ps):
        scaled = (ps[0] * torch.exp(noise)).max(dim=1).values
        return torch.clamp(scaled, min=0.1).mean()

    assert torch.equal(hessian(loss_fn, [x]), torch.zeros(2, 2, dtype=torch.float64))
