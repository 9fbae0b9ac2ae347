"""The loss-curve model L0·e^(−αt) + L∞ over the mean loss, and its residuals."""

from __future__ import annotations

from typing import Any

import numpy as np

from curvature.rates.loss_model import exponential_model
from curvature.report.figures.canvas import as_float, as_floats, pyplot


def loss_curve_figure(evidence: dict[str, Any]) -> Any:
    """Draw the mean loss with the fitted model, and the residual within its band.

    Raises:
        KeyError: the evidence has no ``curve``.
    """
    plt = pyplot()
    curve = evidence["curve"]
    steps = np.asarray(curve["steps"], dtype=np.float64)
    mean = np.asarray(as_floats(curve["mean_loss"]))
    band = np.asarray(as_floats(curve["band"]))

    # The model and the residual from the stored fit, as the check computed them.
    L0, alpha, L_inf = (as_float(evidence[key]) for key in ("L0", "alpha", "L_inf"))
    model = exponential_model(steps, L0, alpha, L_inf)
    residual = mean - model
    rtol = as_float(evidence["rtol"])
    tolerance = rtol * np.abs(mean)
    figure, (loss_axis, residual_axis) = plt.subplots(
        2, 1, figsize=(9, 5.4), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )

    loss_axis.plot(steps, mean, ".", color="C0", markersize=3, label="mean loss over seeds")
    loss_axis.plot(
        steps, model, "-", color="C1", label=f"fit: alpha = {alpha:.3g}, L_inf = {L_inf:.4g}"
    )
    loss_axis.set_ylabel("loss f(theta_t)")
    loss_axis.legend(fontsize=8)

    if np.all(mean > 0) and mean.max() / mean.min() > 100:
        loss_axis.set_yscale("log")

    # Residuals relative to the loss, so that early and late steps share one scale.
    scale = np.maximum(np.abs(mean), np.finfo(np.float64).tiny)
    relative, relative_band = residual / scale, band / scale
    outside = np.abs(residual) > band
    residual_axis.fill_between(
        steps, -relative_band, relative_band, color="C2", alpha=0.25, label="band"
    )
    residual_axis.plot(
        steps, tolerance / scale, "--", color="C2", linewidth=1, label=f"{rtol:.0%} of the loss"
    )
    residual_axis.plot(steps, -tolerance / scale, "--", color="C2", linewidth=1)
    residual_axis.plot(steps, relative, "-", color="C0", linewidth=1, label="(mean - model) / mean")
    if outside.any():
        residual_axis.plot(
            steps[outside], relative[outside], "x", color="C3", markersize=4, label="outside band"
        )
    residual_axis.axhline(0.0, color="0.5", linewidth=0.5)
    # The axis shows at most ±100 % of the loss; a failed fit (NaN model) gets that full range.
    finite = np.abs(relative[np.isfinite(relative)])
    limit = min(max(1.5 * float(finite.max()), 0.15), 1.0) if finite.size else 1.0
    residual_axis.set_ylim(-limit, limit)
    residual_axis.set_xlabel("step t")
    residual_axis.set_ylabel("relative residual")
    residual_axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
