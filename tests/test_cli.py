"""The command line end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from curvature.verify import run_verification

VERDICTS = {"holds", "fails", "inconclusive"}
CLAIMS = {
    "estimator-accuracy",
    "loss-curve-model",
    "lr-bounds",
    "stationarity-rate",
    "step-size-condition",
}


def run_cli(
    *arguments: str, cwd: Path, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    if extra_path is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(extra_path), environment.get("PYTHONPATH", "")]
        )
    return subprocess.run(
        [sys.executable, "-m", "curvature", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quick")
    completed = run_cli("verify", "--quick", "--out", "report", cwd=folder)
    return completed, folder / "report"


def test_quick_verify_exits_zero(quick_run):
    completed, _ = quick_run
    assert completed.returncode == 0, completed.stderr


def test_quick_verify_covers_every_claim(quick_run):
    _, report = quick_run
    document = json.loads((report / "verdicts.json").read_text())
    assert {result["claim"] for result in document["results"]} == CLAIMS
    assert {result["verdict"] for result in document["results"]} <= VERDICTS
    assert document["errors"] == []
    assert document["seed"] == 0
    assert document["versions"]["torch"]


def test_quick_verify_checks_real_data(quick_run):
    _, report = quick_run
    document = json.loads((report / "verdicts.json").read_text())
    objectives = {result["objective"] for result in document["results"]}
    assert {"logreg-breast-cancer", "mlp-digits", "mlp-digits-minibatch"} <= objectives


def test_quick_verify_prints_table_and_progress(quick_run):
    completed, report = quick_run
    assert "step-size-condition  quadratic-1d" in completed.stdout
    assert "[1/" in completed.stderr
    assert (report / "verdicts.md").read_text().startswith("# Verdicts")


def test_quick_verify_finds_known_failures(quick_run):
    _, report = quick_run
    document = json.loads((report / "verdicts.json").read_text())
    verdicts = {(r["claim"], r["objective"]): r["verdict"] for r in document["results"]}
    assert verdicts[("step-size-condition", "quadratic-1d")] == "fails"
    assert verdicts[("lr-bounds", "quadratic-indefinite")] == "fails"
    assert verdicts[("lr-bounds", "quadratic-psd")] == "holds"


def test_same_seed_gives_same_results(tmp_path):
    arguments = [
        "verify",
        "--quick",
        "--quiet",
        "--claim",
        "lr-bounds",
        "--claim",
        "estimator-accuracy",
        "--objective",
        "quadratic-psd",
        "--objective",
        "rosenbrock",
    ]
    first = run_cli(*arguments, "--out", "a", cwd=tmp_path)
    second = run_cli(*arguments, "--out", "b", cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    results_a = json.loads((tmp_path / "a" / "verdicts.json").read_text())["results"]
    results_b = json.loads((tmp_path / "b" / "verdicts.json").read_text())["results"]
    assert results_a == results_b


def test_unknown_objective_exits_two(tmp_path):
    completed = run_cli("verify", "--objective", "nope", cwd=tmp_path)
    assert completed.returncode == 2
    assert "unknown objective 'nope'" in completed.stderr


def test_unknown_claim_exits_two(tmp_path):
    completed = run_cli("verify", "--claim", "speedup", cwd=tmp_path)
    assert completed.returncode == 2
    assert "unknown claim id 'speedup'" in completed.stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--seed", "-1"), "argument --seed: expected a seed from 0 to 4294967295, got -1"),
        (("--objective", "os:getcwd"), "objective factory 'os:getcwd' returned str"),
        (("--out", "taken"), "argument --out: cannot write to folder taken"),
    ],
)
def test_invalid_verify_arguments_exit_two_before_any_check(tmp_path, arguments, expected):
    (tmp_path / "taken").write_text("a file, not a folder")

    completed = run_cli("verify", "--claim", "lr-bounds", *arguments, cwd=tmp_path)

    assert completed.returncode == 2
    assert expected in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "curvature-results" / "verdicts.json").exists()


USER_MODULE = """
import torch
from curvature.objectives import Objective, Quadratic, RunSettings, Smoothness

def factory(seed=0):
    settings = RunSettings(0.2, 0.5)
    return Quadratic([0.5, 1.0, 2.0], seed=seed, settings=settings, name="user-quadratic")

class Broken(Objective):
    name = "broken"
    seed = 0
    smoothness = Smoothness(L=1.0, certified=True, method="given", region="all")
    lower_bound = 0.0
    lower_bound_method = "given"
    settings = RunSettings(0.1, 1.0)

    def initial_parameters(self):
        return [torch.ones(2, dtype=torch.float64)]

    def loss(self, params):
        raise RuntimeError("this loss always fails")

def broken():
    return Broken()
"""


def test_user_objective_runs_every_claim(tmp_path):
    (tmp_path / "user_objectives.py").write_text(textwrap.dedent(USER_MODULE))
    completed = run_cli(
        "verify",
        "--quick",
        "--quiet",
        "--objective",
        "user_objectives:factory",
        "--out",
        "out",
        cwd=tmp_path,
        extra_path=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads((tmp_path / "out" / "verdicts.json").read_text())
    assert {r["objective"] for r in document["results"]} == {"user-quadratic"}
    assert {r["claim"] for r in document["results"]} == CLAIMS


def test_failing_check_exits_one_and_keeps_other_results(tmp_path):
    (tmp_path / "user_objectives.py").write_text(textwrap.dedent(USER_MODULE))
    completed = run_cli(
        "verify",
        "--quick",
        "--quiet",
        "--claim",
        "step-size-condition",
        "--objective",
        "quadratic-psd",
        "--objective",
        "user_objectives:broken",
        "--out",
        "out",
        cwd=tmp_path,
        extra_path=tmp_path,
    )
    assert completed.returncode == 1
    document = json.loads((tmp_path / "out" / "verdicts.json").read_text())
    assert [r["objective"] for r in document["results"]] == ["quadratic-psd"]
    assert "this loss always fails" in document["errors"][0]["error"]
    assert "error" in completed.stdout


def test_interrupted_run_keeps_finished_results(tmp_path):
    def interrupt_after_second(index, total, claim, objective, outcome, seconds):
        if index == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_verification(
            quick=True, out_dir=tmp_path, claim_ids=["lr-bounds"], progress=interrupt_after_second
        )
    document = json.loads((tmp_path / "verdicts.json").read_text())
    assert len(document["results"]) == 2


def test_objectives_command_lists_builtins(tmp_path):
    completed = run_cli("objectives", cwd=tmp_path)
    assert completed.returncode == 0
    assert "logreg-breast-cancer: n = 31" in completed.stdout
    assert "mlp-digits: n = 1210, L = unknown" in completed.stdout


def test_json_flag_prints_the_document(tmp_path):
    completed = run_cli(
        "verify",
        "--quick",
        "--quiet",
        "--json",
        "--claim",
        "step-size-condition",
        "--objective",
        "quadratic-1d",
        "--out",
        "out",
        cwd=tmp_path,
    )
    document = json.loads(completed.stdout)
    assert document["results"][0]["evidence"]["relative_gap"] < 1e-5


def test_terminal_table_cuts_long_evidence_to_width():
    from curvature.claims.base import ClaimResult, Verdict
    from curvature.cli.verify_command import format_table
    from curvature.verify import Verification

    evidence = "slope " + "x" * 300
    result = ClaimResult("stationarity-rate", "rosenbrock", Verdict.FAILS, evidence, {})
    verification = Verification(seed=0, quick=True, results=[result])

    cut = format_table(verification, width=120).splitlines()
    whole = format_table(verification).splitlines()

    assert max(len(line) for line in cut) == 120
    assert cut[1].endswith("...")
    assert whole[1].endswith(evidence)
