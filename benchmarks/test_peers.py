"""The estimators beside peer libraries on the same MLP, batch and number of probes.

Groups: Hutchinson's trace and diagonal with the profile's ``num_probes`` on the target MLP,
and the exact diagonal on the largest MLP of the profile's O(n²) grid. A peer that does not
import is skipped with its import error as the reason, so ``-ra`` lists it.
"""

from __future__ import annotations

import pytest

from curvature.bench import peers
from curvature.bench.peer_comparison import IMPLEMENTATIONS, OURS, REFERENCE, build_workload

CASES = [(quantity, name) for quantity, names in IMPLEMENTATIONS.items() for name in names]


@pytest.mark.parametrize(
    ("quantity", "implementation"),
    CASES,
    ids=[f"{quantity}-{name}".replace(" ", "-") for quantity, name in CASES],
)
def test_peer(benchmark, bench_problem, bench_config, quantity, implementation):
    if implementation not in (OURS, REFERENCE):
        status = peers.peer_status(peers.peer_named(implementation))
        if not status.available:
            pytest.skip(f"{implementation} is unavailable: {status.error}")

    size = bench_config.target_n
    if quantity == "exact-diagonal":
        size = max(bench_config.quadratic_sizes["mlp"])
    problem = bench_problem("mlp", size)
    workload = build_workload(quantity, implementation, problem, bench_config.num_probes)

    benchmark.group = f"{quantity}, {problem.label}"
    benchmark.extra_info.update({"n": problem.n, "num_probes": bench_config.num_probes})
    benchmark(workload)
