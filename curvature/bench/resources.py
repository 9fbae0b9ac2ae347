"""Memory available on a device, and a rough upper estimate of what a workload needs.

The estimate only guards the largest sizes against running the machine out of memory; the
measured peaks are in the record.
"""

from __future__ import annotations

import os

import torch

from curvature.bench.problems import BenchProblem

CHUNK_SIZE = 128
"""Vectors per vmapped chunk in the library's exact diagonal and Hessian."""

LINEAR_FACTOR = 64
"""Copies of an n-vector that a gradient or HVP may hold at once, a generous bound."""


def available_bytes(device: torch.device) -> int:
    """Return the memory available for new tensors on ``device``, in bytes."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)

    # MemAvailable counts reclaimable page cache too, which the free page count misses.
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def estimated_bytes(problem: BenchProblem, workload: str) -> int:
    """Return a generous estimate of the peak memory of ``workload`` on ``problem``."""
    itemsize = problem.params[0].element_size()
    vector = problem.n * itemsize
    activations = 0
    if problem.inputs is not None:
        activations = 16 * problem.inputs.shape[0] * max(problem.width, 1) * itemsize

    if workload in ("exact-diagonal", "dense-hessian"):
        chunk = CHUNK_SIZE * (LINEAR_FACTOR * vector // 4 + activations)
        dense = 2 * problem.n * vector if workload == "dense-hessian" else 0
        return chunk + dense
    return LINEAR_FACTOR * vector + activations
