"""Claim ``stationarity-rate``: Theorem 1, min_{t<T} ‖∇L(θ_t)‖² ≤ O(1/√T), per setting.

Theorem 1 of "Adaptive Learning Rate Scheduling for Large-Scale Neural Networks" (ICML 2024)
states the rate for the adaptive rule under "standard smoothness assumptions". The check runs
the rule on each objective's own gradients (full, mini-batches or added noise) in two
settings, each with its own verdict. One is the published constant lr. The other is
lr·√(T₁/T) for a run of horizon T, the step size of the standard O(1/√T) bound for SGD.

In each setting the rate engine (:func:`curvature.rates.assess_rate`) reads four quantities
on a geometric grid of T over several seeds: Theorem 1's min_{t<T} ‖∇f(θ_t)‖², the average
(1/T) Σ_{t<T} ‖∇f(θ_t)‖², ‖∇f(θ_R)‖² at a uniformly random iterate R < T, and f(θ_T) − f*
where f* is known. The verdict is the engine's verdict on Theorem 1's quantity against
T^(−1/2); the other quantities are evidence. With constant lr the default budget also runs
plain SGD and Adam on the same seeds as baselines.

Where L is certified, f* is known and every step had η_t·L < 2 inside the certified region,
the telescoped descent lemma gives the explicit bound
    Q(T) ≤ (f(θ_0) − f*) / Σ_{t<T} η_t (1 − L·η_t/2),
and the check tests it at every grid point of every deterministic run. With constant lr each
term of the sum is at least c = min_t η_t(1 − Lη_t/2) > 0, so the bound is at most
(f(θ_0) − f*)/(c·T): the verified assumptions certify an O(1/T) rate, and the claim holds
whatever the fitted slope of a transient. A violated bound is a counterexample.

The runs of a setting depend on the objective's seed and name only
(:func:`curvature.rates.experiment.shared_runs`), so ``loss-curve-model`` reuses the
constant-lr runs of a verification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from curvature.claims.base import (
    DETERMINISTIC_OBJECTIVES,
    CheckContext,
    Claim,
    ClaimResult,
    Verdict,
)
from curvature.claims.rate_evidence import descent_bound_table, quantity_tables
from curvature.claims.stall import transient_stall
from curvature.objectives.base import Objective, is_stochastic
from curvature.proofs import result_function
from curvature.rates import (
    Quantity,
    RateAssessment,
    RateSetting,
    SettingRuns,
    StepPolicy,
    assess_rate,
    geometric_grid,
    running_minimum,
    shared_runs,
)
from curvature.trajectory import Trajectory

CLAIMED_EXPONENT = 0.5
"""p of Theorem 1: min_{t<T} ‖∇L(θ_t)‖² ≤ C·T^(−p)."""

ADAM_LR = 1e-3
"""The rate of the Adam baseline: ``torch.optim.Adam``'s default."""


@dataclass(frozen=True)
class RateBudget:
    """Runs per setting.

    Attributes:
        seeds: independent runs per setting (they differ in probes and, for stochastic
            objectives, in sampling).
        first_horizon: T₁ of the constant-lr grid.
        horizon: the last horizon of the constant-lr runs.
        per_decade: horizons per decade of T for the constant-lr grid.
        scaled_first_horizon, scaled_horizon: the first and last horizon of the
            horizon-scaled runs; lr is scaled by √(scaled_first_horizon/T).
        scaled_per_decade: horizons per decade of T for the horizon-scaled grid; each costs a
            run of its own.
        baseline_horizon: the last horizon of the plain SGD and Adam runs beside the
            constant-lr setting (on the constant-lr grid), or 0 for none. On full gradients
            these runs are deterministic, so one seed is exact.
    """

    seeds: int
    first_horizon: int
    horizon: int
    per_decade: int
    scaled_first_horizon: int
    scaled_horizon: int
    scaled_per_decade: int
    baseline_horizon: int


QUICK_BUDGET = RateBudget(
    seeds=3,
    first_horizon=2,
    horizon=200,
    per_decade=10,
    scaled_first_horizon=1,
    scaled_horizon=100,
    scaled_per_decade=2,
    baseline_horizon=0,
)
DEFAULT_BUDGET = RateBudget(
    seeds=3,
    first_horizon=10,
    horizon=2000,
    per_decade=10,
    scaled_first_horizon=5,
    scaled_horizon=500,
    scaled_per_decade=2,
    baseline_horizon=1000,
)


class StationarityRate(Claim):
    """The best squared gradient norm decays at least as fast as T^(−1/2), setting by setting."""

    id = "stationarity-rate"
    statement = (
        "Theorem 1: under standard smoothness assumptions, "
        "min_{t<T} ||grad L(theta_t)||^2 <= O(1/sqrt(T)) for the adaptive rule."
    )
    default_objectives = (
        *DETERMINISTIC_OBJECTIVES,
        "logreg-breast-cancer-minibatch",
        "mlp-digits-minibatch",
        "quadratic-psd-noisy",
    )

    def settings(self, objective: Objective) -> list[RateSetting]:
        """Return the settings checked: constant lr, then lr scaled by 1/√T."""
        stochastic = is_stochastic(objective)
        return [
            RateSetting(StepPolicy.CONSTANT, stochastic=stochastic),
            RateSetting(StepPolicy.HORIZON_SCALED, stochastic=stochastic),
        ]

    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Check Theorem 1 with the published constant lr on the objective's gradients."""
        return self.check_setting(objective, context, self.settings(objective)[0])

    def check_all(self, objective: Objective, context: CheckContext) -> list[ClaimResult]:
        """Check Theorem 1 in every setting of :meth:`settings`, one result each."""
        return [
            self.check_setting(objective, context, setting) for setting in self.settings(objective)
        ]

    def check_setting(
        self, objective: Objective, context: CheckContext, setting: RateSetting
    ) -> ClaimResult:
        """Run one setting and decide Theorem 1 from its runs."""
        budget = QUICK_BUDGET if context.quick else DEFAULT_BUDGET
        runs = setting_runs(objective, setting, budget, context.store)
        grid = runs.horizons
        label = setting.label(objective, int(grid[0]))

        # The four quantities, each assessed against T^(−1/2).
        assessments = assess_quantities(objective, runs, seed=context.seed)
        best = assessments[Quantity.BEST]
        trajectories = runs.trajectories
        evidence: dict[str, Any] = {
            "setting": label,
            "policy": setting.policy.value,
            "stochastic": setting.stochastic,
            "lr": float(runs.lrs[0]),
            "lrs": runs.lrs,
            "curvature_scale": trajectories[0].curvature_scale,
            "grid": grid,
            "seeds": len(runs.runs),
            "seeds_vary": "Hutchinson probes" + (" and sampling" if setting.stochastic else ""),
            "claimed_exponent": CLAIMED_EXPONENT,
            "best_grad_norm_sq": runs.table(Quantity.BEST),
            "quantities": {
                quantity.value: {"formula": quantity.formula, **assessment.to_dict()}
                for quantity, assessment in assessments.items()
            },
            "diverged_at": [trajectory.diverged_at for trajectory in trajectories],
            "undefined_steps": [len(trajectory.undefined) for trajectory in trajectories],
            "lower_bound": objective.lower_bound,
        }

        # The explicit bound on every deterministic run, and the baselines beside constant lr.
        bound = _bound_on_runs(objective, runs)
        evidence["explicit_bound"] = bound
        evidence["tables"] = quantity_tables(objective, runs, assessments)
        if isinstance(bound, dict):
            evidence["explicit_bound_table"] = descent_bound_table(objective, runs)
        if setting.policy is StepPolicy.CONSTANT and budget.baseline_horizon:
            evidence["baselines"] = _baselines(objective, setting, budget, context)

        verdict, summary = _decide(bound, setting, best)
        transient = _transient(setting, best, trajectories, objective.lower_bound)
        if transient is not None:
            verdict, summary = Verdict.INCONCLUSIVE, transient
            evidence["transient_stall"] = True
        if "baselines" in evidence:
            summary += "; baselines: " + _baseline_note(evidence["baselines"])
        summary += _assumption_note(objective, trajectories)
        return ClaimResult(self.id, objective.name, verdict, summary, evidence, label)


def _decide(
    bound: dict[str, Any] | str, setting: RateSetting, best: RateAssessment
) -> tuple[Verdict, str]:
    # A violated explicit bound is a counterexample; a verified one is a certificate;
    # otherwise the engine's verdict on Theorem 1's quantity decides.
    if isinstance(bound, dict) and bound.get("violated"):
        return Verdict.FAILS, (
            f"the descent-lemma bound is violated at T = {bound['worst_T']} (ratio "
            f"{bound['worst_ratio']:.3g} > 1), which contradicts the proof's assumptions"
        )
    if isinstance(bound, dict) and setting.policy is StepPolicy.CONSTANT:
        # Σ η_t(1 − Lη_t/2) ≥ c·T with c > 0, so Q(T) ≤ (f0 − f*)/(c·T).
        return Verdict.HOLDS, (
            f"certified: Q(T) <= (f0 - f*)/sum eta_t(1 - L eta_t/2) at every T (worst "
            f"ratio {bound['worst_ratio']:.2g}), an O(1/T) bound since eta_t*L < 2 "
            f"throughout; fit: {best.summary}"
        )
    if isinstance(bound, dict) and "kappa" in bound:
        # The same certificate for lr ∝ 1/√T: Q(T) ≤ (f0 − f*)/(kappa·√T).
        return Verdict.HOLDS, (
            f"certified: Q(T) <= (f0 - f*)/sum eta_t(1 - L eta_t/2) on every run (worst "
            f"ratio {bound['worst_ratio']:.2g}), and every term of run T is at least "
            f"kappa/sqrt(T) with kappa = {bound['kappa']:.3g}, an O(1/sqrt(T)) bound; "
            f"fit: {best.summary}"
        )
    return Verdict(best.verdict), best.summary


def _transient(
    setting: RateSetting,
    assessment: RateAssessment,
    trajectories: list[Trajectory],
    lower_bound: float | None,
) -> str | None:
    # Only deterministic runs that each cover the whole grid show whether they still move.
    if setting.stochastic or setting.policy is not StepPolicy.CONSTANT:
        return None
    return transient_stall(assessment, trajectories, lower_bound)


def _baseline_note(baselines: dict[str, Any]) -> str:
    notes = []
    for name, entry in baselines.items():
        slope = "" if entry["slope"] is None else f" (slope {entry['slope']['mean']:.2f})"
        notes.append(f"{name} {entry['verdict']}{slope}")
    return ", ".join(notes)


def setting_runs(
    objective: Objective,
    setting: RateSetting,
    budget: RateBudget,
    store: dict[Any, Any] | None,
) -> SettingRuns:
    """Return the runs of ``setting`` under ``budget``, shared through ``store``."""
    return shared_runs(objective, setting, _grid(setting, budget), budget.seeds, store)


def _grid(setting: RateSetting, budget: RateBudget) -> np.ndarray:
    if setting.policy is StepPolicy.HORIZON_SCALED:
        return geometric_grid(
            budget.scaled_first_horizon, budget.scaled_horizon, budget.scaled_per_decade
        )
    if setting.method != "adaptive":
        return geometric_grid(budget.first_horizon, budget.baseline_horizon, budget.per_decade)
    return geometric_grid(budget.first_horizon, budget.horizon, budget.per_decade)


def assess_quantities(
    objective: Objective, runs: SettingRuns, *, seed: int
) -> dict[Quantity, RateAssessment]:
    """Assess every quantity of ``runs`` against T^(−1/2); the loss gap only where f* is known."""
    assessments = {}
    for quantity in Quantity:
        if quantity is Quantity.LOSS_GAP and objective.lower_bound is None:
            continue
        table = runs.table(quantity, objective.lower_bound)
        floor = None
        if quantity is Quantity.LOSS_GAP:
            # f − f* cancels digits when f* ≠ 0: gaps within a few ulps of |f*| are rounding.
            f_star = float(objective.lower_bound)  # type: ignore[arg-type]
            floor = np.maximum(4 * np.finfo(np.float64).eps * abs(f_star), 1e-20 * table[:, 0])
        assessments[quantity] = assess_rate(
            runs.horizons, table, CLAIMED_EXPONENT, floor=floor, seed=seed
        )
    return assessments


def _baselines(
    objective: Objective, setting: RateSetting, budget: RateBudget, context: CheckContext
) -> dict[str, Any]:
    # Plain SGD and Adam on the same gradients. With full gradients both are deterministic,
    # so one run is exact.
    baselines = {}
    seeds = budget.seeds if setting.stochastic else 1
    for method, lr in (("sgd", None), ("adam", ADAM_LR)):
        baseline = RateSetting(setting.policy, method=method, stochastic=setting.stochastic, lr=lr)
        runs = shared_runs(objective, baseline, _grid(baseline, budget), seeds, context.store)
        assessment = assess_rate(
            runs.horizons,
            runs.table(Quantity.BEST),
            CLAIMED_EXPONENT,
            seed=context.seed,
            deterministic=not setting.stochastic,
        )
        transient = _transient(baseline, assessment, runs.trajectories, objective.lower_bound)
        baselines[method] = {
            "lr": float(runs.lrs[0]),
            "seeds": seeds,
            "verdict": assessment.verdict if transient is None else Verdict.INCONCLUSIVE.value,
            "summary": assessment.summary if transient is None else transient,
            "slope": None if assessment.slope is None else assessment.slope.to_dict(),
        }
    return baselines


def _bound_on_runs(objective: Objective, runs: SettingRuns) -> dict[str, Any] | str:
    # One-run policies: every run against the whole grid.
    if len(runs.runs[0]) == 1:
        return _explicit_bound(objective, runs.trajectories, runs.horizons)

    # Horizon-scaled runs: each run against its own horizon T. Every term of run T's sum is
    # at least its min_step_progress c_T, so its bound is at most (f0 − f*)/(T·c_T), and
    # kappa = min_T c_T·√T turns that into (f0 − f*)/(kappa·√T) on every horizon.
    worst: dict[str, Any] | None = None
    kappa = math.inf
    for seed_runs in runs.runs:
        for trajectory, horizon in zip(seed_runs, runs.horizons):
            result = _explicit_bound(objective, [trajectory], np.array([horizon]))
            if isinstance(result, str):
                return result
            progress = float(result["min_step_progress"])  # type: ignore[arg-type]
            kappa = min(kappa, progress * math.sqrt(horizon))
            if worst is None or float(result["worst_ratio"]) > worst["worst_ratio"]:  # type: ignore[arg-type]
                worst = dict(result)
    if worst is None:
        return "not applicable: no runs"
    worst["kappa"] = kappa
    return worst


def _explicit_bound(
    objective: Objective, trajectories: list[Trajectory], grid: np.ndarray
) -> dict[str, object] | str:
    L = objective.smoothness.L
    progress_term = result_function("stationarity-bound", "progress_term", "numpy")
    stationarity_bound = result_function("stationarity-bound", "bound")
    if is_stochastic(objective):
        return "not applicable: the deterministic descent-lemma bound needs full gradients"
    if L is None or not objective.smoothness.certified:
        return "not applicable: no certified smoothness constant L"
    if objective.lower_bound is None:
        return "not applicable: f is not bounded below (no f*)"

    worst_ratio, worst_T = 0.0, 0
    for trajectory in trajectories:
        if trajectory.diverged_at is not None:
            return f"not applicable: a run diverged at step {trajectory.diverged_at}"
        if not trajectory.in_region.all():
            step = int(np.argmin(trajectory.in_region))
            return f"not applicable: the run left the region where L holds at step {step}"
        largest = float(np.max(trajectory.lrs * L))
        if largest >= 2:
            return f"not applicable: eta_t * L reached {largest:.3g} >= 2"

        progress = np.cumsum(progress_term(trajectory.lrs, L))
        gap = trajectory.losses[0] - objective.lower_bound
        best = running_minimum(trajectory.grad_norms_sq)
        for T in grid:
            bound = stationarity_bound(gap, progress[T - 1])
            ratio = best[T - 1] / bound if bound > 0 else math.inf
            if ratio > worst_ratio:
                worst_ratio, worst_T = float(ratio), int(T)

    return {
        "form": "(f(theta_0) - f*) / sum_{t<T} eta_t (1 - L eta_t / 2)",
        "min_step_progress": float(min(np.min(progress_term(t.lrs, L)) for t in trajectories)),
        "proof": "stationarity-bound",
        "L": L,
        "worst_ratio": worst_ratio,
        "worst_T": worst_T,
        "violated": worst_ratio > 1.0,
    }


def _assumption_note(objective: Objective, trajectories: list[Trajectory]) -> str:
    notes = []
    if objective.lower_bound is None:
        notes.append("f is unbounded below, an assumption the theorem needs")
    if any(trajectory.diverged_at is not None for trajectory in trajectories):
        notes.append("a run diverged")
    if any(trajectory.undefined for trajectory in trajectories):
        notes.append("the rule was undefined at some steps")
    return "" if not notes else " (" + "; ".join(notes) + ")"
