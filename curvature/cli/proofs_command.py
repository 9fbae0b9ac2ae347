"""``curvature proofs``: check the symbolic proofs, print their status, write their pages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from curvature.report.errors import ReportInputError
from curvature.report.files import check_writable_folder


def register(subparsers: Any) -> None:
    """Add the ``proofs`` subcommand."""
    parser = subparsers.add_parser(
        "proofs",
        help="check the symbolic proofs of the theory with sympy",
        description=(
            "Check each proof step by step with sympy and print its status: 'checked', or the "
            "step that failed and why. Exits 0 when every selected proof checked, 1 when one "
            "failed, and 2 on invalid arguments."
        ),
    )
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help="proof ids to check (default: all; see --list)"
    )
    parser.add_argument("--list", action="store_true", help="list the proof ids and exit")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print id, statement, assumptions, status and results as JSON",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="DIR",
        help="after checking, write one Markdown page per proof and an index into DIR",
    )
    parser.add_argument(
        "--worst-case",
        action="store_true",
        help="with --markdown, also compute the PEPit worst-case comparison page "
        "(needs the pepit extra; about 5 s)",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Check the selected proofs and report them; return the exit status."""
    # sympy and the proofs load here, so other commands do not pay for the import.
    from curvature import proofs

    if arguments.list:
        for proof in proofs.all_proofs():
            print(f"{proof.id}: {proof.title}")
        return 0
    if arguments.worst_case and arguments.markdown is None:
        print("curvature proofs: error: --worst-case needs --markdown DIR", file=sys.stderr)
        return 2

    if arguments.markdown is not None:
        # Checked before the proofs run, so that a bad folder does not cost their time.
        try:
            check_writable_folder(arguments.markdown)
        except ReportInputError as error:
            print(f"curvature proofs: error: argument --markdown: {error}", file=sys.stderr)
            return 2

    try:
        selected = [proofs.build_proof(proof_id) for proof_id in arguments.ids]
    except ValueError as error:
        print(f"curvature proofs: error: {error}", file=sys.stderr)
        return 2
    if not selected:
        selected = proofs.all_proofs()

    outcomes = []
    for proof in selected:
        outcome = proofs.run_proof(proof)
        outcomes.append(outcome)
        if not arguments.json:
            print(_format_outcome(outcome), flush=True)

    if arguments.json:
        print(json.dumps([outcome.to_dict() for outcome in outcomes], indent=2))

    failed = [outcome for outcome in outcomes if outcome.failed_step is not None]
    if failed:
        return 1
    if arguments.markdown is not None:
        return _write_markdown(
            arguments.markdown, selected, arguments.worst_case, quiet=arguments.json
        )
    return 0


def _format_outcome(outcome: Any) -> str:
    proof = outcome.proof
    if outcome.failed_step is None:
        steps = len(proof.steps)
        return f"{proof.id}: checked, {steps} steps ({outcome.seconds:.1f} s): {proof.title}"
    return f"{proof.id}: FAILED at step {outcome.failed_step!r}: {outcome.reason}"


def _write_markdown(directory: Path, selected: list[Any], worst_case: bool, quiet: bool) -> int:
    from curvature.proofs import markdown, performance_estimation

    comparison = None
    if worst_case:
        try:
            rows = performance_estimation.compare()
        except ImportError as error:
            print(
                f"curvature proofs: error: the worst-case comparison needs PEPit ({error}); "
                'install it with pip install "curvature-lr-toolkit[pepit]"',
                file=sys.stderr,
            )
            return 2
        comparison = performance_estimation.comparison_page(rows)

    written = markdown.write_pages(directory, selected, comparison)
    if not quiet:
        print(f"wrote {len(written)} pages to {directory}")
    return 0
