"""Claim ``loss-curve-model``: the training loss follows L(t) = L0·e^(−αt) + L∞.

"Adaptive Learning Rate Scheduling for Large-Scale Neural Networks" (ICML 2024) presents this
model as the convergence behaviour of its rule. The check fits it with
:func:`curvature.rates.loss_model.fit_loss_curve` to the full loss f(θ_t) of the constant-lr
runs of ``stationarity-rate``, with the same seeds and budget, and reuses those runs when that
claim ran first. It reports α, L∞, their uncertainty, the residuals and the stretches of the
curve that the model misses.
"""

from __future__ import annotations

import numpy as np

from curvature.claims.base import (
    DETERMINISTIC_OBJECTIVES,
    CheckContext,
    Claim,
    ClaimResult,
    Verdict,
)
from curvature.claims.series import thinned_series
from curvature.claims.stationarity_rate import DEFAULT_BUDGET, QUICK_BUDGET, setting_runs
from curvature.objectives.base import Objective, is_stochastic
from curvature.rates import RateSetting, StepPolicy
from curvature.rates.loss_model import fit_loss_curve, residual_band

RELATIVE_TOLERANCE = 0.05
"""The accuracy asked of the model: residuals within 5 % of the loss."""

NOISE_LEVEL = 0.01
"""Family-wise level of the noise term of the band, over all steps."""


class LossCurveModel(Claim):
    """The loss curve of the rule is L0·e^(−αt) + L∞ within 5 % of the loss."""

    id = "loss-curve-model"
    statement = (
        "The loss of the adaptive rule follows L(t) = L0 exp(-alpha t) + L_inf, with L0 the "
        "initial excess, L_inf the asymptotic loss and alpha the convergence rate."
    )
    default_objectives = (
        *DETERMINISTIC_OBJECTIVES,
        "logreg-breast-cancer-minibatch",
        "mlp-digits-minibatch",
        "quadratic-psd-noisy",
    )

    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Fit the model to the mean loss curve of the constant-lr runs."""
        budget = QUICK_BUDGET if context.quick else DEFAULT_BUDGET
        setting = RateSetting(StepPolicy.CONSTANT, stochastic=is_stochastic(objective))
        runs = setting_runs(objective, setting, budget, context.store)
        label = setting.label(objective, budget.first_horizon)
        trajectories = runs.trajectories

        # A diverged run has no loss after its last step; the exponential model with α ≥ 0
        # cannot follow a loss that grows without bound.
        diverged = [t.diverged_at for t in trajectories if t.diverged_at is not None]
        if diverged:
            return ClaimResult(
                self.id,
                objective.name,
                Verdict.FAILS,
                f"a run diverged at step {min(diverged)}: the loss grows without bound, which "
                "L0 exp(-alpha t) + L_inf with alpha >= 0 cannot describe",
                {"setting": label, "diverged_at": diverged},
                label,
            )

        losses = np.vstack([trajectory.losses for trajectory in trajectories])
        fit = fit_loss_curve(losses, rtol=RELATIVE_TOLERANCE, alpha_level=NOISE_LEVEL)
        evidence = {
            "setting": label,
            "lr": float(runs.lrs[0]),
            "steps": int(losses.shape[1]),
            "seeds": int(losses.shape[0]),
            "model": "L0 * exp(-alpha * t) + L_inf",
            "band": (
                f"max({RELATIVE_TOLERANCE:g} * |mean loss|, t-quantile at family-wise level "
                f"{NOISE_LEVEL:g} * standard error over seeds)"
            ),
            **{
                key: value
                for key, value in fit.to_dict().items()
                if key not in ("verdict", "summary")
            },
        }
        evidence["curve"] = thinned_series(
            {
                "mean_loss": losses.mean(axis=0),
                "band": residual_band(losses, rtol=RELATIVE_TOLERANCE, alpha_level=NOISE_LEVEL),
            },
            losses.shape[1],
        )
        return ClaimResult(
            self.id, objective.name, Verdict(fit.verdict), fit.summary, evidence, label
        )
