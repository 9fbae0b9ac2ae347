"""Reports of ``curvature verify``: one HTML page and its Markdown twin, with plots.

:func:`make_report` draws the plots from a ``verdicts.json`` document alone, so a report can
be made again from an earlier run; :func:`write_report_files` writes it.
"""

from curvature.report.build import (
    FIGURES_FOLDER,
    HTML_NAME,
    MARKDOWN_NAME,
    ReportFiles,
    make_report,
    write_report_files,
)
from curvature.report.errors import ReportDependencyError, ReportInputError
from curvature.report.figures import INSTALL_HINT, pyplot
from curvature.report.files import check_writable_folder
from curvature.report.inputs import BENCH_NAME, load_bench, load_verdicts, verdicts_path
from curvature.report.model import Figure, Report, Section

__all__ = [
    "BENCH_NAME",
    "FIGURES_FOLDER",
    "HTML_NAME",
    "INSTALL_HINT",
    "MARKDOWN_NAME",
    "Figure",
    "Report",
    "ReportDependencyError",
    "ReportFiles",
    "ReportInputError",
    "Section",
    "check_writable_folder",
    "load_bench",
    "load_verdicts",
    "make_report",
    "pyplot",
    "verdicts_path",
    "write_report_files",
]
