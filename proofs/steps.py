"""The kinds of derivation step, each checked by sympy.

* :class:`Identity`: ``lhs = rhs``, accepted when lhs − rhs simplifies to exactly 0.
* :class:`Inequality`: ``lhs ≤ rhs`` (or ``<``), accepted when rhs − lhs minus the sum of
  the certificate's terms simplifies to 0 and every term is non-negative by a named reason
  (see :mod:`.signs`). A checked inequality becomes a fact that later steps may cite.
* :class:`Exhaustive`: a statement over a finite domain, accepted when every case's residual
  simplifies to 0.
* :class:`LimitStep`: ``lim expression = value``, computed by ``sympy.limit``.
* :class:`Expectation`: E[expression] = result for an expression linear in random symbols
  whose means are given, so the expectation is the substitution of the means.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from .index_algebra import canonical_sums
from .signs import Fact, is_nonnegative, is_zero

Equation = tuple[sp.Expr, sp.Expr]
"""An equality ``(lhs, rhs)`` stated by an assumption, which steps may substitute."""

Evaluation = Callable[[sp.Expr], sp.Expr]
"""A sound rewriting applied before a comparison, such as ``doit`` for sums and integrals."""


def doit(expression: sp.Expr) -> sp.Expr:
    """Evaluate the sums, integrals, derivatives and substitutions in ``expression``."""
    return sp.sympify(expression).doit()


class StepCheckError(Exception):
    """A step whose check did not go through; the proof turns it into a ProofError."""


@dataclass(frozen=True)
class Step(abc.ABC):
    """One checked step of a derivation.

    Attributes:
        name: a short title, unique within its proof, named in errors.
        reason: why the step holds, in words.
    """

    name: str
    reason: str
    kind: ClassVar[str] = "step"

    @abc.abstractmethod
    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Check the step against the known ``facts``; return the facts it establishes.

        ``equations`` are the equalities that the proof's assumptions state; a step may
        substitute only those.
        """

    @abc.abstractmethod
    def latex(self) -> str:
        """Return the step's statement in LaTeX."""


@dataclass(frozen=True, kw_only=True)
class Identity(Step):
    """``lhs = rhs``, exact.

    Attributes:
        evaluate: a rewriting of lhs − rhs before the comparison, such as :func:`doit`.
        symmetric: matrices whose entries may be read with their two indices swapped.
        substitutions: equalities of the assumptions to substitute, each (old, new).
    """

    lhs: sp.Expr
    rhs: sp.Expr
    evaluate: Evaluation | None = None
    symmetric: tuple[sp.IndexedBase, ...] = ()
    substitutions: tuple[Equation, ...] = ()
    kind: ClassVar[str] = "identity"

    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Require lhs − rhs to simplify to 0."""
        difference = sp.sympify(self.lhs) - sp.sympify(self.rhs)
        if self.evaluate is not None:
            difference = self.evaluate(difference)
        if self.symmetric:
            difference = canonical_sums(sp.expand(difference), self.symmetric)
        difference = _substitute(difference, self.substitutions, equations)
        if not is_zero(difference):
            remainder = sp.simplify(difference)
            raise StepCheckError(f"lhs - rhs does not simplify to 0; it is {remainder}")
        return []

    def latex(self) -> str:
        """Return ``lhs = rhs``, with the equalities it substitutes."""
        return (
            f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}{_substitutions_latex(self.substitutions)}"
        )


@dataclass(frozen=True, kw_only=True)
class Inequality(Step):
    """``lhs ≤ rhs`` (``<`` when ``strict``), with rhs − lhs = Σ certificate terms.

    Attributes:
        certificate: terms whose sum is rhs − lhs, each non-negative for a named reason; for
            a strict inequality at least one term must be positive.
        substitutions: equalities of the assumptions to substitute, each (old, new).
    """

    lhs: sp.Expr
    rhs: sp.Expr
    certificate: tuple[sp.Expr, ...] = ()
    strict: bool = False
    substitutions: tuple[Equation, ...] = ()
    kind: ClassVar[str] = "inequality"

    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Require rhs − lhs = Σ terms, every term ≥ 0 and, if strict, one term > 0."""
        gap = sp.sympify(self.rhs) - sp.sympify(self.lhs)
        residual = _substitute(gap - sp.Add(*self.certificate), self.substitutions, equations)
        if not is_zero(residual):
            raise StepCheckError(
                "rhs - lhs differs from the sum of the certificate's terms by "
                f"{sp.simplify(residual)}"
            )

        for term in self.certificate:
            if not is_nonnegative(term, facts):
                raise StepCheckError(f"the certificate term {term} is not known to be >= 0")
        if self.strict and not any(
            is_nonnegative(term, facts, strict=True) for term in self.certificate
        ):
            raise StepCheckError(
                "no certificate term is known to be > 0, so the inequality may be equality"
            )

        return [Fact(gap, self.strict, f"step '{self.name}'")]

    def latex(self) -> str:
        """Return ``lhs ≤ rhs`` with the certificate rhs − lhs = Σ terms."""
        relation = "<" if self.strict else r"\le"
        terms = " + ".join(f"\\left({sp.latex(term)}\\right)" for term in self.certificate)
        return (
            f"{sp.latex(self.lhs)} {relation} {sp.latex(self.rhs)}, \\quad "
            f"\\text{{since rhs}} - \\text{{lhs}} = {terms or '0'}"
            f"{_substitutions_latex(self.substitutions)}"
        )


@dataclass(frozen=True, kw_only=True)
class Exhaustive(Step):
    """A statement on a finite domain, checked case by case.

    Attributes:
        statement: the statement in LaTeX.
        domain: the cases in words, for example "all 8 sign vectors z in {-1, 1}^3".
        cases: returns (label, residual) for every case; each residual must simplify to 0.
    """

    statement: str
    domain: str
    cases: Callable[[], Iterable[tuple[str, sp.Expr]]]
    kind: ClassVar[str] = "exhaustive"

    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Require every case's residual to simplify to 0, and at least one case."""
        count = 0
        for label, residual in self.cases():
            count += 1
            if not is_zero(sp.sympify(residual)):
                raise StepCheckError(f"case {label} leaves the residual {sp.simplify(residual)}")
        if count == 0:
            raise StepCheckError("the domain has no cases, so nothing was checked")
        return []

    def latex(self) -> str:
        """Return the statement with the domain in words."""
        domain = self.domain.replace("{", r"\{").replace("}", r"\}")
        return f"{self.statement} \\quad \\text{{for {domain}}}"


@dataclass(frozen=True, kw_only=True)
class LimitStep(Step):
    """``lim_{variable → point} expression = value``, by ``sympy.limit``.

    Attributes:
        direction: "+" or "-" for a one-sided limit, "+-" for both sides.
    """

    expression: sp.Expr
    variable: sp.Symbol
    point: sp.Expr
    value: sp.Expr
    direction: str = "+"
    kind: ClassVar[str] = "limit"

    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Require sympy's limit to equal ``value``."""
        computed = sp.limit(self.expression, self.variable, self.point, self.direction)
        if computed != self.value and not is_zero(computed - self.value):
            raise StepCheckError(f"the limit is {computed}, not {self.value}")
        return []

    def latex(self) -> str:
        """Return the limit statement."""
        side = {"+": "^{+}", "-": "^{-}"}.get(self.direction, "")
        return (
            f"\\lim_{{{sp.latex(self.variable)} \\to {sp.latex(self.point)}{side}}} "
            f"{sp.latex(self.expression)} = {sp.latex(self.value)}"
        )


@dataclass(frozen=True, kw_only=True)
class Expectation(Step):
    """E[expression] = result, where ``expression`` is linear in the random symbols.

    Attributes:
        means: each random symbol with its expectation given the past.
    """

    expression: sp.Expr
    means: Mapping[sp.Symbol, sp.Expr]
    result: sp.Expr
    kind: ClassVar[str] = "expectation"

    def check(self, facts: Sequence[Fact], equations: Sequence[Equation] = ()) -> list[Fact]:
        """Require linearity in the random symbols and E[expression] = result."""
        randoms = list(self.means)
        if not randoms:
            raise StepCheckError("no random symbols are given")
        polynomial = sp.Poly(sp.expand(self.expression), *randoms)
        if polynomial.total_degree() > 1:
            raise StepCheckError(
                f"the expression has degree {polynomial.total_degree()} in the random symbols; "
                "linearity of expectation needs degree at most 1"
            )
        expected = sp.sympify(self.expression).subs(dict(self.means))
        if not is_zero(expected - self.result):
            raise StepCheckError(f"E[expression] is {sp.simplify(expected)}, not {self.result}")
        return []

    def latex(self) -> str:
        """Return E[expression] = result with the means used."""
        means = ", ".join(
            f"\\mathbb{{E}}[{sp.latex(symbol)}] = {sp.latex(mean)}"
            for symbol, mean in self.means.items()
        )
        return (
            f"\\mathbb{{E}}\\left[{sp.latex(self.expression)}\\right] = "
            f"{sp.latex(self.result)} \\quad \\text{{using }} {means}"
        )


def _substitutions_latex(substitutions: Sequence[Equation]) -> str:
    if not substitutions:
        return ""
    used = ", ".join(f"{sp.latex(old)} = {sp.latex(new)}" for old, new in substitutions)
    return f" \\quad \\text{{using }} {used}"


def _substitute(
    expression: sp.Expr, substitutions: Sequence[Equation], equations: Sequence[Equation]
) -> sp.Expr:
    # Only equalities that an assumption states may be substituted. They are applied to the
    # simplified expression too, where sympy has collected the terms they match.
    if not substitutions:
        return expression
    for old, new in substitutions:
        if not any(old == lhs and new == rhs for lhs, rhs in equations):
            raise StepCheckError(f"the substitution {old} = {new} is not stated by any assumption")
    mapping = dict(substitutions)
    substituted = sp.sympify(expression).subs(mapping)
    if is_zero(substituted):
        return substituted
    return sp.simplify(expression).subs(mapping)


def steps_by_name(steps: Sequence[Step]) -> dict[str, Step]:
    """Return the steps keyed by name; raise ValueError when two share a name."""
    named: dict[str, Step] = {}
    for step in steps:
        if step.name in named:
            raise ValueError(f"two steps are named {step.name!r}; step names must be unique")
        named[step.name] = step
    return named
