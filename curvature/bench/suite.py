"""The whole benchmark: cost against n, HVP paths, optimizer steps and peers, in one run.

Each section runs in turn. A section that raises is recorded as an error and the run goes on,
so a broken peer or a missing compiler costs one section, not the record.
"""

from __future__ import annotations

import functools
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from curvature.bench import peers
from curvature.bench.config import BenchConfig
from curvature.bench.hvp_paths import HvpPathComparison, compare_hvp_paths
from curvature.bench.machine import load_average
from curvature.bench.optimizer_steps import StepComparison, compare_steps
from curvature.bench.peer_comparison import PeerComparison, compare_peers
from curvature.bench.problems import BenchProblem, make_problem, mlp_parameter_count, mlp_width
from curvature.bench.scaling import ScalingFit, ScalingPoint, Skipped, run_scaling, scaling_fits
from curvature.bench.targets import (
    TargetResult,
    exponent_targets,
    peer_targets,
    probe_target,
    step_targets,
)
from curvature.bench.verdict import estimator_cost_verdicts
from curvature.claims.base import ClaimResult, Verdict

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class BenchReport:
    """Everything one run measured, with the targets and the verdict derived from it."""

    config: BenchConfig
    device: str
    dtype: str
    points: list[ScalingPoint] = field(default_factory=list)
    fits: list[ScalingFit] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    paths: list[HvpPathComparison] = field(default_factory=list)
    steps: StepComparison | None = None
    peers: PeerComparison | None = None
    targets: list[TargetResult] = field(default_factory=list)
    verdicts: list[ClaimResult] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    load_before: tuple[float, float, float] | None = None
    load_after: tuple[float, float, float] | None = None
    seconds: float = 0.0
    threads: int = 0

    @property
    def target_n(self) -> int:
        """The parameter count of the target MLP."""
        return mlp_parameter_count(mlp_width(self.config.target_n))


def run_suite(
    config: BenchConfig,
    *,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    include_peers: bool = True,
    progress: Progress | None = None,
) -> BenchReport:
    """Run every section of the benchmark under ``config`` and return the report."""
    target_device = torch.device(device)
    say = progress or (lambda message: None)
    report = BenchReport(config, str(target_device), str(dtype).replace("torch.", ""))
    report.load_before = load_average()
    started = time.monotonic()
    deadline = None if config.time_budget_s is None else started + config.time_budget_s

    def section(name: str, body: Callable[[], None]) -> None:
        if deadline is not None and time.monotonic() > deadline:
            report.errors[name] = "skipped: the profile's time budget ran out"
            return
        say(f"{name} ...")
        try:
            body()
        except Exception as error:
            logger.debug("section %s failed", name, exc_info=True)
            report.errors[name] = f"{type(error).__name__}: {error}\n{traceback.format_exc()}"
            say(f"{name} failed: {type(error).__name__}: {error}")

    def scaling() -> None:
        points, skipped = run_scaling(
            config, device=target_device, dtype=dtype, progress=say, deadline=deadline
        )
        report.points, report.skipped = points, skipped
        report.fits = scaling_fits(points, config)

    def paths() -> None:
        for family, n in config.path_sizes:
            problem = make_problem(
                family, n, device=target_device, dtype=dtype, batch_size=config.batch_size
            )
            comparison = compare_hvp_paths(
                problem,
                rounds=config.rounds,
                warmup=config.warmup,
                min_block_seconds=config.min_block_seconds,
                compile=config.compile,
            )
            report.paths.append(comparison)
            say(f"HVP paths on {problem.label}: fastest {comparison.fastest}")

    def steps() -> None:
        problem = _target_problem(config, target_device, dtype)
        extra: dict[str, tuple[Callable[[], Callable[[], object]], int]] = {}
        if include_peers and peers.peer_status(peers.peer_named("pytorch-optimizer")).available:
            for period in (1, 10):
                extra[f"adahessian k={period}"] = (
                    functools.partial(peers.adahessian_cycle, problem, period),
                    period,
                )
        report.steps = compare_steps(
            problem,
            periods=config.step_periods,
            rounds=config.rounds,
            warmup=config.warmup,
            min_block_seconds=config.min_block_seconds,
            extra=extra,
        )

    def peer_section() -> None:
        problem = _target_problem(config, target_device, dtype)
        small_n = max(config.quadratic_sizes["mlp"])
        small = make_problem(
            "mlp", small_n, device=target_device, dtype=dtype, batch_size=config.batch_size
        )
        report.peers = compare_peers(
            problem,
            small,
            num_probes=config.num_probes,
            rounds=config.rounds,
            warmup=config.warmup,
            min_block_seconds=config.min_block_seconds,
        )

    previous_threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    report.threads = torch.get_num_threads()
    try:
        # The HVP paths come last, because code compiled by torch.compile can slow the eager
        # code that runs after it (see compare_hvp_paths).
        section("cost against n", scaling)
        section("optimizer steps", steps)
        if include_peers:
            section("peers", peer_section)
        section("HVP paths", paths)
    finally:
        torch.set_num_threads(previous_threads)

    ratios = [probe_target(report.points, report.target_n, report.paths)]
    ratios += step_targets(report.steps)
    peer_figures = peer_targets(report.peers)
    exponents = exponent_targets(report.fits)
    report.verdicts = estimator_cost_verdicts(report.fits)

    # The smoke profile judges nothing; the quick profile judges the ratios, not the exponents.
    too_small = f"not judged in the {config.name} profile, whose sizes are too small"
    too_short = f"not judged in the {config.name} profile, whose grid is too short for exponents"
    if not config.judged:
        ratios = _withhold(ratios, too_small)
        peer_figures = _withhold(peer_figures, too_small)
    if not (config.judged and config.judge_exponents):
        reason = too_short if config.judged else too_small
        exponents = _withhold(exponents, reason)
        report.verdicts = [
            replace(verdict, verdict=Verdict.INCONCLUSIVE, summary=f"{reason}; {verdict.summary}")
            for verdict in report.verdicts
        ]
    report.targets = [*ratios, *exponents, *peer_figures]
    report.load_after = load_average()
    report.seconds = time.monotonic() - started
    return report


def _withhold(targets: list[TargetResult], reason: str) -> list[TargetResult]:
    return [
        replace(target, judged=False, note=f"{reason}; {target.note}".rstrip("; "))
        for target in targets
    ]


def _target_problem(config: BenchConfig, device: torch.device, dtype: torch.dtype) -> BenchProblem:
    return make_problem(
        "mlp", config.target_n, device=device, dtype=dtype, batch_size=config.batch_size
    )
