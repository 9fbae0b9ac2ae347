"""Each claim check on small cases, including planted faults that must make it fail."""

from __future__ import annotations

import math

import pytest
import torch

import curvature.claims.estimator_accuracy as estimator_accuracy_module
from curvature.claims import (
    CheckContext,
    EstimatorAccuracy,
    LearningRateBounds,
    StationarityRate,
    StepSizeCondition,
    Verdict,
    divergence_threshold,
)
from curvature.estimators.hutchinson import HutchinsonSamples
from curvature.objectives import Quadratic, RunSettings, make_objective, scalar_quadratic
from curvature.trajectory import run_trajectory

QUICK = CheckContext(seed=0, quick=True)


def test_divergence_threshold_closed_form():
    lr, scale = 0.1, 1.0
    L = divergence_threshold(lr, scale)
    assert lr * L / math.sqrt(1 + scale * L) == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize(("lr", "scale"), [(0.1, 1.0), (0.5, 0.0), (0.02, 3.0)])
def test_step_size_search_matches_closed_form(lr, scale):
    objective = scalar_quadratic(1.0, settings=RunSettings(lr=lr, curvature_scale=scale))
    result = StepSizeCondition().check(objective, QUICK)
    assert result.verdict is Verdict.FAILS
    assert result.evidence["relative_gap"] < 1e-5
    assert result.evidence["counterexample"]["eta_times_L"] > 2


def test_scalar_quadratic_diverges_just_above_threshold():
    settings = RunSettings(lr=0.1, curvature_scale=1.0)
    L = divergence_threshold(0.1, 1.0)
    above = run_trajectory(
        scalar_quadratic(L * 1.001, settings=settings), 200, seed=0, estimator="exact"
    )
    below = run_trajectory(
        scalar_quadratic(L * 0.999, settings=settings), 200, seed=0, estimator="exact"
    )
    assert above.grad_norms_sq[-1] > above.grad_norms_sq[0]
    assert below.grad_norms_sq[-1] < below.grad_norms_sq[0]


def test_step_size_run_check_on_safe_settings_holds():
    result = StepSizeCondition().check(make_objective("quadratic-psd"), QUICK)
    assert result.verdict is Verdict.HOLDS
    assert result.evidence["max_eta_times_L"] < 2


def test_step_size_run_check_fails_with_large_lr():
    objective = Quadratic(
        [4.0, 1.0], settings=RunSettings(lr=1.0, curvature_scale=0.0), name="steep"
    )
    result = StepSizeCondition().check(objective, QUICK)
    assert result.verdict is Verdict.FAILS
    assert result.evidence["max_eta_times_L"] == pytest.approx(4.0)


def test_step_size_skips_objectives_without_certified_L():
    assert (
        StepSizeCondition().skip_reason(make_objective("mlp-digits"))
        == "no certified smoothness constant L"
    )


def test_lr_bounds_hold_for_positive_definite_quadratic():
    result = LearningRateBounds().check(make_objective("quadratic-psd"), QUICK)
    assert result.verdict is Verdict.HOLDS
    assert all(row["within"] for row in result.evidence["checkpoints"])


def test_lr_bounds_fail_for_indefinite_quadratic():
    result = LearningRateBounds().check(make_objective("quadratic-indefinite"), QUICK)
    assert result.verdict is Verdict.FAILS
    assert result.evidence["undefined_steps"] > 0
    assert result.evidence["all_eta_finite"]
    assert "no finite eta_max" in result.summary


def test_estimator_accuracy_holds_on_quadratic():
    result = EstimatorAccuracy().check(make_objective("quadratic-psd"), QUICK)
    assert result.verdict is Verdict.HOLDS
    assert result.evidence["max_error_over_radius"] <= 1.0


@pytest.mark.parametrize(
    "fault",
    ["sign", "missing-factor", "trace-offset"],
)
def test_estimator_accuracy_catches_planted_faults(monkeypatch, fault):
    original = estimator_accuracy_module.hutchinson_samples

    def faulty(*args, **kwargs):
        samples = original(*args, **kwargs)
        if fault == "sign":
            return HutchinsonSamples(-samples.diagonal, -samples.trace)
        if fault == "missing-factor":
            return HutchinsonSamples(0.5 * samples.diagonal, 0.5 * samples.trace)
        return HutchinsonSamples(samples.diagonal, samples.trace + 1.0)

    monkeypatch.setattr(estimator_accuracy_module, "hutchinson_samples", faulty)
    result = EstimatorAccuracy().check(make_objective("logreg-breast-cancer"), CheckContext(seed=0))
    assert result.verdict is Verdict.FAILS
    assert result.evidence["max_error_over_radius"] > 1.0


def test_estimator_accuracy_checks_minibatch_average():
    result = EstimatorAccuracy().check(make_objective("logreg-breast-cancer"), QUICK)
    assert result.evidence["minibatch_average"]["max_error"] < 1e-12


def test_stationarity_certified_on_convex_quadratic():
    result = StationarityRate().check(make_objective("quadratic-psd"), QUICK)
    assert result.verdict is Verdict.HOLDS
    assert result.evidence["explicit_bound"]["worst_ratio"] <= 1.0


def test_stationarity_fails_when_unbounded_below():
    result = StationarityRate().check(make_objective("quadratic-indefinite"), QUICK)
    assert result.verdict is Verdict.FAILS
    assert "unbounded below" in result.summary


def test_stationarity_bound_not_applied_with_large_steps():
    objective = Quadratic(
        [3.0, 1.0], settings=RunSettings(lr=0.7, curvature_scale=0.0), name="steep"
    )
    result = StationarityRate().check(objective, QUICK)
    assert "eta_t * L reached" in result.evidence["explicit_bound"]


def test_results_are_json_ready():
    import json

    result = LearningRateBounds().check(make_objective("quadratic-indefinite"), QUICK)
    json.dumps(result.to_dict(), allow_nan=False)


def test_trajectory_records_divergence():
    objective = Quadratic([100.0], settings=RunSettings(lr=1.0, curvature_scale=0.0), name="wild")
    run = run_trajectory(objective, 500, seed=0)
    assert run.diverged_at is not None
    assert run.steps == run.diverged_at
    assert torch.isfinite(torch.from_numpy(run.grad_norms_sq)).all()
