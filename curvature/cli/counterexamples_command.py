"""``curvature counterexamples``: the smallest counterexamples that hypothesis finds."""

from __future__ import annotations

import argparse
from typing import Any

from curvature.cli import arguments as types


def register(subparsers: Any) -> None:
    """Add the ``counterexamples`` subcommand."""
    parser = subparsers.add_parser(
        "counterexamples",
        help="find and shrink the smallest undefined-formula input and diverging curvature",
        description=(
            "Ask hypothesis for the smallest input on which the published formula "
            "lr/sqrt(1 + lambda tr(H)) is undefined, with the toolkit's rate there, and for "
            "the smallest curvature L on a grid at which the optimizer diverges on (L/2)x^2, "
            "compared with the closed-form threshold L* = 2(lambda + sqrt(lambda^2 + lr^2))/lr^2. "
            "Exits 0 when every shrunk L is the first grid point above L*, 1 when one is not, "
            "and 2 on invalid arguments."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options shared by the subcommand and ``python -m`` entry point."""
    parser.add_argument(
        "--lr", type=types.positive_float, help="base rate of one divergence search (with --lambda)"
    )
    parser.add_argument(
        "--lambda",
        dest="curvature_scale",
        type=types.non_negative_float,
        help="curvature scale of that search (default: three built-in (lr, lambda) pairs)",
    )
    parser.add_argument(
        "--resolution",
        type=types.positive_float,
        default=1.0,
        help="grid step of L in the divergence search (default: 1)",
    )


def run(arguments: argparse.Namespace) -> int:
    """Search the counterexamples and print them; return the exit status."""
    from curvature.testing.counterexamples import run_from_arguments

    return run_from_arguments(arguments)
