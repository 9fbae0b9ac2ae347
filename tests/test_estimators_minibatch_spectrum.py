"""The mini-batch average of Hessian diagonals, and power iteration."""

from __future__ import annotations

import pytest
import torch

from curvature.estimators import hessian, minibatch_hessian_diagonal, top_eigenvalue
from curvature.estimators._params import flatten
from tests.conftest import dense_reference, small_mlp_problem


def batch_problem():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(12, 3, generator=generator, dtype=torch.float64)
    targets = torch.randn(12, generator=generator, dtype=torch.float64)
    weights = torch.randn(3, generator=generator, dtype=torch.float64)

    def batch_loss(ps, indices):
        return ((torch.tanh(features[indices] @ ps[0]) - targets[indices]) ** 2).mean()

    return batch_loss, [weights]


def test_exact_average_equals_mean_loss_diagonal():
    batch_loss, params = batch_problem()
    batches = [torch.arange(0, 4), torch.arange(4, 8), torch.arange(8, 12)]

    averaged = flatten(minibatch_hessian_diagonal(batch_loss, params, batches))

    full = hessian(lambda ps: batch_loss(ps, torch.arange(12)), params)
    assert torch.allclose(averaged, torch.diagonal(full), atol=1e-12)


def test_hutchinson_average_is_exact_for_one_parameter_blocks():
    # One scalar parameter per batch loss: z² = 1, so each probe gives H_ii exactly.
    def batch_loss(ps, scale):
        return scale * (ps[0] ** 3).sum()

    x = torch.tensor([2.0], dtype=torch.float64)
    result = minibatch_hessian_diagonal(
        batch_loss, [x], [1.0, 3.0], method="hutchinson", generator=torch.Generator().manual_seed(0)
    )
    assert float(result[0]) == pytest.approx(2 * 6 * 2.0)


def test_empty_batches_rejected():
    batch_loss, params = batch_problem()
    with pytest.raises(ValueError, match="`batches` is empty"):
        minibatch_hessian_diagonal(batch_loss, params, [])


def test_unknown_method_rejected():
    batch_loss, params = batch_problem()
    with pytest.raises(ValueError, match="`method` must be one of"):
        minibatch_hessian_diagonal(batch_loss, params, [torch.arange(3)], method="dense")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_power_iteration_finds_largest_magnitude(seed):
    loss_fn, params = small_mlp_problem(seed)
    eigenvalues = torch.linalg.eigvalsh(dense_reference(loss_fn, params))
    largest = eigenvalues[eigenvalues.abs().argmax()]

    estimate = top_eigenvalue(
        loss_fn,
        params,
        max_iterations=2000,
        rtol=1e-12,
        generator=torch.Generator().manual_seed(seed),
    )

    assert estimate.converged
    assert estimate.value == pytest.approx(float(largest), rel=1e-4)
    assert abs(estimate.value) <= float(eigenvalues.abs().max()) * (1 + 1e-12)


def test_power_iteration_on_zero_hessian():
    x = torch.ones(3, dtype=torch.float64)
    estimate = top_eigenvalue(
        lambda ps: ps[0].sum(), [x], generator=torch.Generator().manual_seed(0)
    )
    assert estimate.value == 0.0
