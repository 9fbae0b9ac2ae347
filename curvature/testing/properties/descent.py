"""Descent properties on quadratics: the step condition η·L < 2, its closed-form threshold in
one dimension, and the telescoped descent-lemma bound.

Each runs :class:`~curvature.CurvatureAdaptiveSGD` with the exact trace estimator, so the
rate is a deterministic function of the objective and the settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import assume
from hypothesis import strategies as st

from curvature.claims.step_size_condition import divergence_threshold
from curvature.objectives.base import RunSettings
from curvature.objectives.quadratic import Quadratic, scalar_quadratic
from curvature.optim import CurvatureAdaptiveSGD
from curvature.strategies import curvature_scales, quadratics, run_settings, spectra
from curvature.strategies._limits import finite_floats
from curvature.testing.bounds import descent_lemma_bound
from curvature.testing.properties._runs import leaf_copies, take_steps
from curvature.testing.properties.base import FLOAT64_EPS, Property, PropertyContext

ROUNDING_MULTIPLE = 64
"""Loss values carry rounding of about n·ε times the magnitudes summed; this covers the
constants of forming A, the gradient and the quadratic form."""

THRESHOLD_GAP = 1e-9
"""Cases within this relative distance of the threshold are skipped. Beyond it, |η·L − 2|
exceeds about half the gap, some 1e6 times the rounding of η·L, so whether |1 − η·L| > 1 is
decided by the mathematics, not by rounding."""


@dataclass(frozen=True)
class ThresholdCase:
    """The rule's settings, the target η·L of a 1-D quadratic and a number of steps.

    The curvature L is the one at which the rule gives η·L = ``eta_times_curvature``
    (:func:`curvature_for_step_product`), so the cases crowd around the threshold η·L = 2.
    """

    settings: RunSettings
    eta_times_curvature: float
    steps: int


@dataclass(frozen=True)
class BoundCase:
    """A positive semi-definite quadratic, lr = 2·step_fraction/L, λ and a horizon."""

    quadratic: Quadratic
    step_fraction: float
    curvature_scale: float
    steps: int


def _one_step(quadratic: Quadratic, settings: RunSettings) -> tuple[float, float, float, float]:
    params = leaf_copies(quadratic.initial_parameters())
    optimizer = CurvatureAdaptiveSGD(
        params, lr=settings.lr, curvature_scale=settings.curvature_scale, estimator="exact"
    )
    gradient = torch.func.grad(lambda theta: quadratic.loss([theta]))(params[0].detach())

    step = take_steps(optimizer, lambda: quadratic.loss(params), 1)[0]

    after = float(quadratic.loss(params).detach())
    return step.lr, step.loss, after, float((gradient**2).sum())


def check_descent(quadratic: Quadratic, context: PropertyContext) -> None:
    """Assert f(θ₁) ≤ f(θ₀) − η‖g‖²(1 − η·L/2) when η·L < 2; in 1-D, growth when η·L > 2."""
    L = float(quadratic.smoothness.L)  # type: ignore[arg-type]
    n = quadratic.num_parameters
    eta, before, after, gradient_sq = _one_step(quadratic, quadratic.settings)
    offset_sq = float(((quadratic.initial_parameters()[0] - quadratic.minimizer) ** 2).sum())
    slack = ROUNDING_MULTIPLE * n * FLOAT64_EPS * (abs(before) + abs(after) + L * offset_sq)

    if eta * L < 2.0:
        guaranteed = eta * gradient_sq * (1.0 - eta * L / 2.0)
        assert after <= before - guaranteed + slack, (
            f"eta*L = {eta * L!r} < 2 but f went from {before!r} to {after!r}; the descent "
            f"lemma guarantees a decrease of at least {guaranteed!r}"
        )
    elif n == 1 and quadratic.mu > 0.0:
        # On (L/2)(x − x*)² each step multiplies x − x* by 1 − η·L, whose size exceeds 1 here.
        assert after >= before - slack, (
            f"eta*L = {eta * L!r} >= 2 on a 1-D quadratic, yet f fell from {before!r} to {after!r}"
        )


def descent_cases() -> st.SearchStrategy[Quadratic]:
    """Return quadratics with any spectrum in [−10, 10] and lr up to 2."""
    return quadratics(spectra(min_value=-10.0, max_value=10.0), settings=run_settings())


def curvature_for_step_product(
    lr: float, curvature_scale: float, eta_times_curvature: float
) -> float:
    """Return the L > 0 at which lr·L/√(1 + λ·L) equals ``eta_times_curvature``.

    Squaring gives lr²L² − u²λL − u² = 0 for u = η·L, whose positive root this returns; at
    u = 2 it is the divergence threshold L*, computed here independently of
    :func:`~curvature.claims.divergence_threshold`.
    """
    u_sq = eta_times_curvature**2
    return (u_sq * curvature_scale + math.sqrt(u_sq**2 * curvature_scale**2 + 4 * lr**2 * u_sq)) / (
        2 * lr**2
    )


def threshold_cases() -> st.SearchStrategy[ThresholdCase]:
    """Return lr in [1e-3, 2], λ in [0, 10] and target η·L in [0.05, 6]."""
    return st.builds(
        ThresholdCase,
        settings=run_settings(),
        eta_times_curvature=finite_floats(0.05, 6.0),
        steps=st.integers(1, 5),
    )


def check_threshold(case: ThresholdCase, context: PropertyContext) -> None:
    """Assert the run on (L/2)x² grows exactly when η·L > 2, that is when L > L*.

    L* is :func:`~curvature.claims.divergence_threshold`; the check also confirms that the
    optimizer applies the η that gives the targeted η·L.
    """
    lr, scale = case.settings.lr, case.settings.curvature_scale
    L = curvature_for_step_product(lr, scale, case.eta_times_curvature)
    threshold = divergence_threshold(lr, scale)
    assume(abs(case.eta_times_curvature - 2.0) > THRESHOLD_GAP)
    assume(abs(L / threshold - 1.0) > THRESHOLD_GAP)

    quadratic = scalar_quadratic(L, settings=case.settings)
    params = leaf_copies(quadratic.initial_parameters())
    optimizer = CurvatureAdaptiveSGD(params, lr=lr, curvature_scale=scale, estimator="exact")
    steps = take_steps(optimizer, lambda: quadratic.loss(params), case.steps)
    final = float(quadratic.loss(params).detach())

    grew = final > steps[0].loss
    eta_times_curvature = steps[0].lr * L
    assert math.isclose(eta_times_curvature, case.eta_times_curvature, rel_tol=THRESHOLD_GAP), (
        f"at L = {L!r} the optimizer applied eta*L = {eta_times_curvature!r}, but "
        f"lr L/sqrt(1 + lambda L) = {case.eta_times_curvature!r}"
    )
    assert grew == (case.eta_times_curvature > 2.0), (
        f"on (L/2)x^2 with L = {L!r}, lr = {lr!r}, lambda = {scale!r} the loss "
        f"{'grew' if grew else 'fell'} over {case.steps} steps with eta*L = {eta_times_curvature!r}"
    )
    assert grew == (threshold < L), (
        f"on (L/2)x^2 with L = {L!r}, lr = {lr!r}, lambda = {scale!r} the loss "
        f"{'grew' if grew else 'fell'} (eta*L = {eta_times_curvature!r}), but the closed form "
        f"L* = {threshold!r} predicts that it {'grows' if threshold < L else 'falls'}"
    )


def bound_cases() -> st.SearchStrategy[BoundCase]:
    """Return positive semi-definite quadratics whose largest eigenvalue is at least 0.1."""

    @st.composite
    def psd_with_top(draw: st.DrawFn) -> list[float]:
        top = draw(finite_floats(0.1, 10.0))
        rest = draw(st.lists(finite_floats(0.0, top), max_size=5))
        return sorted([*rest, top])

    return st.builds(
        BoundCase,
        quadratic=quadratics(psd_with_top(), settings=st.just(RunSettings(1.0, 0.0))),
        step_fraction=finite_floats(0.01, 0.99),
        curvature_scale=curvature_scales(),
        steps=st.integers(1, 12),
    )


def check_descent_lemma_bound(case: BoundCase, context: PropertyContext) -> None:
    """Assert min_{t<T} ‖∇f(θ_t)‖² ≤ descent_lemma_bound(f(θ₀) − f*, η, L)[T − 1] for every T."""
    quadratic = case.quadratic
    L = float(quadratic.smoothness.L)  # type: ignore[arg-type]
    lr = 2.0 * case.step_fraction / L
    params = leaf_copies(quadratic.initial_parameters())
    optimizer = CurvatureAdaptiveSGD(
        params, lr=lr, curvature_scale=case.curvature_scale, estimator="exact"
    )

    # η_t ≤ lr because tr(H) ≥ 0, so every η_t·L ≤ 2·step_fraction < 2.
    gradient_norms_sq = []
    steps = []
    for _ in range(case.steps):
        gradient = torch.func.grad(lambda theta: quadratic.loss([theta]))(params[0].detach())
        gradient_norms_sq.append(float((gradient**2).sum()))
        steps.extend(take_steps(optimizer, lambda: quadratic.loss(params), 1))

    gap = steps[0].loss - float(quadratic.lower_bound)  # type: ignore[arg-type]
    bounds = descent_lemma_bound(gap, [step.lr for step in steps], L)
    best = np.minimum.accumulate(np.asarray(gradient_norms_sq))
    n = quadratic.num_parameters
    slack = ROUNDING_MULTIPLE * n * FLOAT64_EPS * (best + bounds)
    violations = np.flatnonzero(best > bounds + slack)
    assert violations.size == 0, (
        f"min_t<T ||grad f||^2 exceeds the descent-lemma bound at T = "
        f"{int(violations[0]) + 1}: {best[violations[0]]!r} > {bounds[violations[0]]!r} "
        f"(ratio {best[violations[0]] / bounds[violations[0]]!r}; eta_t*L = "
        f"{[step.lr * L for step in steps]})"
    )


DESCENT = Property(
    name="descent-when-eta-L-below-2",
    statement="On quadratics with any spectrum in [-10, 10], a step with eta*L < 2 lowers f by "
    "at least eta ||g||^2 (1 - eta L/2); on a 1-D convex quadratic a step with eta*L >= 2 does "
    "not lower it.",
    cases=descent_cases,
    check=check_descent,
)

DIVERGENCE_THRESHOLD = Property(
    name="divergence-threshold-1d",
    statement="On (L/2)x^2 the optimizer's loss grows exactly when L exceeds "
    "L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2, as divergence_threshold returns it.",
    cases=threshold_cases,
    check=check_threshold,
)

DESCENT_LEMMA_BOUND = Property(
    name="descent-lemma-bound",
    statement="On positive semi-definite quadratics with eta_t*L < 2, the best squared "
    "gradient norm over t < T stays below descent_lemma_bound at every horizon T.",
    cases=bound_cases,
    check=check_descent_lemma_bound,
)
