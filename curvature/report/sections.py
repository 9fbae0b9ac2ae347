"""The report's sections: one per result, with the plots its claim's evidence allows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from curvature.report import captions
from curvature.report.figures import (
    cost_figure,
    estimator_figure,
    learning_rate_figure,
    loss_curve_figure,
    png_bytes,
    rate_figure,
)
from curvature.report.model import Figure, Section

FigureProgress = Callable[[str], None]
"""Called with a label after each plot is drawn."""


@dataclass(frozen=True)
class FigureKind:
    """One kind of plot: its file suffix, title, caption and drawing function."""

    suffix: str
    title: str
    caption: str
    draw: Callable[[dict[str, Any]], Any]


FIGURES_BY_CLAIM: dict[str, tuple[FigureKind, ...]] = {
    "stationarity-rate": (
        FigureKind("rates", "Rate quantities against T", captions.RATES, rate_figure),
    ),
    "lr-bounds": (
        FigureKind(
            "eta", "eta_t with its spectral bounds", captions.LEARNING_RATE, learning_rate_figure
        ),
    ),
    "estimator-accuracy": (
        FigureKind(
            "probes", "Estimator error against probes", captions.ESTIMATOR, estimator_figure
        ),
    ),
    "loss-curve-model": (
        FigureKind(
            "loss", "Loss-curve model and residuals", captions.LOSS_CURVE, loss_curve_figure
        ),
    ),
}
COSTS = FigureKind("costs", "Cost against n", captions.COSTS, cost_figure)


def figure_count(results: list[dict[str, Any]]) -> int:
    """Return how many plots :func:`build_sections` draws for ``results`` at most."""
    return sum(len(FIGURES_BY_CLAIM.get(result["claim"], ())) for result in results)


def build_sections(
    results: list[dict[str, Any]], progress: FigureProgress | None = None
) -> list[Section]:
    """Return one section per result, with its plots drawn."""
    sections = []
    for index, result in enumerate(results, start=1):
        anchor = f"result-{index}"
        evidence = result.get("evidence") or {}
        figures, notes = [], []
        for kind in FIGURES_BY_CLAIM.get(result["claim"], ()):
            figure, note = draw_figure(kind, evidence, f"{anchor}-{kind.suffix}")
            if figure is not None:
                figures.append(figure)
            if note:
                notes.append(note)
            if progress is not None:
                progress(f"{result['claim']} on {result['objective']}")
        notes += thinning_notes(evidence)
        sections.append(
            Section(
                anchor=anchor,
                claim=result["claim"],
                objective=result["objective"],
                setting=result.get("setting") or "",
                verdict=result["verdict"],
                summary=result["summary"],
                figures=figures,
                notes=notes,
                evidence=evidence,
            )
        )
    return sections


def draw_figure(kind: FigureKind, evidence: dict[str, Any], name: str) -> tuple[Figure | None, str]:
    """Draw one plot; return it, or None with the reason when the evidence lacks its data."""
    try:
        png = png_bytes(kind.draw(evidence))
    except KeyError as error:
        return None, (
            f"{kind.title}: not drawn, because the evidence has no {error}. A check that "
            "stopped early (a diverged run) stores none, and verdicts files written before "
            "reports existed lack it"
        )
    except ValueError as error:
        return None, f"{kind.title}: not drawn: {error}"
    return Figure(name, kind.title, kind.caption, png), ""


def thinning_notes(evidence: dict[str, Any]) -> list[str]:
    """Return a note for each stored series that was thinned to fewer steps than the run had."""
    notes = []
    for key in ("eta_series", "curve"):
        series = evidence.get(key)
        if isinstance(series, dict) and series.get("thinned"):
            notes.append(
                f"{key}: plotted at {len(series['steps'])} evenly spaced steps of "
                f"{series['total_steps']}, to keep verdicts.json small"
            )
    return notes
