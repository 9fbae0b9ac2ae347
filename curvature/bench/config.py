"""The budgets of a benchmark run: sizes, repeats and which comparisons to make.

Four profiles:

* ``full``: the record. Costs linear in n are measured at two sizes per decade from 10³ to
  10⁷ parameters. The O(n²) exact diagonal runs only up to about 3,000 (MLP) or 3·10⁴
  (Rosenbrock) parameters, where n HVPs still take seconds, and the dense Hessian only up to
  ``dense_max_n`` = 10⁴ parameters (400 MB in float32).
* ``quick``: one size per decade, fewer rounds and no ``torch.compile``; about a minute or
  two on two CPU cores.
* ``smoke``: tiny sizes and two rounds, to check in seconds that every benchmark still runs;
  its numbers mean nothing.
* ``cuda``: the full grid with fewer rounds, sized to finish within five minutes on one
  datacenter GPU.

The exponent of a cost linear in n is fitted only over sizes n ≥ ``fit_min_n``: below that, a
fixed per-call overhead of tens of microseconds (Python and operator dispatch) dominates and
flattens the slope. The full-range slope is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curvature._validation import check_choice
from curvature.bench.exponents import geometric_sizes

PROFILES = ("smoke", "quick", "full", "cuda")


@dataclass(frozen=True)
class BenchConfig:
    """One profile of budgets.

    Attributes:
        name: the profile name.
        linear_sizes: family → target n for the costs linear in n.
        quadratic_sizes: family → target n for the exact diagonal and the dense Hessian.
        dense_max_n: largest n of the dense Hessian, whose n² entries must fit in memory.
        fit_min_n: smallest n used for the exponent of a linear cost.
        rounds: timed rounds per workload.
        warmup: untimed calls before timing.
        min_block_seconds: length of one timed block.
        target_n: n of the MLP on which ratios, optimizer steps and peers are compared.
        path_sizes: (family, n) problems on which the HVP paths are compared.
        num_probes: probes per estimate in the peer comparison.
        step_periods: values k of ``update_every`` for the optimizer-step comparison.
        batch_size: the MLP's batch.
        compile: whether to time ``torch.compile`` variants of the HVP paths.
        memory: whether to measure peak memory.
        time_budget_s: stop starting new measurements after this many seconds (None: no limit).
        judged: whether the targets and the verdict are judged; the smoke profile's sizes
            are too small for that.
        judge_exponents: whether the exponent targets and the verdict are judged; the quick
            profile's grid is too short and too close to the per-call overhead for that.
        num_threads: torch's intra-op threads during the run (None: leave torch's setting).
        notes: caveats printed in the record.
    """

    name: str
    linear_sizes: dict[str, tuple[int, ...]]
    quadratic_sizes: dict[str, tuple[int, ...]]
    fit_min_n: int
    rounds: int
    warmup: int
    min_block_seconds: float
    target_n: int
    path_sizes: tuple[tuple[str, int], ...]
    dense_max_n: int = 10_000
    num_probes: int = 10
    step_periods: tuple[int, ...] = (1, 10, 100)
    batch_size: int = 512
    compile: bool = True
    memory: bool = True
    time_budget_s: float | None = None
    judged: bool = True
    judge_exponents: bool = True
    num_threads: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def profile_config(name: str) -> BenchConfig:
    """Return the budgets of profile ``name`` (one of :data:`PROFILES`)."""
    check_choice("profile", name, PROFILES)
    if name == "smoke":
        return BenchConfig(
            name="smoke",
            linear_sizes={"mlp": (200, 400, 800), "rosenbrock": (100, 1000, 10000)},
            quadratic_sizes={"mlp": (100, 150, 200), "rosenbrock": (50, 100, 200)},
            fit_min_n=1,
            rounds=2,
            warmup=1,
            min_block_seconds=0.002,
            target_n=800,
            path_sizes=(("mlp", 800), ("rosenbrock", 1000)),
            num_probes=2,
            batch_size=64,
            compile=False,
            judged=False,
            num_threads=1,
            notes=(
                "smoke profile: tiny sizes that only show the benchmarks run, on one thread so "
                "that a busy machine does not stall it",
            ),
        )
    if name == "quick":
        return BenchConfig(
            name="quick",
            linear_sizes={
                "mlp": tuple(geometric_sizes(1e3, 1e6, 1)),
                "rosenbrock": tuple(geometric_sizes(1e3, 1e7, 1)),
            },
            quadratic_sizes={
                "mlp": tuple(geometric_sizes(178, 1e3, 4)),
                "rosenbrock": tuple(geometric_sizes(1e3, 1e4, 3)),
            },
            fit_min_n=10_000,
            rounds=3,
            warmup=1,
            min_block_seconds=0.02,
            target_n=100_000,
            path_sizes=(("mlp", 100_000), ("rosenbrock", 100_000)),
            compile=False,
            judge_exponents=False,
            notes=(
                "quick profile: one size per decade, three rounds, no torch.compile; the "
                "exponents are shown but not judged",
            ),
        )
    full = BenchConfig(
        name="full",
        linear_sizes={
            "mlp": tuple(geometric_sizes(1e3, 1e7, 2)),
            "rosenbrock": tuple(geometric_sizes(1e3, 1e7, 2)),
        },
        quadratic_sizes={
            "mlp": tuple(geometric_sizes(562, 3162, 4)),
            "rosenbrock": tuple(geometric_sizes(1e3, 31623, 4)),
        },
        fit_min_n=100_000,
        rounds=5,
        warmup=1,
        min_block_seconds=0.05,
        target_n=100_000,
        path_sizes=(("mlp", 100_000), ("mlp", 1_000_000), ("rosenbrock", 100_000)),
    )
    if name == "full":
        return full
    return BenchConfig(
        **{
            **full.__dict__,
            "name": "cuda",
            "rounds": 3,
            "quadratic_sizes": {
                "mlp": tuple(geometric_sizes(562, 1e4, 4)),
                "rosenbrock": tuple(geometric_sizes(1e3, 1e4, 4)),
            },
            "path_sizes": (("mlp", 100_000),),
            "time_budget_s": 240.0,
            "notes": (
                "cuda profile: the full grid with three rounds, torch.compile on the target MLP "
                "only, and a 240 s budget",
            ),
        }
    )
