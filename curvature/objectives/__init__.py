"""Test objectives: losses with known curvature facts, built in or supplied by users."""

from curvature.objectives.base import (
    Objective,
    RunSettings,
    Smoothness,
    StochasticObjective,
    is_stochastic,
    validate_objective,
)
from curvature.objectives.catalog import BUILTIN_OBJECTIVES, make_objective
from curvature.objectives.logistic import LogisticRegression, logreg_breast_cancer
from curvature.objectives.minibatch import DataObjective, GradientNoise, MiniBatch
from curvature.objectives.mlp import TanhMLP, mlp_digits
from curvature.objectives.quadratic import (
    Quadratic,
    quadratic_indefinite,
    quadratic_psd,
    scalar_quadratic,
)
from curvature.objectives.rosenbrock import Rosenbrock, rosenbrock

__all__ = [
    "BUILTIN_OBJECTIVES",
    "DataObjective",
    "GradientNoise",
    "LogisticRegression",
    "MiniBatch",
    "Objective",
    "Quadratic",
    "Rosenbrock",
    "RunSettings",
    "Smoothness",
    "StochasticObjective",
    "TanhMLP",
    "is_stochastic",
    "logreg_breast_cancer",
    "make_objective",
    "mlp_digits",
    "quadratic_indefinite",
    "quadratic_psd",
    "rosenbrock",
    "scalar_quadratic",
    "validate_objective",
]
