"""The report's plots, one module per kind; each function returns a matplotlib figure."""

from curvature.report.figures.canvas import INSTALL_HINT, png_bytes, pyplot
from curvature.report.figures.costs import cost_figure
from curvature.report.figures.estimator import estimator_figure
from curvature.report.figures.learning_rate import learning_rate_figure
from curvature.report.figures.loss_curve import loss_curve_figure
from curvature.report.figures.rates import rate_figure

__all__ = [
    "INSTALL_HINT",
    "cost_figure",
    "estimator_figure",
    "learning_rate_figure",
    "loss_curve_figure",
    "png_bytes",
    "pyplot",
    "rate_figure",
]
