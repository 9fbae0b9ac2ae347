"""Argument checks shared by the strategies, raising ``ValueError`` that names the argument."""

from __future__ import annotations

from hypothesis import strategies as st

from curvature._validation import check_finite, check_positive_int

MAX_DIMENSION = 64
"""The largest matrix or parameter dimension a strategy accepts: dense n-by-n references."""


def check_size_range(min_size: int, max_size: int, *, smallest: int = 1) -> None:
    """Raise unless ``smallest ≤ min_size ≤ max_size ≤ MAX_DIMENSION``."""
    check_positive_int("min_size", min_size)
    check_positive_int("max_size", max_size)
    if min_size < smallest:
        raise ValueError(f"`min_size` must be at least {smallest}, got {min_size}")
    if max_size < min_size:
        raise ValueError(
            f"`max_size` must be at least `min_size` ({min_size}), got max_size={max_size}"
        )
    if max_size > MAX_DIMENSION:
        raise ValueError(
            f"`max_size` must be at most {MAX_DIMENSION}, because the properties compare with "
            f"dense n-by-n references; got {max_size}"
        )


def check_value_range(
    min_name: str, min_value: float, max_name: str, max_value: float
) -> tuple[float, float]:
    """Return the two bounds as floats after checking that both are finite and ordered."""
    low = check_finite(min_name, min_value)
    high = check_finite(max_name, max_value)
    if high < low:
        raise ValueError(
            f"`{max_name}` must be at least `{min_name}` ({min_value!r}), got {max_value!r}"
        )
    return low, high


def finite_floats(min_value: float, max_value: float) -> st.SearchStrategy[float]:
    """Return floats in [min_value, max_value] without NaN, infinities or subnormals."""
    return st.floats(
        min_value=min_value,
        max_value=max_value,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
    )
