"""Memory over 10,000 consecutive HVPs and optimizer steps, and the peak of a dense Hessian.

Run with ``python -m pytest benchmarks/test_hvp_memory.py``; the measurements land in each
benchmark's ``extra_info`` (``--benchmark-json FILE`` writes them out). Linux only, because
the resident set size is read from ``/proc/self/statm`` and the peak from ``ru_maxrss``.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from curvature import CurvatureAdaptiveSGD
from curvature.estimators import hvp, module_loss

logger = logging.getLogger(__name__)

MIB = 1024**2
STEPS = 10_000
WARMUP = 500
CHECKPOINT_EVERY = 1_000

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and ru_maxrss"),
    pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning"),
]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def tanh_problem():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    inputs, targets = torch.randn(1024, 10), torch.randn(1024, 1)
    return model, inputs, targets


def make_step(workload: str):
    model, inputs, targets = tanh_problem()
    if workload == "hvp":
        loss_fn = module_loss(model, torch.nn.functional.mse_loss, inputs, targets)
        params = loss_fn.params
        vectors = [torch.randn_like(p) for p in params]
        return lambda: hvp(loss_fn, params, vectors)

    optimizer = CurvatureAdaptiveSGD(
        model.parameters(),
        lr=1e-4,
        curvature_scale=0.1,
        seed=0,
        record_history=workload.endswith("history"),
    )

    def closure():
        optimizer.zero_grad()
        return torch.nn.functional.mse_loss(model(inputs), targets)

    if workload.startswith("optimizer-backward"):

        def backward_step():
            optimizer.zero_grad()
            closure().backward(create_graph=True)
            optimizer.step()

        return backward_step
    return lambda: optimizer.step(closure)


@pytest.mark.parametrize(
    "workload",
    ["hvp", "optimizer-closure", "optimizer-backward", "optimizer-closure-history"],
)
def test_memory_flat_over_10000_steps(benchmark, workload):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    step = make_step(workload)
    checkpoints: list[tuple[int, float, int]] = []

    def run() -> None:
        for index in range(1, WARMUP + STEPS + 1):
            step()
            if index >= WARMUP and (index - WARMUP) % CHECKPOINT_EVERY == 0:
                gc.collect()
                checkpoints.append((index - WARMUP, rss_bytes() / MIB, len(gc.get_objects())))

    try:
        benchmark.pedantic(run, rounds=1, iterations=1)
    finally:
        torch.set_num_threads(threads)

    rss = [value for _, value, _ in checkpoints]
    objects = [count for _, _, count in checkpoints]
    growth = rss[-1] - rss[0]
    benchmark.extra_info.update(
        {
            "steps": STEPS,
            "rss_mib_at_checkpoints": [round(value, 2) for value in rss],
            "rss_growth_mib": round(growth, 2),
            "rss_max_jump_mib": round(max(b - a for a, b in itertools.pairwise(rss)), 2),
            "gc_objects_growth": objects[-1] - objects[0],
        }
    )
    logger.info("%s: %s", workload, benchmark.extra_info)

    # The history keeps three entries per step on purpose; everything else must stay flat.
    if workload.endswith("history"):
        assert growth <= 20.0, f"RSS grew by {growth:.1f} MiB over {STEPS} steps"
    else:
        assert growth <= 8.0, f"RSS grew by {growth:.1f} MiB over {STEPS} steps"
        assert objects[-1] - objects[0] <= 100


PEAK_SCRIPT = textwrap.dedent(
    """
    import resource, sys, time
    import torch
    from curvature.estimators import hessian

    def loss_fn(ps):
        x = ps[0]
        return (x**4).sum() / 12 + x.sum() ** 2 / 2

    n, budget = int(sys.argv[1]), int(sys.argv[2])
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    hessian(loss_fn, [x[:300]])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = hessian(loss_fn, [x], max_bytes=budget)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    error = float((result - torch.diag(x**2) - 1.0).abs().max())
    print((after - before) * 1024, seconds, error)
    """
)


@pytest.mark.parametrize("budget", [2 * 1024**3, 520_000_000], ids=["default", "tight"])
def test_dense_hessian_8000_peak(benchmark, budget):
    # 8,000 float64 variables: a 488 MiB (0.48 GiB) result. The tight budget leaves 8 MB of
    # work space above it, so the rows are computed 31 at a time.
    n = 8000
    measured: dict[str, float] = {}

    def run() -> None:
        completed = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(n), str(budget)],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        growth, seconds, error = completed.stdout.split()
        measured.update(growth=int(growth), seconds=float(seconds), error=float(error))

    benchmark.pedantic(run, rounds=1, iterations=1)

    result_bytes = n * n * 8
    benchmark.extra_info.update(
        {
            "n": n,
            "max_bytes": budget,
            "result_mib": round(result_bytes / MIB, 1),
            "peak_growth_mib": round(measured["growth"] / MIB, 1),
            "seconds": round(measured["seconds"], 2),
            "max_abs_error": measured["error"],
        }
    )
    logger.info("dense Hessian: %s", benchmark.extra_info)
    assert measured["error"] <= 1e-13
    assert measured["growth"] <= min(budget, result_bytes + 64 * MIB)
