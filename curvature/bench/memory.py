"""Peak memory that one call of a workload allocates on top of what already exists.

On CUDA the caching allocator keeps the statistics: the peak is
``torch.cuda.max_memory_allocated`` after a reset, minus the memory allocated before the call.

On the CPU torch keeps no such counter, and ``tracemalloc`` does not see tensor storage,
which torch allocates outside Python's allocator. The call therefore runs under
:mod:`torch.profiler` with ``profile_memory=True``, which records every allocation and
release of tensor storage with its size in bytes. The running sum of those sizes, in event
order, is the memory held by storage allocated during the call, and its maximum is the peak.
Storage allocated before the call and released during it is not counted (the profiler does
not know its size), so the figure is the call's own allocations, never less.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable

import torch
from torch.profiler import ProfilerActivity, profile

CPU_DEVICE_TYPE = 0
"""The value of a memory event's "Device Type" in the profiler's trace for CPU memory."""


def peak_memory(workload: Callable[[], object], device: torch.device | str) -> int:
    """Return the peak bytes that one call of ``workload`` allocates on ``device``."""
    target = torch.device(device)
    if target.type == "cuda":
        return _cuda_peak(workload, target)
    if target.type == "cpu":
        return _cpu_peak(workload)
    raise ValueError(
        f"`device` must be a CPU or CUDA device for memory measurements, got {str(target)!r}"
    )


def _cuda_peak(workload: Callable[[], object], device: torch.device) -> int:
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)

    workload()

    torch.cuda.synchronize(device)
    return max(0, torch.cuda.max_memory_allocated(device) - before)


def _cpu_peak(workload: Callable[[], object]) -> int:
    # The profiler's tracing library prints a line to stderr at every start and stop unless
    # its log level is above all levels (6). It reads the level when it first starts, and a
    # level the caller set is kept.
    os.environ.setdefault("KINETO_LOG_LEVEL", "6")

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        workload()

    # The chrome trace is the profiler's documented export that keeps each memory event's
    # size and order.
    handle, path = tempfile.mkstemp(suffix=".json", prefix="curvature-memory-")
    os.close(handle)
    try:
        profiler.export_chrome_trace(path)
        with open(path, encoding="utf-8") as stream:
            trace = json.load(stream)
    finally:
        os.unlink(path)

    events = [
        event["args"]
        for event in trace.get("traceEvents", [])
        if event.get("name") == "[memory]"
        and event.get("args", {}).get("Device Type") == CPU_DEVICE_TYPE
    ]
    events.sort(key=lambda args: args.get("Ev Idx", 0))

    held = 0
    peak = 0
    for args in events:
        held += int(args.get("Bytes", 0))
        peak = max(peak, held)
    return peak
