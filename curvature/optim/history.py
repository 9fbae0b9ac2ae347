"""What the adaptive optimizer records at each step, for reports and checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class UndefinedRateEvent:
    """A step where 1 + λ·tr(H) ≤ 0 and the undefined policy chose the rate.

    Attributes:
        step: the step index (0 for the first call of ``step``).
        group: the parameter group index.
        trace: the trace estimate used.
        denominator: 1 + λ·trace.
        policy: the policy that fired.
        lr: the rate applied.
    """

    step: int
    group: int
    trace: float
    denominator: float
    policy: str
    lr: float


@dataclass
class CurvatureHistory:
    """Per-step records of an adaptive optimizer run.

    Attributes:
        traces: the trace tr(H_t) used at each step, after averaging over refreshes.
        lrs: the rate η_t of each parameter group at each step.
        refreshed: whether the curvature was estimated at that step or reused.
        undefined: every step where the rule was undefined, with the policy's choice.
    """

    traces: list[float] = field(default_factory=list)
    lrs: list[list[float]] = field(default_factory=list)
    refreshed: list[bool] = field(default_factory=list)
    undefined: list[UndefinedRateEvent] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.traces)

    def group_lrs(self, group: int = 0) -> list[float]:
        """Return η_t of one parameter group along the run."""
        return [step_lrs[group] for step_lrs in self.lrs]

    def to_dict(self) -> dict[str, Any]:
        """Return the history as plain lists and dicts, ready for JSON."""
        return {
            "traces": list(self.traces),
            "lrs": [list(step_lrs) for step_lrs in self.lrs],
            "refreshed": list(self.refreshed),
            "undefined": [asdict(event) for event in self.undefined],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CurvatureHistory:
        """Rebuild a history written by :meth:`to_dict`."""
        return cls(
            traces=list(data["traces"]),
            lrs=[list(step_lrs) for step_lrs in data["lrs"]],
            refreshed=list(data["refreshed"]),
            undefined=[UndefinedRateEvent(**event) for event in data["undefined"]],
        )
