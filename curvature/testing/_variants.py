"""Deliberately wrong variants of toolkit functions, each built from the correct original.

Each ``make_*`` takes the original and returns the variant with the same signature. They
exist only to show that the properties can fail: see :mod:`curvature.testing.faults`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from torch import Tensor


def make_negated_products(original: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Return batched_hvp with its sign flipped, so z ⊙ Hz becomes −z ⊙ Hz."""

    def batched_hvp(*args: Any, **kwargs: Any) -> Tensor:
        return -original(*args, **kwargs)

    return batched_hvp


def make_rate_without_root(original: Callable[..., Any]) -> Callable[..., Any]:
    """Return adaptive_learning_rate giving lr/(1 + λ·tr) where the formula is defined."""

    def adaptive_learning_rate(
        lr: float, curvature_scale: float, trace: float, **kwargs: Any
    ) -> Any:
        rate = original(lr, curvature_scale, trace, **kwargs)
        if not rate.defined:
            return rate
        value = lr / (1.0 + curvature_scale * trace)
        if kwargs.get("lr_min") is not None:
            value = max(value, kwargs["lr_min"])
        if kwargs.get("lr_max") is not None:
            value = min(value, kwargs["lr_max"])
        return dataclasses.replace(rate, value=value)

    return adaptive_learning_rate


def make_doubled_trace(original: Callable[..., float]) -> Callable[..., float]:
    """Return the optimizer's graph_trace off by a factor of 2."""

    def graph_trace(*args: Any, **kwargs: Any) -> float:
        return 2.0 * original(*args, **kwargs)

    return graph_trace


def make_bound_with_extra_term(
    original: Callable[..., np.ndarray],
) -> Callable[..., np.ndarray]:
    """Return descent_lemma_bound summing over t ≤ T instead of t < T (one term too many)."""

    def descent_lemma_bound(initial_gap: float, lrs: Sequence[float], L: float) -> np.ndarray:
        original(initial_gap, lrs, L)
        steps = np.asarray(lrs, dtype=np.float64)
        terms = steps * (1.0 - L * steps / 2.0)

        # The term of step T joins the sum for horizon T; the last horizon repeats its own.
        following = np.append(terms[1:], terms[-1])
        return initial_gap / (np.cumsum(terms) + following)

    return descent_lemma_bound


def make_trace_variance_without_diagonal(
    original: Callable[..., Tensor],
) -> Callable[..., Tensor]:
    """Return trace_variance giving 2‖H‖_F² for Rademacher probes, missing −2 Σ H_ii²."""

    def trace_variance(H: Tensor, distribution: str = "rademacher") -> Tensor:
        original(H, distribution)
        return 2.0 * (H**2).sum()

    return trace_variance


def make_diagonal_variance_with_diagonal(
    original: Callable[..., Tensor],
) -> Callable[..., Tensor]:
    """Return diagonal_variance summing H_ij² over all j, the j = i term included."""

    def diagonal_variance(H: Tensor) -> Tensor:
        original(H)
        return (H**2).sum(dim=1)

    return diagonal_variance


def make_threshold_without_square(original: Callable[..., float]) -> Callable[..., float]:
    """Return divergence_threshold with λ² dropped under the root: 2(λ + lr)/lr²."""

    def divergence_threshold(lr: float, curvature_scale: float) -> float:
        return 2 * (curvature_scale + math.sqrt(lr**2)) / lr**2

    return divergence_threshold


def make_load_keeping_generator(original: Callable[..., None]) -> Callable[..., None]:
    """Return load_state_dict that restores everything except the probe generator."""

    def load_state_dict(self: Any, state_dict: dict[str, Any]) -> None:
        fresh_state = self._generator.get_state()
        original(self, state_dict)
        self._generator.set_state(fresh_state)

    return load_state_dict


def make_radius_without_clamp(original: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Return bernstein_radius taking the square root of a rounding-negative variance."""

    def bernstein_radius(
        variance: Tensor, term_range: Tensor, num_probes: int, failure_probability: float
    ) -> Tensor:
        original(variance, term_range, num_probes, failure_probability)
        level = math.log(2.0 / failure_probability)
        linear = 2.0 * term_range * level / 3.0
        root = (linear**2 + 8.0 * num_probes * variance * level).sqrt()
        return (linear + root) / (2.0 * num_probes)

    return bernstein_radius
