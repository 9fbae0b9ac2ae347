"""Proof ``hutchinson-moments``: means and variances of the Hutchinson diagonal and trace terms.

For a symmetric H and a probe z with independent entries of mean 0, variance 1 and fourth
moment κ (1 for Rademacher, 3 for Gaussian):

* E[z_i (Hz)_i] = H_ii, with variance Σ_j H_ij² − H_ii² = Σ_{j≠i} H_ij² for Rademacher
  probes and Σ_j H_ij² + H_ii² for Gaussian ones;
* E[zᵀHz] = tr(H), with variance 2(‖H‖_F² − Σ_i H_ii²) for Rademacher probes and 2‖H‖_F²
  for Gaussian ones.

The general-n derivation contracts the probe moments E[z_i z_j] = δ_ij and
E[z_i z_j z_k z_l] = δ_ijδ_kl + δ_ikδ_jl + δ_ilδ_jk + (κ − 3)δ_ijkl with sympy sums. The moment
formulas are checked on every index pattern, and the results again for n = 3 by enumerating
all 2³ sign vectors.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import sympy as sp

from .framework import Assumption, Proof, Result
from .index_algebra import DIMENSION, evaluate_sums, fourth_moment, second_moment
from .steps import Exhaustive, Identity

PROOF_ID = "hutchinson-moments"

RADEMACHER_KURTOSIS = 1
GAUSSIAN_KURTOSIS = 3
ENUMERATED_DIMENSION = 3


def build() -> Proof:
    """Return the proof of the Hutchinson estimators' means and variances."""
    n = DIMENSION
    H = sp.IndexedBase("H", real=True)
    i, j, k, q = sp.symbols("i j k q", integer=True, positive=True)
    kurtosis = sp.Symbol("kappa", positive=True)

    row_sq = sp.Symbol("row_sq", nonnegative=True)
    diagonal = sp.Symbol("diagonal", real=True)
    frobenius_sq = sp.Symbol("frobenius_sq", nonnegative=True)
    diagonal_sq = sp.Symbol("diagonal_sq", nonnegative=True)
    row_sums = {row_sq: sp.Sum(H[i, j] ** 2, (j, 1, n)), diagonal: H[i, i]}
    matrix_sums = {
        frobenius_sq: sp.Sum(H[i, j] ** 2, (i, 1, n), (j, 1, n)),
        diagonal_sq: sp.Sum(H[i, i] ** 2, (i, 1, n)),
    }

    diagonal_variance = row_sq - diagonal**2
    gaussian_diagonal_variance = row_sq + diagonal**2
    trace_variance = 2 * (frobenius_sq - diagonal_sq)
    gaussian_trace_variance = 2 * frobenius_sq

    def diagonal_term_variance(kurtosis_value: int) -> sp.Expr:
        second = sp.Sum(
            H[i, j] * H[i, k] * fourth_moment(i, i, j, k, kurtosis_value), (j, 1, n), (k, 1, n)
        )
        mean = sp.Sum(H[i, j] * second_moment(i, j), (j, 1, n))
        return second - mean**2

    def trace_term_variance(kurtosis_value: int) -> sp.Expr:
        second = sp.Sum(
            H[i, j] * H[k, q] * fourth_moment(i, j, k, q, kurtosis_value),
            (i, 1, n),
            (j, 1, n),
            (k, 1, n),
            (q, 1, n),
        )
        mean_sq = sp.Sum(
            H[i, j] * second_moment(i, j) * H[k, q] * second_moment(k, q),
            (i, 1, n),
            (j, 1, n),
            (k, 1, n),
            (q, 1, n),
        )
        return second - mean_sq

    assumptions = (
        Assumption(
            "symmetric H",
            "H is a real symmetric n x n matrix, H[i, j] = H[j, i]",
            symbols=(n, H),
        ),
        Assumption(
            "probe entries",
            "z has independent entries with E[z_i] = E[z_i^3] = 0, E[z_i^2] = 1 and "
            "E[z_i^4] = kappa: kappa = 1 for Rademacher (+-1 with probability 1/2) and "
            "kappa = 3 for standard Gaussian entries",
            symbols=(kurtosis,),
        ),
    )

    steps = (
        Exhaustive(
            "second and fourth moments of Rademacher entries",
            "the average over all sign vectors of a 4-entry probe",
            statement=_moment_statement(RADEMACHER_KURTOSIS),
            domain="all 256 index tuples (a, b, c, d) in {0, 1, 2, 3}^4 and all 16 sign vectors",
            cases=_rademacher_moment_cases,
        ),
        Exhaustive(
            "second and fourth moments of Gaussian entries",
            "independence factors the moment; sympy.stats gives E[Z^p] for p <= 4",
            statement=_moment_statement(GAUSSIAN_KURTOSIS),
            domain="all 256 index tuples (a, b, c, d) in {0, 1, 2, 3}^4",
            cases=_gaussian_moment_cases,
        ),
        Identity(
            "the diagonal term is unbiased",
            "E[z_i (Hz)_i] = sum_j H_ij E[z_i z_j], for both probe kinds",
            lhs=sp.Sum(H[i, j] * second_moment(i, j), (j, 1, n)),
            rhs=H[i, i],
            evaluate=evaluate_sums,
        ),
        Identity(
            "variance of a diagonal term, Rademacher",
            "sum_{j,k} H_ij H_ik E[z_i^2 z_j z_k] - H_ii^2",
            lhs=diagonal_term_variance(RADEMACHER_KURTOSIS),
            rhs=diagonal_variance.subs(row_sums),
            evaluate=evaluate_sums,
        ),
        Identity(
            "variance of a diagonal term, Gaussian",
            "the extra fourth moment adds 2 H_ii^2 to the second moment",
            lhs=diagonal_term_variance(GAUSSIAN_KURTOSIS),
            rhs=gaussian_diagonal_variance.subs(row_sums),
            evaluate=evaluate_sums,
        ),
        Identity(
            "the trace term is unbiased",
            "E[z'Hz] = sum_{i,j} H_ij E[z_i z_j]",
            lhs=sp.Sum(H[i, j] * second_moment(i, j), (i, 1, n), (j, 1, n)),
            rhs=sp.Sum(H[i, i], (i, 1, n)),
            evaluate=evaluate_sums,
        ),
        Identity(
            "variance of the trace term, Rademacher",
            "sum_{i,j,k,q} H_ij H_kq E[z_i z_j z_k z_q] - tr(H)^2, with H symmetric",
            lhs=trace_term_variance(RADEMACHER_KURTOSIS),
            rhs=trace_variance.subs(matrix_sums),
            evaluate=evaluate_sums,
            symmetric=(H,),
        ),
        Identity(
            "variance of the trace term, Gaussian",
            "sum_{i,j,k,q} H_ij H_kq E[z_i z_j z_k z_q] - tr(H)^2, with H symmetric",
            lhs=trace_term_variance(GAUSSIAN_KURTOSIS),
            rhs=gaussian_trace_variance.subs(matrix_sums),
            evaluate=evaluate_sums,
            symmetric=(H,),
        ),
        Exhaustive(
            "n = 3 by enumeration",
            "exact averages over all Rademacher sign vectors of a generic symmetric 3 x 3 H",
            statement=(
                r"\mathbb{E}[z \odot Hz] = \operatorname{diag}(H), \;"
                r"\operatorname{Var}[z_i (Hz)_i] = \sum_{j \ne i} H_{ij}^2, \;"
                r"\operatorname{Var}[z^\top H z] = 2\left(\|H\|_F^2 - \sum_i H_{ii}^2\right)"
            ),
            domain=(
                f"all {2**ENUMERATED_DIMENSION} sign vectors in {{-1, 1}}^{ENUMERATED_DIMENSION}"
            ),
            cases=_enumerated_cases,
        ),
    )

    results = (
        Result(
            "diagonal_variance",
            diagonal_variance,
            (row_sq, diagonal),
            "Var[z_i (Hz)_i] for one Rademacher probe, from row_sq = sum_j H_ij^2 and "
            "diagonal = H_ii",
        ),
        Result(
            "gaussian_diagonal_variance",
            gaussian_diagonal_variance,
            (row_sq, diagonal),
            "Var[z_i (Hz)_i] for one Gaussian probe",
        ),
        Result(
            "trace_variance",
            trace_variance,
            (frobenius_sq, diagonal_sq),
            "Var[z'Hz] for one Rademacher probe, from frobenius_sq = ||H||_F^2 and "
            "diagonal_sq = sum_i H_ii^2",
        ),
        Result(
            "gaussian_trace_variance",
            gaussian_trace_variance,
            (frobenius_sq,),
            "Var[z'Hz] for one Gaussian probe",
        ),
    )

    return Proof(
        id=PROOF_ID,
        title="Means and variances of the Hutchinson estimators",
        statement=(
            "For symmetric H: E[z * Hz] = diag(H) and E[z'Hz] = tr(H) for Rademacher and "
            "Gaussian probes; Var[z_i (Hz)_i] = sum_{j != i} H_ij^2 (Rademacher) or "
            "sum_j H_ij^2 + H_ii^2 (Gaussian); Var[z'Hz] = 2(||H||_F^2 - sum_i H_ii^2) "
            "(Rademacher) or 2||H||_F^2 (Gaussian). With m probes each variance is divided by m."
        ),
        assumptions=assumptions,
        steps=steps,
        results=results,
        findings=(
            "Both estimators are unbiased; the Rademacher diagonal estimate is exact when H is "
            "diagonal, and the Rademacher trace estimate has the smaller variance.",
            "The diagonal's error depends on the off-diagonal mass of each row, so for a dense "
            "H the relative error of one entry can exceed 1 unless m grows with that mass.",
        ),
    )


def _moment_statement(kurtosis: int) -> str:
    a, b, c, d = sp.symbols("a b c d")
    return f"\\mathbb{{E}}[z_a z_b z_c z_d] = {sp.latex(fourth_moment(a, b, c, d, kurtosis))}"


def _rademacher_moment_cases() -> Iterator[tuple[str, sp.Expr]]:
    signs = list(itertools.product((-1, 1), repeat=4))
    for a, b, c, d in itertools.product(range(4), repeat=4):
        average = sp.Rational(sum(z[a] * z[b] * z[c] * z[d] for z in signs), len(signs))
        yield str((a, b, c, d)), average - fourth_moment(a, b, c, d, RADEMACHER_KURTOSIS)


def _gaussian_moment_cases() -> Iterator[tuple[str, sp.Expr]]:
    import sympy.stats as stats

    standard = stats.Normal("Z", 0, 1)
    moments = {power: stats.E(standard**power) for power in range(5)}
    for a, b, c, d in itertools.product(range(4), repeat=4):
        powers = [(a, b, c, d).count(entry) for entry in range(4)]
        expectation = sp.Mul(*(moments[power] for power in powers))
        yield str((a, b, c, d)), expectation - fourth_moment(a, b, c, d, GAUSSIAN_KURTOSIS)


def _enumerated_cases() -> Iterator[tuple[str, sp.Expr]]:
    size = ENUMERATED_DIMENSION
    H = sp.Matrix(
        size, size, lambda row, column: sp.Symbol(f"h_{min(row, column)}{max(row, column)}")
    )
    signs = [sp.Matrix(z) for z in itertools.product((-1, 1), repeat=size)]
    count = len(signs)
    terms = [z.multiply_elementwise(H * z) for z in signs]

    for entry in range(size):
        mean = sum(term[entry] for term in terms) / count
        second = sum(term[entry] ** 2 for term in terms) / count
        off_diagonal = sum(H[entry, other] ** 2 for other in range(size) if other != entry)
        yield f"mean of entry {entry}", mean - H[entry, entry]
        yield f"variance of entry {entry}", second - mean**2 - off_diagonal

    samples = [(z.T * H * z)[0] for z in signs]
    mean = sum(samples) / count
    second = sum(sample**2 for sample in samples) / count
    frobenius_sq = sum(value**2 for value in H)
    diagonal_sq = sum(H[entry, entry] ** 2 for entry in range(size))
    yield "trace mean", mean - H.trace()
    yield "trace variance", second - mean**2 - 2 * (frobenius_sq - diagonal_sq)
