"""The rate engine against planted truth: its error rates at the default confidence.

Each test counts verdicts over seeded trials of planted sequences (see
:mod:`curvature.rates.planted`) and compares the count with its target rate r. Over n
independent trials, the count of wrong verdicts of an engine that meets the target exactly is
binomial(n, r). A test fails when the count exceeds the 99.9 % quantile of binomial(n, r), so
an engine that meets its target fails it with probability at most 0.1 %, and one whose rate is
twice the target fails it with high probability at these n.
The long version over every scenario is ``benchmarks/test_rate_calibration.py``.
"""

from __future__ import annotations

import pytest
from scipy import stats

from curvature.rates import FAILS, HOLDS
from curvature.rates.calibration import Scenario, default_scenarios, measure_error_rates

TRIALS = 100
FALSE_HOLDS_TARGET = 0.01
FALSE_FAILS_TARGET = 0.05
TEST_FALSE_ALARM = 0.001


def pick(
    name: str, sigma: float, kind: str = "gaussian", monotone: bool = False, last: int = 1000
) -> Scenario:
    """Return the default scenario with this case name, noise and last horizon."""
    for scenario in default_scenarios():
        noise = scenario.noise
        if (
            scenario.case.name == name
            and noise.sigma == sigma
            and noise.kind == kind
            and noise.monotone == monotone
            and int(scenario.horizons[-1]) == last
        ):
            return scenario
    raise LookupError(f"no default scenario {name!r} with sigma {sigma} and {kind} noise")


def largest_allowed_count(trials: int, target: float) -> int:
    """Return the 99.9 % quantile of binomial(trials, target)."""
    return int(stats.binom.ppf(1 - TEST_FALSE_ALARM, trials, target))


def test_false_holds_at_most_one_percent():
    scenarios = [
        pick("T^-0.4", 0.2),
        pick("T^-1/4", 0.3, kind="student-t"),
        pick("plateau at T_end", 0.3, monotone=True),
        pick("plateau at T_end", 0.3, kind="student-t"),
        pick("steep transient, T^-1/4", 0.2),
        pick("T^-1/2, p=1", 0.2),
    ]
    assert all(scenario.case.truth == FAILS for scenario in scenarios)
    rates = measure_error_rates(scenarios, TRIALS, seed=11)

    trials = sum(rate.trials for rate in rates)
    false_holds = sum(rate.holds for rate in rates)
    allowed = largest_allowed_count(trials, FALSE_HOLDS_TARGET)
    worst = max(rates, key=lambda rate: rate.holds)
    assert false_holds <= allowed, (
        f"{false_holds} false holds in {trials} trials (at most {allowed} allowed for a 1 % "
        f"rate); most in {worst.scenario.label}: {worst.holds}"
    )


def test_false_fails_at_most_five_percent():
    scenarios = [
        pick("T^-1/2", 0.2),
        pick("T^-1/2", 0.3, monotone=True),
        pick("T^-1, p=1", 0.3, kind="student-t"),
        pick("late delayed T^-1", 0.3, monotone=True),
    ]
    assert all(scenario.case.truth == HOLDS for scenario in scenarios)
    rates = measure_error_rates(scenarios, TRIALS, seed=12)

    trials = sum(rate.trials for rate in rates)
    false_fails = sum(rate.fails for rate in rates)
    allowed = largest_allowed_count(trials, FALSE_FAILS_TARGET)
    worst = max(rates, key=lambda rate: rate.fails)
    assert false_fails <= allowed, (
        f"{false_fails} false fails in {trials} trials (at most {allowed} allowed for a 5 % "
        f"rate); most in {worst.scenario.label}: {worst.fails}"
    )


def test_short_data_is_always_inconclusive():
    # Below two decades of T the engine's rule gives no verdict at all, so one guess is a bug.
    scenarios = [pick("T^-1", 0.2, last=100), pick("T^-1/4", 0.2, last=100)]
    rates = measure_error_rates(scenarios, 50, seed=13)
    for rate in rates:
        assert rate.inconclusive == rate.trials, f"{rate.scenario.label}: {rate.wrong} guesses"


@pytest.mark.parametrize(
    ("name", "verdict", "floor"),
    [("T^-1", HOLDS, 0.5), ("T^-1/4", FAILS, 0.5), ("exponential", HOLDS, 0.95)],
    ids=["fast-rate-holds", "slow-rate-fails", "exponential-holds"],
)
def test_engine_still_decides(name, verdict, floor):
    # An engine that always returns inconclusive would pass the error tests above. With mild
    # noise it decides these cases far more often than the floors (docs/rates.md lists the
    # measured rates). A count below the floor's 0.1 % binomial quantile fails.
    rate = measure_error_rates([pick(name, 0.05)], TRIALS, seed=14)[0]
    decided = rate.holds if verdict == HOLDS else rate.fails
    smallest = int(stats.binom.ppf(TEST_FALSE_ALARM, TRIALS, floor))
    assert decided >= smallest, f"{rate.scenario.label}: {decided} of {rate.trials} decided"
