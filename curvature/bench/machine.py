"""Facts about the machine and software behind a benchmark record."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

import torch

from curvature.bench.peers import PEERS

REPORTED_PACKAGES = ("curvature-lr-toolkit", "torch", "numpy", "scipy", "pytest-benchmark")


def load_average() -> tuple[float, float, float] | None:
    """Return the 1, 5 and 15 minute load averages, or None where the OS has none."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def machine_facts(device: str) -> dict[str, object]:
    """Return the processor, cores, memory, threads and (for CUDA) the GPU of this machine."""
    facts: dict[str, object] = {
        "platform": platform.platform(),
        "processor": _processor_name(),
        "logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": _total_memory_gib(),
    }
    if device.startswith("cuda") and torch.cuda.is_available():
        properties = torch.cuda.get_device_properties(torch.device(device))
        facts["gpu"] = properties.name
        facts["gpu_memory_gib"] = round(properties.total_memory / 2**30, 1)
    return facts


def software_versions() -> dict[str, str]:
    """Return the versions of Python, the measured packages and every peer library."""
    found = {"python": sys.version.split()[0]}
    for package in (*REPORTED_PACKAGES, *(peer.distribution for peer in PEERS)):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    if torch.version.cuda is not None:
        found["cuda"] = torch.version.cuda
    return found


def _processor_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _total_memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as stream:
            for line in stream:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None
