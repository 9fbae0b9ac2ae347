"""Index algebra for general n: expectations of products of probe entries as delta contractions.

For probe vectors z with independent entries, E[z_i z_j] = δ_ij and

    E[z_i z_j z_k z_l] = δ_ij δ_kl + δ_ik δ_jl + δ_il δ_jk + (κ − 3) δ_ijkl,

where κ = E[z⁴] is 1 for Rademacher and 3 for Gaussian entries. :func:`contract` sums such
products over indices 1..n with sympy, one Kronecker delta at a time, so expectations of
quadratic forms come out as sums over H's entries for a symbolic n. :func:`canonical_sums`
renames summation indices so that equal sums compare equal.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

DIMENSION = sp.Symbol("n", integer=True, positive=True)
"""The number of parameters n, the range 1..n of every index."""


def second_moment(i: sp.Symbol, j: sp.Symbol) -> sp.Expr:
    """Return E[z_i z_j] = δ_ij for probes with independent, zero-mean, unit-variance entries."""
    return sp.KroneckerDelta(i, j)


def fourth_moment(
    i: sp.Symbol, j: sp.Symbol, k: sp.Symbol, q: sp.Symbol, kurtosis: sp.Expr
) -> sp.Expr:
    """Return E[z_i z_j z_k z_q] for independent symmetric entries with E[z²] = 1, E[z⁴] = κ."""
    delta = sp.KroneckerDelta
    pairings = delta(i, j) * delta(k, q) + delta(i, k) * delta(j, q) + delta(i, q) * delta(j, k)
    return pairings + (kurtosis - 3) * delta(i, j) * delta(i, k) * delta(i, q)


def contract(expression: sp.Expr, indices: Sequence[sp.Symbol]) -> sp.Expr:
    """Return Σ over ``indices`` (each from 1 to n) of ``expression``, with deltas resolved.

    Indices that occur in a Kronecker delta are summed first, so each delta removes one sum.
    Indices left over stay as an unevaluated sum.
    """
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expression)):
        remaining = list(indices)

        # Sum out one delta-bound index at a time until no delta involves a summed index.
        while True:
            deltas = [
                delta
                for delta in term.atoms(sp.KroneckerDelta)
                if any(index in remaining for index in delta.free_symbols)
            ]
            if not deltas:
                break
            index = next(index for index in remaining if index in deltas[0].free_symbols)
            term = _within_range(sp.Sum(term, (index, 1, DIMENSION)).doit())
            remaining.remove(index)
            term = sp.expand(term)

        if remaining:
            term = sp.Sum(term, *[(index, 1, DIMENSION) for index in remaining])
        total += term
    return total


def evaluate_sums(expression: sp.Expr) -> sp.Expr:
    """Resolve the Kronecker deltas in every sum over indices 1..n, as :func:`contract` does."""

    def resolve(total: sp.Sum) -> sp.Expr:
        for _, lower, upper in total.limits:
            if lower != 1 or upper != DIMENSION:
                raise ValueError(f"a sum over {lower}..{upper} is not a sum over 1..n")
        return contract(total.function, [limit[0] for limit in total.limits])

    return sp.sympify(expression).replace(lambda node: isinstance(node, sp.Sum), resolve)


def combine_sums(expression: sp.Expr) -> sp.Expr:
    """Rewrite sums by linearity: split each sum into terms, evaluate the closed-form ones and
    merge the rest into one sum per range, so that telescoping sums cancel.

    For example Σ_t (c + F_t) − Σ_t F_{t+1} becomes T·c + F_0 − F_T.
    """
    pieces = sp.Integer(0)
    merged: dict[tuple[sp.Basic, ...], sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expression)):
        coefficient, totals = term.as_independent(sp.Sum, as_Add=False)
        if not isinstance(totals, sp.Sum):
            pieces += term
            continue
        limits = tuple(totals.limits)
        for summand in sp.Add.make_args(sp.expand(totals.function)):
            single = sp.Sum(summand, *limits).doit()
            if isinstance(single, sp.Sum):
                merged[limits] = merged.get(limits, sp.Integer(0)) + coefficient * summand
            else:
                pieces += coefficient * single
    for limits, summand in merged.items():
        pieces += sp.Sum(summand, *limits).doit()
    return pieces


def canonical_sums(expression: sp.Expr, symmetric: Sequence[sp.IndexedBase] = ()) -> sp.Expr:
    """Rename the indices of every sum to a fixed sequence, so that equal sums compare equal.

    The entries of each base in ``symmetric`` get their two indices in a fixed order, which is
    valid because that matrix is symmetric.
    """

    def rename(total: sp.Sum) -> sp.Sum:
        mapping = {
            limit[0]: sp.Symbol(f"_index{position}", integer=True)
            for position, limit in enumerate(total.limits)
        }
        limits = [(mapping[limit[0]], *limit[1:]) for limit in total.limits]
        return sp.Sum(total.function.xreplace(mapping), *limits)

    renamed = expression.replace(lambda node: isinstance(node, sp.Sum), rename)
    for base in symmetric:
        renamed = renamed.replace(
            lambda node, base=base: isinstance(node, sp.Indexed) and node.base == base,
            lambda node: node.base[tuple(sorted(node.indices, key=str))],
        )
    return renamed


def _within_range(expression: sp.Expr) -> sp.Expr:
    # A delta sum returns Piecewise((value, 1 <= i <= n), (0, True)). Every free index ranges
    # over 1..n, so the first branch applies; any other condition is an error.
    def first_branch(piecewise: sp.Piecewise) -> sp.Expr:
        value, condition = piecewise.args[0]
        relations = condition.args if isinstance(condition, sp.And) else (condition,)
        for relation in relations:
            if not _is_range_condition(relation):
                raise ValueError(f"unexpected condition {relation} in a delta contraction")
        return value

    return expression.replace(lambda node: isinstance(node, sp.Piecewise), first_branch)


def _is_range_condition(relation: sp.Basic) -> bool:
    # 1 <= i or i <= n, in whichever orientation sympy printed it.
    if isinstance(relation, sp.GreaterThan):
        margin = relation.lhs - relation.rhs
    elif isinstance(relation, sp.LessThan):
        margin = relation.rhs - relation.lhs
    else:
        return False
    return any(
        margin in (index - 1, DIMENSION - index)
        for index in margin.free_symbols
        if index != DIMENSION
    )
