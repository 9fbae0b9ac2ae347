"""η_t along a run, its spectral bounds, and the steps where 1 + λ·tr(H_t) ≤ 0."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from curvature.report.figures.canvas import as_float, as_floats, pyplot


def learning_rate_figure(evidence: dict[str, Any]) -> Any:
    """Draw η_t, the band [η_min, η_max] at each checkpoint, and the undefined-rate events.

    Raises:
        KeyError: the evidence has no ``eta_series``.
    """
    plt = pyplot()
    series = evidence["eta_series"]
    steps = np.asarray(series["steps"], dtype=np.float64)
    eta = np.asarray(as_floats(series["eta"]))
    figure, axis = plt.subplots(figsize=(9, 3.6))
    axis.plot(steps, eta, "-", color="C0", linewidth=1, label="eta_t")

    # The bounds come from the exact spectrum, which is computed at checkpoints only.
    checkpoints = evidence.get("checkpoints", [])
    bounds = [
        (float(row["step"]), as_float(row["eta_min"]), as_float(row["eta_max"]))
        for row in checkpoints
    ]
    finite_highs = [high for _, _, high in bounds if math.isfinite(high)]
    top = max([float(np.nanmax(eta)) if eta.size else 1.0, *finite_highs])
    for index, (step, low, high) in enumerate(bounds):
        label = "[eta_min, eta_max] at checkpoints" if index == 0 else None
        if math.isfinite(high):
            axis.plot(
                [step, step], [low, high], "-", color="C2", linewidth=6, alpha=0.5, label=label
            )
            continue

        # No finite η_max: the bar runs from η_min past the top of the plot, under an arrowhead.
        axis.plot(
            [step, step], [low, 1.15 * top], "-", color="C2", linewidth=6, alpha=0.5, label=label
        )
        axis.plot([step], [1.15 * top], "^", color="C2", markersize=9)
        axis.annotate(
            "no finite eta_max",
            xy=(step, 1.15 * top),
            xytext=(4, -4),
            textcoords="offset points",
            color="C2",
            fontsize=8,
            va="top",
        )

    undefined = series.get("undefined") or {}
    if undefined.get("steps"):
        policy = undefined.get("policy") or "policy"
        axis.plot(
            undefined["steps"],
            as_floats(undefined["eta"]),
            "x",
            color="C3",
            markersize=6,
            label=f"1 + lambda tr(H) <= 0 ({undefined['count']} steps, {policy})",
        )

    if eta.size and np.nanmin(eta) > 0 and top / np.nanmin(eta) > 100:
        axis.set_yscale("log")
    axis.set_xlabel("step t")
    axis.set_ylabel("eta_t")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
