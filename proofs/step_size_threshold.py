"""Proof ``step-size-threshold``: for which lr, λ and L the rule breaks η·L < 2.

On (L/2)x² the Hessian is L, the exact trace is L and the rule's rate is η = lr/√(1 + λL), so
each step multiplies x by 1 − ηL. The iteration contracts exactly when ηL < 2, and

    4 − (ηL)² = lr²(L* − L)(L − L₋)/(1 + λL),   L± = 2(λ ± √(λ² + lr²))/lr²,

with L₋ < 0 < L, so ηL < 2 exactly when L < L* = L₊. Since ηL grows like lr·√(L/λ), every lr
fails for large L. For a positive semi-definite H in n dimensions with the exact trace,
tr(H) ≥ L, so L < L* still suffices; with a Rademacher estimate zᵀHz ≥ 0 only η ≤ lr is
guaranteed, and lr·L < 2 is the condition.
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Identity, Inequality, LimitStep

PROOF_ID = "step-size-threshold"


def build() -> Proof:
    """Return the proof of the divergence threshold L* of the rule."""
    lr = sp.Symbol("lr", positive=True)
    scale = sp.Symbol("lambda", nonnegative=True)
    L = sp.Symbol("L", positive=True)
    x = sp.Symbol("x", real=True)
    trace = sp.Symbol("tau", positive=True)
    estimate = sp.Symbol("q", nonnegative=True)

    root = sp.sqrt(scale**2 + lr**2)
    threshold = 2 * (scale + root) / lr**2
    other_root = 2 * (scale - root) / lr**2
    eta = lr / sp.sqrt(1 + scale * L)
    product = eta * L

    assumptions = (
        Assumption(
            "the rule on a quadratic",
            "f(x) = (L/2)x^2, whose Hessian and exact trace are L, so the rule's rate is "
            "eta = lr/sqrt(1 + lambda*L)",
            symbols=(lr, scale, L, x),
        ),
        Assumption(
            "positive semi-definite H in n dimensions",
            "tau = tr(H) is at least the largest eigenvalue L, because the other eigenvalues "
            "are non-negative; q = z'Hz >= 0 is a Rademacher estimate of the trace",
            symbols=(trace, estimate),
            conditions=(sp.Ge(trace, L),),
        ),
    )

    positive_factor = lr**2 * (L - other_root) / ((1 + scale * L) * (2 + product))

    steps = (
        Identity(
            "one step multiplies x by 1 - eta*L",
            "the gradient of (L/2)x^2 is L*x",
            lhs=x - eta * sp.diff(L * x**2 / 2, x),
            rhs=(1 - product) * x,
        ),
        Inequality(
            "sqrt(lambda^2 + lr^2) exceeds lambda",
            "lr > 0",
            lhs=scale,
            rhs=root,
            certificate=(lr**2 / (root + scale),),
            strict=True,
        ),
        Inequality(
            "the other root is negative",
            "L- = 2(lambda - sqrt(lambda^2 + lr^2))/lr^2 < 0 < L",
            lhs=other_root,
            rhs=L,
            certificate=(2 * (root - scale) / lr**2, L),
            strict=True,
        ),
        Identity(
            "factor 4 - (eta*L)^2",
            "the roots of lr^2 L^2 - 4 lambda L - 4 are L- and L*",
            lhs=4 - product**2,
            rhs=lr**2 * (threshold - L) * (L - other_root) / (1 + scale * L),
        ),
        Inequality(
            "the factor beside L* - L is positive",
            "every factor of lr^2 (L - L-)/((1 + lambda L)(2 + eta L)) is positive",
            lhs=sp.Integer(0),
            rhs=positive_factor,
            certificate=(positive_factor,),
            strict=True,
        ),
        Identity(
            "2 - eta*L has the sign of L* - L",
            "divide 4 - (eta L)^2 by 2 + eta L > 0",
            lhs=2 - product,
            rhs=positive_factor * (threshold - L),
        ),
        LimitStep(
            "eta*L grows like lr*sqrt(L/lambda)",
            "so every lr > 0 fails for large enough L when lambda > 0",
            expression=product / sp.sqrt(L),
            variable=L,
            point=sp.oo,
            value=lr / sp.sqrt(scale),
            direction="-",
        ),
        Inequality(
            "exact trace in n dimensions",
            "tr(H) >= L makes the rate no larger than on (L/2)x^2",
            lhs=lr * L / sp.sqrt(1 + scale * trace),
            rhs=product,
            certificate=(
                lr
                * L
                * scale
                * (trace - L)
                / (
                    sp.sqrt(1 + scale * L)
                    * sp.sqrt(1 + scale * trace)
                    * (sp.sqrt(1 + scale * L) + sp.sqrt(1 + scale * trace))
                ),
            ),
        ),
        Inequality(
            "Rademacher estimate in n dimensions",
            "q = z'Hz >= 0 only gives eta <= lr, so eta*L <= lr*L",
            lhs=lr * L / sp.sqrt(1 + scale * estimate),
            rhs=lr * L,
            certificate=(
                lr
                * L
                * scale
                * estimate
                / (sp.sqrt(1 + scale * estimate) * (sp.sqrt(1 + scale * estimate) + 1)),
            ),
        ),
    )

    results = (
        Result(
            "divergence_threshold",
            threshold,
            (lr, scale),
            "L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2: the rule diverges on (L/2)x^2 "
            "exactly when L > L*",
        ),
        Result(
            "step_times_L",
            lr * L / sp.sqrt(1 + scale * trace),
            (lr, scale, L, trace),
            "eta*L for a trace estimate tau; the descent lemma needs it below 2",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Divergence threshold of the rule",
        statement=(
            "On (L/2)x^2 the rule eta = lr/sqrt(1 + lambda*L) gives eta*L < 2 (each step "
            "contracts) exactly when L < L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2, and "
            "diverges for L > L*. For a positive semi-definite H with the exact trace, L < L* "
            "suffices in any dimension; with a Rademacher estimate, lr*L < 2 does."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "The rule does not keep eta*L below 2: for every lr > 0 and lambda >= 0 the "
            "quadratic (L/2)x^2 with L > L* is a counterexample, the smallest being any L just "
            "above L*.",
            "Because eta*L grows like lr*sqrt(L/lambda), no choice of lr and lambda is stable "
            "for all curvatures; a cap lr_max < 2/L on the rate is what restores the condition.",
        ),
    )
