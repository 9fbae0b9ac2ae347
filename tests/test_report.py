"""The HTML and Markdown report of ``curvature verify``, end to end, as a user makes it."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from curvature.claims.series import MAX_SERIES_POINTS, thinned_series
from curvature.cli import main
from curvature.cli.progress import ProgressBar

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOT_TITLES = (
    "Rate quantities against T",
    "eta_t with its spectral bounds",
    "Estimator error against probes",
    "Loss-curve model and residuals",
    "Cost against n",
)
VERIFY_ARGUMENTS = (
    "verify",
    "--quick",
    "--claim",
    "lr-bounds",
    "--claim",
    "estimator-accuracy",
    "--claim",
    "stationarity-rate",
    "--claim",
    "loss-curve-model",
    "--objective",
    "quadratic-indefinite",
    "--objective",
    "quadratic-psd",
)

# A benchmark record in the layout of `curvature bench` (curvature/bench/record.py), cut down
# to what the cost plot reads.
BENCH_RECORD = {
    "profile": "smoke",
    "device": "cpu",
    "seconds": 1.0,
    "machine": {"processor": "test"},
    "versions": {"torch": "test"},
    "verdicts": [{"objective": "mlp", "verdict": "inconclusive"}],
    "points": [
        {"family": "mlp", "workload": workload, "n": n, "min_s": scale * n * 1e-7}
        for workload, scale in (("gradient", 1.0), ("hvp", 3.0))
        for n in (1000, 10000, 100000)
    ],
    "fits": [
        {
            "family": "mlp",
            "workload": "hvp",
            "quantity": "time",
            "span": "all",
            "exponent": 1.0,
            "low": 0.9,
            "high": 1.1,
        }
    ],
}


def run_cli(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curvature", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_main(*arguments: str, cwd: Path, capsys) -> tuple[int, str, str]:
    # The command in this process: no interpreter start-up, for the cases that draw little.
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        status = main(list(arguments))
    finally:
        os.chdir(previous)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    (folder / "bench.json").write_text(json.dumps(BENCH_RECORD))
    completed = run_cli(
        *VERIFY_ARGUMENTS, "--out", "out", "--report", "out", "--bench", "bench.json", cwd=folder
    )
    return completed, folder


def html_images(html: str) -> list[bytes]:
    encoded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [base64.b64decode(data) for data in encoded]


def png_size(data: bytes) -> tuple[int, int]:
    # The IHDR chunk follows the signature: length, type, then width and height.
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_verify_report_exits_zero(verified):
    completed, _ = verified
    assert completed.returncode == 0, completed.stderr
    assert "report.html" in completed.stdout


def test_verify_report_writes_both_files(verified):
    _, folder = verified
    assert (folder / "out" / "report.html").is_file()
    assert (folder / "out" / "report.md").is_file()
    assert (folder / "out" / "verdicts.json").is_file()


def test_report_links_every_result(verified):
    _, folder = verified
    document = json.loads((folder / "out" / "verdicts.json").read_text())
    html = (folder / "out" / "report.html").read_text()
    markdown = (folder / "out" / "report.md").read_text()
    assert len(document["results"]) == 10
    for index, result in enumerate(document["results"], start=1):
        anchor = f"result-{index}"
        assert f'<a href="#{anchor}">evidence</a>' in html
        assert f'<section id="{anchor}">' in html
        assert f"[evidence](#{anchor})" in markdown
        assert f'<a id="{anchor}"></a>' in markdown
        row = f"| {result['claim']} | {result['objective']} |"
        assert row in markdown


def test_report_images_are_valid_png(verified):
    _, folder = verified
    images = html_images((folder / "out" / "report.html").read_text())
    assert len(images) == 11
    for image in images:
        width, height = png_size(image)
        assert width > 100
        assert height > 100


def test_html_is_self_contained(verified):
    _, folder = verified
    html = (folder / "out" / "report.html").read_text()
    references = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert len(references) > 11
    for reference in references:
        assert reference.startswith(("data:image/png;base64,", "#result-")), reference[:40]
    assert "<script" not in html
    assert "<link" not in html


def test_markdown_images_exist(verified):
    _, folder = verified
    markdown = (folder / "out" / "report.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert len(links) == 11
    for link in links:
        path = folder / "out" / link
        assert path.is_file(), link
        png_size(path.read_bytes())


def test_report_has_every_plot_kind(verified):
    _, folder = verified
    html = (folder / "out" / "report.html").read_text()
    markdown = (folder / "out" / "report.md").read_text()
    for title in PLOT_TITLES:
        assert f"<b>{title}.</b>" in html
        assert f"*{title}.*" in markdown


def test_report_has_reproducibility_block(verified):
    _, folder = verified
    document = json.loads((folder / "out" / "verdicts.json").read_text())
    markdown = (folder / "out" / "report.md").read_text()
    assert "## Reproducibility" in markdown
    assert f"| configuration hash | {document['configuration_hash']} |" in markdown
    assert "| seed | 0 |" in markdown
    assert "| version: torch |" in markdown
    assert "| machine: logical_cores |" in markdown
    assert f"| started at (UTC) | {document['started_at']} |" in markdown
    assert "curvature verify --quick --seed 0 --objective quadratic-indefinite" in markdown


def test_verdicts_store_plot_evidence(verified):
    _, folder = verified
    document = json.loads((folder / "out" / "verdicts.json").read_text())
    by_claim = {}
    for result in document["results"]:
        by_claim.setdefault(result["claim"], []).append(result["evidence"])
    rates = by_claim["stationarity-rate"]
    assert all(set(evidence["tables"]) >= {"best", "average"} for evidence in rates)
    assert any("explicit_bound_table" in evidence for evidence in rates)
    events = [e["eta_series"]["undefined"]["count"] for e in by_claim["lr-bounds"]]
    assert max(events) > 0
    probes = by_claim["estimator-accuracy"][0]["error_by_probes"]
    assert probes["probes"][-1] == by_claim["estimator-accuracy"][0]["num_probes"]
    curve = by_claim["loss-curve-model"][0]["curve"]
    assert len(curve["steps"]) == len(curve["band"]) <= MAX_SERIES_POINTS


def test_report_command_reproduces_content(verified):
    _, folder = verified
    completed = run_cli(
        "report", "out/verdicts.json", "--out", "again", "--bench", "bench.json", cwd=folder
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    original = (folder / "out" / "report.md").read_text()
    assert (folder / "again" / "report.md").read_text() == original
    assert (folder / "again" / "report.html").read_text() == (
        folder / "out" / "report.html"
    ).read_text()


def test_report_of_old_verdicts_notes_missing_plots(verified, tmp_path, capsys):
    _, folder = verified
    document = json.loads((folder / "out" / "verdicts.json").read_text())
    # One result per claim, without the evidence that only reports need.
    kept = {}
    for result in document["results"]:
        kept.setdefault(result["claim"], result)
        for key in ("tables", "eta_series", "error_by_probes", "curve"):
            result["evidence"].pop(key, None)
    document["results"] = list(kept.values())
    (tmp_path / "verdicts.json").write_text(json.dumps(document))
    status, _, stderr = run_main("report", "verdicts.json", "--quiet", cwd=tmp_path, capsys=capsys)
    assert status == 0, stderr
    markdown = (tmp_path / "report.md").read_text()
    assert "eta_t with its spectral bounds: not drawn, because the evidence has no" in markdown
    assert "Estimator error against probes: not drawn" in markdown
    # Theorem 1's quantity is still drawn from the table every verdicts file has.
    assert markdown.count("*Rate quantities against T.*") == 1


def test_missing_verdicts_exits_two(tmp_path, capsys):
    status, _, stderr = run_main("report", "nowhere.json", cwd=tmp_path, capsys=capsys)
    assert status == 2
    assert "argument VERDICTS: nowhere.json not found" in stderr
    assert "verdicts.json that `curvature verify` writes" in stderr


def test_other_json_exits_two(tmp_path, capsys):
    (tmp_path / "bench.json").write_text(json.dumps(BENCH_RECORD))
    status, _, stderr = run_main("report", "bench.json", cwd=tmp_path, capsys=capsys)
    assert status == 2
    assert "argument VERDICTS: bench.json is not a verdicts file" in stderr


def test_invalid_json_exits_two(tmp_path, capsys):
    (tmp_path / "verdicts.json").write_text("{not json")
    status, _, stderr = run_main("report", str(tmp_path), cwd=tmp_path, capsys=capsys)
    assert status == 2
    assert "verdicts.json is not valid JSON (Expecting property name" in stderr


def test_unwritable_out_exits_two(verified, tmp_path, capsys):
    _, folder = verified
    (tmp_path / "taken").write_text("a file, not a folder")
    status, _, stderr = run_main(
        "report", str(folder / "out"), "--out", "taken/sub", cwd=tmp_path, capsys=capsys
    )
    assert status == 2
    assert "argument --out: cannot write to folder taken/sub" in stderr
    assert "expected a writable folder" in stderr


def test_invalid_bench_exits_two(verified, tmp_path, capsys):
    _, folder = verified
    (tmp_path / "bench.json").write_text(json.dumps({"points": "none"}))
    status, _, stderr = run_main(
        "report", str(folder / "out"), "--bench", "bench.json", cwd=tmp_path, capsys=capsys
    )
    assert status == 2
    assert "argument --bench: bench.json is not a benchmark record" in stderr


def test_verify_rejects_unwritable_report_before_running(tmp_path, capsys):
    (tmp_path / "taken").write_text("a file, not a folder")
    status, _, stderr = run_main(
        "verify", "--quick", "--report", "taken/sub", cwd=tmp_path, capsys=capsys
    )
    assert status == 2
    assert "argument --report: cannot write to folder taken/sub" in stderr
    assert not (tmp_path / "curvature-results").exists()


def test_verify_rejects_invalid_bench_before_running(tmp_path, capsys):
    (tmp_path / "bench.json").write_text("[]")
    status, _, stderr = run_main(
        "verify", "--quick", "--report", "out", "--bench", "bench.json", cwd=tmp_path, capsys=capsys
    )
    assert status == 2
    assert "argument --bench: bench.json is not a benchmark record" in stderr
    assert not (tmp_path / "curvature-results").exists()


def test_verify_rejects_bench_without_report(tmp_path, capsys):
    status, _, stderr = run_main("verify", "--bench", "bench.json", cwd=tmp_path, capsys=capsys)
    assert status == 2
    assert "argument --bench: a cost plot needs --report DIR" in stderr


def test_missing_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, _, stderr = run_main(
        "verify", "--quick", "--report", "out", cwd=tmp_path, capsys=capsys
    )
    assert status == 2
    assert "argument --report: the report draws its plots with matplotlib" in stderr
    assert "pip install 'curvature-lr-toolkit[plot]'" in stderr
    assert not (tmp_path / "curvature-results").exists()


def test_thinned_series_keeps_ends():
    values = np.arange(2001, dtype=np.float64) ** 2
    series = thinned_series({"value": values}, values.size)
    assert len(series["steps"]) == MAX_SERIES_POINTS
    assert series["steps"][0] == 0
    assert series["steps"][-1] == 2000
    assert series["value"][-1] == 2000.0**2
    assert series["thinned"] is True
    assert series["total_steps"] == 2001


def test_thinned_series_keeps_short_runs():
    series = thinned_series({"value": np.ones(30)}, 30)
    assert series["steps"] == list(range(30))
    assert series["thinned"] is False


class TerminalStream(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_terminal():
    stream = TerminalStream()
    bar = ProgressBar(stream, enabled=stream.isatty())
    bar.update(1, 4, "lr-bounds on rosenbrock")
    bar.close()
    assert stream.getvalue().startswith("\r[######")
    assert "1/4 lr-bounds on rosenbrock" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_progress_bar_silent_off_terminal():
    stream = io.StringIO()
    bar = ProgressBar(stream, enabled=stream.isatty())
    bar.update(1, 4, "lr-bounds on rosenbrock")
    bar.close()
    assert stream.getvalue() == ""


# The page in a real browser: headless Chromium loads it with a probe script that records,
# after the load event, how many images decoded and which errors fired.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)
needs_browser = pytest.mark.skipif(
    BROWSER is None,
    reason="no Chromium binary on PATH (install the `chromium` system package to run this)",
)
PROBE = """<script>
window.probeErrors = [];
window.addEventListener("error", (event) => {
  const target = event.target && event.target.tagName ? event.target.tagName : "script";
  window.probeErrors.push(target + ": " + (event.message || "failed to load"));
}, true);
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const broken = images.filter((image) => !(image.complete && image.naturalWidth > 0));
  const result = document.createElement("pre");
  result.id = "render-probe";
  result.textContent = JSON.stringify({
    images: images.length,
    broken: broken.length,
    errors: window.probeErrors,
    height: document.documentElement.scrollHeight,
  });
  document.body.appendChild(result);
});
</script>"""


def render_in_browser(page: Path) -> tuple[dict, list[str]]:
    probed = page.with_name(f"probed-{page.name}")
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    with tempfile.TemporaryDirectory() as profile:
        # These flags keep Chromium off the network, which is closed on build machines.
        completed = subprocess.run(
            [
                str(BROWSER),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=10000",
                "--dump-dom",
                probed.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
        )
    assert completed.returncode == 0, completed.stderr[-2000:]
    found = re.search(r'<pre id="render-probe">([^<]*)</pre>', completed.stdout)
    assert found is not None, "the probe never ran: the page did not finish loading"
    console = [line for line in completed.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(found.group(1)), console


@needs_browser
def test_report_renders_in_browser(verified):
    _, folder = verified
    probe, console = render_in_browser(folder / "out" / "report.html")
    assert probe["images"] == 11
    assert probe["broken"] == 0
    assert probe["errors"] == []
    assert probe["height"] > 2000
    assert console == []


@needs_browser
def test_browser_probe_catches_broken_image(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>'
        '<img src="data:image/png;base64,AAAA" alt="broken">'
        '<script>console.error("an error in the console");</script></body></html>'
    )
    probe, console = render_in_browser(page)
    assert probe["images"] == 1
    assert probe["broken"] == 1
    assert probe["errors"] == ["IMG: failed to load"]
    assert any("an error in the console" in line for line in console)
