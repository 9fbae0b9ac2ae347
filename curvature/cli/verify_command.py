"""``curvature verify``: check every claim made for the adaptive rule and print the verdicts."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from curvature.claims.base import to_json_ready
from curvature.cli import arguments as types
from curvature.cli.progress import ProgressBar
from curvature.cli.report_command import add_bench_argument, write_report
from curvature.report import (
    ReportDependencyError,
    ReportFiles,
    ReportInputError,
    check_writable_folder,
    load_bench,
    pyplot,
)
from curvature.verify import Verification, report_data, run_verification

DEFAULT_OUT = Path("curvature-results")


MIN_EVIDENCE = 40
"""The minimum number of evidence characters a row keeps on a narrow terminal."""


def register(subparsers: Any) -> None:
    """Add the ``verify`` subcommand."""
    parser = subparsers.add_parser(
        "verify",
        help="check each claim on each objective and report verdicts",
        description=(
            "Check each claim made for the adaptive learning rate on its objectives and print "
            "a verdict (holds, fails or inconclusive) with evidence. Writes OUT/verdicts.json "
            "and OUT/verdicts.md after every check. Exits 0 when every check ran, whatever the "
            "verdicts, 1 when a check could not run, and 2 on invalid arguments."
        ),
    )
    parser.add_argument("--quick", action="store_true", help="small budgets: about 25 s on 2 cores")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})"
    )
    parser.add_argument("--seed", type=types.seed, default=0, help="run seed (default: 0)")
    parser.add_argument(
        "--objective",
        action="append",
        metavar="SPEC",
        help="a built-in objective id or module.path:factory; repeat for several "
        "(default: each claim's own objectives)",
    )
    parser.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="a claim id; repeat for several (default: all)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="also write DIR/report.html and DIR/report.md with plots of the evidence "
        "(needs matplotlib; `curvature report` makes them later from verdicts.json)",
    )
    add_bench_argument(parser)
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress on stderr (a bar on a terminal, one line per check otherwise)",
    )
    parser.add_argument("--json", action="store_true", help="print verdicts.json to stdout")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Run the verification and print the table; return the exit status."""
    # A report that cannot be written should stop the run before it starts, not after.
    problem = _report_problem(arguments.report, arguments.bench)
    if problem is None:
        try:
            check_writable_folder(arguments.out)
        except ReportInputError as error:
            problem = f"argument --out: {error}"
    if problem is not None:
        print(f"curvature verify: error: {problem}", file=sys.stderr)
        return 2

    bar = ProgressBar.on_stderr(arguments.quiet)
    log_lines = not arguments.quiet and not bar.enabled

    def progress(
        index: int, total: int, claim: str, objective: str, outcome: str, seconds: float
    ) -> None:
        bar.update(index, total, f"{claim} on {objective}: {outcome}")
        if log_lines:
            print(
                f"[{index}/{total}] {claim} on {objective}: {outcome} ({seconds:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

    try:
        verification = run_verification(
            seed=arguments.seed,
            quick=arguments.quick,
            out_dir=arguments.out,
            objective_specs=arguments.objective,
            claim_ids=arguments.claim,
            progress=progress,
        )
    except (ValueError, TypeError) as error:
        # Invalid ids and objective factories that return something other than an
        # Objective; failures inside a check are recorded per check instead.
        print(f"curvature verify: error: {error}", file=sys.stderr)
        return 2
    finally:
        bar.close()

    files = None
    if arguments.report is not None:
        files = _write_report(verification, arguments)

    if arguments.json:
        print(json.dumps(to_json_ready(report_data(verification)), indent=2))
    else:
        # On a terminal the evidence is cut to one line per row; verdicts.md keeps all of it.
        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        print(format_table(verification, width))
        print(f"\nReport: {arguments.out / 'verdicts.json'} and {arguments.out / 'verdicts.md'}")
        if files is not None:
            print(f"Plots: {files.html} and {files.markdown}")
    if arguments.report is not None and files is None:
        return 2
    return 1 if verification.errors else 0


def _report_problem(folder: Path | None, bench: Path | None) -> str | None:
    # Why --report DIR or --bench FILE cannot be used, or None: matplotlib missing, DIR not
    # writable, FILE not a benchmark record, or FILE without a report to draw it in.
    if folder is None:
        return None if bench is None else "argument --bench: a cost plot needs --report DIR"
    try:
        pyplot()
        check_writable_folder(folder)
    except (ReportDependencyError, ReportInputError) as error:
        return f"argument --report: {error}"
    if bench is not None:
        try:
            load_bench(bench)
        except ReportInputError as error:
            return f"argument --bench: {error}"
    return None


def _write_report(verification: Verification, arguments: argparse.Namespace) -> ReportFiles | None:
    # The report is drawn from the same document as verdicts.json, so that `curvature report`
    # on that file gives the same content.
    document = json.loads(json.dumps(to_json_ready(report_data(verification))))
    try:
        return write_report(
            document,
            source=arguments.out / "verdicts.json",
            out_dir=arguments.report,
            bench_file=arguments.bench,
            bench_folders=[arguments.out, arguments.report],
            quiet=arguments.quiet,
        )
    except ReportInputError as error:
        argument = "--report" if error.argument == "--out" else error.argument
        print(f"curvature verify: error: argument {argument}: {error}", file=sys.stderr)
    except ReportDependencyError as error:
        print(f"curvature verify: error: argument --report: {error}", file=sys.stderr)
    return None


def format_table(verification: Verification, width: int | None = None) -> str:
    """Return the verdicts as a plain-text table, one row per result.

    With ``width``, each evidence cell is cut to fit a terminal of that many columns and
    ends in "..."; verdicts.md keeps the whole text. Without it, nothing is cut.
    """
    rows = [
        (r.claim, r.objective, r.setting or "", r.verdict.value, r.summary)
        for r in verification.results
    ]
    rows += [(e.claim, e.objective, "", "error", e.error) for e in verification.errors]
    header = ("claim", "objective", "setting", "verdict", "evidence")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]
    room = None if width is None else max(width - sum(widths) - 2 * len(widths), MIN_EVIDENCE)
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(column) for cell, column in zip(row[:4], widths)]
        evidence = row[4]
        if room is not None and len(evidence) > room:
            evidence = evidence[: room - 3] + "..."
        lines.append("  ".join([*cells, evidence]))
    counts = {
        verdict: sum(1 for row in rows if row[3] == verdict)
        for verdict in ("holds", "fails", "inconclusive", "error")
    }
    summary = ", ".join(f"{count} {verdict}" for verdict, count in counts.items() if count)
    for task in verification.skipped:
        lines.append(f"skipped: {task.claim} on {task.objective}: {task.reason}")
    skipped = f", {len(verification.skipped)} skipped" if verification.skipped else ""
    lines.append(f"\n{summary}{skipped} in {verification.seconds:.1f} s (seed {verification.seed})")
    return "\n".join(lines)
