"""``curvature proofs`` end to end, and the generated pages under docs/proofs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from curvature.cli import main
from curvature.proofs import all_proofs
from curvature.proofs.markdown import COMPARISON_NAME, index_page, page_name, proof_page

DOCS = Path(__file__).resolve().parents[1] / "docs" / "proofs"


def run_proofs(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curvature", "proofs", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_list_names_every_proof(capsys):
    assert main(["proofs", "--list"]) == 0
    listed = [line.split(":")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [proof.id for proof in all_proofs()]


def test_check_prints_status(capsys):
    assert main(["proofs", "estimator-cost", "hutchinson-moments"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["estimator-cost", "hutchinson-moments"]
    assert all(": checked, " in line for line in lines)


def test_json_output(tmp_path):
    completed = run_proofs("--json", "step-size-threshold", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    (document,) = json.loads(completed.stdout)
    assert document["id"] == "step-size-threshold"
    assert document["status"] == "checked"
    assert document["failed_step"] is None
    assert document["statement"]
    assert document["assumptions"][0]["symbols"]["lr"] == "positive real"
    assert "divergence_threshold" in document["results"]


def test_unknown_id_exits_2(capsys):
    assert main(["proofs", "no-such-proof"]) == 2
    assert "unknown proof id 'no-such-proof'" in capsys.readouterr().err


def test_worst_case_needs_markdown(capsys):
    assert main(["proofs", "--worst-case"]) == 2
    assert "--worst-case needs --markdown" in capsys.readouterr().err


def test_markdown_writes_pages(tmp_path):
    completed = run_proofs("--markdown", "pages", "descent-lemma", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    page = (tmp_path / "pages" / "descent-lemma.md").read_text()
    assert page.startswith("# Descent lemma")
    assert (tmp_path / "pages" / "README.md").exists()


@pytest.mark.parametrize("proof", all_proofs(), ids=lambda proof: proof.id)
def test_committed_page_is_current(proof):
    committed = (DOCS / page_name(proof)).read_text(encoding="utf-8")
    assert committed == proof_page(proof), (
        f"docs/proofs/{page_name(proof)} is out of date; run "
        "`curvature proofs --markdown docs/proofs --worst-case`"
    )


def test_committed_index_is_current():
    committed = (DOCS / "README.md").read_text(encoding="utf-8")
    with_comparison = (DOCS / COMPARISON_NAME).exists()
    assert committed == index_page(all_proofs(), with_comparison)
