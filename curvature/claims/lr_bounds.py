"""Claim ``lr-bounds``: η_min ≤ η_t ≤ η_max, with bounds set by the Hessian's eigenvalues.

If the eigenvalues of H(θ_t) lie in [μ_t, L_t], every Rademacher Hutchinson term zᵀHz lies
in [n·μ_t, n·L_t] because ‖z‖² = n, so wherever the rule is defined,
η_t ∈ [lr/√(1 + λ·n·L_t), lr/√(1 + λ·n·μ_t)]. The upper bound is finite only if
1 + λ·n·μ_t > 0, which an indefinite Hessian can break; then the claim has no finite η_max
and the rule may even be undefined. The check runs the optimizer, takes the exact spectrum
at checkpoints, and tests each checkpoint's η_t against its own bounds.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from curvature.claims.base import (
    DETERMINISTIC_OBJECTIVES,
    CheckContext,
    Claim,
    ClaimResult,
    Verdict,
)
from curvature.claims.series import learning_rate_series
from curvature.objectives.base import Objective
from curvature.optim.rule import BOUNDS_PROOF, learning_rate_bounds
from curvature.trajectory import run_trajectory

MAX_DENSE_PARAMETERS = 4000
RELATIVE_TOLERANCE = 1e-9


class LearningRateBounds(Claim):
    """η_t stays within the band that the exact spectrum of H(θ_t) gives."""

    id = "lr-bounds"
    statement = (
        "eta_min <= eta_t <= eta_max along the run, with eta_min = lr/sqrt(1 + lambda n L_t) "
        "and eta_max = lr/sqrt(1 + lambda n mu_t) from the extreme eigenvalues of H(theta_t)."
    )
    default_objectives = DETERMINISTIC_OBJECTIVES

    def skip_reason(self, objective: Objective) -> str | None:
        """Skip objectives whose dense Hessian would be too large for an exact spectrum."""
        n = objective.num_parameters
        if n > MAX_DENSE_PARAMETERS:
            return f"n = {n} exceeds {MAX_DENSE_PARAMETERS}, the limit for an exact spectrum"
        return None

    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Run the optimizer and test η_t against the spectral bounds at checkpoints."""
        steps = 30 if context.quick else 200
        count = 2 if context.quick else 5
        checkpoints = sorted({int(step) for step in np.linspace(0, steps - 1, count)})
        trajectory = run_trajectory(
            objective, steps, seed=context.torch_seed(), checkpoint_steps=checkpoints
        )
        lr, scale = trajectory.lr, trajectory.curvature_scale
        n = objective.num_parameters

        rows = []
        for step, point in sorted(trajectory.checkpoints.items()):
            eigenvalues = torch.linalg.eigvalsh(objective.hessian(point).double())
            mu, L = float(eigenvalues[0]), float(eigenvalues[-1])
            eta = float(trajectory.lrs[step])
            if 1.0 + scale * n * L > 0:
                eta_min, eta_max = learning_rate_bounds(lr, scale, n, mu, L)
            else:
                # Every eigenvalue is so negative that the rule is undefined for every probe.
                eta_min, eta_max = 0.0, math.inf
            slack = RELATIVE_TOLERANCE * eta
            rows.append(
                {
                    "step": step,
                    "mu": mu,
                    "L": L,
                    "eta": eta,
                    "eta_min": eta_min,
                    "eta_max": eta_max,
                    "within": eta_min - slack <= eta <= eta_max + slack,
                    "finite_upper_bound": math.isfinite(eta_max),
                    # How far η_t is from each bound, relative to the bound: 0 means attained.
                    "margin_above_eta_min": eta / eta_min - 1 if eta_min > 0 else math.inf,
                    "margin_below_eta_max": eta_max / eta - 1,
                }
            )

        undefined = trajectory.undefined
        evidence = {
            "n": n,
            "lr": lr,
            "curvature_scale": scale,
            "bounds_proof": BOUNDS_PROOF,
            "steps": trajectory.steps,
            "estimator": "hutchinson, 1 Rademacher probe per step",
            "checkpoints": rows,
            "undefined_steps": len(undefined),
            "first_undefined": None
            if not undefined
            else {
                "step": undefined[0].step,
                "trace": undefined[0].trace,
                "denominator": undefined[0].denominator,
                "policy": undefined[0].policy,
                "lr": undefined[0].lr,
            },
            "eta_range": [float(trajectory.lrs.min()), float(trajectory.lrs.max())],
            "all_eta_finite": bool(np.all(np.isfinite(trajectory.lrs))),
            "eta_series": learning_rate_series(trajectory),
        }

        if not rows:
            return self.result(
                objective,
                Verdict.INCONCLUSIVE,
                f"the run diverged at step {trajectory.diverged_at}, before the first checkpoint; "
                "a smaller lr would let the bounds be tested",
                **evidence,
            )

        outside = [row for row in rows if not row["within"]]
        unbounded = [row for row in rows if not row["finite_upper_bound"]]
        if outside:
            row = outside[0]
            return self.result(
                objective,
                Verdict.FAILS,
                f"at step {row['step']} eta = {row['eta']:.4g} lies outside "
                f"[{row['eta_min']:.4g}, {row['eta_max']:.4g}]",
                **evidence,
            )
        if undefined or unbounded:
            parts = []
            if unbounded:
                row = unbounded[0]
                parts.append(
                    f"H is indefinite (mu = {row['mu']:.3g} at step {row['step']}), so "
                    f"1 + lambda n mu = {1 + scale * n * row['mu']:.3g} <= 0 and no finite "
                    "eta_max exists"
                )
            if undefined:
                event = undefined[0]
                parts.append(
                    f"the formula was undefined at {len(undefined)} of {trajectory.steps} steps "
                    f"(first: step {event.step}, 1 + lambda tr = {event.denominator:.3g}; policy "
                    f"{event.policy} gave eta = {event.lr:.3g})"
                )
            return self.result(objective, Verdict.FAILS, "; ".join(parts), **evidence)

        band_low = min(row["eta_min"] for row in rows)
        band_high = max(row["eta_max"] for row in rows)
        observed_low, observed_high = float(trajectory.lrs.min()), float(trajectory.lrs.max())
        return self.result(
            objective,
            Verdict.HOLDS,
            f"eta_t within its spectral bounds at all {len(rows)} checkpoints; band "
            f"[{band_low:.4g}, {band_high:.4g}], "
            f"observed [{observed_low:.4g}, {observed_high:.4g}]",
            **evidence,
        )
