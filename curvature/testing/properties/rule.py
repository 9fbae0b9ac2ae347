"""Properties of the rule η = lr/√(1 + λ·tr(H)): its spectral bounds, and its policies.

Both run :class:`~curvature.CurvatureAdaptiveSGD` on θ ↦ ½ θᵀHθ for a generated H, so they
test the rule as the optimizer applies it, with the trace it estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from curvature.errors import UndefinedLearningRateError
from curvature.objectives.base import RunSettings
from curvature.optim import UNDEFINED_POLICIES, CurvatureAdaptiveSGD, learning_rate_bounds
from curvature.strategies import (
    OptimizerSettings,
    SymmetricMatrix,
    ill_conditioned_spectra,
    indefinite_spectra,
    optimizer_settings,
    psd_spectra,
    repeated_spectra,
    run_settings,
    spectra,
    symmetric_matrices,
)
from curvature.strategies.matrices import SEEDS
from curvature.testing.properties._runs import quadratic_loss, take_steps, unit_start
from curvature.testing.properties.base import FLOAT64_EPS, Property, PropertyContext

ROUNDING_MULTIPLE = 16
"""The eigenvalue slack is this many times n²·ε·max(L, 1).

Forming H = Q diag(λ) Qᵀ in float64 moves each entry by about n·ε·L, so the spectrum moves by
at most n²·ε·L (Frobenius norm of the error), and evaluating zᵀHz adds rounding of the same
order; the multiple covers the constants of both.
"""

RULE_RELATIVE_TOLERANCE = 8 * FLOAT64_EPS
"""The rule evaluated twice from the same trace may differ by a few units in the last place."""


@dataclass(frozen=True)
class BoundsCase:
    """A positive semi-definite H, the rule's settings, and how the trace is estimated."""

    matrix: SymmetricMatrix
    settings: RunSettings
    estimator: str
    num_probes: int
    seed: int


@dataclass(frozen=True)
class PolicyCase:
    """Any symmetric H, full optimizer settings (every policy, clipping) and a step count."""

    matrix: SymmetricMatrix
    settings: OptimizerSettings
    steps: int


def bounds_cases() -> st.SearchStrategy[BoundsCase]:
    """Return cases with positive semi-definite spectra, ill-conditioned and repeated ones too."""
    psd = st.one_of(
        psd_spectra(),
        ill_conditioned_spectra(),
        repeated_spectra(min_value=0.0, max_value=100.0),
    )
    return st.builds(
        BoundsCase,
        matrix=symmetric_matrices(psd),
        settings=run_settings(),
        estimator=st.sampled_from(("hutchinson", "exact")),
        num_probes=st.integers(1, 4),
        seed=SEEDS,
    )


def check_bounds(case: BoundsCase, context: PropertyContext) -> None:
    """Assert lr/√(1 + λ·n·L) ≤ η ≤ lr/√(1 + λ·n·μ) for one step on ½ θᵀHθ."""
    H, lr, scale = case.matrix, case.settings.lr, case.settings.curvature_scale
    n = H.n
    theta = unit_start(n).requires_grad_(True)
    optimizer = CurvatureAdaptiveSGD(
        [theta],
        lr=lr,
        curvature_scale=scale,
        estimator=case.estimator,
        num_probes=case.num_probes,
        seed=case.seed,
    )
    loss_fn = quadratic_loss(H.matrix)

    step = take_steps(optimizer, lambda: loss_fn([theta]), 1)[0]

    # Every Rademacher term zᵀHz and tr(H) lie in [n·μ, n·L]; widen by the rounding of H.
    slack = ROUNDING_MULTIPLE * n * n * FLOAT64_EPS * max(H.L, 1.0)
    low, high = H.mu - slack, H.L + slack
    eta_min, eta_max = learning_rate_bounds(lr, scale, n, low, high)
    expected_min = lr / math.sqrt(1.0 + scale * n * high)
    expected_max = lr / math.sqrt(1.0 + scale * n * low)
    assert math.isclose(eta_min, expected_min, rel_tol=1e-12), (
        f"learning_rate_bounds gives eta_min = {eta_min!r}, but lr/sqrt(1 + lambda n L) = "
        f"{expected_min!r}"
    )
    assert math.isclose(eta_max, expected_max, rel_tol=1e-12), (
        f"learning_rate_bounds gives eta_max = {eta_max!r}, but lr/sqrt(1 + lambda n mu) = "
        f"{expected_max!r}"
    )
    assert eta_min <= step.lr <= eta_max, (
        f"eta = {step.lr!r} (trace estimate {step.trace!r}) lies outside "
        f"[{eta_min!r}, {eta_max!r}] for n = {n}, mu = {H.mu!r}, L = {H.L!r}; off by "
        f"{max(eta_min - step.lr, step.lr - eta_max) / step.lr:.3g} relative"
    )


def policy_cases() -> st.SearchStrategy[PolicyCase]:
    """Return cases with any spectrum, indefinite ones included, and every policy."""
    return st.builds(
        PolicyCase,
        matrix=symmetric_matrices(st.one_of(spectra(), indefinite_spectra())),
        settings=optimizer_settings(policies=UNDEFINED_POLICIES, clip=True),
        steps=st.integers(1, 4),
    )


def check_policies(case: PolicyCase, context: PropertyContext) -> None:
    """Assert each η_t is finite, positive and what the formula or the policy gives."""
    settings = case.settings
    lr, scale, policy = settings.lr, settings.curvature_scale, settings.undefined_policy
    theta = unit_start(case.matrix.n).requires_grad_(True)
    optimizer = CurvatureAdaptiveSGD([theta], **settings.kwargs())
    loss_fn = quadratic_loss(case.matrix.matrix)
    previous: float | None = None

    for index in range(case.steps):
        try:
            step = take_steps(optimizer, lambda: loss_fn([theta]), 1)[0]
        except UndefinedLearningRateError as error:
            denominator = 1.0 + scale * error.trace
            assert policy == "raise", f"policy {policy!r} raised {error}"
            assert denominator <= 0.0, (
                f"the rule raised although 1 + lambda tr = {denominator!r} > 0 at step {index}"
            )
            return

        denominator = 1.0 + scale * step.trace
        expected = _expected_rate(lr, scale, step.trace, policy, previous)
        if settings.lr_min is not None:
            expected = max(expected, settings.lr_min)
        if settings.lr_max is not None:
            expected = min(expected, settings.lr_max)
        events = [event for event in optimizer.history.undefined if event.step == index]

        assert math.isfinite(step.lr), f"eta = {step.lr!r} at step {index}"
        assert step.lr > 0.0, f"eta = {step.lr!r} at step {index}"
        assert math.isclose(step.lr, expected, rel_tol=RULE_RELATIVE_TOLERANCE), (
            f"at step {index}, trace {step.trace!r}, 1 + lambda tr = {denominator!r}, policy "
            f"{policy!r}: eta = {step.lr!r}, expected {expected!r} "
            f"(ratio {step.lr / expected!r})"
        )
        assert bool(events) == (denominator <= 0.0), (
            f"at step {index}, 1 + lambda tr = {denominator!r} but the history records "
            f"{len(events)} undefined events"
        )
        if denominator > 0.0:
            previous = step.lr


def _expected_rate(
    lr: float, scale: float, trace: float, policy: str, previous: float | None
) -> float:
    denominator = 1.0 + scale * trace
    if denominator > 0.0:
        return lr / math.sqrt(denominator)
    if policy == "positive-part":
        return lr
    if policy == "absolute":
        return lr / math.sqrt(1.0 + scale * abs(trace))
    if policy == "previous":
        return lr if previous is None else previous
    raise AssertionError(f"policy 'raise' returned a rate where 1 + lambda tr = {denominator!r}")


LR_BOUNDS_PSD = Property(
    name="lr-bounds-psd",
    statement="For positive semi-definite H with spectrum in [mu, L], one step of the optimizer "
    "applies eta in [lr/sqrt(1 + lambda n L), lr/sqrt(1 + lambda n mu)], with the exact trace "
    "or Rademacher estimates, and learning_rate_bounds returns that interval.",
    cases=bounds_cases,
    check=check_bounds,
)

RULE_POLICIES = Property(
    name="rule-and-policies",
    statement="For any symmetric H, every applied eta_t is finite and positive: "
    "lr/sqrt(1 + lambda tr) where that is defined, the documented policy's rate where "
    "1 + lambda tr <= 0 (or UndefinedLearningRateError under 'raise'), then clipped; each "
    "undefined step is recorded.",
    cases=policy_cases,
    check=check_policies,
)
