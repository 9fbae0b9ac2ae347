"""The measurement code of ``curvature bench``: fits, timing, memory, problems and verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from curvature.bench import (
    choose_hvp_mode,
    fit_exponent,
    geometric_sizes,
    make_problem,
    peak_memory,
    time_interleaved,
)
from curvature.bench.crosscheck import cross_validate
from curvature.bench.exponents import ExponentFit
from curvature.bench.hvp_paths import LIBRARY_MODES, compare_hvp_paths
from curvature.bench.optimizer_steps import optimizer_cycle
from curvature.bench.peers import Peer, peer_status
from curvature.bench.problems import mlp_parameter_count, mlp_width
from curvature.bench.scaling import ScalingFit, ScalingPoint
from curvature.bench.targets import probe_target
from curvature.bench.timing import Timing
from curvature.bench.verdict import estimator_cost_verdicts
from curvature.bench.workloads import (
    HVP_PATHS,
    SCALING_WORKLOADS,
    hvp_path_workload,
    path_vector,
)
from curvature.claims import Verdict
from curvature.estimators import hessian
from curvature.estimators.hvp import _auto_modes
from curvature.objectives import Rosenbrock


def test_exponent_of_exact_power_law():
    sizes = [10, 100, 1000, 10000]
    fit = fit_exponent(sizes, [3e-6 * n**2 for n in sizes])

    assert fit.exponent == pytest.approx(2.0)
    assert fit.low == pytest.approx(2.0)
    assert fit.high == pytest.approx(2.0)


def test_exponent_resists_one_disturbed_size():
    sizes = geometric_sizes(1e3, 1e7, 2)
    costs = [1e-9 * n for n in sizes]
    costs[3] *= 5.0

    fit = fit_exponent(sizes, costs)

    assert fit.exponent == pytest.approx(1.0, abs=0.02)
    assert fit.low <= 1.0 <= fit.high


def test_exponent_interval_covers_noisy_slope():
    rng = np.random.default_rng(0)
    sizes = geometric_sizes(1e3, 1e6, 3)
    costs = [1e-8 * n**1.5 * math.exp(rng.normal(0, 0.05)) for n in sizes]

    fit = fit_exponent(sizes, costs)

    assert fit.low < 1.5 < fit.high
    assert fit.high - fit.low < 0.2


@pytest.mark.parametrize(
    ("sizes", "costs", "message"),
    [
        ([1, 10], [1.0, 2.0], "at least three distinct sizes"),
        ([1, 10, 100], [1.0, 2.0], "same length"),
        ([1, 10, 100], [1.0, 0.0, 2.0], "`costs` must be positive and finite, got 0.0"),
        ([1, -10, 100], [1.0, 1.0, 2.0], "`sizes` must be positive and finite, got -10"),
    ],
    ids=["two-sizes", "lengths", "zero-cost", "negative-size"],
)
def test_exponent_rejects_bad_input(sizes, costs, message):
    with pytest.raises(ValueError, match=message):
        fit_exponent(sizes, costs)


def test_geometric_sizes_span_decades():
    assert geometric_sizes(1e3, 1e7, 1) == [1000, 10000, 100000, 1000000, 10000000]
    assert len(geometric_sizes(1e3, 1e7, 2)) == 9
    with pytest.raises(ValueError, match="`per_decade` must be a positive integer, got 0"):
        geometric_sizes(1, 10, 0)


def test_interleaved_timing_gives_one_sample_per_round():
    calls = {"fast": 0, "slow": 0}

    def fast():
        calls["fast"] += 1

    def slow():
        calls["slow"] += 1
        sum(range(20000))

    timings = time_interleaved({"fast": fast, "slow": slow}, rounds=3, min_block_seconds=0.001)

    assert len(timings["fast"].samples) == len(timings["slow"].samples) == 3
    assert timings["slow"].minimum > timings["fast"].minimum
    assert calls["fast"] == 1 + 3 * timings["fast"].calls_per_block


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rounds": 0}, "`rounds` must be a positive integer, got 0"),
        ({"rounds": 1, "warmup": -1}, "`warmup` must be a non-negative integer, got -1"),
        ({"rounds": 1, "min_block_seconds": -1.0}, "`min_block_seconds` must be a finite"),
    ],
    ids=["rounds", "warmup", "block"],
)
def test_interleaved_timing_rejects_bad_budgets(options, message):
    with pytest.raises(ValueError, match=message):
        time_interleaved({"noop": lambda: None}, **options)


def test_peak_memory_counts_the_largest_live_set():
    def two_buffers_in_turn():
        first = torch.ones(1_000_000)
        del first
        second = torch.ones(1_000_000)
        return second.sum()

    def two_buffers_at_once():
        first = torch.ones(1_000_000)
        second = torch.ones(1_000_000)
        return (first + second).sum()

    in_turn = peak_memory(two_buffers_in_turn, "cpu")
    at_once = peak_memory(two_buffers_at_once, "cpu")

    assert 4_000_000 <= in_turn < 4_100_000
    assert 12_000_000 <= at_once < 12_100_000


def test_peak_memory_rejects_other_devices():
    with pytest.raises(ValueError, match="CPU or CUDA device for memory measurements, got 'meta'"):
        peak_memory(lambda: None, "meta")


def test_mlp_width_matches_parameter_count():
    for n in (1_000, 100_000, 10_000_000):
        width = mlp_width(n)
        assert abs(mlp_parameter_count(width) - n) <= mlp_parameter_count(width + 1) - (
            mlp_parameter_count(width)
        )

    problem = make_problem("mlp", 1_000, batch_size=8)
    assert problem.n == sum(param.numel() for param in problem.params)


def test_mlp_problem_loss_equals_module_loss():
    problem = make_problem("mlp", 500, batch_size=16)
    model = problem.fresh_model()

    module_loss = torch.nn.functional.cross_entropy(model(problem.inputs), problem.targets)

    assert torch.equal(problem.loss_fn(problem.params), module_loss)


def test_problem_leaves_global_random_state_alone():
    state = torch.random.get_rng_state()
    make_problem("mlp", 300, batch_size=4)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_problem_rejects_unknown_family():
    with pytest.raises(ValueError, match="`family` must be one of 'mlp', 'rosenbrock', got 'cnn'"):
        make_problem("cnn", 100)


@pytest.mark.parametrize("family", ["mlp", "rosenbrock"])
def test_hvp_paths_agree_with_dense_hessian(family):
    problem = make_problem(family, 80, dtype=torch.float64, batch_size=16)
    reference = hessian(problem.loss_fn, problem.params)

    expected = reference @ path_vector(problem)

    for path in HVP_PATHS:
        product = torch.cat([part.reshape(-1) for part in hvp_path_workload(problem, path)()])
        assert torch.allclose(product, expected, rtol=1e-10, atol=1e-12), path


def test_choose_hvp_mode_skips_modes_that_fail():
    targets = torch.randn(20)

    def mse(params):
        # Forward-over-reverse fails on mse_loss in torch 2.13 ("ZeroTensors are immutable").
        return torch.nn.functional.mse_loss(params[0], targets)

    mode = choose_hvp_mode(mse, [torch.randn(20)])
    assert mode in LIBRARY_MODES


def test_choose_hvp_mode_rejects_bad_rounds():
    with pytest.raises(ValueError, match="`rounds` must be a positive integer, got 0"):
        choose_hvp_mode(lambda ps: (ps[0] ** 2).sum(), [torch.ones(3)], rounds=0)


def test_hvp_path_comparison_reports_every_path():
    problem = make_problem("rosenbrock", 100)
    comparison = compare_hvp_paths(problem, rounds=1, min_block_seconds=0.0, compile=False)

    assert set(comparison.paths) == set(HVP_PATHS)
    assert comparison.library_mode in LIBRARY_MODES
    assert comparison.ratio(comparison.fastest) > 0


def test_optimizer_cycle_rejects_unknown_name():
    problem = make_problem("mlp", 200, batch_size=4)
    with pytest.raises(ValueError, match="`name` must be 'sgd', 'adam' or 'curvature k=K'"):
        optimizer_cycle(problem, "lbfgs")


def test_optimizer_cycle_runs_its_steps():
    problem = make_problem("mlp", 200, batch_size=4)
    cycle, steps = optimizer_cycle(problem, "curvature k=3")
    cycle()
    assert steps == 3


def test_missing_peer_is_reported_with_its_error():
    status = peer_status(Peer("absent", "absent-distribution", "curvature_absent_module"))

    assert not status.available
    assert status.version is None
    assert "No module named 'curvature_absent_module'" in status.error


def _fit(family, workload, span, exponent, low, high):
    return ScalingFit(
        family, workload, "time", span, ExponentFit(exponent, low, high, 0.95, (1, 2, 3), (1, 2, 3))
    )


@pytest.mark.parametrize(
    ("probe", "exact", "verdict"),
    [
        ((1.0, 0.95, 1.05), (2.0, 1.9, 2.1), Verdict.HOLDS),
        ((1.0, 0.95, 1.05), (1.0, 0.9, 1.1), Verdict.FAILS),
        ((1.3, 1.2, 1.4), (2.0, 1.9, 2.1), Verdict.FAILS),
        ((1.0, 0.8, 1.2), (2.0, 1.9, 2.1), Verdict.INCONCLUSIVE),
    ],
    ids=["both-in-band", "exact-linear", "probe-superlinear", "probe-wide-interval"],
)
def test_estimator_cost_verdict(probe, exact, verdict):
    fits = [
        _fit("mlp", "hutchinson-probe", "asymptotic", *probe),
        _fit("mlp", "exact-diagonal", "all", *exact),
    ]

    (result,) = estimator_cost_verdicts(fits)

    assert result.claim == "estimator-cost"
    assert result.verdict is verdict


def test_estimator_cost_needs_both_fits():
    assert estimator_cost_verdicts([_fit("mlp", "hutchinson-probe", "asymptotic", 1, 1, 1)]) == []


def test_probe_target_uses_ratio_at_target_size():
    def point(workload, seconds):
        return ScalingPoint("mlp", workload, 1000, 1000, Timing((seconds, seconds * 2), 1), None)

    met = probe_target([point("gradient", 1.0), point("hutchinson-probe", 2.4)], 1000, [])
    missed = probe_target([point("gradient", 1.0), point("hutchinson-probe", 2.6)], 1000, [])
    absent = probe_target([point("gradient", 1.0)], 1000, [])

    assert (met.met, met.measured) == (True, "2.40x")
    assert (missed.met, missed.status) == (False, "missed")
    assert absent.status == "not measured"


def test_scaling_workloads_cover_the_issue_list():
    assert set(SCALING_WORKLOADS) >= {
        "gradient",
        "hvp",
        "hutchinson-probe",
        "exact-diagonal",
        "dense-hessian",
    }


def test_cross_validation_passes_on_cpu():
    checks = cross_validate("cpu", sizes=(("mlp", 60), ("rosenbrock", 40)), num_probes=300)

    failed = [(check.problem, check.quantity, check.error) for check in checks if not check.passed]
    assert failed == []
    assert len(checks) == 2 * (2 + len(HVP_PATHS) + 1 + 2)


def test_remembered_hvp_mode_leads_auto():
    def loss(params):
        return (params[0] ** 4).sum()

    mode = choose_hvp_mode(loss, [torch.randn(30)], remember=True)

    assert loss.hvp_mode == mode
    assert _auto_modes(loss)[0] == mode


def test_remember_rejects_bound_method():
    objective = make_problem("rosenbrock", 10)
    with pytest.raises(ValueError, match="cannot store `hvp_mode` on the loss"):
        choose_hvp_mode(Rosenbrock(10).loss, list(objective.params), remember=True)
