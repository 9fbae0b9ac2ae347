"""The verification report: ``verdicts.json`` for machines and ``verdicts.md`` for people."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curvature.bench.machine import machine_facts
from curvature.claims.base import to_json_ready

if TYPE_CHECKING:
    from curvature.verify.runner import Verification

REPORTED_PACKAGES = (
    "torch",
    "numpy",
    "scipy",
    "sympy",
    "scikit-learn",
    "hypothesis",
    "matplotlib",
)
DISTRIBUTION = "curvature-lr-toolkit"


def versions() -> dict[str, str]:
    """Return the versions of Python, this toolkit and the packages that shape its numbers."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for package in (DISTRIBUTION, *REPORTED_PACKAGES):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def configuration(verification: Verification) -> dict[str, Any]:
    """Return what decides a verification's numbers: toolkit version, seed, budgets, tasks."""
    return {
        "toolkit": versions()[DISTRIBUTION],
        "seed": verification.seed,
        "quick": verification.quick,
        "claims": list(verification.claims),
        "objectives": verification.objective_specs,
    }


def configuration_hash(settings: dict[str, Any]) -> str:
    """Return the first 16 hex digits of the SHA-256 of ``settings`` as canonical JSON."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def report_data(verification: Verification) -> dict[str, Any]:
    """Return the JSON document of a verification."""
    settings = configuration(verification)
    return {
        "seed": verification.seed,
        "quick": verification.quick,
        "seconds": round(verification.seconds, 3),
        "started_at": verification.started_at,
        "configuration": settings,
        "configuration_hash": configuration_hash(settings),
        "machine": machine_facts("cpu"),
        "versions": versions(),
        "results": [result.to_dict() for result in verification.results],
        "skipped": [vars(task) for task in verification.skipped],
        "errors": [vars(task) for task in verification.errors],
    }


def markdown_table(verification: Verification) -> str:
    """Return the verdicts as a Markdown document with one table row per result."""
    lines = [
        "# Verdicts",
        "",
        f"Seed {verification.seed}, {'quick' if verification.quick else 'full'} budgets, "
        f"{verification.seconds:.1f} s.",
        "",
        "| claim | objective | setting | verdict | evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in verification.results:
        summary = result.summary.replace("|", "\\|")
        setting = result.setting or ""
        lines.append(
            f"| {result.claim} | {result.objective} | {setting} | {result.verdict.value} "
            f"| {summary} |"
        )
    for task in verification.errors:
        message = task.error.replace("|", "\\|")
        lines.append(f"| {task.claim} | {task.objective} | | error | {message} |")
    if verification.skipped:
        lines += ["", "Skipped:", ""]
        lines += [
            f"- {task.claim} on {task.objective}: {task.reason}" for task in verification.skipped
        ]
    return "\n".join(lines) + "\n"


def write_report(verification: Verification, out_dir: Path) -> None:
    """Write ``verdicts.json`` and ``verdicts.md`` into ``out_dir``, each atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = json.dumps(to_json_ready(report_data(verification)), indent=2, allow_nan=False)
    _write_atomically(out_dir / "verdicts.json", document + "\n")
    _write_atomically(out_dir / "verdicts.md", markdown_table(verification))


def _write_atomically(path: Path, text: str) -> None:
    # Write beside the target and rename, so that no reader and no interrupted run finds a
    # half-written file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        os.chmod(temporary, 0o666 & ~_current_umask())
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
