"""``curvature bench`` and the pytest-benchmark files in their smoke profile, as a user runs them.

The smoke profile uses tiny sizes, so these tests check that every benchmark still runs and
writes its record, never the figures themselves: timed assertions belong in benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from curvature.cli import main

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK_FILES = [
    "test_cost_scaling.py",
    "test_hvp_paths.py",
    "test_optimizer_step.py",
    "test_peers.py",
]


def run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    completed = run(["-m", "curvature", "bench", "--smoke", "--json", "--out", "record"], folder)
    return completed, folder / "record"


def test_smoke_bench_exits_zero(smoke_run):
    completed, _ = smoke_run
    assert completed.returncode == 0, completed.stderr


def test_smoke_bench_prints_the_record_as_json(smoke_run):
    completed, record = smoke_run
    printed = json.loads(completed.stdout)
    written = json.loads((record / "bench.json").read_text())

    assert printed == written
    assert written["profile"] == "smoke"
    assert written["errors"] == {}
    assert written["command"] == "curvature bench --smoke"


def test_smoke_bench_measures_every_section(smoke_run):
    _, record = smoke_run
    document = json.loads((record / "bench.json").read_text())

    workloads = {(point["family"], point["workload"]) for point in document["points"]}
    for family in ("mlp", "rosenbrock"):
        for name in ("gradient", "hvp", "hutchinson-probe", "exact-diagonal", "dense-hessian"):
            assert (family, name) in workloads
    assert all(point["peak_bytes"] > 0 for point in document["points"])
    assert {fit["workload"] for fit in document["fits"]} >= {"hutchinson-probe", "exact-diagonal"}
    assert {comparison["family"] for comparison in document["hvp_paths"]} == {"mlp", "rosenbrock"}
    assert {"sgd", "adam", "curvature k=1", "curvature k=10", "curvature k=100"} <= set(
        document["optimizer_steps"]["optimizers"]
    )
    assert set(document["peers"]["peers"]) == {
        "curvlinops",
        "pyhessian",
        "backpack",
        "pytorch-optimizer",
    }


def test_smoke_bench_withholds_judgement(smoke_run):
    _, record = smoke_run
    document = json.loads((record / "bench.json").read_text())

    assert {verdict["claim"] for verdict in document["verdicts"]} == {"estimator-cost"}
    assert {verdict["verdict"] for verdict in document["verdicts"]} == {"inconclusive"}
    assert {target["status"] for target in document["targets"]} == {"not judged"}


def test_smoke_bench_reports_unavailable_peers_with_error(smoke_run):
    _, record = smoke_run
    document = json.loads((record / "bench.json").read_text())

    for status in document["peers"]["peers"].values():
        assert status["available"] or "No module named" in status["error"]
    markdown = (record / "bench.md").read_text()
    assert markdown.startswith("# Benchmark record (smoke profile)")
    assert "## Peers" in markdown


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("tpu", "`--device` must be a torch device such as cpu or cuda:0, got 'tpu'"),
        ("meta", "`--device` must be a CPU or CUDA device, got 'meta'"),
    ],
    ids=["unknown", "meta"],
)
def test_bench_rejects_bad_device(device, message, capsys, tmp_path):
    status = main(["bench", "--smoke", "--device", device, "--out", str(tmp_path)])

    assert status == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_bench_rejects_missing_cuda(capsys, tmp_path):
    status = main(["bench", "--smoke", "--device", "cuda", "--out", str(tmp_path)])

    assert status == 2
    assert "CUDA is not available on this machine" in capsys.readouterr().err


def test_benchmark_files_run_in_smoke_profile(tmp_path):
    files = [str(ROOT / "benchmarks" / name) for name in BENCHMARK_FILES]
    completed = run(
        [
            "-m",
            "pytest",
            *files,
            "--bench-profile",
            "smoke",
            "--benchmark-disable",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        tmp_path,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert " passed" in completed.stdout


def test_bench_rejects_zero_threads(capsys, tmp_path):
    status = main(["bench", "--smoke", "--threads", "0", "--out", str(tmp_path)])

    assert status == 2
    assert "`--threads` must be a positive integer, got 0" in capsys.readouterr().err
