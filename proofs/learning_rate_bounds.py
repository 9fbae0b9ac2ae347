"""Proof ``learning-rate-bounds``: η_t in [lr/√(1 + λnL), lr/√(1 + λnμ)] when 1 + λnμ > 0.

If the eigenvalues λ_i of H lie in [μ, L], the exact trace Σλ_i lies in [nμ, nL]. A
Rademacher probe z has ‖z‖² = n, so zᵀHz = Σ λ_i c_i with c_i = (v_iᵀz)² ≥ 0 and Σ c_i = n
also lies in [nμ, nL]; the same argument with ‖e_i‖ = 1 puts every diagonal entry H_ii in
[μ, L], so the diagonal approximation's trace Σ H_ii = tr(H) and the Hutchinson diagonal's
sum zᵀHz obey the same band. The rate lr/√(1 + λτ) decreases in τ, which turns the band of τ
into the band of η wherever 1 + λnμ > 0. Gaussian probes have an unbounded ‖z‖², so they give
no band.
"""

from __future__ import annotations

import sympy as sp

from .framework import Assumption, Proof, Result
from .steps import Inequality, LimitStep

PROOF_ID = "learning-rate-bounds"


def build() -> Proof:
    """Return the proof of the learning-rate band and of where the rule is undefined."""
    n = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    eigenvalue = sp.IndexedBase("lambda_H", real=True)
    weight = sp.IndexedBase("c", nonnegative=True)
    basis_weight = sp.IndexedBase("w", nonnegative=True)
    mu, L = sp.symbols("mu L", real=True)
    lr = sp.Symbol("lr", positive=True)
    scale = sp.Symbol("lambda", nonnegative=True)
    positive_scale = sp.Symbol("lambda", positive=True)
    trace = sp.Symbol("tau", real=True)

    exact_trace = sp.Sum(eigenvalue[i], (i, 1, n))
    probe_sample = sp.Sum(eigenvalue[i] * weight[i], (i, 1, n))
    diagonal_entry = sp.Sum(eigenvalue[i] * basis_weight[i], (i, 1, n))
    rate = lr / sp.sqrt(1 + scale * trace)
    eta_min = lr / sp.sqrt(1 + scale * n * L)
    eta_max = lr / sp.sqrt(1 + scale * n * mu)

    assumptions = (
        Assumption(
            "spectrum",
            "H is symmetric with eigenvalues lambda_H[i] in [mu, L] and orthonormal "
            "eigenvectors v_i, so tr(H) = sum_i lambda_H[i]",
            symbols=(n, eigenvalue, mu, L),
            conditions=(sp.Ge(eigenvalue[i], mu), sp.Le(eigenvalue[i], L)),
        ),
        Assumption(
            "Rademacher probe",
            "z in {-1, 1}^n, so z'Hz = sum_i lambda_H[i] c_i with c_i = (v_i'z)^2 and "
            "sum_i c_i = ||z||^2 = n",
            symbols=(weight,),
            equations=(sp.Eq(sp.Sum(weight[i], (i, 1, n)), n),),
        ),
        Assumption(
            "diagonal entry",
            "H_jj = e_j'He_j = sum_i lambda_H[i] w_i with w_i = (v_i'e_j)^2 and sum_i w_i = 1",
            symbols=(basis_weight,),
            equations=(sp.Eq(sp.Sum(basis_weight[i], (i, 1, n)), 1),),
        ),
        Assumption(
            "a trace estimate in the band, where the rule is defined",
            "tau is the exact trace or a Rademacher estimate, so n*mu <= tau <= n*L, and "
            "1 + lambda*n*mu > 0",
            symbols=(lr, scale, trace),
            conditions=(
                sp.Ge(trace, n * mu),
                sp.Le(trace, n * L),
                sp.Gt(1 + scale * n * mu, 0),
            ),
        ),
    )

    steps = (
        Inequality(
            "the trace is at least n*mu",
            "every eigenvalue is at least mu",
            lhs=n * mu,
            rhs=exact_trace,
            certificate=(sp.Sum(eigenvalue[i] - mu, (i, 1, n)),),
        ),
        Inequality(
            "the trace is at most n*L",
            "every eigenvalue is at most L",
            lhs=exact_trace,
            rhs=n * L,
            certificate=(sp.Sum(L - eigenvalue[i], (i, 1, n)),),
        ),
        Inequality(
            "a Rademacher sample is at least n*mu",
            "z'Hz - n*mu = sum_i (lambda_H[i] - mu) c_i with c_i >= 0",
            lhs=n * mu,
            rhs=probe_sample,
            certificate=(sp.Sum((eigenvalue[i] - mu) * weight[i], (i, 1, n)),),
            substitutions=((sp.Sum(weight[i], (i, 1, n)), n),),
        ),
        Inequality(
            "a Rademacher sample is at most n*L",
            "n*L - z'Hz = sum_i (L - lambda_H[i]) c_i with c_i >= 0",
            lhs=probe_sample,
            rhs=n * L,
            certificate=(sp.Sum((L - eigenvalue[i]) * weight[i], (i, 1, n)),),
            substitutions=((sp.Sum(weight[i], (i, 1, n)), n),),
        ),
        Inequality(
            "a diagonal entry is at least mu",
            "H_jj - mu = sum_i (lambda_H[i] - mu) w_i with w_i >= 0",
            lhs=mu,
            rhs=diagonal_entry,
            certificate=(sp.Sum((eigenvalue[i] - mu) * basis_weight[i], (i, 1, n)),),
            substitutions=((sp.Sum(basis_weight[i], (i, 1, n)), 1),),
        ),
        Inequality(
            "a diagonal entry is at most L",
            "L - H_jj = sum_i (L - lambda_H[i]) w_i with w_i >= 0",
            lhs=diagonal_entry,
            rhs=L,
            certificate=(sp.Sum((L - eigenvalue[i]) * basis_weight[i], (i, 1, n)),),
            substitutions=((sp.Sum(basis_weight[i], (i, 1, n)), 1),),
        ),
        Inequality(
            "the rule is defined on the whole band",
            "1 + lambda*tau >= 1 + lambda*n*mu > 0",
            lhs=sp.Integer(0),
            rhs=1 + scale * trace,
            certificate=(1 + scale * n * mu, scale * (trace - n * mu)),
            strict=True,
        ),
        Inequality(
            "the denominator at n*L is positive",
            "1 + lambda*n*L >= 1 + lambda*tau > 0",
            lhs=sp.Integer(0),
            rhs=1 + scale * n * L,
            certificate=(1 + scale * trace, scale * (n * L - trace)),
            strict=True,
        ),
        Inequality(
            "eta_min: the rate at the largest trace",
            "the rate decreases as the trace grows",
            lhs=eta_min,
            rhs=rate,
            certificate=(
                lr
                * scale
                * (n * L - trace)
                / (
                    sp.sqrt(1 + scale * trace)
                    * sp.sqrt(1 + scale * n * L)
                    * (sp.sqrt(1 + scale * trace) + sp.sqrt(1 + scale * n * L))
                ),
            ),
        ),
        Inequality(
            "eta_max: the rate at the smallest trace",
            "the rate decreases as the trace grows",
            lhs=rate,
            rhs=eta_max,
            certificate=(
                lr
                * scale
                * (trace - n * mu)
                / (
                    sp.sqrt(1 + scale * trace)
                    * sp.sqrt(1 + scale * n * mu)
                    * (sp.sqrt(1 + scale * trace) + sp.sqrt(1 + scale * n * mu))
                ),
            ),
        ),
        LimitStep(
            "no finite eta_max when 1 + lambda*n*mu reaches 0",
            "as a trace estimate approaches -1/lambda from above, the rate grows without bound",
            expression=lr / sp.sqrt(1 + positive_scale * trace),
            variable=trace,
            point=-1 / positive_scale,
            value=sp.oo,
            direction="+",
        ),
    )

    results = (
        Result(
            "eta_min",
            eta_min,
            (lr, scale, n, L),
            "lr/sqrt(1 + lambda*n*L), the smallest rate over traces in [n*mu, n*L]",
        ),
        Result(
            "eta_max",
            eta_max,
            (lr, scale, n, mu),
            "lr/sqrt(1 + lambda*n*mu), the largest rate; finite only when 1 + lambda*n*mu > 0",
        ),
        Result("rate", rate, (lr, scale, trace), "the rule lr/sqrt(1 + lambda*tau)"),
        Result(
            "undefined_below",
            -1 / positive_scale,
            (positive_scale,),
            "-1/lambda: for lambda > 0 the rule is undefined at every trace estimate "
            "tau <= -1/lambda",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Learning-rate bounds from the spectrum of H",
        statement=(
            "If the eigenvalues of H lie in [mu, L] and 1 + lambda*n*mu > 0, then the exact "
            "trace, every Rademacher Hutchinson sample z'Hz and the sum of the diagonal "
            "approximation lie in [n*mu, n*L], every diagonal entry lies in [mu, L], and the "
            "rule's rate lies in [lr/sqrt(1 + lambda*n*L), lr/sqrt(1 + lambda*n*mu)]. For "
            "lambda > 0 the rule is undefined where the trace estimate is at most -1/lambda."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "The stability claim eta_min <= eta_t <= eta_max holds for the exact trace and for "
            "Rademacher estimates as long as 1 + lambda*n*mu > 0, which every positive "
            "semi-definite H satisfies.",
            "An indefinite H with mu <= -1/(lambda*n) has no finite eta_max: estimates can reach "
            "-1/lambda, where the formula is undefined, and just above it the rate is unbounded.",
            "The exact trace is undefined only if tr(H) <= -1/lambda; a Rademacher sample can be "
            "undefined whenever n*mu <= -1/lambda, and every sample is undefined when "
            "n*L <= -1/lambda.",
            "Gaussian probes give z'Hz in [mu*||z||^2, L*||z||^2] with ||z||^2 unbounded, so they "
            "give no band at all.",
        ),
    )
