"""The rate engine's error rates over every calibration scenario, with many trials.

Run it with ``python -m pytest benchmarks/test_rate_calibration.py -m slow -s``; it prints
the table that ``docs/rates.md`` records (about 15 minutes of one CPU core for 2,000 trials
per scenario). Each scenario's count of wrong verdicts must stay within the 99.9 % quantile
of binomial(trials, target): targets 1 % false holds, 5 % false fails, and no verdict at all
on data that span less than two decades of T.
"""

from __future__ import annotations

import pytest
from scipy import stats

from curvature.rates import FAILS
from curvature.rates.calibration import (
    default_scenarios,
    format_rates,
    measure_error_rates,
    summarize,
)

TRIALS = 2000
FALSE_HOLDS_TARGET = 0.01
FALSE_FAILS_TARGET = 0.05
TEST_FALSE_ALARM = 0.001


@pytest.mark.slow
def test_error_rates_of_every_scenario():
    rates = measure_error_rates(default_scenarios(), TRIALS, seed=2024)
    print()
    print(format_rates(rates))
    print(summarize(rates))

    violations = []
    for rate in rates:
        if rate.scenario.too_short:
            allowed = 0
        else:
            target = FALSE_HOLDS_TARGET if rate.scenario.case.truth == FAILS else FALSE_FAILS_TARGET
            allowed = int(stats.binom.ppf(1 - TEST_FALSE_ALARM, rate.trials, target))
        if rate.wrong > allowed:
            violations.append(f"{rate.scenario.label}: {rate.wrong} wrong, {allowed} allowed")
    assert not violations, "; ".join(violations)
