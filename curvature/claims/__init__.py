"""The claims made for the adaptive rule as checks, each giving a verdict with evidence."""

from curvature.claims.base import CheckContext, Claim, ClaimResult, Verdict
from curvature.claims.estimator_accuracy import EstimatorAccuracy
from curvature.claims.loss_curve_model import LossCurveModel
from curvature.claims.lr_bounds import LearningRateBounds
from curvature.claims.stationarity_rate import StationarityRate
from curvature.claims.step_size_condition import StepSizeCondition, divergence_threshold


def all_claims() -> tuple[Claim, ...]:
    """Return one instance of every claim check, in report order."""
    return (
        EstimatorAccuracy(),
        LearningRateBounds(),
        StationarityRate(),
        LossCurveModel(),
        StepSizeCondition(),
    )


__all__ = [
    "CheckContext",
    "Claim",
    "ClaimResult",
    "EstimatorAccuracy",
    "LearningRateBounds",
    "LossCurveModel",
    "StationarityRate",
    "StepSizeCondition",
    "Verdict",
    "all_claims",
    "divergence_threshold",
]
