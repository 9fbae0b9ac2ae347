"""How often the rate engine's verdicts are wrong, measured on planted sequences.

A verdict is wrong when it is ``holds`` for a case whose truth is ``fails`` (a false holds)
or ``fails`` for a case whose truth is ``holds`` (a false fails). ``inconclusive`` is never
wrong, but a scenario whose data are too short must get it: any other verdict there is a
guess. :func:`measure_error_rates` counts each verdict over independent trials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curvature._validation import check_positive_int
from curvature.rates.assessment import FAILS, HOLDS, INCONCLUSIVE, RateRules, assess_rate
from curvature.rates.planted import (
    NoiseModel,
    PlantedCase,
    delayed_start,
    exponential,
    planted_table,
    power_law,
    power_law_with_floor,
    steep_transient,
)
from curvature.rates.powerlaw import geometric_grid


@dataclass(frozen=True)
class Scenario:
    """A planted case on a grid of horizons, with a number of seeds and a noise model.

    Attributes:
        case: the planted curve and its truth.
        horizons: the grid of T.
        seeds: the seeds per trial.
        noise: the noise model.
        too_short: whether the data cannot decide, so that only ``inconclusive`` is right.
    """

    case: PlantedCase
    horizons: np.ndarray
    seeds: int
    noise: NoiseModel
    too_short: bool = False

    @property
    def label(self) -> str:
        """The scenario in one line, for tables."""
        monotone = ", running min" if self.noise.monotone else ""
        return (
            f"{self.case.name}, p={self.case.exponent:g}, T in [{int(self.horizons[0])}, "
            f"{int(self.horizons[-1])}], {self.seeds} seeds, sigma={self.noise.sigma:g} "
            f"{self.noise.kind}{monotone}"
        )


@dataclass(frozen=True)
class ScenarioRates:
    """The verdict counts of one scenario over its trials.

    Attributes:
        scenario: the scenario.
        trials: the number of trials.
        holds, fails, inconclusive: how many trials got each verdict.
    """

    scenario: Scenario
    trials: int
    holds: int
    fails: int
    inconclusive: int

    @property
    def wrong(self) -> int:
        """Trials with a wrong verdict: false holds, false fails, or a guess on short data."""
        if self.scenario.too_short:
            return self.holds + self.fails
        return self.holds if self.scenario.case.truth == FAILS else self.fails

    @property
    def error_rate(self) -> float:
        """The fraction of trials with a wrong verdict."""
        return self.wrong / self.trials


def default_scenarios() -> list[Scenario]:
    """Return the calibration scenarios: rates, plateaus, transients, noise kinds, seeds.

    The claimed exponent is 1/2 (Theorem 1's rate) unless a case names another. Grids have 10
    horizons per decade over 2 or 3 decades; the too-short scenarios span 1 decade.
    """
    two = geometric_grid(10, 1000)
    three = geometric_grid(10, 10_000)
    short = geometric_grid(10, 100)
    end = 1000.0

    cases = [
        PlantedCase("T^-1", power_law(1.0), 0.5, HOLDS, "a faster power law"),
        PlantedCase("T^-1/2", power_law(0.5), 0.5, HOLDS, "exactly the claimed rate"),
        PlantedCase("T^-1/4", power_law(0.25), 0.5, FAILS, "a slower power law"),
        PlantedCase("T^-0.4", power_law(0.4), 0.5, FAILS, "slightly slower than claimed"),
        PlantedCase(
            "plateau at T/10",
            power_law_with_floor(1.0, end / 10),
            0.5,
            FAILS,
            "T^-1 meeting a floor at a tenth of the last horizon",
        ),
        PlantedCase(
            "plateau at T_end",
            power_law_with_floor(1.0, end),
            0.5,
            FAILS,
            "T^-1 meeting a floor at the last horizon",
        ),
        PlantedCase(
            "exponential", exponential(end / 20), 0.5, HOLDS, "exp(-T/50), faster than any power"
        ),
        PlantedCase(
            "steep transient, T^-1/4",
            steep_transient(0.25, 100.0),
            0.5,
            FAILS,
            "T^-1/4 after a transient about two units steeper up to T = 100",
        ),
        PlantedCase(
            "delayed T^-1",
            delayed_start(1.0, 100.0),
            0.5,
            HOLDS,
            "flat up to T = 100, then T^-1",
        ),
        PlantedCase(
            "late delayed T^-1",
            delayed_start(1.0, end / 3),
            0.5,
            HOLDS,
            "flat up to a third of the last horizon, then T^-1",
        ),
        PlantedCase("T^-1, p=1", power_law(1.0), 1.0, HOLDS, "exactly the claimed rate p = 1"),
        PlantedCase("T^-1/2, p=1", power_law(0.5), 1.0, FAILS, "half the claimed rate p = 1"),
    ]

    mild = NoiseModel(sigma=0.05, rho=0.5)
    gaussian = NoiseModel(sigma=0.2, rho=0.8)
    heavy = NoiseModel(sigma=0.3, rho=0.8, kind="student-t")
    monotone = NoiseModel(sigma=0.3, rho=0.5, monotone=True)
    scenarios = []
    for case in cases:
        scenarios.append(Scenario(case, two, 3, mild))
        scenarios.append(Scenario(case, two, 3, gaussian))
        scenarios.append(Scenario(case, two, 5, heavy))
        scenarios.append(Scenario(case, two, 5, monotone))
    for case in cases[:4]:
        scenarios.append(Scenario(case, three, 4, gaussian))
    for case in (cases[0], cases[2]):
        scenarios.append(Scenario(case, short, 5, gaussian, too_short=True))
    return scenarios


def measure_error_rates(
    scenarios: Sequence[Scenario],
    trials: int,
    *,
    seed: int = 0,
    rules: RateRules | None = None,
) -> list[ScenarioRates]:
    """Run :func:`curvature.rates.assess_rate` on ``trials`` fresh draws of every scenario.

    Draws are seeded from ``seed``, the scenario index and the trial index, so a scenario's
    counts do not depend on which other scenarios run.
    """
    check_positive_int("trials", trials)
    results = []
    for index, scenario in enumerate(scenarios):
        counts = {HOLDS: 0, FAILS: 0, INCONCLUSIVE: 0}
        for trial in range(trials):
            generator = np.random.default_rng([seed, index, trial])
            table = planted_table(
                scenario.case, scenario.horizons, scenario.seeds, scenario.noise, generator
            )
            verdict = assess_rate(
                scenario.horizons,
                table,
                scenario.case.exponent,
                rules=rules,
                seed=int(generator.integers(2**31)),
            ).verdict
            counts[verdict] += 1
        results.append(
            ScenarioRates(scenario, trials, counts[HOLDS], counts[FAILS], counts[INCONCLUSIVE])
        )
    return results


def summarize(rates: Sequence[ScenarioRates]) -> dict[str, float]:
    """Return the overall false-holds, false-fails and short-data guess rates."""
    false_holds = [r for r in rates if not r.scenario.too_short and r.scenario.case.truth == FAILS]
    false_fails = [r for r in rates if not r.scenario.too_short and r.scenario.case.truth == HOLDS]
    short = [r for r in rates if r.scenario.too_short]
    return {
        "false_holds": _pooled(false_holds),
        "false_fails": _pooled(false_fails),
        "short_guesses": _pooled(short),
        "worst_false_holds": max((r.error_rate for r in false_holds), default=0.0),
        "worst_false_fails": max((r.error_rate for r in false_fails), default=0.0),
    }


def _pooled(rates: Sequence[ScenarioRates]) -> float:
    trials = sum(r.trials for r in rates)
    return sum(r.wrong for r in rates) / trials if trials else 0.0


def format_rates(rates: Sequence[ScenarioRates]) -> str:
    """Return the verdict fractions of every scenario as a Markdown table."""
    lines = [
        "| scenario | truth | holds | fails | inconclusive | wrong |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rate in rates:
        truth = "too short" if rate.scenario.too_short else rate.scenario.case.truth
        lines.append(
            f"| {rate.scenario.label} | {truth} | {rate.holds / rate.trials:.3f} | "
            f"{rate.fails / rate.trials:.3f} | {rate.inconclusive / rate.trials:.3f} | "
            f"{rate.error_rate:.3f} |"
        )
    return "\n".join(lines)
