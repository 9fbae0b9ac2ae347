"""Log-log plots of the rate quantities Q(T) against the horizon T (``stationarity-rate``)."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from curvature.report.figures.canvas import as_float, as_floats, pyplot

PANEL_ORDER = ("best", "average", "random-iterate", "loss-gap")
"""Theorem 1's quantity first, then the quantities kept as evidence."""


def rate_figure(evidence: dict[str, Any]) -> Any:
    """Draw every quantity's Q(T) per seed with the fitted, claimed and proven slopes.

    Raises:
        KeyError: the evidence lacks the horizons or the tables.
    """
    plt = pyplot()
    horizons = np.asarray(as_floats(evidence["grid"]))
    tables = evidence.get("tables") or {"best": evidence["best_grad_norm_sq"]}
    names = [name for name in PANEL_ORDER if name in tables]
    names += [name for name in tables if name not in PANEL_ORDER]
    exponent = as_float(evidence.get("claimed_exponent", 0.5))
    bound_table = evidence.get("explicit_bound_table")

    columns = min(2, len(names))
    rows = (len(names) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.6 * rows), squeeze=False)
    for axis in axes.flat[len(names) :]:
        axis.set_visible(False)

    for axis, name in zip(axes.flat, names):
        table = np.asarray([as_floats(row) for row in tables[name]])
        assessment = evidence.get("quantities", {}).get(name, {})
        bound = None
        if name == "best" and bound_table:
            bound = np.asarray([as_floats(row) for row in bound_table])
        _draw_quantity(axis, name, horizons, table, assessment, exponent, bound)

    figure.tight_layout()
    return figure


def _draw_quantity(
    axis: Any,
    name: str,
    horizons: np.ndarray,
    table: np.ndarray,
    assessment: dict[str, Any],
    exponent: float,
    bound: np.ndarray | None,
) -> None:
    # Each seed as points, their geometric mean as a line: the engine fits log Q in log T.
    positive = np.where(np.isfinite(table) & (table > 0), table, np.nan)
    for row in positive:
        axis.plot(horizons, row, ".", color="0.6", markersize=4)
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        center = np.exp(np.nanmean(np.log(positive), axis=0))
    axis.plot(horizons, center, "-", color="C0", label="geometric mean over seeds")

    verdict = assessment.get("verdict", "")
    axis.set_title(f"{name}: {verdict}" if verdict else name, fontsize=10)
    axis.set_xlabel("horizon T")
    axis.set_ylabel("Q(T)")
    if not np.any(np.isfinite(center)):
        axis.text(0.5, 0.5, "no positive finite values", transform=axis.transAxes, ha="center")
        return
    axis.set_xscale("log")
    axis.set_yscale("log")

    # The fitted slope is read at the last horizon of the fit window, so the lines pivot there.
    slope = assessment.get("slope")
    window = (assessment.get("window") or {}).get("horizons")
    last = int(np.flatnonzero(np.isfinite(center))[-1])
    pivot_T, pivot_Q = horizons[last], center[last]
    if slope and window:
        pivot_T = as_float(window[1])
        index = int(np.argmin(np.abs(horizons - pivot_T)))
        if np.isfinite(center[index]):
            pivot_Q = center[index]
        span = np.geomspace(as_float(window[0]), pivot_T, 50)
        mean, lower, upper = (as_float(slope[key]) for key in ("mean", "lower", "upper"))
        axis.fill_between(
            span,
            pivot_Q * (span / pivot_T) ** lower,
            pivot_Q * (span / pivot_T) ** upper,
            color="C1",
            alpha=0.25,
            label=f"slope bounds [{lower:.2f}, {upper:.2f}]",
        )
        axis.plot(
            span, pivot_Q * (span / pivot_T) ** mean, "-", color="C1", label=f"fit {mean:.2f}"
        )

    axis.plot(
        horizons,
        pivot_Q * (horizons / pivot_T) ** (-exponent),
        "--",
        color="C3",
        label=f"claimed slope {-exponent:g}",
    )
    if bound is not None:
        with _quiet_nan_warnings():
            worst = np.nanmax(np.where(np.isfinite(bound), bound, np.nan), axis=0)
        axis.plot(horizons, worst, ":", color="black", label="proven bound")
    axis.legend(fontsize=7)


@contextlib.contextmanager
def _quiet_nan_warnings() -> Iterator[None]:
    # A horizon where no seed has a positive value gives an all-NaN column, whose mean is NaN.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
