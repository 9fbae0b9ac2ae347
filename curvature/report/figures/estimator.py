"""Hutchinson error against the number of probes, with the exact standard deviation."""

from __future__ import annotations

from typing import Any

import numpy as np

from curvature.report.figures.canvas import as_floats, pyplot


def estimator_figure(evidence: dict[str, Any]) -> Any:
    """Draw the error of tr(H) and diag(H) from the first m probes against m, log-log.

    Raises:
        KeyError: the evidence has no ``error_by_probes``.
    """
    plt = pyplot()
    errors = evidence["error_by_probes"]
    probes = np.asarray(errors["probes"], dtype=np.float64)
    figure, (trace_axis, diagonal_axis) = plt.subplots(1, 2, figsize=(9, 3.6))

    _draw(
        trace_axis,
        probes,
        as_floats(errors["trace_error"]),
        as_floats(errors["trace_standard_deviation"]),
        "|error| of tr(H)",
        "sqrt(Var/m), exact variance",
    )
    trace_axis.plot(
        probes, as_floats(errors["trace_radius"]), ":", color="C3", label="Bernstein radius"
    )
    trace_axis.legend(fontsize=8)
    trace_axis.set_title("trace", fontsize=10)

    _draw(
        diagonal_axis,
        probes,
        as_floats(errors["diagonal_rms_error"]),
        as_floats(errors["diagonal_rms_standard_deviation"]),
        "RMS error of diag(H)",
        "sqrt(mean_i Var_i/m), exact",
    )
    diagonal_axis.legend(fontsize=8)
    diagonal_axis.set_title("diagonal", fontsize=10)
    figure.tight_layout()
    return figure


def _draw(
    axis: Any,
    probes: np.ndarray,
    error: list[float],
    deviation: list[float],
    error_label: str,
    deviation_label: str,
) -> None:
    # A zero error (an exact estimate, as for a diagonal H) has no place on a log axis.
    positive_error = np.where(np.asarray(error) > 0, error, np.nan)
    axis.plot(probes, positive_error, "o", color="C0", markersize=4, label=error_label)
    axis.plot(probes, deviation, "-", color="C1", label=deviation_label)
    axis.set_xscale("log")
    if np.any(np.isfinite(positive_error)) or np.any(np.asarray(deviation) > 0):
        axis.set_yscale("log")
    axis.set_xlabel("probes m")
