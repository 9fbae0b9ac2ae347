"""Sign and zero tests that the proof steps rely on.

A step is accepted only when sympy reduces a residual to exactly 0, or when every term of a
certificate is non-negative for a reason this module can name. The reasons are a sympy
assumption on the symbols, a stated fact (an assumption of the proof or an inequality proved by
an earlier step), and the structure of the term (a product, power, sum or integral of
non-negative parts). Nothing
here samples numbers: an expression whose sign cannot be derived this way is rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from .index_algebra import canonical_sums, combine_sums


@dataclass(frozen=True)
class Fact:
    """A known sign: ``expression`` ≥ 0, or > 0 when ``strict``.

    Attributes:
        expression: the quantity whose sign is known.
        strict: whether it is known to be positive rather than non-negative.
        source: the assumption or step that established it, for messages.
    """

    expression: sp.Expr
    strict: bool
    source: str


def fact_from_relation(relation: sp.Basic, source: str) -> Fact:
    """Turn ``a <= b``, ``a < b``, ``a >= b`` or ``a > b`` into the fact b − a ≥ 0 (or > 0)."""
    if isinstance(relation, sp.LessThan):
        return Fact(relation.rhs - relation.lhs, False, source)
    if isinstance(relation, sp.StrictLessThan):
        return Fact(relation.rhs - relation.lhs, True, source)
    if isinstance(relation, sp.GreaterThan):
        return Fact(relation.lhs - relation.rhs, False, source)
    if isinstance(relation, sp.StrictGreaterThan):
        return Fact(relation.lhs - relation.rhs, True, source)
    raise ValueError(
        f"`relation` must be an inequality such as a <= b or a < b, got {relation!r} "
        f"of type {type(relation).__name__}"
    )


SIMPLIFY_LIMIT = 40
"""The operation count above which a sign test does not call ``sympy.simplify``, which is
also skipped for sums and integrals."""

_SIMPLIFIERS: tuple[Callable[[sp.Expr], sp.Expr], ...] = (
    lambda expr: expr,
    sp.expand,
    lambda expr: sp.cancel(sp.together(expr)),
    sp.radsimp,
    sp.simplify,
    lambda expr: sp.simplify(sp.expand(canonical_sums(expr))),
    lambda expr: sp.simplify(sp.expand(canonical_sums(sp.expand(expr.doit())))),
    lambda expr: sp.simplify(combine_sums(expr)),
)


def is_zero(expression: sp.Expr) -> bool:
    """Return whether sympy reduces ``expression`` to exactly 0 by one of its simplifiers.

    ``False`` means no simplifier reached 0, not that the expression is non-zero.
    """
    return any(sp.sympify(simplify(expression)) == 0 for simplify in _SIMPLIFIERS)


def is_nonnegative(expression: sp.Expr, facts: Sequence[Fact], *, strict: bool = False) -> bool:
    """Return whether ``expression`` is ≥ 0 (> 0 when ``strict``) for a nameable reason."""
    expression = sp.sympify(expression)

    # A number, a stated fact or sympy's own assumptions decide most factors.
    if expression.is_number:
        value = sp.nsimplify(expression) if not expression.is_Rational else expression
        return bool(value > 0) if strict else bool(value >= 0)
    if _matches_fact(expression, facts, strict=strict, thorough=False):
        return True
    if strict and expression.is_positive:
        return True
    if not strict and expression.is_nonnegative:
        return True

    # Otherwise the structure of the expression must carry the sign, or, last and slowest, a
    # fact that only simplification shows to be a positive multiple.
    if _is_nonnegative_by_structure(expression, facts, strict=strict):
        return True
    return _matches_fact(expression, facts, strict=strict, thorough=True)


def _matches_fact(
    expression: sp.Expr, facts: Sequence[Fact], *, strict: bool, thorough: bool
) -> bool:
    # A fact applies when the expression is a positive multiple of the fact's expression.
    # Cancelling the ratio is cheap and settles most cases; the thorough pass calls simplify,
    # and only on small expressions, because it is slow on sums.
    candidates = [
        fact
        for fact in facts
        if (fact.strict or not strict) and fact.expression.free_symbols & expression.free_symbols
    ]
    if not thorough:
        return any(
            expression == fact.expression
            or sp.cancel(sp.together(expression / fact.expression)).is_positive
            for fact in candidates
        )
    if not _is_small(expression):
        return False
    return any(
        _is_small(fact.expression) and sp.simplify(expression / fact.expression).is_positive
        for fact in candidates
    )


def _is_small(expression: sp.Expr) -> bool:
    return sp.count_ops(expression) <= SIMPLIFY_LIMIT and not expression.has(sp.Sum, sp.Integral)


def _is_nonnegative_by_structure(
    expression: sp.Expr, facts: Sequence[Fact], *, strict: bool
) -> bool:
    if isinstance(expression, sp.Mul):
        return all(is_nonnegative(factor, facts, strict=strict) for factor in expression.args)

    if isinstance(expression, sp.Add):
        # A sum of non-negative terms is non-negative; one positive term makes it positive.
        if not all(is_nonnegative(term, facts) for term in expression.args):
            return False
        return not strict or any(
            is_nonnegative(term, facts, strict=True) for term in expression.args
        )

    if isinstance(expression, sp.Pow):
        return _is_nonnegative_power(expression, facts, strict=strict)

    if isinstance(expression, sp.Sum):
        # An empty sum is 0, so a strict sign needs a non-empty range.
        if not is_nonnegative(expression.function, facts, strict=strict):
            return False
        if not strict:
            return True
        return all(is_nonnegative(upper - lower, facts) for _, lower, upper in expression.limits)

    if isinstance(expression, sp.Integral) and not strict:
        # The integral of a non-negative function over an interval [a, b] with a ≤ b.
        ordered = all(
            len(limit) == 3 and is_nonnegative(limit[2] - limit[1], facts)
            for limit in expression.limits
        )
        return ordered and is_nonnegative(expression.function, facts)

    return False


def _is_nonnegative_power(power: sp.Pow, facts: Sequence[Fact], *, strict: bool) -> bool:
    base, exponent = power.args
    if exponent.is_even and base.is_real and not strict:
        return True
    if exponent.is_negative or not exponent.is_integer:
        # 1/x and √x need a base known to be positive (non-negative for a root).
        needs_positive = strict or exponent.is_negative
        return is_nonnegative(base, facts, strict=bool(needs_positive))
    return is_nonnegative(base, facts, strict=strict)
