"""Proof ``stochastic-bound``: (1/T) Σ E‖∇f(θ_t)‖² ≤ 2(f_0 − f*)/(Tη) + Lησ² for SGD.

The step is θ_{t+1} = θ_t − η_t g̃_t with g̃_t = ∇f(θ_t) + ξ_t, E[ξ_t | past] = 0 and
E[‖ξ_t‖² | past] ≤ σ². The descent lemma along d = −η_t g̃_t, its conditional expectation and
η_min ≤ η_t ≤ min(η_max, 1/L) give E f_{t+1} ≤ E f_t − (η_min/2) E‖∇f_t‖² + Lη_max²σ²/2;
telescoping gives

    (1/T) Σ_{t<T} E‖∇f(θ_t)‖² ≤ 2(f_0 − f*)/(T η_min) + L σ² η_max²/η_min,

and η_min = η_max = η gives the constant-step bound. Its floor Lησ² does not vanish as T
grows; η = c/√T gives O(1/√T).
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Expectation, Identity, Inequality, LimitStep, doit

PROOF_ID = "stochastic-bound"
VECTOR_SIZE = 3


def build() -> Proof:
    """Return the proof of the stochastic bound with its noise floor."""
    L = sp.Symbol("L", positive=True)
    sigma_sq = sp.Symbol("sigma_sq", positive=True)
    noise_mean_sq = sp.Symbol("v", nonnegative=True)
    eta_t = sp.Symbol("eta_t", positive=True)
    eta_min, eta_max = sp.symbols("eta_min eta_max", positive=True)
    loss = sp.Symbol("f_t", real=True)
    grad_sq = sp.Symbol("G_t", nonnegative=True)
    cross = sp.Symbol("cross", real=True)
    noise_sq = sp.Symbol("noise_sq", nonnegative=True)
    T = sp.Symbol("T", integer=True, positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    expected_loss = sp.IndexedBase("F", real=True)
    expected_grad_sq = sp.IndexedBase("E_G", nonnegative=True)
    f_star = sp.Symbol("f_star", real=True)
    c = sp.Symbol("c", positive=True)
    gap = sp.Symbol("gap", positive=True)

    assumptions = (
        Assumption(
            "stochastic step",
            "theta_{t+1} = theta_t - eta_t*(g_t + xi_t) with g_t = grad f(theta_t); "
            "G_t = ||g_t||^2, cross = <g_t, xi_t>, noise_sq = ||xi_t||^2",
            symbols=(eta_t, loss, grad_sq, cross, noise_sq),
        ),
        Assumption(
            "descent lemma along the step",
            "f(theta_t + d) <= f(theta_t) + <g_t, d> + (L/2)||d||^2 for d = -eta_t*(g_t + xi_t)",
            symbols=(L,),
            proved_in="descent-lemma",
        ),
        Assumption(
            "unbiased noise with bounded variance",
            "given the past and eta_t, E[xi_t] = 0 and E||xi_t||^2 = v <= sigma_sq; eta_t must "
            "not depend on xi_t",
            symbols=(sigma_sq, noise_mean_sq),
            conditions=(sp.Le(noise_mean_sq, sigma_sq),),
        ),
        Assumption(
            "step sizes",
            "eta_min <= eta_t <= eta_max and eta_t*L <= 1",
            symbols=(eta_min, eta_max),
            conditions=(sp.Le(L * eta_t, 1), sp.Ge(eta_t, eta_min), sp.Le(eta_t, eta_max)),
        ),
        Assumption(
            "total expectation",
            "F_t = E f(theta_t) and E_G[t] = E||grad f(theta_t)||^2; the per-step bound in "
            "conditional expectation carries over to total expectation by the tower property, "
            "F_{t+1} <= F_t - (eta_min/2) E_G[t] + L*eta_max^2*sigma_sq/2, and f >= f_star",
            symbols=(T, expected_loss, expected_grad_sq, f_star),
            conditions=(
                sp.Le(
                    expected_loss[t + 1],
                    expected_loss[t]
                    - eta_min * expected_grad_sq[t] / 2
                    + L * eta_max**2 * sigma_sq / 2,
                ),
                sp.Ge(expected_loss[T], f_star),
            ),
        ),
    )

    # The descent lemma's right-hand side for d = −η_t(g_t + ξ_t).
    one_step = (
        loss - eta_t * (grad_sq + cross) + L * eta_t**2 * (grad_sq + 2 * cross + noise_sq) / 2
    )
    in_expectation = loss - eta_t * grad_sq + L * eta_t**2 * (grad_sq + noise_mean_sq) / 2
    with_sigma = loss - eta_t * grad_sq + L * eta_t**2 * (grad_sq + sigma_sq) / 2
    short_step = loss - eta_t * grad_sq / 2 + L * eta_t**2 * sigma_sq / 2
    bracketed = loss - eta_min * grad_sq / 2 + L * eta_max**2 * sigma_sq / 2

    per_step_slack = (
        expected_loss[t]
        - expected_loss[t + 1]
        - eta_min * expected_grad_sq[t] / 2
        + L * eta_max**2 * sigma_sq / 2
    )
    grad_sum = sp.Sum(expected_grad_sq[t], (t, 0, T - 1))
    initial_gap = expected_loss[0] - f_star
    adaptive_bound = 2 * initial_gap / (T * eta_min) + L * sigma_sq * eta_max**2 / eta_min
    constant_bound = 2 * gap / (T * eta_t) + L * eta_t * sigma_sq

    steps = (
        *_expansion_steps(),
        Expectation(
            "conditional expectation",
            "the bound is linear in cross and noise_sq, whose means are 0 and v",
            expression=one_step,
            means={cross: 0, noise_sq: noise_mean_sq},
            result=in_expectation,
        ),
        Inequality(
            "bounded variance",
            "v <= sigma_sq",
            lhs=in_expectation,
            rhs=with_sigma,
            certificate=(L * eta_t**2 * (sigma_sq - noise_mean_sq) / 2,),
        ),
        Inequality(
            "short steps",
            "eta_t*L <= 1 makes the gradient term at least eta_t*G_t/2",
            lhs=with_sigma,
            rhs=short_step,
            certificate=(eta_t * grad_sq * (1 - L * eta_t) / 2,),
        ),
        Inequality(
            "bracket the step size",
            "eta_min <= eta_t <= eta_max",
            lhs=short_step,
            rhs=bracketed,
            certificate=(
                (eta_t - eta_min) * grad_sq / 2,
                L * sigma_sq * (eta_max - eta_t) * (eta_max + eta_t) / 2,
            ),
        ),
        Identity(
            "telescoping",
            "consecutive expected losses cancel",
            lhs=sp.Sum(expected_loss[t] - expected_loss[t + 1], (t, 0, T - 1)),
            rhs=expected_loss[0] - expected_loss[T],
            evaluate=doit,
        ),
        Inequality(
            "sum over t < T",
            "each per-step slack is non-negative and F_T >= f_star",
            lhs=eta_min * grad_sum / 2,
            rhs=initial_gap + T * L * eta_max**2 * sigma_sq / 2,
            certificate=(sp.Sum(per_step_slack, (t, 0, T - 1)), expected_loss[T] - f_star),
        ),
        Inequality(
            "average over t < T",
            "divide by T*eta_min/2 > 0",
            lhs=grad_sum / T,
            rhs=adaptive_bound,
            certificate=(
                2
                * (initial_gap + T * L * eta_max**2 * sigma_sq / 2 - eta_min * grad_sum / 2)
                / (T * eta_min),
            ),
        ),
        Identity(
            "constant step",
            "eta_min = eta_max = eta, with gap = F_0 - f_star",
            lhs=adaptive_bound.subs(
                {eta_min: eta_t, eta_max: eta_t, expected_loss[0]: gap + f_star}
            ),
            rhs=constant_bound,
        ),
        LimitStep(
            "a floor that does not vanish",
            "for a constant step the bound tends to L*eta*sigma_sq > 0",
            expression=constant_bound,
            variable=T,
            point=sp.oo,
            value=L * eta_t * sigma_sq,
            direction="-",
        ),
        Identity(
            "steps of c/sqrt(T)",
            "eta = c/sqrt(T) gives (2*gap/c + L*c*sigma_sq)/sqrt(T)",
            lhs=constant_bound.subs(eta_t, c / sp.sqrt(T)),
            rhs=(2 * gap / c + L * c * sigma_sq) / sp.sqrt(T),
        ),
        Inequality(
            "the best c",
            "2*gap/c + L*c*sigma_sq >= 2*sqrt(2*gap*L*sigma_sq), with equality at "
            "c = sqrt(2*gap/(L*sigma_sq))",
            lhs=2 * sp.sqrt(2 * gap * L * sigma_sq),
            rhs=2 * gap / c + L * c * sigma_sq,
            certificate=((sp.sqrt(2 * gap / c) - sp.sqrt(L * c * sigma_sq)) ** 2,),
        ),
    )

    results = (
        Result(
            "constant_step_bound",
            constant_bound,
            (gap, T, eta_t, L, sigma_sq),
            "2(f_0 - f*)/(T*eta) + L*eta*sigma^2, the bound on (1/T) sum_t E||grad f||^2 for "
            "a constant step eta <= 1/L",
        ),
        Result(
            "adaptive_bound",
            adaptive_bound.subs(expected_loss[0], gap + f_star),
            (gap, T, eta_min, eta_max, L, sigma_sq),
            "2(f_0 - f*)/(T*eta_min) + L*sigma^2*eta_max^2/eta_min for steps in "
            "[eta_min, eta_max] with eta_max <= 1/L that do not depend on the current noise",
        ),
        Result(
            "noise_floor",
            L * eta_t * sigma_sq,
            (eta_t, L, sigma_sq),
            "L*eta*sigma^2, the limit of the constant-step bound as T grows",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Stochastic gradients: a noise floor for constant steps",
        statement=(
            "With unbiased gradients of variance at most sigma^2 and a constant step eta <= 1/L, "
            "(1/T) sum_{t<T} E||grad f(theta_t)||^2 <= 2(f_0 - f*)/(T*eta) + L*eta*sigma^2, "
            "whose floor L*eta*sigma^2 does not vanish; with eta = c/sqrt(T) the bound is "
            "(2(f_0 - f*)/c + L*c*sigma^2)/sqrt(T) = O(1/sqrt(T))."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "Full gradients support Theorem 1 in the stronger O(1/T) form (see "
            "stationarity-bound).",
            "Stochastic gradients with a constant lr support no rate: the bound stalls at "
            "L*eta*sigma^2, so Theorem 1 as stated fails for the paper's algorithm with a "
            "constant lr under gradient noise.",
            "Stochastic gradients with a step proportional to 1/sqrt(T), fixed in advance for "
            "the horizon T, support the O(1/sqrt(T)) of Theorem 1, for the average of "
            "E||grad f||^2 and so for its minimum.",
            "The rule's eta_t must not depend on the gradient noise of step t; a Hessian "
            "estimate from the same mini-batch as the gradient breaks the expectation step, so "
            "the proof then does not apply.",
        ),
    )


def _expansion_steps() -> tuple[Identity, ...]:
    # The two inner products of the step, on a generic pair of 3-vectors.
    g = sp.Matrix(sp.symbols(f"g_0:{VECTOR_SIZE}", real=True))
    xi = sp.Matrix(sp.symbols(f"xi_0:{VECTOR_SIZE}", real=True))
    total = g + xi
    return (
        Identity(
            "the slope of the stochastic step",
            "<g, g + xi> = ||g||^2 + <g, xi>, so <g, d> = -eta_t*(G_t + cross)",
            lhs=(g.T * total)[0],
            rhs=(g.T * g)[0] + (g.T * xi)[0],
        ),
        Identity(
            "the length of the stochastic step",
            "||g + xi||^2 = ||g||^2 + 2<g, xi> + ||xi||^2, so ||d||^2 = "
            "eta_t^2*(G_t + 2*cross + noise_sq)",
            lhs=(total.T * total)[0],
            rhs=(g.T * g)[0] + 2 * (g.T * xi)[0] + (xi.T * xi)[0],
        ),
    )
