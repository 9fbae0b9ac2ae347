"""The cost targets of the adaptive optimizer and its estimators, each with its measured figure.

Every target is measured on the profile's target MLP (at least 10⁵ parameters in the full
and quick profiles), on the run's device and dtype. A missed target stays in the record
with its figure; the thresholds are fixed here and not tuned to the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

from curvature.bench.hvp_paths import HvpPathComparison
from curvature.bench.optimizer_steps import StepComparison, curvature_name
from curvature.bench.peer_comparison import OURS, PeerComparison
from curvature.bench.scaling import ScalingFit, ScalingPoint

PROBE_RATIO_MAX = 2.5
STEP_RATIO_MAX = {10: 1.2, 1: 3.0}
EXPONENT_BAND = (0.9, 1.1)
MEMORY_EXPONENT_MAX = 1.1


@dataclass(frozen=True)
class TargetResult:
    """One target: what it asks, the measured figure, and whether it was met.

    Attributes:
        target: the requirement in words.
        measured: the figure, formatted.
        met: True or False; None when the run did not measure it.
        note: how the figure was obtained, or why it is missing.
        judged: False when the profile's sizes are too small for ``met`` to mean anything.
    """

    target: str
    measured: str
    met: bool | None
    note: str = ""
    judged: bool = True

    @property
    def status(self) -> str:
        """One of "met", "missed", "not measured" and "not judged"."""
        if not self.judged:
            return "not judged"
        return {True: "met", False: "missed", None: "not measured"}[self.met]

    def to_dict(self) -> dict[str, object]:
        """Return the target as a JSON-ready dict."""
        return {
            "target": self.target,
            "measured": self.measured,
            "met": self.met,
            "judged": self.judged,
            "status": self.status,
            "note": self.note,
        }


def probe_target(
    points: list[ScalingPoint], target_n: int, paths: list[HvpPathComparison]
) -> TargetResult:
    """Check one Hutchinson probe (gradient and HVP) against 2.5 gradients on the MLP."""
    target = f"one Hutchinson probe <= {PROBE_RATIO_MAX}x one gradient (MLP)"
    at_size = {
        point.workload: point for point in points if (point.family, point.n) == ("mlp", target_n)
    }
    if "hutchinson-probe" not in at_size or "gradient" not in at_size:
        return TargetResult(target, "not measured", None, f"no MLP point at n = {target_n}")

    ratio = at_size["hutchinson-probe"].timing.minimum / at_size["gradient"].timing.minimum
    note = f"library path (batched_hvp, default mode, eager) at n = {target_n}"
    for comparison in paths:
        if (comparison.family, comparison.n) == ("mlp", target_n):
            note += (
                f"; fastest HVP path there: {comparison.fastest} at "
                f"{comparison.ratio(comparison.fastest):.2f}x a gradient"
            )
    return TargetResult(target, f"{ratio:.2f}x", ratio <= PROBE_RATIO_MAX, note)


def step_targets(steps: StepComparison | None) -> list[TargetResult]:
    """Check an adaptive step with k = 10 and k = 1 against a ``torch.optim.SGD`` step."""
    results = []
    for period, limit in STEP_RATIO_MAX.items():
        target = f"optimizer step with k = {period} <= {limit}x an SGD step (MLP)"
        name = curvature_name(period)
        if steps is None or name not in steps.timings:
            results.append(TargetResult(target, "not measured", None))
            continue
        ratio = steps.ratio(name)
        note = f"n = {steps.n}; time per step averaged over cycles of {period} steps"
        results.append(TargetResult(target, f"{ratio:.2f}x", ratio <= limit, note))
    return results


def exponent_targets(fits: list[ScalingFit]) -> list[TargetResult]:
    """Check the Hutchinson probe's time exponent and memory growth on each family."""
    results = []
    for family in ("mlp", "rosenbrock"):
        time_fit = _fit(fits, family, "time")
        target = f"Hutchinson probe time exponent within {list(EXPONENT_BAND)} ({family})"
        if time_fit is None:
            results.append(TargetResult(target, "not measured", None))
        else:
            fit = time_fit.fit
            results.append(
                TargetResult(
                    target,
                    f"{fit.exponent:.3f} [{fit.low:.3f}, {fit.high:.3f}]",
                    EXPONENT_BAND[0] <= fit.exponent <= EXPONENT_BAND[1],
                    f"Theil-Sen slope with {fit.confidence:.0%} interval over "
                    f"n = {min(fit.sizes)}..{max(fit.sizes)}",
                )
            )

        memory_fit = _fit(fits, family, "memory")
        target = (
            f"Hutchinson probe peak memory per parameter does not grow with n "
            f"(memory exponent <= {MEMORY_EXPONENT_MAX}) ({family})"
        )
        if memory_fit is None:
            results.append(TargetResult(target, "not measured", None))
        else:
            fit = memory_fit.fit
            per_parameter = [cost / size for cost, size in zip(fit.costs, fit.sizes)]
            results.append(
                TargetResult(
                    target,
                    f"{fit.exponent:.3f} [{fit.low:.3f}, {fit.high:.3f}]",
                    fit.high <= MEMORY_EXPONENT_MAX,
                    "peak bytes per parameter from "
                    f"{per_parameter[0]:.1f} (n = {fit.sizes[0]}) to "
                    f"{per_parameter[-1]:.1f} (n = {fit.sizes[-1]})",
                )
            )
    return results


def peer_targets(comparison: PeerComparison | None) -> list[TargetResult]:
    """Check that each estimate is no slower than the fastest peer computing it."""
    if comparison is None:
        return []
    results = []
    for quantity, group in comparison.timings.items():
        fastest = comparison.fastest_peer(quantity)
        target = f"{quantity}: no slower than the fastest peer"
        if fastest is None or OURS not in group:
            results.append(TargetResult(target, "no peer ran", None, "see the peer table"))
            continue
        ratio = group[OURS].minimum / group[fastest].minimum
        note = f"n = {comparison.sizes[quantity]}, fastest peer: {fastest}"
        results.append(TargetResult(target, f"{ratio:.2f}x {fastest}", ratio <= 1.0, note))
    return results


def _fit(fits: list[ScalingFit], family: str, quantity: str) -> ScalingFit | None:
    for fit in fits:
        key = (fit.family, fit.workload, fit.quantity, fit.span)
        if key == (family, "hutchinson-probe", quantity, "asymptotic"):
            return fit
    return None
