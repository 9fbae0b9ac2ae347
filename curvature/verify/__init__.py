"""``curvature verify``: every claim checked on its objectives, written as a report."""

from curvature.verify.output import markdown_table, report_data, versions, write_report
from curvature.verify.runner import (
    SkippedTask,
    TaskError,
    Verification,
    plan_tasks,
    run_verification,
    task_seed,
)

__all__ = [
    "SkippedTask",
    "TaskError",
    "Verification",
    "markdown_table",
    "plan_tasks",
    "report_data",
    "run_verification",
    "task_seed",
    "versions",
    "write_report",
]
