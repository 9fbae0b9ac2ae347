"""Proof objects: a statement, assumptions with domains, checked steps and results.

A :class:`Proof` lists its assumptions (sympy symbols whose domains are sympy assumptions such
as ``positive=True``, plus conditions such as L·η < 2), a derivation as a list of
:mod:`steps <.steps>` that sympy checks in order, and the :class:`Result` expressions that the
library evaluates with ``lambdify``. :meth:`Proof.check` raises :class:`ProofError` naming the
first step that does not go through.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from curvature.errors import CurvatureError

from .signs import Fact, fact_from_relation
from .steps import Step, StepCheckError, steps_by_name

SIGN_PROPERTIES = ("positive", "nonnegative", "negative", "nonpositive")
"""The sympy sign assumptions reported in a symbol's domain, most specific first."""


class ProofError(CurvatureError):
    """A step of a proof did not check.

    Attributes:
        proof_id: the proof.
        step: the name of the step that failed.
        reason: what sympy found.
    """

    def __init__(self, proof_id: str, step: str, reason: str) -> None:
        self.proof_id = proof_id
        self.step = step
        self.reason = reason
        super().__init__(f"proof {proof_id!r} failed at step {step!r}: {reason}")


@dataclass(frozen=True)
class Assumption:
    """An assumption of a proof.

    Attributes:
        name: a short title, for example "L-smooth".
        statement: the assumption in words.
        symbols: the symbols it introduces; their sympy assumptions are their domains.
        conditions: inequalities between symbols that the steps may cite as facts.
        equations: equalities (sympy ``Eq``) that the steps may substitute.
        proved_in: the id of the proof that derives this assumption, if one does.
    """

    name: str
    statement: str
    symbols: tuple[sp.Basic, ...] = ()
    conditions: tuple[sp.Basic, ...] = ()
    equations: tuple[sp.Eq, ...] = ()
    proved_in: str | None = None

    def facts(self) -> list[Fact]:
        """Return the conditions as facts that steps may cite."""
        return [
            fact_from_relation(condition, f"assumption '{self.name}'")
            for condition in self.conditions
        ]

    def domains(self) -> dict[str, str]:
        """Return each symbol with its domain in words, such as ``{"L": "positive real"}``."""
        return {str(symbol): describe_domain(symbol) for symbol in self.symbols}

    def latex(self) -> str:
        """Return the conditions and equations in LaTeX, or an empty string when there are none."""
        relations = (*self.conditions, *self.equations)
        return ", \\quad ".join(sp.latex(relation) for relation in relations)


@dataclass(frozen=True)
class Result:
    """An expression that a proof ends in, for the library to evaluate.

    Attributes:
        name: the result's name within its proof.
        expression: the sympy expression.
        arguments: the symbols in the order the evaluated function takes them.
        description: what the value means, in words.
    """

    name: str
    expression: sp.Expr
    arguments: tuple[sp.Symbol, ...]
    description: str

    def function(self, modules: Any = "math") -> Callable[..., Any]:
        """Return the expression as a Python function of ``arguments`` (``sympy.lambdify``)."""
        return sp.lambdify(self.arguments, self.expression, modules=modules)


@dataclass(frozen=True)
class Proof:
    """A result of the theory, derived and checked step by step.

    Attributes:
        id: the id used on the command line and in reports.
        title: a short title.
        statement: what is proved, in words and plain formulas.
        assumptions: everything the derivation takes as given.
        steps: the derivation, checked in order.
        results: the expressions the proof ends in.
        findings: the consequences for the published claims, in sentences.
        references: sources the derivation follows.
    """

    id: str
    title: str
    statement: str
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...]
    results: tuple[Result, ...]
    findings: tuple[str, ...] = ()
    references: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        steps_by_name(self.steps)
        names = [result.name for result in self.results]
        if len(set(names)) != len(names):
            raise ValueError(f"proof {self.id!r} has two results with the same name: {names}")

    def check(self) -> None:
        """Check every step in order.

        Raises:
            ProofError: naming the first step that does not check.
        """
        facts: list[Fact] = [fact for assumption in self.assumptions for fact in assumption.facts()]
        equations = [
            (equation.lhs, equation.rhs)
            for assumption in self.assumptions
            for equation in assumption.equations
        ]
        for step in self.steps:
            try:
                facts.extend(step.check(facts, equations))
            except StepCheckError as failure:
                raise ProofError(self.id, step.name, str(failure)) from failure
            except (
                TypeError,
                ValueError,
                NotImplementedError,
                ZeroDivisionError,
                RuntimeError,
            ) as error:
                # sympy could not evaluate the step, which leaves it unchecked.
                raise ProofError(
                    self.id,
                    step.name,
                    f"sympy could not evaluate it: {type(error).__name__}: {error}",
                ) from error

    def result(self, name: str) -> Result:
        """Return the result called ``name``."""
        for result in self.results:
            if result.name == name:
                return result
        known = ", ".join(result.name for result in self.results)
        raise KeyError(f"proof {self.id!r} has no result {name!r}; its results are {known}")


@dataclass(frozen=True)
class ProofOutcome:
    """The outcome of checking one proof.

    Attributes:
        proof: the proof checked.
        failed_step: the name of the failed step, or None when every step checked.
        reason: why that step failed, or None.
        seconds: the time the check took.
    """

    proof: Proof
    failed_step: str | None
    reason: str | None
    seconds: float

    @property
    def status(self) -> str:
        """Return "checked", or "failed at step NAME"."""
        return "checked" if self.failed_step is None else f"failed at step {self.failed_step!r}"

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as a JSON-ready dict."""
        return {
            "id": self.proof.id,
            "title": self.proof.title,
            "statement": self.proof.statement,
            "assumptions": [
                {
                    "name": assumption.name,
                    "statement": assumption.statement,
                    "symbols": assumption.domains(),
                    "conditions": [
                        str(relation)
                        for relation in (*assumption.conditions, *assumption.equations)
                    ],
                    "proved_in": assumption.proved_in,
                }
                for assumption in self.proof.assumptions
            ],
            "status": "checked" if self.failed_step is None else "failed",
            "failed_step": self.failed_step,
            "reason": self.reason,
            "steps": len(self.proof.steps),
            "results": {
                result.name: {
                    "expression": str(result.expression),
                    "arguments": [str(argument) for argument in result.arguments],
                    "description": result.description,
                }
                for result in self.proof.results
            },
            "findings": list(self.proof.findings),
            "seconds": round(self.seconds, 3),
        }


def run_proof(proof: Proof) -> ProofOutcome:
    """Check ``proof`` and return its outcome instead of raising on a failed step."""
    started = time.perf_counter()
    try:
        proof.check()
    except ProofError as error:
        return ProofOutcome(proof, error.step, error.reason, time.perf_counter() - started)
    return ProofOutcome(proof, None, None, time.perf_counter() - started)


def describe_domain(symbol: sp.Basic) -> str:
    """Return a symbol's domain in words from its sympy assumptions, such as "positive integer"."""
    assumptions = symbol.assumptions0
    if assumptions.get("integer"):
        kind = "integer"
    elif assumptions.get("real"):
        kind = "real"
    else:
        kind = "number (no domain stated)"
    sign = next((word for word in SIGN_PROPERTIES if assumptions.get(word)), None)
    return kind if sign is None else f"{sign} {kind}"
