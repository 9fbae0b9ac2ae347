"""The report as Markdown, with the same content as the HTML and the images as PNG files."""

from __future__ import annotations

from curvature.report.listing import evidence_listing
from curvature.report.model import Report, Section


def render_markdown(report: Report, figures_folder: str) -> str:
    """Return the report as Markdown whose images lie in ``figures_folder``, a relative path."""
    lines = [f"# {report.title}", "", report.overview, ""]
    lines += [*report.notes, ""]
    lines += [
        "## Verdicts",
        "",
        "| claim | objective | setting | verdict | summary | evidence |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for section in report.sections:
        lines.append(
            f"| {_cell(section.claim)} | {_cell(section.objective)} | {_cell(section.setting)} "
            f"| {section.verdict} | {_cell(section.summary)} | [evidence](#{section.anchor}) |"
        )
    for claim, objective, error in report.errors:
        lines.append(f"| {_cell(claim)} | {_cell(objective)} | | error | {_cell(error)} | |")
    if report.skipped:
        lines += ["", "Skipped:", ""]
        lines += [
            f"- {claim} on {objective}: {reason}" for claim, objective, reason in report.skipped
        ]

    lines += ["", "## Evidence", ""]
    for section in report.sections:
        lines += _section(section, figures_folder)
    if report.costs is not None:
        lines += ["## Costs", "", *_section(report.costs, figures_folder)]

    lines += ["## Reproducibility", "", "| item | value |", "| --- | --- |"]
    lines += [f"| {_cell(item)} | {_cell(value)} |" for item, value in report.reproducibility]
    return "\n".join(lines) + "\n"


def _section(section: Section, figures_folder: str) -> list[str]:
    heading = f"{section.claim} on {section.objective}"
    if section.setting:
        heading += f" ({section.setting})"
    lines = [
        f'<a id="{section.anchor}"></a>',
        "",
        f"### {heading}: {section.verdict}",
        "",
        section.summary,
        "",
    ]
    for figure in section.figures:
        lines += [
            f"![{figure.title}]({figures_folder}/{figure.name}.png)",
            "",
            f"*{figure.title}.* {figure.caption}",
            "",
        ]
    lines += [*[f"Note: {note}" for note in section.notes], ""] if section.notes else []
    lines += [
        "<details><summary>evidence as stored in verdicts.json (long lists cut short)</summary>",
        "",
        "```json",
        evidence_listing(section.evidence),
        "```",
        "",
        "</details>",
        "",
    ]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
