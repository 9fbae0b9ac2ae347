"""Strategies for optimizer settings inside their valid domains."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from curvature._validation import check_choice, check_non_negative, check_positive_int
from curvature.objectives.base import RunSettings
from curvature.optim.graph_trace import ESTIMATORS
from curvature.optim.rule import UNDEFINED_POLICIES
from curvature.strategies._limits import check_value_range
from curvature.strategies.matrices import SEEDS

DEFINED_POLICIES = ("positive-part", "absolute", "previous")
"""The undefined-rate policies that return a rate instead of raising."""


@dataclass(frozen=True)
class OptimizerSettings:
    """Keyword arguments of :class:`~curvature.CurvatureAdaptiveSGD`, all within their domains.

    Attributes mirror the constructor's arguments; :meth:`kwargs` returns them as a dict.
    """

    lr: float
    curvature_scale: float
    estimator: str
    num_probes: int
    update_every: int
    average_over: int
    undefined_policy: str
    lr_min: float | None
    lr_max: float | None
    seed: int

    def kwargs(self) -> dict[str, Any]:
        """Return the settings as keyword arguments for ``CurvatureAdaptiveSGD(params, ...)``."""
        return {
            "lr": self.lr,
            "curvature_scale": self.curvature_scale,
            "estimator": self.estimator,
            "num_probes": self.num_probes,
            "update_every": self.update_every,
            "average_over": self.average_over,
            "undefined_policy": self.undefined_policy,
            "lr_min": self.lr_min,
            "lr_max": self.lr_max,
            "seed": self.seed,
        }


def learning_rates(min_lr: float = 1e-3, max_lr: float = 2.0) -> st.SearchStrategy[float]:
    """Generate base rates lr in [``min_lr``, ``max_lr``], with 0 < min_lr; shrinks toward 1."""
    low, high = check_value_range("min_lr", min_lr, "max_lr", max_lr)
    if low <= 0.0:
        raise ValueError(f"`min_lr` must be greater than 0, got {min_lr!r}")
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_subnormal=False)


def curvature_scales(max_curvature_scale: float = 10.0) -> st.SearchStrategy[float]:
    """Generate λ in [0, ``max_curvature_scale``]; 0 (plain gradient descent) is included."""
    high = check_non_negative("max_curvature_scale", max_curvature_scale)
    return st.floats(min_value=0.0, max_value=high, allow_nan=False, allow_subnormal=False)


def run_settings(
    *, min_lr: float = 1e-3, max_lr: float = 2.0, max_curvature_scale: float = 10.0
) -> st.SearchStrategy[RunSettings]:
    """Generate :class:`~curvature.objectives.RunSettings` (lr, curvature_scale) in range."""
    return st.builds(
        RunSettings,
        lr=learning_rates(min_lr, max_lr),
        curvature_scale=curvature_scales(max_curvature_scale),
    )


def optimizer_settings(
    *,
    min_lr: float = 1e-3,
    max_lr: float = 2.0,
    max_curvature_scale: float = 10.0,
    estimators: Sequence[str] = ESTIMATORS,
    policies: Sequence[str] = DEFINED_POLICIES,
    max_num_probes: int = 8,
    max_update_every: int = 4,
    max_average_over: int = 4,
    clip: bool = False,
) -> st.SearchStrategy[OptimizerSettings]:
    """Generate :class:`OptimizerSettings` for :class:`~curvature.CurvatureAdaptiveSGD`.

    ``estimators`` and ``policies`` restrict the choices (``"raise"`` is left out by default,
    since a run would stop at the first undefined step). With ``clip=True``, ``lr_min`` and
    ``lr_max`` are drawn too (each may stay None), with lr_min ≤ lr_max. num_probes is 1 to
    ``max_num_probes``, update_every 1 to ``max_update_every``, average_over 1 to
    ``max_average_over``; the probe seed is any 32-bit integer.
    """
    for estimator in estimators:
        check_choice("estimators", estimator, ESTIMATORS)
    for policy in policies:
        check_choice("policies", policy, UNDEFINED_POLICIES)
    if not estimators or not policies:
        raise ValueError("`estimators` and `policies` must each name at least one choice")
    check_positive_int("max_num_probes", max_num_probes)
    check_positive_int("max_update_every", max_update_every)
    check_positive_int("max_average_over", max_average_over)
    rates = learning_rates(min_lr, max_lr)

    @st.composite
    def draw_settings(draw: st.DrawFn) -> OptimizerSettings:
        lr_min = lr_max = None
        if clip:
            bounds = sorted(draw(st.lists(rates, min_size=2, max_size=2)))
            lr_min = draw(st.none() | st.just(bounds[0]))
            lr_max = draw(st.none() | st.just(bounds[1]))
        return OptimizerSettings(
            lr=draw(rates),
            curvature_scale=draw(curvature_scales(max_curvature_scale)),
            estimator=draw(st.sampled_from(tuple(estimators))),
            num_probes=draw(st.integers(1, max_num_probes)),
            update_every=draw(st.integers(1, max_update_every)),
            average_over=draw(st.integers(1, max_average_over)),
            undefined_policy=draw(st.sampled_from(tuple(policies))),
            lr_min=lr_min,
            lr_max=lr_max,
            seed=draw(SEEDS),
        )

    return draw_settings()
