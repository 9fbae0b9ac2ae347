"""``curvature faults``: run the planted faults and print which property caught each."""

from __future__ import annotations

import argparse
from typing import Any

PROFILE_CHOICES = ("ci", "default", "thorough")


def register(subparsers: Any) -> None:
    """Add the ``faults`` subcommand."""
    parser = subparsers.add_parser(
        "faults",
        help="check that the property suite catches deliberately wrong variants",
        description=(
            "Plant each deliberately wrong variant of the toolkit in turn, run the property "
            "suite against it and print the property that caught it, with its message, and "
            "the fraction of faults caught. Exits 0 when every fault was caught, 1 when one "
            "was not, and 2 on invalid arguments."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options shared by ``curvature faults`` and ``python -m curvature.testing.faults``."""
    parser.add_argument(
        "--all",
        action="store_true",
        help="run every property on every fault and list all that catch it "
        "(default: stop at the first)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILE_CHOICES,
        default="ci",
        help="hypothesis profile whose example count the properties use (default: ci)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        metavar="NAME",
        help="run only this fault; repeat for several (default: all; see --list)",
    )
    parser.add_argument("--list", action="store_true", help="list the faults and exit")


def run(arguments: argparse.Namespace) -> int:
    """Run the selected faults and print the report; return the exit status."""
    from curvature.testing.faults import run_from_arguments

    return run_from_arguments(arguments)
