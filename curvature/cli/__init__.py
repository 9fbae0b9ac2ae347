"""The ``curvature`` command line: one module per subcommand, each with ``register``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from curvature import __version__
from curvature.cli import (
    bench_command,
    counterexamples_command,
    faults_command,
    objectives_command,
    proofs_command,
    rate_command,
    report_command,
    verify_command,
)

COMMANDS = (
    verify_command,
    report_command,
    objectives_command,
    bench_command,
    proofs_command,
    faults_command,
    counterexamples_command,
    rate_command,
)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="curvature",
        description="Check the theory of the curvature-adaptive learning rate "
        "eta_t = lr / sqrt(1 + lambda tr(H_t)) on built-in and user objectives.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return int(arguments.run(arguments))
    except KeyboardInterrupt:
        print("curvature: interrupted; finished results are in the report", file=sys.stderr)
        return 130


__all__ = ["build_parser", "main"]
