"""Exceptions of the report, so that the command line can tell bad input from a bug."""

from __future__ import annotations

from curvature.errors import CurvatureError


class ReportInputError(CurvatureError, ValueError):
    """The verdicts file, the benchmark record or the output folder cannot be used.

    Attributes:
        argument: the command-line argument that named the input, where known.
    """

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


class ReportDependencyError(CurvatureError, ImportError):
    """matplotlib, which draws the report's plots, is not installed."""
