"""Memory: the dense Hessian's budget, and no growth over repeated HVPs and steps.

The 10,000-step runs and the 8,000-variable Hessian are measured in
``benchmarks/test_hvp_memory.py``; these tests guard shorter runs.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from curvature import CurvatureAdaptiveSGD
from curvature.estimators import hessian, hutchinson_trace, hvp, module_loss
from curvature.estimators.exact import WORK_BLOCKS, dense_chunk_size

MIB = 1024**2


def coupled_quartic(ps):
    """Σ x⁴/12 + (Σ x)²/2, whose Hessian is diag(x²) + 11ᵀ."""
    x = ps[0]
    return (x**4).sum() / 12 + x.sum() ** 2 / 2


# The dense Hessian within max_bytes.


def test_dense_hessian_refused_before_evaluating():
    calls = []

    def loss_fn(ps):
        calls.append(1)
        return coupled_quartic(ps)

    x = torch.zeros(8000, dtype=torch.float64)
    with pytest.raises(MemoryError) as caught:
        hessian(loss_fn, [x], max_bytes=100 * MIB)

    message = str(caught.value)
    assert "n=8000" in message
    assert "0.48 GiB for the result" in message
    assert "max_bytes=104857600" in message
    assert "nothing was allocated" in message
    assert "hessian_diagonal" in message
    assert calls == [], "the loss ran before the budget check"


def test_tight_budget_lowers_chunk_size():
    n, itemsize = 300, 8
    budget = n * n * itemsize + 10 * WORK_BLOCKS * n * itemsize
    assert dense_chunk_size(n, itemsize, 128, budget) == 10
    assert dense_chunk_size(n, itemsize, 4, budget) == 4
    with pytest.raises(MemoryError, match="n=300"):
        dense_chunk_size(n, itemsize, 128, n * n * itemsize)


def test_tight_budget_gives_same_hessian():
    x = torch.linspace(-1.0, 1.0, 300, dtype=torch.float64)
    budget = 300 * 300 * 8 + 10 * WORK_BLOCKS * 300 * 8
    expected = torch.diag(x**2) + 1.0

    result = hessian(coupled_quartic, [x], max_bytes=budget)
    assert torch.allclose(result, expected, rtol=0, atol=1e-15)
    assert torch.equal(result, result.T)


@pytest.mark.parametrize("max_bytes", [0, -5, float("nan")], ids=["zero", "negative", "nan"])
def test_invalid_max_bytes_rejected(max_bytes):
    with pytest.raises(ValueError, match="`max_bytes` must be"):
        hessian(coupled_quartic, [torch.ones(3, dtype=torch.float64)], max_bytes=max_bytes)


PEAK_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    import torch
    from curvature.estimators import hessian

    def loss_fn(ps):
        x = ps[0]
        return (x**4).sum() / 12 + x.sum() ** 2 / 2

    torch.set_num_threads(1)
    n, budget = int(sys.argv[1]), int(sys.argv[2])
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)
    hessian(loss_fn, [x[:300]])  # warm-up: library code and allocator pools
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = hessian(loss_fn, [x], max_bytes=budget)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert torch.allclose(result, torch.diag(x**2) + 1.0, rtol=0, atol=1e-14)
    print((after - before) * 1024)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB on Linux")
def test_dense_hessian_peak_within_budget():
    # n = 2000: a 30.5 MiB result and a budget 1.9 MiB above it, so chunks of 31 rows. Measured
    # growth of the peak RSS: 32.1 MiB (torch 2.13 CPU). Keeping a second n² copy, as a
    # concatenation of row blocks plus (H + Hᵀ)/2 does, would need more than 61 MiB.
    n, budget = 2000, 34_000_000
    completed = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(n), str(budget)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert completed.returncode == 0, completed.stderr
    growth = int(completed.stdout.split()[-1])
    assert growth <= budget + 8 * MIB, f"peak grew by {growth / MIB:.1f} MiB"


# No growth over repeated HVPs and optimizer steps.


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_growth(step, warmup=30, steps=150):
    for _ in range(warmup):
        step()
    gc.collect()
    start_rss, start_objects = rss_bytes(), len(gc.get_objects())
    for _ in range(steps):
        step()
    gc.collect()
    return rss_bytes() - start_rss, len(gc.get_objects()) - start_objects


def tanh_problem():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    inputs, targets = torch.randn(1024, 10), torch.randn(1024, 1)
    return model, inputs, targets


def optimizer_steps(path):
    model, inputs, targets = tanh_problem()
    optimizer = CurvatureAdaptiveSGD(
        model.parameters(), lr=1e-3, curvature_scale=0.1, seed=0, record_history=False
    )

    def closure():
        optimizer.zero_grad()
        return torch.nn.functional.mse_loss(model(inputs), targets)

    def backward_step():
        optimizer.zero_grad()
        closure().backward(create_graph=True)
        optimizer.step()

    return (lambda: optimizer.step(closure)) if path == "closure" else backward_step


def functional_steps(kind):
    model, inputs, targets = tanh_problem()
    loss_fn = module_loss(model, torch.nn.functional.mse_loss, inputs, targets)
    params = loss_fn.params
    vectors = [torch.randn_like(p) for p in params]
    generator = torch.Generator().manual_seed(0)
    if kind == "hvp":
        return lambda: hvp(loss_fn, params, vectors)
    return lambda: hutchinson_trace(loss_fn, params, 4, generator=generator)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
@pytest.mark.parametrize(
    "make_step",
    [
        lambda: functional_steps("hvp"),
        lambda: functional_steps("hutchinson"),
        lambda: optimizer_steps("closure"),
        lambda: optimizer_steps("backward"),
    ],
    ids=["hvp", "hutchinson-trace", "optimizer-closure", "optimizer-backward"],
)
def test_repeated_steps_keep_memory_flat(make_step):
    # Measured over 200 steps after 30 of warm-up (torch 2.13 CPU): RSS grew by at most 1.5 MiB
    # and the gc-tracked objects changed by at most 1. A leak that keeps each step's loss and
    # graph alive grew RSS by 50 MiB and the objects by 600 over those 200 steps.
    growth, objects = measure_growth(make_step())
    assert growth <= 12 * MIB, f"RSS grew by {growth / MIB:.1f} MiB over 150 steps"
    assert objects <= 100, f"{objects} more gc-tracked objects after 150 steps"
