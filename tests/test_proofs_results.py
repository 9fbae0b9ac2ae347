"""The proofs' results against independent references and against runs of the library."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from curvature.claims import CheckContext, StepSizeCondition, Verdict, divergence_threshold
from curvature.estimators import diagonal_variance, trace_variance
from curvature.objectives import Quadratic, RunSettings, Smoothness
from curvature.optim import learning_rate_bounds
from curvature.proofs import result_function
from curvature.trajectory import run_trajectory

QUICK = CheckContext(seed=0, quick=True)


def _random_symmetric(n: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((n, n))
    return (matrix + matrix.T) / 2


@pytest.mark.parametrize(("lr", "scale"), [(0.1, 1.0), (0.5, 0.0), (0.02, 3.0), (1.0, 0.25)])
def test_threshold_matches_hand_formula(lr, scale):
    # The formula as typed before it was derived, as an independent reference.
    expected = 2 * (scale + math.sqrt(scale**2 + lr**2)) / lr**2
    assert divergence_threshold(lr, scale) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(("lr", "scale"), [(0.1, 1.0), (0.3, 0.05)])
def test_threshold_separates_contraction(lr, scale):
    step_times_L = result_function("step-size-threshold", "step_times_L")
    threshold = divergence_threshold(lr, scale)

    # Iterate x ← (1 − ηL)x on (L/2)x² just below and just above L*.
    for factor, contracts in ((1 - 1e-6, True), (1 + 1e-6, False)):
        L = threshold * factor
        eta = lr / math.sqrt(1 + scale * L)
        assert (abs(1 - eta * L) < 1) is contracts
        assert step_times_L(lr, scale, L, L) == pytest.approx(eta * L, rel=1e-14)


def test_learning_rate_bounds_hold_for_every_probe():
    lr, scale, n = 0.5, 0.3, 6
    rng = np.random.default_rng(1)
    rotation, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.linspace(0.2, 3.0, n)
    H = rotation @ np.diag(eigenvalues) @ rotation.T
    eta_min, eta_max = learning_rate_bounds(lr, scale, n, eigenvalues[0], eigenvalues[-1])
    rate = result_function("learning-rate-bounds", "rate")

    # Every one of the 2^n Rademacher samples z'Hz gives a rate inside the band.
    rates = [
        rate(lr, scale, float(np.array(z) @ H @ np.array(z)))
        for z in itertools.product((-1, 1), repeat=n)
    ]
    assert min(rates) >= eta_min * (1 - 1e-12)
    assert max(rates) <= eta_max * (1 + 1e-12)
    assert eta_min == pytest.approx(lr / math.sqrt(1 + scale * n * eigenvalues[-1]), rel=1e-14)
    assert eta_max == pytest.approx(lr / math.sqrt(1 + scale * n * eigenvalues[0]), rel=1e-14)


def test_learning_rate_bounds_without_finite_maximum():
    eta_min, eta_max = learning_rate_bounds(0.1, 1.0, 4, -1.0, 2.0)
    assert eta_max == math.inf
    assert eta_min == pytest.approx(0.1 / 3.0, rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variances_match_enumeration(seed):
    n = 5
    H = torch.from_numpy(_random_symmetric(n, seed))
    signs = torch.tensor(list(itertools.product((-1.0, 1.0), repeat=n)), dtype=torch.float64)
    diagonal_terms = signs * (signs @ H)
    trace_terms = diagonal_terms.sum(dim=1)

    # Exact variances over all 2^n equally likely sign vectors.
    expected_diagonal = diagonal_terms.var(dim=0, unbiased=False)
    expected_trace = trace_terms.var(unbiased=False)
    torch.testing.assert_close(diagonal_variance(H), expected_diagonal, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(trace_variance(H), expected_trace, rtol=1e-12, atol=1e-12)


def test_gaussian_variances_match_sampling():
    # Seeded Monte Carlo: 400,000 probes give a relative standard error near 0.3 % for these
    # variances. The tolerance of 3 % is about ten standard errors.
    n = 4
    H = _random_symmetric(n, 7)
    probes = np.random.default_rng(3).standard_normal((400_000, n))
    diagonal_terms = probes * (probes @ H)

    row_sq, diagonal = (H**2).sum(axis=1), np.diag(H)
    gaussian_diagonal = result_function("hutchinson-moments", "gaussian_diagonal_variance")
    np.testing.assert_allclose(
        diagonal_terms.var(axis=0), gaussian_diagonal(row_sq, diagonal), rtol=0.03
    )
    gaussian_trace = trace_variance(torch.from_numpy(H), "gaussian")
    assert diagonal_terms.sum(axis=1).var() == pytest.approx(float(gaussian_trace), rel=0.03)


def test_descent_bound_is_exact_for_scaled_identity():
    bound = result_function("descent-lemma", "next_loss_bound")
    L, eta = 3.0, 0.2
    x = np.array([1.0, -2.0, 0.5])
    loss = 0.5 * L * x @ x
    gradient = L * x
    following = 0.5 * L * (x - eta * gradient) @ (x - eta * gradient)
    assert following == pytest.approx(bound(loss, eta, L, gradient @ gradient), rel=1e-14)


def test_stationarity_bound_is_attained_at_first_step():
    # On (L/2)x² with η = 1/L one step reaches the minimum and the bound is an equality.
    bound = result_function("stationarity-bound", "constant_step_bound")
    L, x = 2.0, 1.5
    gap, grad_sq = 0.5 * L * x**2, (L * x) ** 2
    assert grad_sq == pytest.approx(bound(gap, 1 / L, L, 1), rel=1e-14)


def test_stationarity_bound_holds_on_runs():
    objective = Quadratic(
        np.geomspace(0.1, 2.0, 8), seed=3, settings=RunSettings(lr=0.4, curvature_scale=0.2)
    )
    run = run_trajectory(objective, 300, seed=0)
    progress_term = result_function("stationarity-bound", "progress_term", "numpy")
    bound = result_function("stationarity-bound", "bound", "numpy")

    L = objective.smoothness.L
    assert np.max(run.lrs) * L < 2
    progress = np.cumsum(progress_term(run.lrs, L))
    best = np.minimum.accumulate(run.grad_norms_sq)
    bounds = bound(run.losses[0] - objective.lower_bound, progress)
    assert np.all(best <= bounds * (1 + 1e-12))


def test_noise_floor_bounds_the_exact_floor():
    # SGD with isotropic noise on ½ Σ λ_i x_i² has the stationary E‖∇f‖² = Σ λ_i η σ²/n /
    # (2 − ηλ_i), which the proved floor Lησ² must exceed.
    eigenvalues = np.geomspace(0.05, 2.0, 10)
    L, sigma_sq = eigenvalues.max(), 1.0
    noise_floor = result_function("stochastic-bound", "noise_floor")
    for eta in (0.1, 0.3, 1 / L):
        exact = np.sum(eigenvalues * eta * sigma_sq / eigenvalues.size / (2 - eta * eigenvalues))
        assert exact <= noise_floor(eta, L, sigma_sq)


def test_stochastic_bound_holds_on_sgd_runs():
    # Many independent SGD runs estimate (1/T) Σ_t E‖∇f(θ_t)‖²; the seeded average of 2,000
    # runs is far below the bound, so sampling error cannot reach it.
    eigenvalues = np.geomspace(0.05, 2.0, 10)
    L, sigma_sq, eta, T, runs = eigenvalues.max(), 1.0, 0.25, 200, 2000
    rng = np.random.default_rng(5)
    x = np.ones((runs, eigenvalues.size))
    gap = 0.5 * np.sum(eigenvalues * x[0] ** 2)
    total = 0.0
    for _ in range(T):
        gradient = eigenvalues * x
        total += np.mean(np.sum(gradient**2, axis=1))
        noise = rng.standard_normal(x.shape) * math.sqrt(sigma_sq / eigenvalues.size)
        x = x - eta * (gradient + noise)
    bound = result_function("stochastic-bound", "constant_step_bound")
    assert total / T <= bound(gap, T, eta, L, sigma_sq)


def test_loss_model_exact_for_one_eigenvalue():
    eigenvalue, lr = 1.5, 0.3
    objective = Quadratic(
        [eigenvalue, eigenvalue, eigenvalue],
        seed=0,
        settings=RunSettings(lr=lr, curvature_scale=0.0),
    )
    run = run_trajectory(objective, 40, seed=0)
    alpha = result_function("loss-model", "alpha")(lr, eigenvalue)
    curve = result_function("loss-model", "loss_curve", "numpy")
    model = curve(run.losses[0], alpha, np.arange(run.steps), 0.0)
    # Rounding in the rotated matrix Q diag(λ) Qᵀ limits the agreement to about 1e-12 of L_0.
    np.testing.assert_allclose(run.losses, model, rtol=1e-10, atol=1e-12 * run.losses[0])


def test_loss_model_error_within_bound():
    eigenvalues, lr = np.array([0.5, 1.0, 1.5]), 0.3
    objective = Quadratic(eigenvalues, seed=2, settings=RunSettings(lr=lr, curvature_scale=0.0))
    run = run_trajectory(objective, 60, seed=0)
    rates = (1 - lr * eigenvalues) ** 2
    rho_min, rho_max = rates.min(), rates.max()
    steps = np.arange(run.steps)

    fit_error_bound = result_function("loss-model", "fit_error_bound", "numpy")
    uniform_bound = result_function("loss-model", "uniform_fit_error_bound")
    for rho_fit in (rho_min, np.sqrt(rho_min * rho_max), rho_max):
        error = np.abs(run.losses - run.losses[0] * rho_fit**steps)
        assert np.all(error <= fit_error_bound(run.losses[0], rho_min, rho_max, steps) * (1 + 1e-9))
        assert np.max(error) <= uniform_bound(run.losses[0], rho_min, rho_max) * (1 + 1e-9)


def test_step_size_claim_records_descent_lemma():
    objective = Quadratic(
        np.geomspace(0.1, 2.0, 6), seed=1, settings=RunSettings(lr=0.4, curvature_scale=0.2)
    )
    result = StepSizeCondition().check(objective, QUICK)
    descent = result.evidence["descent_lemma"]
    assert result.verdict is Verdict.HOLDS
    assert descent["proof"] == "descent-lemma"
    assert descent["violations"] == 0
    assert descent["steps_checked"] == result.evidence["steps"] - 1
    assert descent["min_decrease_over_guaranteed"] >= 1 - 1e-9


def test_step_size_claim_detects_wrong_L():
    # A certified L below the true one contradicts the descent lemma on the run.
    objective = Quadratic(
        np.geomspace(0.1, 2.0, 6), seed=1, settings=RunSettings(lr=0.9, curvature_scale=0.0)
    )
    objective.smoothness = Smoothness(
        L=0.05, certified=True, method="planted wrong value", region="all of R^n"
    )
    result = StepSizeCondition().check(objective, QUICK)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.evidence["descent_lemma"]["violations"] > 0
    assert "descent-lemma bound" in result.summary
