"""Argument validators that raise ``ValueError`` naming the argument and its value.

Each validator returns the checked value, so a constructor can write
``self.lr = check_positive("lr", lr)``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TypeVar

T = TypeVar("T")


def check_positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and greater than zero."""
    number = _as_real(name, value)
    if not number > 0.0:
        raise ValueError(f"`{name}` must be a finite number greater than 0, got {value!r}")
    return number


def check_non_negative(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and at least zero."""
    number = _as_real(name, value)
    if not number >= 0.0:
        raise ValueError(f"`{name}` must be a finite number of at least 0, got {value!r}")
    return number


def check_finite(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite."""
    return _as_real(name, value)


def check_positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an integer of at least 1 (``bool`` is rejected)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}")
    return value


def check_probability(name: str, value: float) -> float:
    """Return ``value`` if it lies in the open interval (0, 1)."""
    number = _as_real(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"`{name}` must lie strictly between 0 and 1, got {value!r}")
    return number


def check_choice(name: str, value: T, choices: Collection[T]) -> T:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(choice) for choice in choices)
        raise ValueError(f"`{name}` must be one of {listed}, got {value!r}")
    return value


def _as_real(name: str, value: float) -> float:
    # float() would accept the strings "0.1" and "nan", which a caller never means as a rate.
    if isinstance(value, (bool, str, bytes)):
        raise ValueError(f"`{name}` must be a real number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a real number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"`{name}` must be finite, got {value!r}")
    return number
