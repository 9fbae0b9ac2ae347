"""Claim ``step-size-condition``: the rule keeps η_t·L < 2, which descent needs.

On the 1-D quadratic (L/2)x² the Hessian is L, so tr(H) = L, η = lr/√(1 + λL) and each step
multiplies x by 1 − ηL. The iteration diverges exactly when ηL > 2, that is when
lr²L² − 4λL − 4 > 0, whose positive root is

    L* = 2(λ + √(λ² + lr²)) / lr².

The check finds the threshold by running the optimizer itself on (L/2)x² for a bracket of
L found by doubling, then bisection, and compares the measured threshold with L*. Because
ηL grows like lr·√(L/λ), every lr > 0 fails for large enough L: the rule alone never
guarantees descent. On other objectives with a certified L, the check reports whether the
run's steps stayed below 2/L, and tests the descent lemma
f(θ_{t+1}) ≤ f(θ_t) − η_t(1 − Lη_t/2)‖∇f(θ_t)‖² at every step inside the certified region.
L* and that bound are the results of the proofs ``step-size-threshold`` and ``descent-lemma``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from curvature.claims.base import CheckContext, Claim, ClaimResult, Verdict
from curvature.objectives.base import Objective, RunSettings
from curvature.objectives.quadratic import scalar_quadratic
from curvature.proofs import result_function
from curvature.trajectory import Trajectory, run_trajectory

STEPS_PER_TEST = 20
BISECTION_TOLERANCE = 1e-7
AGREEMENT_TOLERANCE = 1e-5
MAX_L = 1e15
THRESHOLD_PROOF = "step-size-threshold"
DESCENT_PROOF = "descent-lemma"
DESCENT_TOLERANCE = 1e-9
"""Relative rounding slack when a measured loss is compared with the descent-lemma bound."""


def divergence_threshold(lr: float, curvature_scale: float) -> float:
    """Return L* = 2(λ + √(λ² + lr²))/lr², above which the rule diverges on (L/2)x².

    The value comes from the result ``divergence_threshold`` of the proof
    ``step-size-threshold``, which derives it and shows that ηL < 2 exactly when L < L*.
    """
    threshold = result_function(THRESHOLD_PROOF, "divergence_threshold")
    return float(threshold(lr, curvature_scale))


class StepSizeCondition(Claim):
    """The adaptive rate stays in the descent region η_t·L < 2."""

    id = "step-size-condition"
    statement = (
        "The adaptive rate keeps eta_t * L < 2 for an L-smooth loss, the condition of the "
        "descent lemma; on (L/2)x^2 the measured divergence threshold matches "
        "L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2."
    )
    default_objectives = ("quadratic-1d", "quadratic-psd", "rosenbrock", "logreg-breast-cancer")

    def skip_reason(self, objective: Objective) -> str | None:
        """Skip objectives without a certified L, except the 1-D quadratic search."""
        if objective.name == "quadratic-1d":
            return None
        if objective.smoothness.L is None or not objective.smoothness.certified:
            return "no certified smoothness constant L"
        return None

    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Search the 1-D threshold, or test η_t·L along a run of ``objective``."""
        if objective.name == "quadratic-1d":
            return self._check_threshold(objective, context)
        return self._check_run(objective, context)

    def _check_threshold(self, objective: Objective, context: CheckContext) -> ClaimResult:
        lr, scale = objective.settings.lr, objective.settings.curvature_scale
        closed_form = divergence_threshold(lr, scale)

        def diverges(L: float) -> bool:
            quadratic = scalar_quadratic(L, settings=RunSettings(lr=lr, curvature_scale=scale))
            run = run_trajectory(
                quadratic, STEPS_PER_TEST, seed=context.torch_seed(), estimator="exact"
            )
            if run.diverged_at is not None:
                return True
            start, end = math.sqrt(run.grad_norms_sq[0]), math.sqrt(run.grad_norms_sq[-1])
            return end > start

        # Bracket by doubling from a curvature where the step is certainly stable.
        low = 1e-3
        high = low
        tests = 0
        while not diverges(high):
            tests += 1
            low, high = high, high * 2
            if high > MAX_L:
                return self.result(
                    objective,
                    Verdict.HOLDS,
                    f"no divergence found for L up to {MAX_L:.0e}",
                    lr=lr,
                    curvature_scale=scale,
                    tests=tests,
                )

        # Bisect on a log scale until the bracket is narrow.
        while high / low - 1 > BISECTION_TOLERANCE:
            middle = math.sqrt(low * high)
            tests += 1
            if diverges(middle):
                high = middle
            else:
                low = middle

        measured = math.sqrt(low * high)
        eta = lr / math.sqrt(1 + scale * high)
        agreement = abs(measured / closed_form - 1)
        evidence = {
            "lr": lr,
            "curvature_scale": scale,
            "threshold_measured": measured,
            "threshold_closed_form": closed_form,
            "threshold_proof": THRESHOLD_PROOF,
            "relative_gap": agreement,
            "bracket": [low, high],
            "counterexample": {"L": high, "eta": eta, "eta_times_L": eta * high},
            "runs": tests,
            "steps_per_run": STEPS_PER_TEST,
        }
        if agreement > AGREEMENT_TOLERANCE:
            return self.result(
                objective,
                Verdict.INCONCLUSIVE,
                f"measured threshold L = {measured:.6g} differs from the closed form "
                f"{closed_form:.6g} by {agreement:.1e}; the bisection or the closed form is wrong",
                **evidence,
            )
        return self.result(
            objective,
            Verdict.FAILS,
            f"diverges for L > {measured:.6g} (closed form {closed_form:.6g}, "
            f"gap {agreement:.1e}); "
            f"smallest counterexample found: L = {high:.6g}, eta*L = {eta * high:.6f} > 2",
            **evidence,
        )

    def _check_run(self, objective: Objective, context: CheckContext) -> ClaimResult:
        L = float(objective.smoothness.L)  # type: ignore[arg-type]
        steps = 100 if context.quick else 500
        run = run_trajectory(objective, steps, seed=context.torch_seed())
        products = run.lrs * L
        worst = int(np.argmax(products))
        descent = _descent_lemma_check(run, L)
        evidence = {
            "L": L,
            "L_method": objective.smoothness.method,
            "lr": run.lr,
            "curvature_scale": run.curvature_scale,
            "steps": run.steps,
            "max_eta_times_L": float(products[worst]),
            "at_step": worst,
            "left_region": not bool(run.in_region.all()),
            "threshold_1d": divergence_threshold(run.lr, run.curvature_scale),
            "descent_lemma": descent,
        }

        # f(θ_{t+1}) above the proved bound means the certified L is wrong on this run.
        if descent["violations"]:
            return self.result(
                objective,
                Verdict.INCONCLUSIVE,
                f"f(theta_t+1) exceeds the descent-lemma bound by {descent['max_excess']:.3g} at "
                f"step {descent['worst_step']}, which contradicts L = {L:.4g}; eta_t*L cannot be "
                "judged against it",
                **evidence,
            )
        if run.in_region.all() and products[worst] < 2:
            return self.result(
                objective,
                Verdict.HOLDS,
                f"on this run max eta_t*L = {products[worst]:.3g} < 2 (L = {L:.4g}); the rule "
                f"itself does not ensure this: the settings do{_descent_summary(descent)}",
                **evidence,
            )
        if not run.in_region.all():
            return self.result(
                objective,
                Verdict.INCONCLUSIVE,
                "the run left the region where L is certified, so eta_t*L says nothing there",
                **evidence,
            )
        return self.result(
            objective,
            Verdict.FAILS,
            f"eta_t*L = {products[worst]:.3g} >= 2 at step {worst} (L = {L:.4g})",
            **evidence,
        )


def _descent_lemma_check(run: Trajectory, L: float) -> dict[str, Any]:
    # Every step whose two ends lie in the certified region must satisfy
    # f(θ_{t+1}) ≤ f(θ_t) − η_t(1 − Lη_t/2)‖g_t‖², the bound of the proof descent-lemma.
    next_loss_bound = result_function(DESCENT_PROOF, "next_loss_bound", "numpy")
    current, following = run.losses[:-1], run.losses[1:]
    bounds = np.asarray(next_loss_bound(current, run.lrs[:-1], L, run.grad_norms_sq[:-1]))
    checked = run.in_region[:-1] & run.in_region[1:] & np.isfinite(following)

    slack = DESCENT_TOLERANCE * (np.abs(current) + run.lrs[:-1] * run.grad_norms_sq[:-1] + 1.0)
    excess = np.where(checked, following - bounds, -np.inf)
    violations = int(np.sum(excess > slack))
    worst = int(np.argmax(excess)) if excess.size else 0

    # Tightness: the measured decrease over the guaranteed one, where a decrease is guaranteed.
    guaranteed = current - bounds
    measured = current - following
    informative = checked & (guaranteed > 0)
    ratios = measured[informative] / guaranteed[informative]
    return {
        "proof": DESCENT_PROOF,
        "bound": "f(theta_t) - eta_t*(1 - L*eta_t/2)*||g_t||^2 on f(theta_t+1)",
        "steps_checked": int(np.sum(checked)),
        "violations": violations,
        "max_excess": float(excess[worst]) if excess.size and np.isfinite(excess[worst]) else None,
        "worst_step": worst,
        "median_decrease_over_guaranteed": float(np.median(ratios)) if ratios.size else None,
        "min_decrease_over_guaranteed": float(np.min(ratios)) if ratios.size else None,
    }


def _descent_summary(descent: dict[str, Any]) -> str:
    if descent["min_decrease_over_guaranteed"] is None:
        return ""
    return (
        f"; the descent lemma held at all {descent['steps_checked']} steps, each decrease at "
        f"least {descent['min_decrease_over_guaranteed']:.3g} times the guaranteed one"
    )
