"""Cost against the number of parameters n, from a ``curvature bench`` record."""

from __future__ import annotations

from typing import Any

import numpy as np

from curvature.report.figures.canvas import as_float, pyplot

TIME_QUANTITY = "time"


def cost_figure(record: dict[str, Any]) -> Any:
    """Draw the minimum time per call of each workload against n, one panel per model family.

    Raises:
        KeyError: the record has no ``points``.
        ValueError: the record has no measurement.
    """
    plt = pyplot()
    points = record["points"]
    families = sorted({point["family"] for point in points})
    if not families:
        raise ValueError("the benchmark record has no measurement")
    exponents = _exponents(record.get("fits", []))

    figure, axes = plt.subplots(1, len(families), figsize=(4.8 * len(families), 3.8), squeeze=False)
    for axis, family in zip(axes.flat, families):
        workloads = sorted({p["workload"] for p in points if p["family"] == family})
        for workload in workloads:
            measured = sorted(
                (p["n"], as_float(p["min_s"]))
                for p in points
                if (p["family"], p["workload"]) == (family, workload)
            )
            n, seconds = np.asarray(measured).T
            label = workload + exponents.get((family, workload), "")
            axis.plot(n, seconds, "o-", markersize=3, label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("parameters n")
        axis.set_ylabel("minimum seconds per call")
        axis.set_title(family, fontsize=10)
        axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _exponents(fits: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    # The asymptotic time exponent where the record has one, else the one over all sizes.
    labels: dict[tuple[str, str], str] = {}
    for span in ("all", "asymptotic"):
        for fit in fits:
            if fit.get("quantity") == TIME_QUANTITY and fit.get("span") == span:
                labels[(fit["family"], fit["workload"])] = (
                    f": n^{as_float(fit['exponent']):.2f} "
                    f"[{as_float(fit['low']):.2f}, {as_float(fit['high']):.2f}]"
                )
    return labels
