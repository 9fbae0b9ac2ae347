"""``curvature rate`` on users' log files, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from curvature.cli import main

STEPS = np.arange(1, 2001)


def series(exponent: float, seeds: int, sigma: float = 0.02, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, sigma, (seeds, STEPS.size))
    return STEPS.astype(float) ** -exponent * np.exp(noise)


def write_wide_csv(path: Path, table: np.ndarray) -> Path:
    names = [f"seed{index}" for index in range(table.shape[0])]
    lines = ["step," + ",".join(names)]
    lines += [
        f"{step}," + ",".join(f"{value:.10g}" for value in column)
        for step, column in zip(STEPS, table.T)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_cli(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curvature", "rate", *arguments],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_wide_csv_fast_rate_holds(tmp_path):
    path = write_wide_csv(tmp_path / "log.csv", series(1.0, 3))
    completed = run_cli(str(path), "--exponent", "0.5", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "verdict: holds" in completed.stdout
    assert "3 seeds (seed0, seed1, seed2)" in completed.stdout


def test_json_output_of_slow_rate(tmp_path):
    path = write_wide_csv(tmp_path / "log.csv", series(0.25, 4))
    completed = run_cli(str(path), "--exponent", "0.5", "--json", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["verdict"] == "fails"
    assert document["slope"]["lower"] > -0.5
    assert document["seed_names"] == ["seed0", "seed1", "seed2", "seed3"]


def test_long_csv_and_json_layouts_agree(tmp_path, capsys):
    table = series(0.8, 3)
    rows = ["seed,step,value"]
    records = []
    for index, row in enumerate(table):
        for step, value in zip(STEPS, row):
            rows.append(f"s{index},{step},{float(value)!r}")
            records.append({"seed": f"s{index}", "step": int(step), "value": float(value)})
    (tmp_path / "long.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "records.json").write_text(json.dumps(records))
    series_document = {
        "series": [
            {"seed": f"s{index}", "steps": STEPS.tolist(), "values": row.tolist()}
            for index, row in enumerate(table)
        ]
    }
    (tmp_path / "series.json").write_text(json.dumps(series_document))

    slopes = []
    for name in ("long.csv", "records.json", "series.json"):
        assert main(["rate", str(tmp_path / name), "--exponent", "0.5", "--json"]) == 0
        slopes.append(json.loads(capsys.readouterr().out)["slope"]["mean"])
    assert slopes[0] == slopes[1] == slopes[2]


def test_explicit_constant_finds_smallest_violation(tmp_path, capsys):
    path = write_wide_csv(tmp_path / "log.csv", series(0.25, 2, sigma=0.0))
    assert main(["rate", str(path), "--exponent", "0.5", "--constant", "2"]) == 0
    output = capsys.readouterr().out
    # T^-1/4 > 2 T^-1/2 once T^(1/4) > 2, first at T = 17.
    assert "verdict: fails" in output
    assert "violated first at T = 17" in output


def test_best_quantity_takes_running_minimum(tmp_path, capsys):
    values = np.vstack([np.where(STEPS % 2 == 0, 1.0, 1.0 / STEPS)] * 2)
    path = write_wide_csv(tmp_path / "log.csv", values)
    assert main(["rate", str(path), "--exponent", "0.5", "--quantity", "best", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["verdict"] == "holds"
    assert document["table"][0][-1] == pytest.approx(1.0 / 1999)


BAD_FILES = [
    ("empty.csv", "", "the file is empty"),
    ("nostep.csv", "time,a\n1,0.5\n", "nostep.csv:1: expected a header with a 'step' column"),
    ("text.csv", "step,a\n1,0.5\n2,zero\n", "text.csv:3 (column 'a'): expected a number"),
    ("short.csv", "step,a,b\n1,0.5,0.4\n2,0.3\n", "short.csv:3: expected 3 fields"),
    ("order.csv", "step,a\n1,0.5\n3,0.4\n2,0.3\n", "order.csv:4: steps of seed 'a' must increase"),
    ("fraction.csv", "step,a\n1.5,0.5\n", "fraction.csv:2: expected a non-negative integer step"),
    (
        "negative.csv",
        "step,a\n1,0.5\n2,-0.1\n3,0.1\n",
        "negative.csv:3: expected a non-negative value",
    ),
    (
        "syntax.json",
        '[{"step": 1, "value": 0.5},\n {"step": 2 "value": 0.4}]',
        "syntax.json:2: invalid JSON",
    ),
    (
        "record.json",
        '[{"step": 1, "value": 0.5},\n {"step": 2}]',
        "record.json:2 (record 1): expected an object",
    ),
    (
        "series.json",
        '{"series": [{"steps": [1, 2], "values": [1.0]}]}',
        "series 0: expected 'values'",
    ),
    ("few.csv", "step,a\n1,0.5\n2,0.4\n", "share 2 logged steps"),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES, ids=[row[0] for row in BAD_FILES])
def test_bad_file_names_line_and_expectation(tmp_path, capsys, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    assert main(["rate", str(path), "--exponent", "0.5"]) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_two(tmp_path, capsys):
    assert main(["rate", str(tmp_path / "absent.csv"), "--exponent", "0.5"]) == 2
    assert "absent.csv" in capsys.readouterr().err


def test_average_needs_every_step(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    path.write_text("step,a\n1,0.5\n2,0.4\n4,0.3\n5,0.2\n")
    assert main(["rate", str(path), "--exponent", "0.5", "--quantity", "average"]) == 2
    assert "gaps.csv:4: 'average' needs every step logged" in capsys.readouterr().err


def test_invalid_constant_exits_two(tmp_path, capsys):
    path = write_wide_csv(tmp_path / "log.csv", series(1.0, 2))
    with pytest.raises(SystemExit) as exit_info:
        main(["rate", str(path), "--exponent", "0.5", "--constant", "-1"])
    assert exit_info.value.code == 2
    assert (
        "argument --constant: expected a finite number greater than 0, got '-1'"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--exponent", "-1", "expected a finite number greater than 0, got '-1'"),
        ("--exponent", "nan", "expected a finite number, got 'nan'"),
        ("--seed", "-3", "expected a seed from 0 to 4294967295, got -3"),
    ],
)
def test_invalid_option_exits_two_naming_it(tmp_path, capsys, option, value, expected):
    path = write_wide_csv(tmp_path / "log.csv", series(1.0, 2))
    arguments = ["rate", str(path), "--exponent", "0.5", option, value]
    if option == "--exponent":
        arguments = ["rate", str(path), option, value]
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert f"argument {option}: {expected}" in capsys.readouterr().err


def test_first_infinite_logged_step_is_reported(tmp_path, capsys):
    table = series(1.0, 2)
    diverged = int(np.searchsorted(STEPS, 151))
    table[0, diverged:] = np.inf
    path = write_wide_csv(tmp_path / "log.csv", table)

    assert main(["rate", str(path), "--exponent", "0.5"]) == 0

    output = capsys.readouterr().out
    assert f"first infinite value in the log: step {STEPS[diverged]}" in output
    assert "verdict: fails" in output
