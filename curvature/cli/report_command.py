"""``curvature report``: the HTML and Markdown report of an earlier ``curvature verify`` run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from curvature.cli.progress import ProgressBar
from curvature.report import (
    BENCH_NAME,
    ReportDependencyError,
    ReportFiles,
    ReportInputError,
    check_writable_folder,
    load_bench,
    load_verdicts,
    make_report,
    verdicts_path,
    write_report_files,
)


def register(subparsers: Any) -> None:
    """Add the ``report`` subcommand."""
    parser = subparsers.add_parser(
        "report",
        help="write the HTML and Markdown report of an earlier verify run",
        description=(
            "Write DIR/report.html (one self-contained page) and DIR/report.md with the "
            "verdict table, the plots of the evidence and a reproducibility block, from the "
            "verdicts.json of an earlier `curvature verify` run, without rerunning it. Needs "
            "matplotlib. Exits 0 on success and 2 on invalid arguments."
        ),
    )
    parser.add_argument(
        "verdicts",
        type=Path,
        metavar="VERDICTS",
        help="the verdicts.json written by `curvature verify`, or the folder that contains it",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for report.html, report.md and report-figures/ "
        "(default: the folder of VERDICTS)",
    )
    add_bench_argument(parser)
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar and no list of written files"
    )
    parser.set_defaults(run=run)


def add_bench_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--bench FILE``, shared with ``curvature verify``."""
    parser.add_argument(
        "--bench",
        type=Path,
        metavar="FILE",
        help=f"a {BENCH_NAME} written by `curvature bench`, for the cost plot "
        f"(default: {BENCH_NAME} beside the verdicts, if there is one)",
    )


def run(arguments: argparse.Namespace) -> int:
    """Read the verdicts, draw the plots and write the report; return the exit status."""
    source = verdicts_path(arguments.verdicts)
    out_dir = arguments.out if arguments.out is not None else source.parent
    try:
        document = load_verdicts(source)
    except ReportInputError as error:
        return _reject("VERDICTS", error)

    try:
        files = write_report(
            document,
            source=source,
            out_dir=out_dir,
            bench_file=arguments.bench,
            bench_folders=[source.parent],
            quiet=arguments.quiet,
        )
    except ReportInputError as error:
        return _reject(error.argument or "--out", error)
    except ReportDependencyError as error:
        print(f"curvature report: error: {error}", file=sys.stderr)
        return 2

    if not arguments.quiet:
        print(f"Report: {files.html} and {files.markdown}")
    return 0


def write_report(
    document: dict[str, Any],
    *,
    source: Path,
    out_dir: Path,
    bench_file: Path | None,
    bench_folders: list[Path],
    quiet: bool,
) -> ReportFiles:
    """Make the report of ``document`` and write it into ``out_dir``, with a progress bar.

    Raises:
        ReportInputError: the benchmark record is unusable (``argument`` is ``--bench``) or
            ``out_dir`` is not writable (``argument`` is ``--out``).
        ReportDependencyError: matplotlib is not installed.
    """
    try:
        check_writable_folder(out_dir)
    except ReportInputError as error:
        raise ReportInputError(str(error), argument="--out") from None
    bench, bench_source = _bench_record(bench_file, bench_folders)
    bar = ProgressBar.on_stderr(quiet)
    try:
        report = make_report(
            document,
            source=str(source),
            bench=bench,
            bench_source=bench_source,
            progress=lambda done, total, label: bar.update(done, total, f"plot: {label}"),
        )
    finally:
        bar.close()
    try:
        return write_report_files(report, out_dir)
    except ReportInputError as error:
        raise ReportInputError(str(error), argument="--out") from None


def _bench_record(
    bench_file: Path | None, folders: list[Path]
) -> tuple[dict[str, Any] | None, str | None]:
    # An explicit --bench must be valid; a record found beside the verdicts is used if valid.
    if bench_file is not None:
        try:
            return load_bench(bench_file), str(bench_file)
        except ReportInputError as error:
            raise ReportInputError(str(error), argument="--bench") from None
    for folder in folders:
        candidate = folder / BENCH_NAME
        if candidate.is_file():
            try:
                return load_bench(candidate), str(candidate)
            except ReportInputError as error:
                print(f"curvature: note: {error}; the report has no cost plot", file=sys.stderr)
    return None, None


def _reject(argument: str, error: Exception) -> int:
    print(f"curvature report: error: argument {argument}: {error}", file=sys.stderr)
    return 2
