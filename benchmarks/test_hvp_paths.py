"""HVP paths against one gradient: double backward, forward-over-reverse, reverse-over-reverse.

Each path runs eager and, in profiles with ``compile``, through ``torch.compile``. A compiled
path that torch cannot compile is skipped with torch's error as the reason.
"""

from __future__ import annotations

import pytest

from curvature.bench import profile_config
from curvature.bench.workloads import HVP_PATHS, gradient_workload, hvp_path_workload


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "path_case" not in metafunc.fixturenames:
        return
    config = profile_config(metafunc.config.getoption("--bench-profile"))
    variants = (False, True) if config.compile else (False,)
    cases = [
        (family, n, path, compiled)
        for family, n in config.path_sizes
        for path in ("gradient", *HVP_PATHS)
        for compiled in variants
        if not (path == "gradient" and compiled)
    ]
    ids = [
        f"{family}-{n}-{path}{'+compile' if compiled else ''}"
        for family, n, path, compiled in cases
    ]
    metafunc.parametrize("path_case", cases, ids=ids)


def test_hvp_path(benchmark, bench_problem, path_case):
    family, n, path, compiled = path_case
    problem = bench_problem(family, n)
    if path == "gradient":
        workload = gradient_workload(problem)
    else:
        workload = hvp_path_workload(problem, path, compiled=compiled)

    # The first call compiles; pytest-benchmark should time only the compiled function.
    try:
        workload()
    except Exception as error:
        if not compiled:
            raise
        pytest.skip(f"torch.compile cannot compile {path}: {type(error).__name__}: {error}")

    benchmark.group = f"HVP paths, {problem.label}"
    benchmark.extra_info.update(
        {"family": family, "n": problem.n, "path": path, "compiled": compiled}
    )
    benchmark(workload)
