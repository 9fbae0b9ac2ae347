"""argparse types that reject bad values before a command runs.

A value that fails its check makes argparse print the option, the value and what is
expected, with the usage line, and exit with status 2.
"""

from __future__ import annotations

import argparse
import math


def seed(text: str) -> int:
    """Parse a seed: an integer from 0 to 2³² − 1, the range numpy's generators take."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected a seed from 0 to {2**32 - 1}, got {value}")
    return value


def positive_float(text: str) -> float:
    """Parse a finite number greater than 0."""
    value = _finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a finite number greater than 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """Parse a finite number of at least 0."""
    value = _finite_float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number of at least 0, got {text!r}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value
