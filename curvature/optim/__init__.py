"""The curvature-adaptive optimizer and the learning-rate rule it applies."""

from curvature.optim.adaptive_sgd import CurvatureAdaptiveSGD
from curvature.optim.history import CurvatureHistory, UndefinedRateEvent
from curvature.optim.rule import (
    UNDEFINED_POLICIES,
    LearningRate,
    adaptive_learning_rate,
    learning_rate_bounds,
)

__all__ = [
    "UNDEFINED_POLICIES",
    "CurvatureAdaptiveSGD",
    "CurvatureHistory",
    "LearningRate",
    "UndefinedRateEvent",
    "adaptive_learning_rate",
    "learning_rate_bounds",
]
