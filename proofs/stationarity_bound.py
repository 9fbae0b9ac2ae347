"""Proof ``stationarity-bound``: min_{t<T} ‖∇f(θ_t)‖² ≤ (f(θ_0) − f*) / Σ_{t<T} η_t(1 − Lη_t/2).

The descent lemma at every step, summed over t < T, telescopes to Σ η_t(1 − Lη_t/2)‖g_t‖² ≤
f(θ_0) − f(θ_T) ≤ f(θ_0) − f*. The minimum of ‖g_t‖² is at most their weighted mean, which
gives the bound. With η_min ≤ η_t ≤ 1/L the bound is at most 2(f(θ_0) − f*)/(T·η_min), an
O(1/T) rate, which implies the O(1/√T) of Theorem 1 of "Adaptive Learning Rate Scheduling for
Large-Scale Neural Networks" (ICML 2024) for T ≥ 1.
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Identity, Inequality, LimitStep, doit

PROOF_ID = "stationarity-bound"


def build() -> Proof:
    """Return the proof of the telescoped stationarity bound and its O(1/T) corollary."""
    L = sp.Symbol("L", positive=True)
    T = sp.Symbol("T", integer=True, positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    eta = sp.IndexedBase("eta", positive=True)
    grad_sq = sp.IndexedBase("G", nonnegative=True)
    loss = sp.IndexedBase("f", real=True)
    f_star = sp.Symbol("f_star", real=True)
    best = sp.Symbol("G_min", nonnegative=True)
    eta_min = sp.Symbol("eta_min", positive=True)

    progress_term = eta[t] * (1 - L * eta[t] / 2)
    progress = sp.Sum(progress_term, (t, 0, T - 1))
    weighted = sp.Sum(progress_term * grad_sq[t], (t, 0, T - 1))
    gap = loss[0] - f_star
    bound = gap / progress

    assumptions = (
        Assumption(
            "descent at every step",
            "f_{t+1} <= f_t - eta_t*(1 - L*eta_t/2)*G_t for 0 <= t < T, where f_t = "
            "f(theta_t), G_t = ||grad f(theta_t)||^2 and eta_t > 0 is the rate applied",
            symbols=(L, T, eta, grad_sq, loss),
            conditions=(sp.Le(loss[t + 1], loss[t] - progress_term * grad_sq[t]),),
            proved_in="descent-lemma",
        ),
        Assumption(
            "f bounded below",
            "f(theta) >= f_star for every theta, in particular f_T >= f_star",
            symbols=(f_star,),
            conditions=(sp.Ge(loss[T], f_star),),
        ),
        Assumption(
            "step-size condition",
            "eta_t * L < 2 at every step, which the rule does not ensure by itself "
            "(see step-size-threshold)",
            conditions=(sp.Lt(L * eta[t], 2),),
        ),
        Assumption(
            "the minimum",
            "G_min = min_{t<T} G_t, so G_t >= G_min for every t < T",
            symbols=(best,),
            conditions=(sp.Ge(grad_sq[t], best),),
        ),
        Assumption(
            "steps at most 1/L and at least eta_min",
            "eta_min <= eta_t <= 1/L at every step, and T >= 1, for the O(1/T) corollary; for "
            "the rule with a positive semi-definite H and Rademacher probes, eta_min = "
            "lr/sqrt(1 + lambda*n*L) (see learning-rate-bounds)",
            symbols=(eta_min,),
            conditions=(
                sp.Le(L * eta[t], 1),
                sp.Ge(eta[t], eta_min),
                sp.Ge(sp.sqrt(T), 1, evaluate=False),
            ),
        ),
    )

    lr = sp.Symbol("lr", positive=True)
    scale = sp.Symbol("lambda", positive=True)
    trace = sp.Symbol("tau", real=True)
    constant_eta = sp.Symbol("eta", positive=True)
    rate_constant = 2 * gap / eta_min

    steps = (
        Identity(
            "telescoping",
            "consecutive losses cancel in the sum",
            lhs=sp.Sum(loss[t] - loss[t + 1], (t, 0, T - 1)),
            rhs=loss[0] - loss[T],
            evaluate=doit,
        ),
        Inequality(
            "sum the per-step decreases",
            "each term of the sum is non-negative by the descent lemma",
            lhs=weighted,
            rhs=loss[0] - loss[T],
            certificate=(
                sp.Sum(loss[t] - loss[t + 1] - progress_term * grad_sq[t], (t, 0, T - 1)),
            ),
        ),
        Inequality(
            "use the lower bound f*",
            "f_T >= f_star",
            lhs=weighted,
            rhs=gap,
            certificate=(loss[0] - loss[T] - weighted, loss[T] - f_star),
        ),
        Inequality(
            "the minimum is at most the weighted mean",
            "every weight eta_t*(1 - L*eta_t/2) is non-negative because eta_t*L < 2",
            lhs=best * progress,
            rhs=weighted,
            certificate=(sp.Sum(progress_term * (grad_sq[t] - best), (t, 0, T - 1)),),
        ),
        Inequality(
            "the progress is positive",
            "a non-empty sum of positive weights",
            lhs=sp.Integer(0),
            rhs=progress,
            certificate=(progress,),
            strict=True,
        ),
        Inequality(
            "the stationarity bound",
            "divide by the positive progress",
            lhs=best,
            rhs=bound,
            certificate=((gap - weighted) / progress, (weighted - best * progress) / progress),
        ),
        Identity(
            "constant step",
            "with eta_t = eta the progress is T*eta*(1 - L*eta/2)",
            lhs=bound.xreplace({eta[t]: constant_eta}),
            rhs=gap / (T * constant_eta * (1 - L * constant_eta / 2)),
            evaluate=doit,
        ),
        Inequality(
            "short steps keep half the step",
            "1 - L*eta_t/2 >= 1/2 when eta_t <= 1/L",
            lhs=eta[t] / 2,
            rhs=progress_term,
            certificate=(eta[t] * (1 - L * eta[t]) / 2,),
        ),
        Inequality(
            "progress grows linearly in T",
            "each weight is at least eta_t/2 >= eta_min/2",
            lhs=T * eta_min / 2,
            rhs=progress,
            certificate=(
                sp.Sum(progress_term - eta[t] / 2, (t, 0, T - 1)),
                sp.Sum(eta[t] - eta_min, (t, 0, T - 1)) / 2,
            ),
        ),
        Inequality(
            "the gap is non-negative",
            "f_0 - f_star is at least a sum of non-negative terms",
            lhs=sp.Integer(0),
            rhs=gap,
            certificate=(gap - weighted, weighted),
        ),
        Inequality(
            "O(1/T) rate",
            "replace the progress by its lower bound T*eta_min/2",
            lhs=best,
            rhs=rate_constant / T,
            certificate=(
                bound - best,
                gap * (progress - T * eta_min / 2) * 2 / (T * eta_min * progress),
            ),
        ),
        Inequality(
            "O(1/T) implies O(1/sqrt(T))",
            "1/T <= 1/sqrt(T) for T >= 1",
            lhs=rate_constant / T,
            rhs=rate_constant / sp.sqrt(T),
            certificate=(rate_constant * (sp.sqrt(T) - 1) / T,),
        ),
        LimitStep(
            "the rate is unbounded at the edge of the undefined region",
            "as 1 + lambda*tau decreases to 0 the rule's rate grows without bound, so "
            "eta_t*L < 2 fails for trace estimates just above -1/lambda",
            expression=lr / sp.sqrt(1 + scale * trace),
            variable=trace,
            point=-1 / scale,
            value=sp.oo,
            direction="+",
        ),
    )

    step_rate, gap_value, progress_total = sp.symbols("eta gap progress", positive=True)
    horizon = sp.Symbol("T", positive=True)
    results = (
        Result(
            "progress_term",
            step_rate * (1 - L * step_rate / 2),
            (step_rate, L),
            "eta_t*(1 - L*eta_t/2), one step's share of the progress sum",
        ),
        Result(
            "bound",
            gap_value / progress_total,
            (gap_value, progress_total),
            "(f(theta_0) - f*) / sum_{t<T} eta_t*(1 - L*eta_t/2), the bound on min_{t<T} "
            "||grad f(theta_t)||^2",
        ),
        Result(
            "constant_step_bound",
            gap_value / (horizon * step_rate * (1 - L * step_rate / 2)),
            (gap_value, step_rate, L, horizon),
            "the bound for a constant rate eta with eta*L < 2",
        ),
        Result(
            "rate_bound",
            2 * gap_value / (horizon * eta_min),
            (gap_value, eta_min, horizon),
            "2(f(theta_0) - f*)/(T*eta_min), the O(1/T) bound when eta_min <= eta_t <= 1/L",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Stationarity bound for the rule (Theorem 1, deterministic gradients)",
        statement=(
            "If the descent lemma holds at every step, f >= f_star and eta_t*L < 2 for t < T, "
            "then min_{t<T} ||grad f(theta_t)||^2 <= (f(theta_0) - f_star) / sum_{t<T} "
            "eta_t*(1 - L*eta_t/2). If moreover eta_min <= eta_t <= 1/L, the bound is at most "
            "2(f(theta_0) - f_star)/(T*eta_min) = O(1/T), which implies O(1/sqrt(T))."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "With full gradients Theorem 1 holds in a stronger form, O(1/T) instead of "
            "O(1/sqrt(T)), but only under conditions the paper does not state: f bounded below, "
            "eta_t*L < 2 at every step, and progress that grows linearly (eta_t bounded below "
            "by a positive eta_min).",
            "The rule does not ensure eta_t*L < 2: on (L/2)x^2 it fails for L above "
            "2(lambda + sqrt(lambda^2 + lr^2))/lr^2 (see step-size-threshold).",
            "Where 1 + lambda*tr(H_t) <= 0 the rule has no real value and the argument needs the "
            "rate that replaces it: with the positive-part policy that rate is lr, so the bound "
            "holds if lr*L < 2. Just above that region the rule's rate is unbounded, so "
            "eta_t*L < 2 fails unless the rate is clipped below 2/L.",
        ),
    )
