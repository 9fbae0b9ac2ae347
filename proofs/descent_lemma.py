"""Proof ``descent-lemma``: f(θ − ηg) ≤ f(θ) − η(1 − Lη/2)‖g‖² for an L-smooth f.

The derivation restricts f to the segment of a step d, φ(s) = f(θ + s·d) for s in [0, 1], and
bounds the integral remainder of Taylor's formula by Cauchy–Schwarz and the Lipschitz
continuity of ∇f. For a quadratic the remainder is exact, so the bound is an equality when the
Hessian is L·I, which is checked with a generic 3 × 3 quadratic.
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Identity, Inequality, doit

PROOF_ID = "descent-lemma"


def build() -> Proof:
    """Return the proof of the descent lemma, for any direction and for the rule's step."""
    L = sp.Symbol("L", positive=True)
    eta = sp.Symbol("eta", positive=True)
    g_norm = sp.Symbol("g_norm", nonnegative=True)
    d_norm = sp.Symbol("d_norm", nonnegative=True)
    slope = sp.Symbol("slope", real=True)
    s = sp.Symbol("s", nonnegative=True)
    phi = sp.Function("phi", real=True)
    gradient_gap = sp.Function("Delta", nonnegative=True)
    g_sq = g_norm**2

    # φ'(s) − φ'(0) = ⟨∇f(θ + s·d) − ∇f(θ), d⟩, with φ'(0) = ⟨∇f(θ), d⟩ = slope.
    inner = sp.Derivative(phi(s), s) - slope

    assumptions = (
        Assumption(
            "the segment",
            "phi(s) = f(theta + s*d) on s in [0, 1], so phi(0) = f(theta), phi(1) = "
            "f(theta + d) and, by the chain rule, phi'(s) = <grad f(theta + s*d), d>; slope = "
            "phi'(0) = <grad f(theta), d> and d_norm = ||d||",
            symbols=(slope, d_norm, s),
        ),
        Assumption(
            "L-smooth",
            "||grad f(x) - grad f(y)|| <= L ||x - y|| on the segment; Delta(s) denotes "
            "||grad f(theta + s*d) - grad f(theta)||, and ||s*d|| = s*d_norm",
            symbols=(L,),
            conditions=(sp.Le(gradient_gap(s), L * s * d_norm),),
        ),
        Assumption(
            "Cauchy-Schwarz",
            "<u, v> <= ||u|| ||v||, applied to u = grad f(theta + s*d) - grad f(theta) and v = d",
            conditions=(sp.Le(inner, gradient_gap(s) * d_norm),),
        ),
        Assumption(
            "the rule's step",
            "d = -eta*g with g = grad f(theta), so slope = -eta*||g||^2 and d_norm = eta*||g||",
            symbols=(eta, g_norm),
        ),
        Assumption(
            "short step",
            "eta * L < 2 and g != 0, used only for the strict decrease",
            conditions=(sp.Lt(eta * L, 2), sp.Gt(g_norm, 0)),
        ),
    )

    bound_on_segment = L * s * d_norm**2
    general_bound = phi(0) + slope + L * d_norm**2 / 2
    guaranteed_decrease = eta * (1 - L * eta / 2)
    rule_step = {slope: -eta * g_sq, d_norm: eta * g_norm}

    steps = (
        Inequality(
            "bound the integrand",
            "Cauchy-Schwarz, then the Lipschitz bound on the gradient gap",
            lhs=inner,
            rhs=bound_on_segment,
            certificate=(
                gradient_gap(s) * d_norm - inner,
                d_norm * (L * s * d_norm - gradient_gap(s)),
            ),
        ),
        Identity(
            "Taylor's formula with integral remainder",
            "the fundamental theorem of calculus for phi on [0, 1]",
            lhs=phi(1) - phi(0) - slope,
            rhs=sp.Integral(inner, (s, 0, 1)),
            evaluate=doit,
        ),
        Identity(
            "integrate the bound",
            "the integral of L*s*||d||^2 over s in [0, 1]",
            lhs=sp.Integral(bound_on_segment, (s, 0, 1)),
            rhs=L * d_norm**2 / 2,
            evaluate=doit,
        ),
        Inequality(
            "descent lemma",
            "the remainder is the integral of the integrand, which the bound exceeds pointwise",
            lhs=phi(1),
            rhs=general_bound,
            certificate=(sp.Integral(bound_on_segment - inner, (s, 0, 1)),),
        ),
        Identity(
            "the rule's step",
            "d = -eta*g turns the bound into f(theta) - eta*(1 - L*eta/2)*||g||^2",
            lhs=general_bound.subs(rule_step),
            rhs=phi(0) - guaranteed_decrease * g_sq,
        ),
        Inequality(
            "strict decrease when eta*L < 2",
            "the guaranteed decrease eta*(1 - L*eta/2)*||g||^2 is positive",
            lhs=sp.Integer(0),
            rhs=guaranteed_decrease * g_sq,
            certificate=(guaranteed_decrease * g_sq,),
            strict=True,
        ),
        Inequality(
            "largest guaranteed decrease at eta = 1/L",
            "eta*(1 - L*eta/2) is a concave parabola in eta with its peak 1/(2L) at eta = 1/L",
            lhs=guaranteed_decrease,
            rhs=1 / (2 * L),
            certificate=(L / 2 * (eta - 1 / L) ** 2,),
        ),
        *_quadratic_steps(L, eta),
    )

    loss, grad_norm_sq = sp.symbols("loss grad_norm_sq", real=True)
    results = (
        Result(
            "guaranteed_decrease",
            guaranteed_decrease,
            (eta, L),
            "eta*(1 - L*eta/2): the factor of ||g||^2 by which one step must lower f",
        ),
        Result(
            "next_loss_bound",
            loss - guaranteed_decrease * grad_norm_sq,
            (loss, eta, L, grad_norm_sq),
            "the bound f(theta) - eta*(1 - L*eta/2)*||g||^2 on f(theta - eta*g)",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Descent lemma for one step of the rule",
        statement=(
            "For f with an L-Lipschitz gradient on the segment from theta to theta + d: "
            "f(theta + d) <= f(theta) + <grad f(theta), d> + (L/2)||d||^2. For the rule's "
            "step d = -eta*g with g = grad f(theta) and any eta > 0: f(theta - eta*g) <= "
            "f(theta) - eta*(1 - L*eta/2)*||g||^2, an equality for the quadratic "
            "(L/2)||x||^2 + b'x + c."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "The step lowers f only while eta*L < 2, and the guaranteed decrease is largest, "
            "||g||^2/(2L), at eta = 1/L.",
            "The bound needs L only on the segment of the step, which is how the checks use "
            "a constant certified on a region.",
        ),
    )


def _quadratic_steps(L: sp.Symbol, eta: sp.Symbol) -> tuple[Identity, ...]:
    # A generic quadratic ½xᵀAx + bᵀx + c in three variables, A symmetric.
    size = 3
    entries = {
        (row, column): sp.Symbol(f"a_{min(row, column)}{max(row, column)}", real=True)
        for row in range(size)
        for column in range(size)
    }
    A = sp.Matrix(size, size, lambda row, column: entries[(row, column)])
    b = sp.Matrix(sp.symbols(f"b_0:{size}", real=True))
    x = sp.Matrix(sp.symbols(f"x_0:{size}", real=True))
    c = sp.Symbol("c", real=True)

    def quadratic(matrix: sp.Matrix, point: sp.Matrix) -> sp.Expr:
        return ((point.T * matrix * point)[0] / 2 + (b.T * point)[0] + c).expand()

    gradient = A * x + b
    g_sq = (gradient.T * gradient)[0]
    curvature = (gradient.T * A * gradient)[0]
    scaled = L * sp.eye(size)
    scaled_gradient = scaled * x + b
    scaled_g_sq = (scaled_gradient.T * scaled_gradient)[0]

    # Any quadratic along a line: φ(s) = p0 + p1 s + p2 s², so φ(1) = φ(0) + φ'(0) + φ''(0)/2.
    s = sp.Symbol("s", real=True)
    p0, p1, p2 = sp.symbols("p_0:3", real=True)
    line = p0 + p1 * s + p2 * s**2

    return (
        Identity(
            "quadratics: second-order Taylor is exact",
            "a polynomial of degree 2 equals its second-order Taylor expansion, in any dimension",
            lhs=line.subs(s, 1),
            rhs=line.subs(s, 0) + sp.diff(line, s).subs(s, 0) + sp.diff(line, s, 2).subs(s, 0) / 2,
        ),
        Identity(
            "quadratics: the step's exact change",
            "f(theta - eta*g) = f(theta) - eta*||g||^2 + (eta^2/2) g'Ag for a generic symmetric "
            "3 x 3 quadratic",
            lhs=quadratic(A, x - eta * gradient),
            rhs=quadratic(A, x) - eta * g_sq + eta**2 * curvature / 2,
        ),
        Identity(
            "quadratics: equality when A = L*I",
            "with g'Ag = L*||g||^2 the descent lemma holds with equality",
            lhs=quadratic(scaled, x - eta * scaled_gradient),
            rhs=quadratic(scaled, x) - eta * (1 - L * eta / 2) * scaled_g_sq,
        ),
    )
