"""Cost against n: each workload on a geometric grid of sizes, then its empirical exponent.

At every size the workloads that apply there are timed in the same interleaved rounds, so
the ratios between them at one size come from one measurement. Peak memory is measured in a
separate, untimed call, because the memory profiler slows the code it watches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from curvature.bench.config import BenchConfig
from curvature.bench.exponents import ExponentFit, fit_exponent
from curvature.bench.memory import peak_memory
from curvature.bench.problems import make_problem
from curvature.bench.resources import available_bytes, estimated_bytes
from curvature.bench.timing import Timing, time_interleaved
from curvature.bench.workloads import QUADRATIC_WORKLOADS, SCALING_WORKLOADS, scaling_workload

logger = logging.getLogger(__name__)

LINEAR_WORKLOADS = tuple(name for name in SCALING_WORKLOADS if name not in QUADRATIC_WORKLOADS)
MEMORY_SHARE = 0.5
"""A size runs only if its estimated memory is below this share of the available memory."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ScalingPoint:
    """One workload at one size.

    Attributes:
        family, workload, n: what was measured.
        target: the n requested from the profile's grid (the MLP rounds it to a width).
        timing: seconds per call.
        peak_bytes: peak memory of one call, or None when not measured.
    """

    family: str
    workload: str
    n: int
    target: int
    timing: Timing
    peak_bytes: int | None

    def to_dict(self) -> dict[str, object]:
        """Return the point as a JSON-ready dict."""
        return {
            "family": self.family,
            "workload": self.workload,
            "n": self.n,
            "target_n": self.target,
            **self.timing.to_dict(),
            "peak_bytes": self.peak_bytes,
            "peak_bytes_per_parameter": None
            if self.peak_bytes is None
            else self.peak_bytes / self.n,
        }


@dataclass(frozen=True)
class Skipped:
    """A measurement that did not run, with the reason."""

    what: str
    reason: str


@dataclass(frozen=True)
class ScalingFit:
    """The exponent of one workload's time or memory over one range of sizes.

    Attributes:
        family, workload: what was fitted.
        quantity: ``"time"`` or ``"memory"``.
        span: ``"asymptotic"`` (n ≥ the profile's ``fit_min_n``) or ``"all"``.
        fit: the exponent with its confidence interval.
    """

    family: str
    workload: str
    quantity: str
    span: str
    fit: ExponentFit

    def to_dict(self) -> dict[str, object]:
        """Return the fit as a JSON-ready dict."""
        return {
            "family": self.family,
            "workload": self.workload,
            "quantity": self.quantity,
            "span": self.span,
            **self.fit.to_dict(),
        }


def run_scaling(
    config: BenchConfig,
    *,
    device: torch.device,
    dtype: torch.dtype,
    progress: Progress,
    deadline: float | None = None,
) -> tuple[list[ScalingPoint], list[Skipped]]:
    """Measure every scaling workload on the profile's grid; return the points and skips."""
    points: list[ScalingPoint] = []
    skipped: list[Skipped] = []

    for family in config.linear_sizes:
        linear = set(config.linear_sizes[family])
        quadratic = set(config.quadratic_sizes.get(family, ()))
        for target in sorted(linear | quadratic):
            names = [
                name
                for name in SCALING_WORKLOADS
                if (name in QUADRATIC_WORKLOADS and target in quadratic)
                or (name not in QUADRATIC_WORKLOADS and target in linear)
            ]
            if deadline is not None and time.monotonic() > deadline:
                skipped.append(Skipped(f"{family} n≈{target}", "the profile's time budget ran out"))
                continue
            found, missed = _measure_size(config, family, target, names, device, dtype, progress)
            points += found
            skipped += missed
    return points, skipped


def _measure_size(
    config: BenchConfig,
    family: str,
    target: int,
    names: list[str],
    device: torch.device,
    dtype: torch.dtype,
    progress: Progress,
) -> tuple[list[ScalingPoint], list[Skipped]]:
    problem = make_problem(family, target, device=device, dtype=dtype, batch_size=config.batch_size)
    skipped = []

    # Guard the largest sizes: skip a workload whose estimated memory would not fit.
    budget = MEMORY_SHARE * available_bytes(device)
    runnable = []
    for name in names:
        if name == "dense-hessian" and problem.n > config.dense_max_n:
            skipped.append(
                Skipped(
                    f"{name} on {problem.label}",
                    f"the profile runs the dense Hessian only up to n = {config.dense_max_n}",
                )
            )
            continue
        needed = estimated_bytes(problem, name)
        if needed > budget:
            skipped.append(
                Skipped(
                    f"{name} on {problem.label}",
                    f"needs about {needed / 2**30:.1f} GiB, above {MEMORY_SHARE:.0%} of the "
                    f"{budget / MEMORY_SHARE / 2**30:.1f} GiB available",
                )
            )
        else:
            runnable.append(name)

    started = time.perf_counter()
    workloads = {name: scaling_workload(problem, name) for name in runnable}
    timings = time_interleaved(
        workloads,
        rounds=config.rounds,
        warmup=config.warmup,
        min_block_seconds=config.min_block_seconds,
    )

    points = []
    for name in runnable:
        peak = peak_memory(workloads[name], device) if config.memory else None
        points.append(ScalingPoint(family, name, problem.n, target, timings[name], peak))

    summary = ", ".join(f"{name} {timings[name].minimum * 1e3:.3g} ms" for name in runnable)
    progress(f"{problem.label}: {summary} ({time.perf_counter() - started:.1f} s)")
    return points, skipped


def scaling_fits(points: list[ScalingPoint], config: BenchConfig) -> list[ScalingFit]:
    """Fit the time and memory exponent of every workload that has at least three sizes.

    Linear workloads get an ``asymptotic`` fit over the grid's n ≥ ``config.fit_min_n`` and an
    ``all`` fit. The O(n²) workloads run only on their own small grid and get an ``all`` fit.
    """
    fits = []
    keys = sorted({(point.family, point.workload) for point in points})
    for family, workload in keys:
        series = sorted(
            (point for point in points if (point.family, point.workload) == (family, workload)),
            key=lambda point: point.n,
        )
        spans = {"all": series}
        if workload in LINEAR_WORKLOADS:
            spans["asymptotic"] = [point for point in series if point.target >= config.fit_min_n]

        for span, chosen in spans.items():
            if len({point.n for point in chosen}) < 3:
                continue
            sizes = [point.n for point in chosen]
            fits.append(
                ScalingFit(
                    family,
                    workload,
                    "time",
                    span,
                    fit_exponent(sizes, [point.timing.minimum for point in chosen]),
                )
            )
            peaks = [point.peak_bytes for point in chosen]
            if all(peak is not None and peak > 0 for peak in peaks):
                fits.append(
                    ScalingFit(
                        family,
                        workload,
                        "memory",
                        span,
                        fit_exponent(sizes, [float(peak) for peak in peaks]),  # type: ignore[arg-type]
                    )
                )
    return fits
