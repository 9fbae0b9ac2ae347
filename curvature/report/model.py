"""The content of a report, shared by its HTML and Markdown renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One plot of the report.

    Attributes:
        name: a file stem, unique within the report, such as ``result-03-rates``.
        title: a heading of a few words.
        caption: what the plot shows and how to read it, in one or two sentences.
        png: the image as PNG bytes.
    """

    name: str
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Section:
    """The evidence of one row of the verdict table.

    Attributes:
        anchor: the HTML id that the table row links to.
        claim, objective, setting, verdict, summary: the row, as in ``verdicts.json``.
        figures: the plots drawn from the evidence.
        notes: why a plot is missing, or what was thinned.
        evidence: the evidence as stored, for the raw listing.
    """

    anchor: str
    claim: str
    objective: str
    setting: str
    verdict: str
    summary: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """A whole report.

    Attributes:
        title: the page title.
        source: the verdicts file the report was made from.
        overview: one sentence with the seed, budgets, counts and run time.
        sections: one per result, in the order of ``verdicts.json``.
        errors: (claim, objective, error) of each check that could not run.
        skipped: (claim, objective, reason) of each check that does not apply.
        costs: the cost plots from a benchmark record, with notes; None without a record.
        reproducibility: (item, value) rows.
        notes: remarks on the whole report, such as thinned series.
    """

    title: str
    source: str
    overview: str
    sections: list[Section]
    errors: list[tuple[str, str, str]]
    skipped: list[tuple[str, str, str]]
    costs: Section | None
    reproducibility: list[tuple[str, str]]
    notes: list[str] = field(default_factory=list)
