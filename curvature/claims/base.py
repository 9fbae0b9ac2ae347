"""What a claim check is: a published statement about the rule, tested on one objective.

The claims come from "Adaptive Learning Rate Scheduling for Large-Scale Neural Networks"
(ICML 2024), "the paper" below. Each check gives a verdict with its evidence.
"""

from __future__ import annotations

import abc
import enum
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curvature.objectives.base import Objective

DETERMINISTIC_OBJECTIVES = (
    "quadratic-psd",
    "quadratic-indefinite",
    "rosenbrock",
    "logreg-breast-cancer",
    "mlp-digits",
)
"""The built-in deterministic objectives, the default set of most claims."""


class Verdict(str, enum.Enum):
    """The outcome of checking one claim on one objective."""

    HOLDS = "holds"
    FAILS = "fails"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class ClaimResult:
    """A verdict with its evidence.

    Attributes:
        claim: the claim id.
        objective: the objective id.
        verdict: holds, fails or inconclusive.
        summary: one sentence with the deciding numbers, for tables.
        evidence: the numbers behind the verdict, JSON-ready.
        setting: the setting of a claim checked in several (gradients, step policy), or
            None for a claim with one verdict per objective.
    """

    claim: str
    objective: str
    verdict: Verdict
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    setting: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict."""
        return {
            "claim": self.claim,
            "objective": self.objective,
            "setting": self.setting,
            "verdict": self.verdict.value,
            "summary": self.summary,
            "evidence": to_json_ready(self.evidence),
        }


@dataclass(frozen=True)
class CheckContext:
    """Budget and randomness for one check.

    Attributes:
        seed: the seed of this check, derived from the run's seed, the claim and the objective.
        quick: whether to use the small budgets of ``curvature verify --quick``.
        store: a dict shared by the checks of one verification, where a check may keep
            expensive runs for another check to reuse. A check's result must not depend on
            whether it finds them there. None disables the reuse.
    """

    seed: int
    quick: bool = False
    store: dict[Any, Any] | None = field(default=None, compare=False, repr=False)

    def generator(self, offset: int = 0) -> np.random.Generator:
        """Return a NumPy generator seeded from this check's seed and ``offset``."""
        return np.random.default_rng([self.seed, offset])

    def torch_seed(self, offset: int = 0) -> int:
        """Return an integer seed for torch, derived from this check's seed and ``offset``."""
        return int(np.random.SeedSequence([self.seed, offset]).generate_state(1)[0])


class Claim(abc.ABC):
    """A claim of the paper as a check that runs on objectives.

    Attributes:
        id: the claim id used in reports and on the command line.
        statement: the claim as tested, in one or two sentences.
        default_objectives: the built-in objective ids ``curvature verify`` runs it on.
    """

    id: str
    statement: str
    default_objectives: tuple[str, ...]

    def skip_reason(self, objective: Objective) -> str | None:
        """Return why the claim cannot be checked on ``objective``, or None if it can."""
        return None

    @abc.abstractmethod
    def check(self, objective: Objective, context: CheckContext) -> ClaimResult:
        """Run the check and return its verdict."""

    def check_all(self, objective: Objective, context: CheckContext) -> list[ClaimResult]:
        """Run the check in every setting it has and return one verdict per setting.

        Claims with one verdict per objective return ``[self.check(objective, context)]``.
        """
        return [self.check(objective, context)]

    def result(
        self, objective: Objective, verdict: Verdict, summary: str, **evidence: Any
    ) -> ClaimResult:
        """Build a :class:`ClaimResult` for this claim on ``objective``."""
        return ClaimResult(self.id, objective.name, verdict, summary, evidence)


def to_json_ready(value: Any) -> Any:
    """Convert NumPy and torch scalars and arrays, and non-finite floats, for JSON output.

    Infinity and NaN become the strings "inf", "-inf" and "nan", because JSON has no literal
    for them.
    """
    if isinstance(value, dict):
        return {str(key): to_json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return to_json_ready(value.tolist())
    if isinstance(value, np.generic):
        return to_json_ready(value.item())
    if hasattr(value, "tolist") and callable(value.tolist):
        return to_json_ready(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value
