"""Hutchinson estimators: exact moments by enumeration, and unbiasedness by a Chebyshev test.

Enumerating all 2ⁿ Rademacher vectors gives the exact mean and variance of one probe's
terms, so those tests are deterministic. The sampled tests use Chebyshev's inequality with a
union bound: with k = √(q/α) for q estimates, the chance that any correct estimate lies
beyond k standard errors is at most α = 1e-3 per test, whatever the distribution.
"""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from curvature.estimators import (
    diagonal_variance,
    draw_probes,
    hutchinson_diagonal,
    hutchinson_samples,
    hutchinson_trace,
    trace_variance,
)
from curvature.estimators._params import flatten
from curvature.estimators.hvp import batched_hvp
from tests.conftest import dense_reference, small_mlp_problem

FALSE_ALARM_RATE = 1e-3


def all_sign_vectors(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([-1.0, 1.0], repeat=n)), dtype=torch.float64)


@pytest.mark.parametrize("seed", [0, 1])
def test_enumerated_diagonal_mean_and_variance(seed):
    loss_fn, params = small_mlp_problem(seed, inputs=2, hidden=2, samples=6)
    n = sum(p.numel() for p in params)
    H = dense_reference(loss_fn, params)
    probes = all_sign_vectors(n)

    terms = probes * batched_hvp(loss_fn, params, probes)

    assert torch.allclose(terms.mean(dim=0), torch.diagonal(H), atol=1e-12)
    assert torch.allclose(terms.var(dim=0, unbiased=False), diagonal_variance(H), atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_enumerated_trace_mean_and_variance(seed):
    loss_fn, params = small_mlp_problem(seed, inputs=2, hidden=2, samples=6)
    n = sum(p.numel() for p in params)
    H = dense_reference(loss_fn, params)
    probes = all_sign_vectors(n)

    terms = (probes * batched_hvp(loss_fn, params, probes)).sum(dim=1)

    assert float(terms.mean()) == pytest.approx(float(torch.trace(H)), abs=1e-10)
    assert float(terms.var(unbiased=False)) == pytest.approx(float(trace_variance(H)), rel=1e-9)


def test_rademacher_terms_lie_within_spectral_band():
    loss_fn, params = small_mlp_problem(4, inputs=2, hidden=2, samples=6)
    n = sum(p.numel() for p in params)
    eigenvalues = torch.linalg.eigvalsh(dense_reference(loss_fn, params))
    probes = all_sign_vectors(n)

    terms = (probes * batched_hvp(loss_fn, params, probes)).sum(dim=1)

    slack = 1e-9 * float(eigenvalues.abs().max())
    assert float(terms.min()) >= n * float(eigenvalues[0]) - slack
    assert float(terms.max()) <= n * float(eigenvalues[-1]) + slack


def test_gaussian_trace_variance_formula():
    # For Gaussian z, Var[zᵀHz] = 2‖H‖_F²: check on a fixed matrix with many probes.
    H = torch.tensor([[2.0, 1.0, 0.0], [1.0, -1.0, 0.5], [0.0, 0.5, 3.0]], dtype=torch.float64)
    probes = draw_probes(
        200_000, 3, distribution="gaussian", generator=torch.Generator().manual_seed(0)
    )
    terms = ((probes @ H) * probes).sum(dim=1)
    expected = float(trace_variance(H, "gaussian"))
    # The sample variance of 2e5 terms has relative standard error about sqrt(2/2e5) times a
    # kurtosis factor below 5 here; 3 % is more than ten standard errors.
    assert float(terms.var()) == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampled_diagonal_within_chebyshev_bound(seed):
    loss_fn, params = small_mlp_problem(seed)
    H = dense_reference(loss_fn, params)
    num_probes = 400

    estimate = flatten(
        hutchinson_diagonal(
            loss_fn, params, num_probes, generator=torch.Generator().manual_seed(seed)
        )
    )

    standard_error = (diagonal_variance(H) / num_probes).sqrt()
    k = math.sqrt(H.shape[0] / FALSE_ALARM_RATE)
    error = (estimate - torch.diagonal(H)).abs()
    worst = float((error / standard_error).max())
    assert worst <= k, f"an entry is {worst:.1f} standard errors off, above k = {k:.1f}"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sampled_trace_within_chebyshev_bound(seed):
    loss_fn, params = small_mlp_problem(seed)
    H = dense_reference(loss_fn, params)
    num_probes = 400

    estimate = hutchinson_trace(
        loss_fn, params, num_probes, generator=torch.Generator().manual_seed(seed)
    )

    standard_error = float((trace_variance(H) / num_probes).sqrt())
    k = math.sqrt(1 / FALSE_ALARM_RATE)
    deviation = abs(float(estimate) - float(torch.trace(H))) / standard_error
    assert deviation <= k, f"trace is {deviation:.1f} standard errors off, above k = {k:.1f}"


def test_diagonal_hessian_estimated_exactly():
    # With H diagonal every probe's term is exact: the variance formula gives zero.
    x = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    estimate = hutchinson_diagonal(
        lambda ps: (ps[0] ** 4).sum(), [x], 1, generator=torch.Generator().manual_seed(0)
    )
    assert torch.allclose(estimate[0], 12 * x**2, atol=1e-12)


def test_samples_are_reproducible_with_a_seeded_generator():
    loss_fn, params = small_mlp_problem(0)
    first = hutchinson_samples(loss_fn, params, 8, generator=torch.Generator().manual_seed(7))
    second = hutchinson_samples(loss_fn, params, 8, generator=torch.Generator().manual_seed(7))
    assert torch.equal(first.diagonal, second.diagonal)
    assert first.num_probes == 8


def test_rademacher_probes_are_signs():
    probes = draw_probes(50, 9, generator=torch.Generator().manual_seed(1))
    assert set(probes.unique().tolist()) == {-1.0, 1.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_probes": 0}, "`num_probes` must be a positive integer, got 0"),
        ({"num_probes": 2.5}, "`num_probes` must be a positive integer, got 2.5"),
        ({"num_probes": 2, "distribution": "uniform"}, "`distribution` must be one of"),
    ],
    ids=["zero-probes", "fractional-probes", "unknown-distribution"],
)
def test_invalid_probe_arguments(kwargs, message):
    x = torch.ones(2, dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        hutchinson_trace(lambda ps: (ps[0] ** 2).sum(), [x], **kwargs)


def test_variance_formulas_reject_non_square():
    with pytest.raises(ValueError, match="square matrix"):
        diagonal_variance(torch.ones(2, 3))
