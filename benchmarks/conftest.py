"""Options and fixtures shared by the benchmark files.

Run the benchmarks with pytest-benchmark, for example::

    pytest benchmarks/ --benchmark-json results.json
    pytest benchmarks/ --bench-profile quick --benchmark-group-by group

``--bench-profile`` picks the sizes of :func:`curvature.bench.profile_config` (default
``full``). The test suite runs these files with ``smoke`` and ``--benchmark-disable``, which
calls every benchmark once on tiny sizes, so that they cannot break unnoticed. Benchmarks in one
``benchmark.group`` share a problem, so pytest-benchmark's table compares them directly.
The ``bench_*`` fixtures are there for every benchmark file in this folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import torch

from curvature.bench import PROFILES, BenchConfig, BenchProblem, make_problem, profile_config


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("curvature benchmarks")
    group.addoption(
        "--bench-profile",
        choices=PROFILES,
        default="full",
        help="sizes and budgets of the curvature benchmarks (default: full)",
    )
    group.addoption(
        "--bench-device",
        default="cpu",
        help="torch device of the curvature benchmarks, such as cpu or cuda:0 (default: cpu)",
    )


@pytest.fixture(scope="session")
def bench_config(request: pytest.FixtureRequest) -> BenchConfig:
    """The budgets of the selected ``--bench-profile``."""
    return profile_config(request.config.getoption("--bench-profile"))


@pytest.fixture(scope="session", autouse=True)
def bench_threads(bench_config: BenchConfig) -> Iterator[None]:
    """Apply the profile's thread count (one thread for ``smoke``) during the session."""
    previous = torch.get_num_threads()
    if bench_config.num_threads is not None:
        torch.set_num_threads(bench_config.num_threads)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def bench_device(request: pytest.FixtureRequest) -> torch.device:
    """The selected ``--bench-device``; benchmarks skip when it is CUDA and none is present."""
    device = torch.device(request.config.getoption("--bench-device"))
    if device.type == "cuda" and not torch.cuda.is_available():
        pytest.skip(f"--bench-device is {device}, but CUDA is not available")
    return device


@pytest.fixture(scope="session")
def bench_problem(
    bench_config: BenchConfig, bench_device: torch.device
) -> Iterator[Callable[[str, int], BenchProblem]]:
    """A function (family, target n) → problem that builds each problem once per session."""
    cache: dict[tuple[str, int], BenchProblem] = {}

    def get(family: str, n: int) -> BenchProblem:
        if (family, n) not in cache:
            cache[family, n] = make_problem(
                family, n, device=bench_device, batch_size=bench_config.batch_size
            )
        return cache[family, n]

    yield get
    cache.clear()
