"""Claim ``step-size-condition``: the rule keeps η_t·L < 2, which descent needs.

On the 1-D quadratic (L/2)x² the Hessian is L, so tr(H) = L, η = lr/√(1 + λL) and each step
multiplies x by 1 − ηL. The iteration diverges exactly when ηL > 2, that is when
lr²L² − 4λL − 4 > 0, whose positive root is

    L* = 2(λ + √(λ² + lr²)) / lr².

The check finds the threshold by running the optimizer itself on (L/2)x² for a bracket of
L found by doubling, then bisection, and compares the measured threshold with L*. Because
ηL grows like lr·√(L/λ), every lr > 0 fails for large enough L: the rule alone never
guarantees descent. On other objectives with a certified L, the check reports whether the
run's steps stayed below 2/L.
"""

from __future__ import annotations

import math

import numpy as np

from curvature.claims.base import CheckContext, Claim, ClaimResult, Verdict
from curvature.objectives.base import Objective, RunSettings
from curvature.objectives.quadratic import scalar_quadratic
from curvature.trajectory import run_trajectory

STEPS_PER_TEST = 20
BISECTION_TOLERANCE = 1e-7
AGREEMENT_TOLERANCE = 1e-5
MAX_L = 1e15


def divergence_threshold(lr: float, curvature_scale: float) -> float:
    """Return L* = 2(λ + √(λ² + lr²))/lr², above which the rule diverges on (L/2)x²."""
    return 2 * (curvature_scale + math.sqrt(curvature_scale**2 + lr**2)) / lr**2


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
        }
        if run.in_region.all() and products[worst] < 2:
            return self.result(
                objective,
                Verdict.HOLDS,
                f"on this run max eta_t*L = {products[worst]:.3g} < 2 (L = {L:.4g}); the rule "
                "itself does not ensure this: the settings do",
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
