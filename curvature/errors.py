"""Exceptions raised by the toolkit, so callers can catch them by kind."""

from __future__ import annotations


class CurvatureError(RuntimeError):
    """Base class of the toolkit's runtime errors."""


class MissingGraphError(CurvatureError):
    """Gradients carry no autograd graph, so no Hessian-vector product can be taken."""


class UnsupportedModuleError(CurvatureError):
    """A submodule of a model cannot be differentiated twice, so no HVP can be taken."""


class NonFiniteValueError(CurvatureError, FloatingPointError):
    """A loss, gradient or curvature estimate is NaN or infinite; no parameter was changed."""


class UndefinedLearningRateError(CurvatureError, ValueError):
    """1 + curvature_scale · tr(H) ≤ 0, where the adaptive rule's square root is undefined."""

    def __init__(self, trace: float, curvature_scale: float, step: int | None = None) -> None:
        self.trace = trace
        self.curvature_scale = curvature_scale
        self.step = step
        denominator = 1.0 + curvature_scale * trace
        where = "" if step is None else f" at step {step}"
        super().__init__(
            f"the adaptive learning rate is undefined{where}: 1 + curvature_scale·tr(H) = "
            f"1 + {curvature_scale:g}·({trace:g}) = {denominator:g} ≤ 0, which happens when the "
            "Hessian estimate has a negative trace. Choose undefined_policy='positive-part', "
            "'absolute' or 'previous' to continue past such steps"
        )
