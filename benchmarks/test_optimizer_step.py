"""One optimizer step on the target MLP: torch.optim.SGD, Adam, the adaptive rule, AdaHessian.

A benchmarked call is a whole cycle of steps (10 for SGD and Adam, k for the adaptive rule
with ``update_every=k`` and for AdaHessian with ``update_period=k``), so the time per step is
the call's time over ``steps_per_cycle`` in ``extra_info``.
"""

from __future__ import annotations

import pytest

from curvature.bench import peers, profile_config
from curvature.bench.optimizer_steps import curvature_name, optimizer_cycle

ADAHESSIAN_PERIODS = (1, 10)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "optimizer_name" not in metafunc.fixturenames:
        return
    config = profile_config(metafunc.config.getoption("--bench-profile"))
    names = ["sgd", "adam", *(curvature_name(k) for k in config.step_periods)]
    names += [f"adahessian k={k}" for k in ADAHESSIAN_PERIODS]
    metafunc.parametrize("optimizer_name", names, ids=[name.replace(" ", "-") for name in names])


def test_optimizer_step(benchmark, bench_problem, bench_config, optimizer_name):
    problem = bench_problem("mlp", bench_config.target_n)
    if optimizer_name.startswith("adahessian"):
        status = peers.peer_status(peers.peer_named("pytorch-optimizer"))
        if not status.available:
            pytest.skip(f"pytorch-optimizer is unavailable: {status.error}")
        steps = int(optimizer_name.split("=")[1])
        cycle = peers.adahessian_cycle(problem, steps)
    else:
        cycle, steps = optimizer_cycle(problem, optimizer_name)

    benchmark.group = f"optimizer step, {problem.label}"
    benchmark.extra_info.update({"n": problem.n, "steps_per_cycle": steps})
    benchmark(cycle)
