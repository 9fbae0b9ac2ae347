"""Reading the report's inputs: a ``verdicts.json`` and, optionally, a ``bench.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from curvature.report.errors import ReportInputError

VERDICTS_NAME = "verdicts.json"
BENCH_NAME = "bench.json"
RESULT_KEYS = ("claim", "objective", "verdict", "summary")


def verdicts_path(path: Path) -> Path:
    """Return ``path``, or ``path/verdicts.json`` when ``path`` is a folder."""
    return path / VERDICTS_NAME if path.is_dir() else path


def load_verdicts(path: Path) -> dict[str, Any]:
    """Read a ``verdicts.json`` written by ``curvature verify`` and check its layout.

    Raises:
        ReportInputError: the file is missing, unreadable, not JSON or not a verdicts file.
    """
    document = _load_json(path, "the verdicts.json that `curvature verify` writes")
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list) or "seed" not in document:
        raise ReportInputError(
            f"{path} is not a verdicts file: expected a JSON object with 'seed' and a "
            "'results' list, as `curvature verify` writes to OUT/verdicts.json"
        )
    for index, result in enumerate(results):
        missing = [key for key in RESULT_KEYS if not isinstance(result, dict) or key not in result]
        if missing:
            raise ReportInputError(
                f"{path} is not a verdicts file: result {index} lacks {', '.join(missing)}"
            )
    return document


def load_bench(path: Path) -> dict[str, Any]:
    """Read a ``bench.json`` written by ``curvature bench`` and check its layout.

    Raises:
        ReportInputError: the file is missing, unreadable, not JSON or not a benchmark record.
    """
    document = _load_json(path, "the bench.json that `curvature bench` writes")
    if not isinstance(document, dict) or not isinstance(document.get("points"), list):
        raise ReportInputError(
            f"{path} is not a benchmark record: expected a JSON object with a 'points' list, "
            "as `curvature bench` writes to OUT/bench.json"
        )
    return document


def _load_json(path: Path, expected: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportInputError(f"{path} not found; expected {expected}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReportInputError(f"cannot read {path}: {error}; expected {expected}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ReportInputError(
            f"{path} is not valid JSON ({error.msg} at line {error.lineno}); expected {expected}"
        ) from None
