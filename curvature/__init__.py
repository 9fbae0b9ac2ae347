"""curvature: a curvature-adaptive learning-rate rule for PyTorch, and checks of its theory.

The rule η_t = lr / √(1 + λ·tr(H_t)) is :class:`CurvatureAdaptiveSGD`. The estimators of
H live in :mod:`curvature.estimators`, the test objectives in :mod:`curvature.objectives`,
and the checks of each claimed property in :mod:`curvature.claims`; ``curvature verify``
runs them all.
"""

from curvature.errors import (
    CurvatureError,
    MissingGraphError,
    NonFiniteValueError,
    UndefinedLearningRateError,
    UnsupportedModuleError,
)
from curvature.optim import CurvatureAdaptiveSGD, adaptive_learning_rate, learning_rate_bounds

__version__ = "0.1.0"

__all__ = [
    "CurvatureAdaptiveSGD",
    "CurvatureError",
    "MissingGraphError",
    "NonFiniteValueError",
    "UndefinedLearningRateError",
    "UnsupportedModuleError",
    "__version__",
    "adaptive_learning_rate",
    "learning_rate_bounds",
]
