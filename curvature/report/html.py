"""The report as one self-contained HTML page: inline CSS, images as base64 PNG, no scripts."""

from __future__ import annotations

import base64
from html import escape

from curvature.report.listing import evidence_listing
from curvature.report.model import Figure, Report, Section

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       line-height: 1.45; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.verdict { font-weight: bold; white-space: nowrap; }
.holds { color: #1a7f37; } .fails { color: #cf222e; } .inconclusive { color: #9a6700; }
.error { color: #8250df; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85em; color: #555; max-width: 900px; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
section { border-top: 1px solid #ddd; margin-top: 2em; }
.note { font-size: 0.85em; color: #555; }
"""


def render_html(report: Report) -> str:
    """Return the report as a complete HTML document."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(report.title)}</h1>",
        f"<p>{escape(report.overview)}</p>",
        *[f'<p class="note">{escape(note)}</p>' for note in report.notes],
        "<h2>Verdicts</h2>",
        _verdict_table(report),
        *_problems(report),
        "<h2>Evidence</h2>",
        *[_section(section) for section in report.sections],
    ]
    if report.costs is not None:
        parts += ["<h2>Costs</h2>", _section(report.costs)]
    parts += ["<h2>Reproducibility</h2>", _reproducibility(report), "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _verdict_table(report: Report) -> str:
    rows = [
        "<table>",
        "<tr><th>claim</th><th>objective</th><th>setting</th><th>verdict</th>"
        "<th>summary</th><th>evidence</th></tr>",
    ]
    for section in report.sections:
        rows.append(
            f"<tr><td>{escape(section.claim)}</td><td>{escape(section.objective)}</td>"
            f"<td>{escape(section.setting)}</td><td>{_verdict(section.verdict)}</td>"
            f"<td>{escape(section.summary)}</td>"
            f'<td><a href="#{section.anchor}">evidence</a></td></tr>'
        )
    for claim, objective, error in report.errors:
        rows.append(
            f"<tr><td>{escape(claim)}</td><td>{escape(objective)}</td><td></td>"
            f'<td><span class="verdict error">error</span></td><td>{escape(error)}</td>'
            "<td></td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _problems(report: Report) -> list[str]:
    if not report.skipped:
        return []
    items = [
        f"<li>{escape(claim)} on {escape(objective)}: {escape(reason)}</li>"
        for claim, objective, reason in report.skipped
    ]
    return ["<p>Skipped:</p>", "<ul>", *items, "</ul>"]


def _section(section: Section) -> str:
    heading = f"{section.claim} on {section.objective}"
    if section.setting:
        heading += f" ({section.setting})"
    parts = [
        f'<section id="{section.anchor}">',
        f"<h3>{escape(heading)}: {_verdict(section.verdict)}</h3>",
        f"<p>{escape(section.summary)}</p>",
        *[_figure(figure) for figure in section.figures],
        *[f'<p class="note">{escape(note)}</p>' for note in section.notes],
        "<details><summary>evidence as stored in verdicts.json (long lists cut short)</summary>",
        f"<pre>{escape(evidence_listing(section.evidence))}</pre>",
        "</details>",
        "</section>",
    ]
    return "\n".join(parts)


def _figure(figure: Figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(figure.title)}">'
        f"<figcaption><b>{escape(figure.title)}.</b> {escape(figure.caption)}</figcaption>"
        "</figure>"
    )


def _verdict(verdict: str) -> str:
    return f'<span class="verdict {escape(verdict)}">{escape(verdict)}</span>'


def _reproducibility(report: Report) -> str:
    rows = ["<table>"]
    rows += [
        f"<tr><th>{escape(item)}</th><td>{escape(value)}</td></tr>"
        for item, value in report.reproducibility
    ]
    rows.append("</table>")
    return "\n".join(rows)
