"""Proof ``loss-model``: when the loss curve L(t) = L0·e^{−αt} + L∞ is exact, and its error.

Gradient descent with a constant step η on a quadratic contracts each eigendirection by
1 − ηλ_i, so the excess loss is Σ_i c_i ρ_i^t with ρ_i = (1 − ηλ_i)² and c_i ≥ 0. With one
distinct eigenvalue this is L0·e^{−αt} exactly, with α = −ln((1 − ηλ)²) and L∞ = f*. With
several it is a sum of exponentials: the ratio of successive excess losses changes with t, so no
single exponential is exact. Any single exponential L0·ρ̄^t with ρ̄ in [ρ_min, ρ_max] is off by
at most L0(ρ_max^t − ρ_min^t), and by at most L0((a/b)^{a/(b−a)} − (a/b)^{b/(b−a)}) over all t,
where a = −ln ρ_max and b = −ln ρ_min.
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Identity, Inequality

PROOF_ID = "loss-model"
EIGENBASIS_SIZE = 3


def build() -> Proof:
    """Return the proof of the loss model's exactness and of its fit error bound."""
    eigenvalue = sp.Symbol("lambda_H", positive=True)
    eta = sp.Symbol("eta", positive=True)
    x, x_star, f_star = sp.symbols("x x_star f_star", real=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    rho = sp.Symbol("rho", positive=True)
    initial = sp.Symbol("L_0", nonnegative=True)

    quadratic = eigenvalue / 2 * (x - x_star) ** 2 + f_star
    contraction = 1 - eta * eigenvalue

    n = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    weight = sp.IndexedBase("c", nonnegative=True)
    rate = sp.IndexedBase("rho", positive=True)
    rho_min, rho_max, rho_fit = sp.symbols("rho_min rho_max rho_fit", positive=True)
    excess = sp.Sum(weight[i] * rate[i] ** t, (i, 1, n))
    total_weight = sp.Sum(weight[i], (i, 1, n))

    first, second = sp.symbols("c_1 c_2", positive=True)
    rho_1, rho_2 = sp.symbols("rho_1 rho_2", positive=True)

    def two_modes(time: int) -> sp.Expr:
        return first * rho_1**time + second * rho_2**time

    ratio_change = two_modes(2) / two_modes(1) - two_modes(1) / two_modes(0)

    decay = -sp.log(rho)
    slow, fast = sp.symbols("a b", positive=True)
    peak_time = sp.log(fast / slow) / (fast - slow)

    assumptions = (
        Assumption(
            "gradient descent on a quadratic",
            "x_{t+1} = x_t - eta * f'(x_t) with a constant eta on "
            "f(x) = (lambda_H/2)(x - x_star)^2 + f_star; in n dimensions the same holds in each "
            "eigendirection of the Hessian, and rho = (1 - eta*lambda_H)^2 > 0 (eta*lambda_H != 1)",
            symbols=(eigenvalue, eta, x, x_star, f_star, t, rho),
        ),
        Assumption(
            "several eigendirections",
            "the excess loss is sum_i c_i rho_i^t with c_i = (lambda_i/2) d_i^2 >= 0 and "
            "L_0 = sum_i c_i, and every rate lies in [rho_min, rho_max]; x -> x^t is "
            "non-decreasing on [0, oo) for t >= 0, so rho_min^t <= rho_i^t <= rho_max^t",
            symbols=(n, weight, rate, rho_min, rho_max, initial),
            conditions=(
                sp.Ge(rate[i] ** t, rho_min**t),
                sp.Le(rate[i] ** t, rho_max**t),
                sp.Ge(rho_fit**t, rho_min**t),
                sp.Le(rho_fit**t, rho_max**t),
            ),
            equations=(sp.Eq(total_weight, initial),),
        ),
        Assumption(
            "two distinct rates",
            "c_1, c_2 > 0 and rho_1 != rho_2",
            symbols=(first, second, rho_1, rho_2),
            conditions=(sp.Gt((rho_1 - rho_2) ** 2, 0),),
        ),
        Assumption(
            "rates of the uniform bound",
            "a = -ln(rho_max) and b = -ln(rho_min) with 0 < a < b, that is "
            "0 < rho_min < rho_max < 1",
            symbols=(slow, fast),
        ),
    )

    steps = (
        Identity(
            "one step on a 1-D quadratic",
            "x - eta*f'(x) - x_star = (1 - eta*lambda_H)(x - x_star)",
            lhs=x - eta * sp.diff(quadratic, x) - x_star,
            rhs=contraction * (x - x_star),
        ),
        Identity(
            "the excess loss contracts by (1 - eta*lambda_H)^2",
            "substitute the step into f",
            lhs=quadratic.subs(x, x_star + contraction * (x - x_star)) - f_star,
            rhs=contraction**2 * (quadratic - f_star),
        ),
        Identity(
            "induction step",
            "if f(x_t) - f_star = L_0 rho^t then f(x_{t+1}) - f_star = rho * L_0 rho^t "
            "= L_0 rho^(t+1)",
            lhs=rho * initial * rho**t,
            rhs=initial * rho ** (t + 1),
        ),
        Identity(
            "the exponential form",
            "rho^t = exp(-alpha*t) with alpha = -ln(rho), so L(t) = L_0 exp(-alpha*t) + f_star",
            lhs=initial * sp.exp(-decay * t) + f_star,
            rhs=initial * rho**t + f_star,
        ),
        Identity(
            "alpha > 0 exactly when 0 < eta*lambda_H < 2",
            "1 - rho = eta*lambda_H*(2 - eta*lambda_H)",
            lhs=1 - contraction**2,
            rhs=eta * eigenvalue * (2 - eta * eigenvalue),
        ),
        *_eigenbasis_steps(eta),
        Identity(
            "two rates: the ratio of successive excess losses changes",
            "S(2)/S(1) - S(1)/S(0) for S(t) = c_1 rho_1^t + c_2 rho_2^t",
            lhs=ratio_change,
            rhs=first * second * (rho_1 - rho_2) ** 2 / (two_modes(0) * two_modes(1)),
        ),
        Inequality(
            "so no single exponential is exact",
            "a single exponential has a constant ratio; here the change is positive",
            lhs=sp.Integer(0),
            rhs=ratio_change,
            certificate=(first * second * (rho_1 - rho_2) ** 2 / (two_modes(0) * two_modes(1)),),
            strict=True,
        ),
        Inequality(
            "upper envelope",
            "sum_i c_i rho_i^t <= sum_i c_i rho_max^t = L_0 rho_max^t",
            lhs=excess,
            rhs=initial * rho_max**t,
            certificate=(sp.Sum(weight[i] * (rho_max**t - rate[i] ** t), (i, 1, n)),),
            substitutions=((total_weight, initial),),
        ),
        Inequality(
            "lower envelope",
            "sum_i c_i rho_i^t >= L_0 rho_min^t",
            lhs=initial * rho_min**t,
            rhs=excess,
            certificate=(sp.Sum(weight[i] * (rate[i] ** t - rho_min**t), (i, 1, n)),),
            substitutions=((total_weight, initial),),
        ),
        Inequality(
            "fit error from above",
            "the excess loss minus the fit L_0 rho_fit^t, for rho_fit in [rho_min, rho_max]",
            lhs=excess - initial * rho_fit**t,
            rhs=initial * (rho_max**t - rho_min**t),
            certificate=(initial * rho_max**t - excess, initial * (rho_fit**t - rho_min**t)),
        ),
        Inequality(
            "fit error from below",
            "the fit L_0 rho_fit^t minus the excess loss",
            lhs=initial * rho_fit**t - excess,
            rhs=initial * (rho_max**t - rho_min**t),
            certificate=(excess - initial * rho_min**t, initial * (rho_max**t - rho_fit**t)),
        ),
        Identity(
            "the envelope gap peaks where a*exp(-a*t) = b*exp(-b*t)",
            "the derivative of exp(-a*t) - exp(-b*t) vanishes at t* = ln(b/a)/(b - a), its only "
            "critical point. The gap is 0 at t = 0 and tends to 0, so t* is its maximum",
            lhs=sp.log(slow) - slow * peak_time,
            rhs=sp.log(fast) - fast * peak_time,
            evaluate=_expand_logs,
        ),
        Identity(
            "the gap at its peak, first term",
            "exp(-a*t*) = (a/b)^(a/(b - a)), compared through logarithms",
            lhs=-slow * peak_time,
            rhs=sp.log((slow / fast) ** (slow / (fast - slow))),
            evaluate=_expand_logs,
        ),
        Identity(
            "the gap at its peak, second term",
            "exp(-b*t*) = (a/b)^(b/(b - a)), compared through logarithms",
            lhs=-fast * peak_time,
            rhs=sp.log((slow / fast) ** (fast / (fast - slow))),
            evaluate=_expand_logs,
        ),
    )

    ratio = slow / fast
    uniform = initial * (ratio ** (slow / (fast - slow)) - ratio ** (fast / (fast - slow)))
    step_rate, curvature, alpha, asymptote = sp.symbols("eta lambda_H alpha L_inf", real=True)
    time = sp.Symbol("t", nonnegative=True)
    results = (
        Result(
            "alpha",
            -sp.log((1 - step_rate * curvature) ** 2),
            (step_rate, curvature),
            "alpha = -ln((1 - eta*lambda_H)^2), the decay rate for one distinct eigenvalue",
        ),
        Result(
            "loss_curve",
            initial * sp.exp(-alpha * time) + asymptote,
            (initial, alpha, time, asymptote),
            "the loss model L_0 exp(-alpha*t) + L_inf",
        ),
        Result(
            "fit_error_bound",
            initial * (rho_max**time - rho_min**time),
            (initial, rho_min, rho_max, time),
            "the bound L_0 (rho_max^t - rho_min^t) on |excess loss - L_0 rho_fit^t|",
        ),
        Result(
            "uniform_fit_error_bound",
            uniform.subs({slow: -sp.log(rho_max), fast: -sp.log(rho_min)}),
            (initial, rho_min, rho_max),
            "the largest value over t of the fit error bound, for 0 < rho_min < rho_max < 1",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="The loss model L(t) = L0 exp(-alpha t) + L_inf",
        statement=(
            "For gradient descent with a constant step eta on a quadratic with one distinct "
            "eigenvalue lambda_H, f(x_t) = L_0 exp(-alpha*t) + f_star exactly, with "
            "alpha = -ln((1 - eta*lambda_H)^2), positive exactly when 0 < eta*lambda_H < 2. With "
            "several eigenvalues the excess loss is sum_i c_i rho_i^t, not a single exponential, "
            "and L_0 rho_fit^t with rho_fit in [rho_min, rho_max] is off by at most "
            "L_0 (rho_max^t - rho_min^t)."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "The paper's loss curve is exact only for gradient descent with a constant step on "
            "a quadratic whose Hessian has one distinct eigenvalue; L_inf is then f_star.",
            "With the adaptive rule the step changes with the trace estimate, so even on such a "
            "quadratic the curve is exponential only when the estimate is exact (tr(H) "
            "constant); with Hutchinson estimates each step has its own rate.",
        ),
    )


def _expand_logs(expression: sp.Expr) -> sp.Expr:
    # Every logarithm here is of a positive quantity, so splitting products and powers is valid.
    return sp.expand_log(sp.sympify(expression), force=True)


def _eigenbasis_steps(eta: sp.Symbol) -> tuple[Identity, ...]:
    # A quadratic in its eigenbasis: f = Σ (λ_i/2) d_i² + f*, with d = x − x*.
    size = EIGENBASIS_SIZE
    eigenvalues = sp.symbols(f"lambda_1:{size + 1}", positive=True)
    offsets = sp.symbols(f"d_1:{size + 1}", real=True)

    def excess(point: tuple[sp.Expr, ...]) -> sp.Expr:
        return sum(value / 2 * coordinate**2 for value, coordinate in zip(eigenvalues, point))

    stepped = tuple(
        coordinate - eta * value * coordinate for value, coordinate in zip(eigenvalues, offsets)
    )
    return (
        Identity(
            "several eigenvalues: each direction contracts by its own rate",
            "one step on a 3-dimensional quadratic in its eigenbasis",
            lhs=excess(stepped),
            rhs=sum(
                (1 - eta * value) ** 2 * value / 2 * coordinate**2
                for value, coordinate in zip(eigenvalues, offsets)
            ),
        ),
    )
