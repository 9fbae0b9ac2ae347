"""The stationarity bound against PEPit's worst case (needs the ``pepit`` extra)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curvature.proofs import performance_estimation

pytest.importorskip(
    "PEPit", reason='PEPit is not installed; pip install "curvature-lr-toolkit[pepit]"'
)

PAGE = Path(__file__).resolve().parents[1] / "docs" / "proofs" / "performance-estimation.md"
ROW = re.compile(r"^\| (\d+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| (\w+) \|$")


@pytest.fixture(scope="module")
def comparison():
    return performance_estimation.compare(horizons=(1, 2, 5, 10), normalized_steps=(0.5, 1.0, 1.5))


def test_derived_bound_is_valid(comparison):
    for row in comparison:
        assert row.valid, (row.horizon, row.normalized_step, row.ratio)


def test_bound_is_tight_for_one_step(comparison):
    for row in comparison:
        if row.horizon == 1:
            assert row.ratio == pytest.approx(1.0, abs=1e-6)


def test_worst_case_pattern_for_unit_step(comparison):
    # The page states that for h = 1 the worst case is 4/(3T - 1).
    for row in comparison:
        if row.normalized_step == 1.0:
            assert row.worst_case == pytest.approx(4 / (3 * row.horizon - 1), rel=1e-6)


def test_recorded_numbers_match(comparison):
    recorded = {}
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            recorded[(int(match[1]), float(match[2]))] = (float(match[3]), float(match[4]))
    assert len(recorded) == len(performance_estimation.HORIZONS) * len(
        performance_estimation.NORMALIZED_STEPS
    )
    for row in comparison:
        worst, derived = recorded[(row.horizon, row.normalized_step)]
        assert worst == pytest.approx(row.worst_case, abs=2e-6)
        assert derived == pytest.approx(row.derived_bound, abs=1e-6)


def test_invalid_horizon_rejected():
    with pytest.raises(ValueError, match="`horizon` must be a positive integer, got 0"):
        performance_estimation.worst_case_min_gradient(0, 1.0)


def test_invalid_step_rejected():
    with pytest.raises(ValueError, match=r"`normalized_step` must lie in \(0, 2\), got 2.5"):
        performance_estimation.worst_case_min_gradient(3, 2.5)
