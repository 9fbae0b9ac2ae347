"""Empirical exponents p of a cost c(n) ∝ n^p, from measurements on a geometric grid of n.

The exponent is the Theil–Sen slope of log c against log n (:func:`scipy.stats.theilslopes`):
the median of the slopes between all pairs of sizes, with the confidence interval that
scipy derives from Kendall's tau. A single disturbed size moves the median little, which a
least-squares slope would not survive on a shared machine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import theilslopes

from curvature._validation import check_probability

DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class ExponentFit:
    """The slope of log cost against log n with its confidence interval.

    Attributes:
        exponent: the Theil–Sen slope p.
        low, high: the confidence interval of p.
        confidence: the interval's confidence level.
        sizes: the n of the points fitted.
        costs: the costs fitted, in the same order.
    """

    exponent: float
    low: float
    high: float
    confidence: float
    sizes: tuple[int, ...]
    costs: tuple[float, ...]

    def within(self, lower: float, upper: float) -> bool:
        """Return whether the whole confidence interval lies in [lower, upper]."""
        return lower <= self.low and self.high <= upper

    def outside(self, lower: float, upper: float) -> bool:
        """Return whether the whole confidence interval lies outside [lower, upper]."""
        return self.high < lower or self.low > upper

    def to_dict(self) -> dict[str, object]:
        """Return the fit as a JSON-ready dict."""
        return {
            "exponent": self.exponent,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "n_min": min(self.sizes),
            "n_max": max(self.sizes),
            "points": len(self.sizes),
            "sizes": list(self.sizes),
            "costs": list(self.costs),
        }


def fit_exponent(
    sizes: Sequence[int], costs: Sequence[float], *, confidence: float = DEFAULT_CONFIDENCE
) -> ExponentFit:
    """Fit c(n) ∝ n^p to the points (sizes[i], costs[i]) and return p with its interval.

    Raises:
        ValueError: with fewer than three distinct sizes, or a size or cost that is not
            positive and finite.

    Example:
        >>> fit = fit_exponent([10, 100, 1000, 10000], [2e-3, 2e-2, 2e-1, 2.0])
        >>> round(fit.exponent, 6), round(fit.low, 6), round(fit.high, 6)
        (1.0, 1.0, 1.0)
    """
    check_probability("confidence", confidence)
    if len(sizes) != len(costs):
        raise ValueError(
            f"`sizes` and `costs` must have the same length, got {len(sizes)} and {len(costs)}"
        )
    if len(set(sizes)) < 3:
        raise ValueError(
            f"an exponent needs at least three distinct sizes, got {sorted(set(sizes))}"
        )
    for name, values in (("sizes", sizes), ("costs", costs)):
        bad = [value for value in values if not (math.isfinite(value) and value > 0)]
        if bad:
            raise ValueError(f"`{name}` must be positive and finite, got {bad[0]!r}")

    log_n = np.log(np.asarray(sizes, dtype=float))
    log_c = np.log(np.asarray(costs, dtype=float))
    result = theilslopes(log_c, log_n, alpha=confidence)

    return ExponentFit(
        exponent=float(result.slope),
        low=float(result.low_slope),
        high=float(result.high_slope),
        confidence=confidence,
        sizes=tuple(int(size) for size in sizes),
        costs=tuple(float(cost) for cost in costs),
    )


def geometric_sizes(start: float, stop: float, per_decade: int) -> list[int]:
    """Return integers from ``start`` to ``stop`` spaced ``per_decade`` to a factor of ten.

    Example:
        >>> geometric_sizes(1e3, 1e5, 2)
        [1000, 3162, 10000, 31623, 100000]
    """
    if not (0 < start <= stop):
        raise ValueError(f"`start` and `stop` must satisfy 0 < start <= stop, got {start}, {stop}")
    if isinstance(per_decade, bool) or not isinstance(per_decade, int) or per_decade < 1:
        raise ValueError(f"`per_decade` must be a positive integer, got {per_decade!r}")
    count = round(math.log10(stop / start) * per_decade)
    return [round(start * 10 ** (index / per_decade)) for index in range(count + 1)]
