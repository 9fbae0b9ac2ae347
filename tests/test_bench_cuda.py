"""The float64 cross-validation and the smoke benchmarks on a CUDA GPU; skipped without one."""

from __future__ import annotations

import pytest
import torch

from curvature.bench import peak_memory, profile_config, run_suite
from curvature.bench.crosscheck import cross_validate

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_cross_validation_passes_on_cuda():
    checks = cross_validate("cuda", sizes=(("mlp", 120), ("rosenbrock", 100)), num_probes=500)

    failed = [(check.problem, check.quantity, check.error) for check in checks if not check.passed]
    assert failed == []


def test_peak_memory_on_cuda_counts_allocations():
    def allocate():
        return torch.ones(1_000_000, device="cuda").sum()

    assert 4_000_000 <= peak_memory(allocate, "cuda") < 8_000_000


def test_smoke_suite_runs_on_cuda():
    report = run_suite(profile_config("smoke"), device="cuda", include_peers=False)

    assert report.errors == {}
    assert {point.family for point in report.points} == {"mlp", "rosenbrock"}
    assert report.device.startswith("cuda")
