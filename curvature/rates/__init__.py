"""Rates of convergence measured from runs: quantities on grids of horizons, fits with
confidence bounds over seeds, verdicts on claims Q(T) ≤ C·T^(−p), and the loss-curve model.
"""

from curvature.rates.assessment import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    BoundCheck,
    RateAssessment,
    RateRules,
    assess_rate,
    check_bound,
)
from curvature.rates.experiment import (
    RateSetting,
    SettingRuns,
    StepPolicy,
    experiment_seeds,
    run_setting,
    shared_runs,
)
from curvature.rates.powerlaw import PowerLawFit, fit_power_law, geometric_grid, running_minimum
from curvature.rates.quantities import Quantity
from curvature.rates.seeds import SeedBounds, seed_bounds

__all__ = [
    "FAILS",
    "HOLDS",
    "INCONCLUSIVE",
    "BoundCheck",
    "PowerLawFit",
    "Quantity",
    "RateAssessment",
    "RateRules",
    "RateSetting",
    "SeedBounds",
    "SettingRuns",
    "StepPolicy",
    "assess_rate",
    "check_bound",
    "experiment_seeds",
    "fit_power_law",
    "geometric_grid",
    "run_setting",
    "running_minimum",
    "seed_bounds",
    "shared_runs",
]
