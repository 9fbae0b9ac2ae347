"""Wall-clock times of workloads, measured in interleaved rounds so that ratios cancel noise.

Each workload is a function without arguments. Timing uses the standard library's
:class:`timeit.Timer`, which turns garbage collection off during a block, with a clock that
waits for queued CUDA work before it reads the time. ``torch.utils.benchmark.Timer`` would
do the same, but it runs two untimed calls before every block, which triples the cost of the
largest sizes.

All workloads of a group are timed in the same rounds, one block each per round, in turn, so
a slow spell of the machine hits every workload of the round alike and their ratios keep.
Per workload the result is the minimum and the median over rounds of the mean time per call
within a block. The minimum is the figure least disturbed by other processes, because
interference only adds time; the ratios and exponents use it.
"""

from __future__ import annotations

import math
import statistics
import time
import timeit
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from curvature._validation import check_non_negative, check_positive_int

Workload = Callable[[], object]


@dataclass(frozen=True)
class Timing:
    """Times of one workload, in seconds per call.

    Attributes:
        samples: the mean time per call of each round's block.
        calls_per_block: how many calls each block made.
    """

    samples: tuple[float, ...]
    calls_per_block: int

    @property
    def minimum(self) -> float:
        """The smallest per-call time over rounds."""
        return min(self.samples)

    @property
    def median(self) -> float:
        """The median per-call time over rounds."""
        return statistics.median(self.samples)

    def to_dict(self) -> dict[str, object]:
        """Return the timing as a JSON-ready dict."""
        return {
            "min_s": self.minimum,
            "median_s": self.median,
            "samples_s": list(self.samples),
            "calls_per_block": self.calls_per_block,
        }


def time_interleaved(
    workloads: Mapping[str, Workload],
    *,
    rounds: int,
    warmup: int = 1,
    min_block_seconds: float = 0.05,
    num_threads: int | None = None,
) -> dict[str, Timing]:
    """Time each workload in ``rounds`` interleaved rounds after ``warmup`` untimed calls.

    Args:
        workloads: name → function without arguments.
        rounds: number of timed blocks per workload.
        warmup: untimed calls of each workload first (caches, lazy initialization); at
            least one call is made either way, because it sizes the blocks.
        min_block_seconds: a block repeats a fast workload until it lasts about this long,
            so that the clock's resolution and per-block overhead do not count.
        num_threads: torch's intra-op threads while timing; default: the current setting,
            which is restored afterwards.

    Raises:
        ValueError: for ``rounds`` below 1 or a negative ``warmup`` or block length.
    """
    check_positive_int("rounds", rounds)
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"`warmup` must be a non-negative integer, got {warmup!r}")
    check_non_negative("min_block_seconds", min_block_seconds)
    previous_threads = torch.get_num_threads()
    if num_threads is not None:
        check_positive_int("num_threads", num_threads)
        torch.set_num_threads(num_threads)
    try:
        return _time_rounds(workloads, rounds, warmup, min_block_seconds)
    finally:
        torch.set_num_threads(previous_threads)


def _time_rounds(
    workloads: Mapping[str, Workload], rounds: int, warmup: int, min_block_seconds: float
) -> dict[str, Timing]:
    timers = {name: timeit.Timer(workload, timer=_clock) for name, workload in workloads.items()}

    # Warm up, then size each block from the last single call.
    calls = {}
    for name, timer in timers.items():
        single = math.inf
        for _ in range(max(warmup, 1)):
            single = timer.timeit(1)
        calls[name] = max(1, math.ceil(min_block_seconds / max(single, 1e-9)))

    samples: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(rounds):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(calls[name]) / calls[name])

    return {name: Timing(tuple(samples[name]), calls[name]) for name in timers}


def _clock() -> float:
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return time.perf_counter()


def time_one(
    workload: Workload, *, rounds: int, warmup: int = 1, min_block_seconds: float = 0.05
) -> Timing:
    """Time a single workload; see :func:`time_interleaved` for the arguments."""
    timings = time_interleaved(
        {"workload": workload}, rounds=rounds, warmup=warmup, min_block_seconds=min_block_seconds
    )
    return timings["workload"]
