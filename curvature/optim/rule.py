"""The curvature-adaptive learning rate η = lr / √(1 + λ·tr(H)) and its undefined region.

The rule is the one proposed in "Adaptive Learning Rate Scheduling for Large-Scale Neural
Networks" (ICML 2024), whose claims the toolkit checks; "the paper" below means that work.

The rule is well defined only where 1 + λ·tr(H) > 0. With λ ≥ 0 that holds for every
positive semi-definite H, but an indefinite H can have tr(H) ≤ −1/λ, and then the square
root has no real value. Each policy below gives a finite rate there:

* ``"positive-part"`` (default): use max(tr(H), 0), which gives η = lr, the rate with no
  curvature correction;
* ``"absolute"``: use |tr(H)|, so η = lr / √(1 + λ·|tr(H)|) ≤ lr;
* ``"previous"``: keep the last defined rate (lr before any);
* ``"raise"``: raise :class:`~curvature.errors.UndefinedLearningRateError`.

Just inside the defined region, where 1 + λ·tr(H) is a small positive number, the literal rule
gives a rate far above lr. That is the published formula, not a policy decision, so bound it
with ``lr_max``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from curvature._validation import check_choice, check_non_negative, check_positive
from curvature.errors import NonFiniteValueError, UndefinedLearningRateError

UNDEFINED_POLICIES = ("positive-part", "absolute", "previous", "raise")
BOUNDS_PROOF = "learning-rate-bounds"


@dataclass(frozen=True)
class LearningRate:
    """One evaluation of the rule.

    Attributes:
        value: the rate η applied, always finite and positive.
        denominator: 1 + λ·tr(H) as computed from the trace given.
        defined: whether ``denominator`` was positive, so the literal formula applied.
        clipped: whether ``lr_min`` or ``lr_max`` changed the value.
    """

    value: float
    denominator: float
    defined: bool
    clipped: bool


def adaptive_learning_rate(
    lr: float,
    curvature_scale: float,
    trace: float,
    *,
    policy: str = "positive-part",
    previous: float | None = None,
    lr_min: float | None = None,
    lr_max: float | None = None,
    step: int | None = None,
) -> LearningRate:
    """Evaluate η = lr / √(1 + curvature_scale·trace), then clip it to [lr_min, lr_max].

    Raises:
        NonFiniteValueError: when ``trace`` is NaN or infinite.
        UndefinedLearningRateError: when the rule is undefined and ``policy`` is ``"raise"``.

    Example:
        >>> adaptive_learning_rate(0.1, 0.5, 6.0).value
        0.05
        >>> adaptive_learning_rate(0.1, 0.5, -4.0).value  # 1 + 0.5·(−4) < 0: positive part
        0.1
    """
    check_positive("lr", lr)
    check_non_negative("curvature_scale", curvature_scale)
    check_choice("policy", policy, UNDEFINED_POLICIES)
    if not math.isfinite(trace):
        raise NonFiniteValueError(
            f"the Hessian trace estimate is {trace}; no learning rate can be computed from it"
        )

    denominator = 1.0 + curvature_scale * trace
    defined = denominator > 0.0
    if defined:
        value = lr / math.sqrt(denominator)
    elif policy == "positive-part":
        value = lr
    elif policy == "absolute":
        value = lr / math.sqrt(1.0 + curvature_scale * abs(trace))
    elif policy == "previous":
        value = lr if previous is None else previous
    else:
        raise UndefinedLearningRateError(trace, curvature_scale, step)

    clipped_value = value
    if lr_min is not None:
        clipped_value = max(clipped_value, lr_min)
    if lr_max is not None:
        clipped_value = min(clipped_value, lr_max)

    return LearningRate(
        value=clipped_value,
        denominator=denominator,
        defined=defined,
        clipped=clipped_value != value,
    )


def learning_rate_bounds(
    lr: float, curvature_scale: float, n: int, mu: float, L: float
) -> tuple[float, float]:
    """Return [η_min, η_max] for a trace in [n·mu, n·L], with η_max = inf when 1 + λ·n·mu ≤ 0.

    If every eigenvalue of H lies in [mu, L], then tr(H) and every Rademacher Hutchinson
    sample zᵀHz (because ‖z‖² = n) lie in [n·mu, n·L], and the rule, where defined, gives
    η in [lr/√(1 + λ·n·L), lr/√(1 + λ·n·mu)].

    Both bounds are the results ``eta_min`` and ``eta_max`` of the proof
    ``learning-rate-bounds`` (:mod:`curvature.proofs.learning_rate_bounds`), evaluated with
    lambdify.
    """
    # sympy loads on the first call, not with the optimizer.
    from curvature.proofs import result_function

    if mu > L:
        raise ValueError(f"`mu` must not exceed `L`, got mu={mu!r} and L={L!r}")
    upper_denominator = 1.0 + curvature_scale * n * L
    lower_denominator = 1.0 + curvature_scale * n * mu
    if upper_denominator <= 0.0:
        raise UndefinedLearningRateError(n * L, curvature_scale)
    eta_min = float(result_function(BOUNDS_PROOF, "eta_min")(lr, curvature_scale, n, L))
    eta_max = (
        float(result_function(BOUNDS_PROOF, "eta_max")(lr, curvature_scale, n, mu))
        if lower_denominator > 0.0
        else math.inf
    )
    return eta_min, eta_max
