"""Cost against n: a gradient, an HVP, a Hutchinson probe, the exact diagonal, the Hessian.

Each case is one workload of :mod:`curvature.bench.workloads` on one problem size; the
cases of one size share a ``benchmark.group``. ``curvature bench`` fits the exponents from
the same workloads; here pytest-benchmark times them and keeps the raw numbers.
"""

from __future__ import annotations

import pytest

from curvature.bench import profile_config
from curvature.bench.workloads import QUADRATIC_WORKLOADS, SCALING_WORKLOADS, scaling_workload


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "scaling_case" not in metafunc.fixturenames:
        return
    config = profile_config(metafunc.config.getoption("--bench-profile"))
    cases = []
    for family, sizes in config.linear_sizes.items():
        quadratic = config.quadratic_sizes.get(family, ())
        for n in sorted(set(sizes) | set(quadratic)):
            for name in SCALING_WORKLOADS:
                grid = quadratic if name in QUADRATIC_WORKLOADS else sizes
                if n in grid:
                    cases.append((family, n, name))
    metafunc.parametrize(
        "scaling_case", cases, ids=[f"{family}-{n}-{name}" for family, n, name in cases]
    )


def test_cost(benchmark, bench_problem, scaling_case):
    family, n, name = scaling_case
    problem = bench_problem(family, n)
    workload = scaling_workload(problem, name)

    benchmark.group = f"{problem.label}"
    benchmark.extra_info.update({"family": family, "n": problem.n, "workload": name})
    benchmark(workload)
