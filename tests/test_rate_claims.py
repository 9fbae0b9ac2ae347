"""``stationarity-rate`` per setting and ``loss-curve-model``, on small objectives."""

from __future__ import annotations

import json

import pytest

from curvature.claims import CheckContext, LossCurveModel, StationarityRate, Verdict
from curvature.cli.verify_command import format_table
from curvature.objectives import Quadratic, RunSettings, make_objective
from curvature.verify import markdown_table, run_verification

QUICK = CheckContext(seed=0, quick=True)


def test_stationarity_has_one_verdict_per_setting():
    results = StationarityRate().check_all(make_objective("quadratic-psd"), QUICK)
    assert [result.setting for result in results] == [
        "full gradients, constant lr",
        "full gradients, lr*sqrt(1/T)",
    ]
    for result in results:
        assert result.verdict is Verdict.HOLDS
        assert result.summary.startswith("certified")
    assert results[1].evidence["explicit_bound"]["kappa"] > 0


def test_stationarity_reports_every_quantity():
    result = StationarityRate().check(make_objective("quadratic-psd"), QUICK)
    quantities = result.evidence["quantities"]
    assert set(quantities) == {"best", "average", "random-iterate", "loss-gap"}
    for assessment in quantities.values():
        assert assessment["verdict"] in {"holds", "fails", "inconclusive"}
    json.dumps(result.to_dict(), allow_nan=False)


def test_stationarity_skips_loss_gap_without_lower_bound():
    result = StationarityRate().check(make_objective("quadratic-indefinite"), QUICK)
    assert "loss-gap" not in result.evidence["quantities"]
    assert result.verdict is Verdict.FAILS


def test_stationarity_labels_stochastic_settings():
    results = StationarityRate().check_all(make_objective("quadratic-psd-noisy"), QUICK)
    assert [result.setting for result in results] == [
        "noisy gradients, constant lr",
        "noisy gradients, lr*sqrt(1/T)",
    ]
    assert all(result.evidence["stochastic"] for result in results)
    assert all(isinstance(result.evidence["explicit_bound"], str) for result in results)


def test_loss_curve_result_does_not_depend_on_reuse():
    objective = make_objective("logreg-breast-cancer")
    store: dict = {}
    StationarityRate().check_all(objective, CheckContext(seed=1, quick=True, store=store))
    assert store, "the stationarity check kept no runs"

    reused = LossCurveModel().check(objective, CheckContext(seed=2, quick=True, store=store))
    fresh = LossCurveModel().check(objective, CheckContext(seed=2, quick=True))
    assert reused.to_dict() == fresh.to_dict()
    assert reused.setting == "full gradients, constant lr"


def test_loss_curve_fails_on_divergence():
    objective = Quadratic(
        [100.0], settings=RunSettings(lr=1.0, curvature_scale=0.0), name="diverging"
    )
    result = LossCurveModel().check(objective, QUICK)
    assert result.verdict is Verdict.FAILS
    assert "diverged" in result.summary


def test_loss_curve_reports_fit_and_residuals():
    result = LossCurveModel().check(make_objective("quadratic-psd"), QUICK)
    evidence = result.evidence
    for key in ("alpha", "L_inf", "standard_errors", "max_relative_residual", "misfit"):
        assert key in evidence
    assert evidence["steps"] == 201


@pytest.fixture(scope="module")
def settings_report():
    return run_verification(
        quick=True, claim_ids=["stationarity-rate"], objective_specs=["rosenbrock"]
    )


def test_report_rows_show_the_setting(settings_report):
    table = markdown_table(settings_report)
    assert "| claim | objective | setting | verdict | evidence |" in table
    assert "| stationarity-rate | rosenbrock | full gradients, constant lr |" in table
    assert "full gradients, lr*sqrt(1/T)" in format_table(settings_report)


def test_report_json_has_setting_field(settings_report):
    rows = [result.to_dict() for result in settings_report.results]
    assert [row["setting"] for row in rows] == [
        "full gradients, constant lr",
        "full gradients, lr*sqrt(1/T)",
    ]
