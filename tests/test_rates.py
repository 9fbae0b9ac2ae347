"""The rate engine: quantities, seed bounds, fit windows, verdicts and the loss-curve model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from curvature.rates import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    Quantity,
    RateRules,
    RateSetting,
    StepPolicy,
    assess_rate,
    geometric_grid,
    run_setting,
    seed_bounds,
)
from curvature.rates.loss_model import exponential_model, fit_loss_curve
from curvature.rates.quantities import best_so_far, loss_gap, random_iterate, running_average
from curvature.rates.window import select_window

GRID = geometric_grid(10, 1000)


def noisy_power_law(exponent: float, seeds: int = 4, sigma: float = 0.02, seed: int = 0):
    noise = np.random.default_rng(seed).normal(0.0, sigma, (seeds, GRID.size))
    return GRID.astype(float) ** -exponent * np.exp(noise)


# Quantities.


def test_quantities_match_definitions():
    g = np.array([4.0, 1.0, 3.0, 0.5, 2.0])
    horizons = np.array([1, 2, 3, 5])
    assert best_so_far(g, horizons).tolist() == [4.0, 1.0, 1.0, 0.5]
    assert running_average(g, horizons).tolist() == pytest.approx([4.0, 2.5, 8 / 3, 2.1])
    losses = np.array([3.0, 2.0, 1.5, 1.25, 1.1, 1.05])
    assert loss_gap(losses, 1.0, horizons).tolist() == pytest.approx([1.0, 0.5, 0.25, 0.05])


def test_random_iterate_draws_within_horizon():
    g = np.arange(1.0, 101.0)
    horizons = np.array([1, 10, 100])
    draws = np.array(
        [random_iterate(g, horizons, np.random.default_rng(seed)) for seed in range(200)]
    )
    assert np.all(draws[:, 0] == 1.0)
    assert np.all(draws[:, 1] <= 10.0)
    # E g_R = (T + 1)/2 = 50.5 at T = 100; the mean of 200 draws has standard error 2.04.
    assert abs(draws[:, 2].mean() - 50.5) < 4 * 29.0 / math.sqrt(200)


def test_quantities_after_divergence():
    g = np.array([1.0, 0.5])
    horizons = np.array([1, 2, 5])
    assert best_so_far(g, horizons).tolist() == [1.0, 0.5, 0.5]
    assert running_average(g, horizons)[-1] == math.inf
    assert loss_gap(np.array([2.0, 1.0]), 0.0, horizons)[-1] == math.inf


@pytest.mark.parametrize(
    ("horizons", "message"),
    [(np.array([0, 2]), "at least 1"), (np.array([1.5, 2.0]), "integer")],
    ids=["zero", "float"],
)
def test_quantities_reject_bad_horizons(horizons, message):
    with pytest.raises(ValueError, match=message):
        best_so_far(np.ones(3), horizons)


# Seed bounds.


def test_seed_bounds_cover_student_t():
    values = np.array([-1.0, -0.8, -1.2, -0.9])
    bounds = seed_bounds(
        values,
        lower_confidence=0.95,
        upper_confidence=0.99,
        generator=np.random.default_rng(0),
    )
    error = values.std(ddof=1) / 2
    assert bounds.upper >= values.mean() + stats.t.ppf(0.99, 3) * error - 1e-12
    assert bounds.lower <= values.mean() - stats.t.ppf(0.95, 3) * error + 1e-12


def test_seed_bounds_of_identical_seeds_are_the_mean():
    bounds = seed_bounds(
        np.full(3, -0.7),
        lower_confidence=0.95,
        upper_confidence=0.99,
        generator=np.random.default_rng(0),
    )
    assert bounds.lower == bounds.upper == pytest.approx(-0.7)


# Verdicts.


def test_fast_power_law_holds():
    result = assess_rate(GRID, noisy_power_law(1.0), 0.5)
    assert result.verdict == HOLDS
    assert result.slope.mean == pytest.approx(-1.0, abs=0.1)


def test_slow_power_law_fails():
    result = assess_rate(GRID, noisy_power_law(0.25), 0.5)
    assert result.verdict == FAILS
    assert result.slope.lower > -0.5


def test_exact_claimed_rate_is_inconclusive_with_advice():
    result = assess_rate(GRID, noisy_power_law(0.5, sigma=0.1), 0.5)
    assert result.verdict == INCONCLUSIVE
    assert "straddle" in result.summary


def test_plateau_fails_and_is_reported():
    curve = GRID.astype(float) ** -1.0 + 1e-2
    noise = np.random.default_rng(1).normal(0.0, 0.01, (4, GRID.size))
    result = assess_rate(GRID, curve * np.exp(noise), 0.5)
    assert result.verdict == FAILS
    assert result.plateau is not None
    assert result.plateau["level"] == pytest.approx(1e-2, rel=0.3)


def test_transient_is_left_out():
    curve = GRID.astype(float) ** -1.0 * (1 + 30.0 / GRID) ** 3
    result = assess_rate(GRID, np.vstack([curve] * 3), 1.0, rules=RateRules())
    assert result.transient_end is not None
    assert result.transient_end > GRID[0]


def test_floor_reached_holds():
    values = np.vstack([np.exp(-GRID / 10.0)] * 2)
    result = assess_rate(GRID, values, 0.5)
    assert result.verdict == HOLDS
    assert "precision floor" in result.summary


def test_stalled_minimum_fails_from_stall_start():
    grid = geometric_grid(10, 2000)
    values = np.vstack([np.where(grid < 342, 1000.0 / grid, 0.0974)] * 3)
    result = assess_rate(grid, values, 0.5)
    assert result.verdict == FAILS
    assert result.plateau == {"from": 342.0, "level": pytest.approx(0.0974)}
    assert "T in [342, 2000]" in result.summary


def test_too_short_is_inconclusive():
    short = geometric_grid(10, 300)
    result = assess_rate(short, np.vstack([short**-1.0] * 3), 0.5)
    assert result.verdict == INCONCLUSIVE
    assert result.settle["horizon"] == 1000


def test_one_seed_is_inconclusive_unless_deterministic():
    values = GRID.astype(float) ** -1.0
    assert assess_rate(GRID, values, 0.5).verdict == INCONCLUSIVE
    assert assess_rate(GRID, values, 0.5, deterministic=True).verdict == HOLDS


def test_divergence_fails():
    values = np.vstack([GRID.astype(float) ** -1.0] * 2)
    values[1, 15:] = np.inf
    result = assess_rate(GRID, values, 0.5)
    assert result.verdict == FAILS
    assert f"T = {GRID[15]}" in result.summary


def test_explicit_bound_violation_names_smallest_T():
    values = np.vstack([GRID.astype(float) ** -0.25] * 2)
    bound = 2.0 * GRID.astype(float) ** -0.5
    result = assess_rate(GRID, values, 0.5, bound=bound)
    assert result.verdict == FAILS
    first = int(GRID[np.argmax(GRID.astype(float) ** 0.25 > 2.0)])
    assert result.bound.violated_at == (first, 0)


@pytest.mark.parametrize(
    ("horizons", "values", "message"),
    [
        (np.array([1, 2]), np.ones(2), "at least 3 horizons"),
        (np.array([3, 2, 1]), np.ones(3), "strictly increasing"),
        (np.array([1.0, 2.0, 3.0]), np.ones(3), "integer"),
        (np.array([1, 2, 3]), np.ones(4), "shape"),
        (np.array([1, 2, 3]), np.array([1.0, np.nan, 1.0]), "NaN"),
        (np.array([1, 2, 3]), np.array([1.0, -1.0, 1.0]), "non-negative"),
    ],
    ids=["two-horizons", "decreasing", "float-horizons", "shape", "nan", "negative"],
)
def test_assess_rate_rejects_bad_input(horizons, values, message):
    with pytest.raises(ValueError, match=message):
        assess_rate(horizons, values, 0.5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("holds_confidence", 1.0, "holds_confidence"),
        ("min_points", 3, "min_points"),
        ("window_decades", 3.0, "window_decades"),
    ],
)
def test_rules_reject_bad_settings(field, value, message):
    with pytest.raises(ValueError, match=message):
        RateRules(**{field: value})


def test_window_prefers_longest_straight_stretch():
    log_values = np.log(noisy_power_law(0.7, sigma=0.001))
    window = select_window(
        GRID, log_values, window_decades=1.0, min_points=5, curvature_confidence=0.8
    )
    assert window.start == 0
    assert window.straight


# The experiment layer on a real optimizer.


def test_horizon_scaled_runs_use_scaled_rates(quadratic):
    runs = run_setting(quadratic, RateSetting(StepPolicy.HORIZON_SCALED), np.array([4, 16]), [0])
    assert runs.lrs.tolist() == pytest.approx([0.25, 0.125])
    assert [run.steps for run in runs.runs[0]] == [5, 17]
    assert runs.table(Quantity.BEST).shape == (1, 2)


def test_decaying_policy_divides_lr_by_sqrt_step(quadratic):
    runs = run_setting(
        quadratic, RateSetting(StepPolicy.DECAYING, method="sgd"), np.array([1, 5, 9]), [0]
    )
    lrs = runs.runs[0][0].lrs
    assert lrs[:4].tolist() == pytest.approx([0.25 / math.sqrt(t + 1) for t in range(4)])


def test_baseline_methods_run(quadratic):
    for method in ("sgd", "adam"):
        runs = run_setting(
            quadratic, RateSetting(method=method, lr=0.01), np.array([1, 10, 20]), [0]
        )
        table = runs.table(Quantity.AVERAGE)
        assert np.all(np.isfinite(table))
        assert np.isnan(runs.runs[0][0].traces).all()


def test_stochastic_setting_needs_stochastic_objective(quadratic):
    with pytest.raises(ValueError, match="no stochastic gradients"):
        run_setting(quadratic, RateSetting(stochastic=True), np.array([1, 2]), [0])


@pytest.fixture
def quadratic():
    from curvature.objectives import Quadratic, RunSettings

    return Quadratic([1.0, 2.0], settings=RunSettings(lr=0.25, curvature_scale=0.5), name="q")


# The loss-curve model.


def test_loss_model_recovers_planted_exponential():
    t = np.arange(1000)
    noise = np.random.default_rng(0).normal(0.0, 0.003, (4, t.size))
    losses = exponential_model(t, 2.0, 0.01, 0.3) * (1 + noise)
    fit = fit_loss_curve(losses)
    assert fit.verdict == HOLDS
    # Four seeds of 0.3 % noise: the standard error of alpha is far below 1e-4.
    assert fit.alpha == pytest.approx(0.01, abs=5 * fit.standard_errors["alpha"] + 1e-5)
    assert fit.L_inf == pytest.approx(0.3, abs=1e-3)


def test_loss_model_rejects_two_time_scales():
    t = np.arange(2000)
    curve = np.exp(-0.1 * t) + np.exp(-0.002 * t)
    fit = fit_loss_curve(np.vstack([curve] * 3))
    assert fit.verdict == FAILS
    assert fit.misfit[0][0] == 0
    assert fit.described_from is not None


def test_loss_model_needs_a_time_constant():
    t = np.arange(500)
    fit = fit_loss_curve(np.vstack([exponential_model(t, 1.0, 1e-4, 0.5)] * 2))
    assert fit.verdict == INCONCLUSIVE
    assert "time constants" in fit.summary


def test_loss_model_noise_alone_is_inconclusive():
    t = np.arange(300)
    rng = np.random.default_rng(3)
    curve = 1.0 / (1.0 + 0.05 * t)
    losses = curve * (1 + 0.5 * rng.standard_normal((3, t.size)))
    fit = fit_loss_curve(losses)
    assert fit.verdict == INCONCLUSIVE
    assert "more seeds" in fit.summary


def test_loss_model_rejects_non_finite_losses():
    with pytest.raises(ValueError, match="finite"):
        fit_loss_curve(np.array([1.0, np.inf, 0.5, 0.2]))
