"""Building a report from a verdicts document and writing it as HTML, Markdown and PNG files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curvature.claims.series import MAX_SERIES_POINTS
from curvature.report.figures import pyplot
from curvature.report.files import check_writable_folder, write_atomically
from curvature.report.html import render_html
from curvature.report.markdown import render_markdown
from curvature.report.model import Report, Section
from curvature.report.reproducibility import reproducibility_rows
from curvature.report.sections import COSTS, build_sections, draw_figure, figure_count

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
FIGURES_FOLDER = "report-figures"

ProgressCallback = Callable[[int, int, str], None]
"""Called after each plot with (plots drawn, plots in all, label)."""


@dataclass(frozen=True)
class ReportFiles:
    """The files a report was written to."""

    html: Path
    markdown: Path
    figures: list[Path]


def make_report(
    document: dict[str, Any],
    *,
    source: str,
    bench: dict[str, Any] | None = None,
    bench_source: str | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Draw every plot and return the report of a verdicts document.

    Args:
        document: the contents of ``verdicts.json``.
        source: where the document came from, for the reproducibility block.
        bench: the contents of a ``bench.json``, for the cost plot; None leaves it out.
        bench_source: where the benchmark record came from.
        progress: called after each plot.

    Raises:
        ReportDependencyError: matplotlib is not installed.
    """
    pyplot()
    results = document["results"]
    total = figure_count(results) + (1 if bench is not None else 0)
    drawn = 0

    def advance(label: str) -> None:
        nonlocal drawn
        drawn += 1
        if progress is not None:
            progress(drawn, total, label)

    sections = build_sections(results, advance)
    costs = None
    if bench is not None:
        costs = _cost_section(bench, bench_source or "bench.json")
        advance("benchmark record")

    return Report(
        title="curvature verify report",
        source=source,
        overview=_overview(document),
        sections=sections,
        errors=[(e["claim"], e["objective"], e["error"]) for e in document.get("errors", [])],
        skipped=[(s["claim"], s["objective"], s["reason"]) for s in document.get("skipped", [])],
        costs=costs,
        reproducibility=reproducibility_rows(document, source),
        notes=[
            f"Long series are stored in verdicts.json at no more than {MAX_SERIES_POINTS} "
            "evenly spaced steps, and plotted from there; each section says where that applies."
        ],
    )


def write_report_files(report: Report, out_dir: Path) -> ReportFiles:
    """Write ``report.html``, ``report.md`` and the PNG files the Markdown links to.

    Raises:
        ReportInputError: ``out_dir`` cannot be created or written to.
    """
    check_writable_folder(out_dir)
    figures_dir = out_dir / FIGURES_FOLDER
    check_writable_folder(figures_dir)

    # The images first, so that the Markdown never links to a missing one.
    figures = []
    for section in [*report.sections, *([report.costs] if report.costs else [])]:
        for figure in section.figures:
            path = figures_dir / f"{figure.name}.png"
            write_atomically(path, figure.png)
            figures.append(path)

    markdown = out_dir / MARKDOWN_NAME
    html = out_dir / HTML_NAME
    write_atomically(markdown, render_markdown(report, FIGURES_FOLDER).encode("utf-8"))
    write_atomically(html, render_html(report).encode("utf-8"))
    return ReportFiles(html=html, markdown=markdown, figures=figures)


def _cost_section(bench: dict[str, Any], source: str) -> Section:
    figure, note = draw_figure(COSTS, bench, "costs")
    profile = bench.get("profile", "unknown")
    summary = (
        f"From {source} ({profile} profile, device {bench.get('device', 'unknown')}, "
        f"{bench.get('seconds', '?')} s)."
    )
    verdicts = bench.get("verdicts") or []
    for verdict in verdicts:
        summary += f" estimator-cost on {verdict.get('objective')}: {verdict.get('verdict')}."
    return Section(
        anchor="costs",
        claim="estimator-cost",
        objective="benchmark record",
        setting=profile,
        verdict=", ".join(str(v.get("verdict")) for v in verdicts) or "not judged",
        summary=summary,
        figures=[figure] if figure is not None else [],
        notes=[note] if note else [],
        evidence={"machine": bench.get("machine"), "versions": bench.get("versions")},
    )


def _overview(document: dict[str, Any]) -> str:
    counts = Counter(result["verdict"] for result in document["results"])
    parts = [f"{counts[verdict]} {verdict}" for verdict in ("holds", "fails", "inconclusive")]
    errors = len(document.get("errors", []))
    budgets = "quick" if document.get("quick") else "full"
    seconds = document.get("seconds")
    duration = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
    return (
        f"{len(document['results'])} results: {', '.join(parts)}, {errors} errors; "
        f"seed {document.get('seed')}, {budgets} budgets{duration}."
    )
