"""Matplotlib set-up for the report: the Agg backend, one figure style, PNG export."""

from __future__ import annotations

import io
import math
from typing import Any

from curvature.report.errors import ReportDependencyError

INSTALL_HINT = "pip install 'curvature-lr-toolkit[plot]'"
DPI = 100
"""Pixels per inch of the PNG images; a 9 × 4 inch figure is 900 × 400 pixels."""


def pyplot() -> Any:
    """Return ``matplotlib.pyplot`` on the non-interactive Agg backend.

    Raises:
        ReportDependencyError: matplotlib is not installed.
    """
    try:
        import matplotlib
    except ImportError as error:
        raise ReportDependencyError(
            f"the report draws its plots with matplotlib, which is not installed; "
            f"install it with: {INSTALL_HINT}"
        ) from error

    # Agg renders to memory only, so the report works without a display.
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def png_bytes(figure: Any) -> bytes:
    """Render ``figure`` as PNG, close it and return the bytes."""
    plt = pyplot()
    buffer = io.BytesIO()
    try:
        figure.savefig(
            buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None}
        )
    finally:
        plt.close(figure)
    return buffer.getvalue()


def as_float(value: Any) -> float:
    """Return a number of ``verdicts.json`` as a float: "inf", "-inf", "nan" and None included.

    JSON has no literal for infinity and NaN, so the verdicts file stores them as strings.
    None, which marks a missing value, becomes NaN.
    """
    if value is None:
        return math.nan
    if isinstance(value, str):
        return float(value)
    return float(value)


def as_floats(values: Any) -> list[float]:
    """Return a list of numbers of ``verdicts.json`` as floats (see :func:`as_float`)."""
    return [as_float(value) for value in values]
