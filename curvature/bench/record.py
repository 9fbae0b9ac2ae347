"""The benchmark record: ``bench.json`` with every measurement, ``bench.md`` for people."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from curvature.bench.machine import machine_facts, software_versions
from curvature.bench.scaling import LINEAR_WORKLOADS
from curvature.bench.suite import BenchReport
from curvature.claims.base import to_json_ready

JSON_NAME = "bench.json"
MARKDOWN_NAME = "bench.md"


def report_document(report: BenchReport, command: str) -> dict[str, Any]:
    """Return the JSON document of a run."""
    return to_json_ready(
        {
            "command": command,
            "profile": report.config.name,
            "notes": list(report.config.notes),
            "device": report.device,
            "dtype": report.dtype,
            "threads": report.threads,
            "seconds": round(report.seconds, 1),
            "load_average_before": report.load_before,
            "load_average_after": report.load_after,
            "machine": machine_facts(report.device),
            "versions": software_versions(),
            "target_n": report.target_n,
            "fit_min_n": report.config.fit_min_n,
            "targets": [target.to_dict() for target in report.targets],
            "verdicts": [verdict.to_dict() for verdict in report.verdicts],
            "points": [point.to_dict() for point in report.points],
            "fits": [fit.to_dict() for fit in report.fits],
            "hvp_paths": [comparison.to_dict() for comparison in report.paths],
            "optimizer_steps": None if report.steps is None else report.steps.to_dict(),
            "peers": None if report.peers is None else report.peers.to_dict(),
            "skipped": [vars(item) for item in report.skipped],
            "errors": dict(report.errors),
        }
    )


def write_record(report: BenchReport, out_dir: Path, command: str) -> dict[str, Any]:
    """Write ``bench.json`` and ``bench.md`` into ``out_dir``; return the JSON document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = report_document(report, command)
    text = json.dumps(document, indent=2, allow_nan=False)
    _write_atomically(out_dir / JSON_NAME, text + "\n")
    _write_atomically(out_dir / MARKDOWN_NAME, markdown_record(document))
    return document


def _write_atomically(path: Path, text: str) -> None:
    # Write beside the target and rename, so that an interrupted run never leaves half a file.
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as stream:
        stream.write(text)

    # Temporary files are private to their owner; a record is an ordinary readable file.
    os.chmod(stream.name, 0o644)
    os.replace(stream.name, path)


def markdown_record(document: dict[str, Any]) -> str:
    """Return the record as Markdown tables, from the JSON document of a run."""
    lines = [
        f"# Benchmark record ({document['profile']} profile)",
        "",
        f"Command: `{document['command']}`. Device {document['device']}, {document['dtype']}, "
        f"{document['threads']} torch threads, {document['seconds']} s. Load average before "
        f"{_load(document['load_average_before'])}, after "
        f"{_load(document['load_average_after'])}.",
        "",
        *[f"Note: {note}." for note in document["notes"]],
        "",
        "| machine | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in document["machine"].items()],
        *[f"| {key} | {value} |" for key, value in document["versions"].items()],
        "",
    ]
    lines += _targets(document) + _ratios(document) + _exponents(document)
    lines += _costs(document) + _paths(document) + _steps(document) + _peers(document)
    lines += _problems(document)
    return "\n".join(lines) + "\n"


def _targets(document: dict[str, Any]) -> list[str]:
    lines = ["## Targets", "", "| target | measured | status | how |", "| --- | --- | --- | --- |"]
    for target in document["targets"]:
        status = "**missed**" if target["status"] == "missed" else target["status"]
        lines.append(f"| {target['target']} | {target['measured']} | {status} | {target['note']} |")
    lines += ["", "## Verdict `estimator-cost`", "", "| family | verdict | evidence |"]
    lines.append("| --- | --- | --- |")
    for verdict in document["verdicts"]:
        lines.append(f"| {verdict['objective']} | {verdict['verdict']} | {verdict['summary']} |")
    return [*lines, ""]


def _ratios(document: dict[str, Any]) -> list[str]:
    n = document["target_n"]
    at_size = {p["workload"]: p for p in document["points"] if (p["family"], p["n"]) == ("mlp", n)}
    if "gradient" not in at_size:
        return []
    gradient = at_size["gradient"]["min_s"]
    lines = [
        f"## Ratios on the MLP with n = {n}",
        "",
        "| workload | min ms | median ms | x gradient | peak MiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, point in at_size.items():
        lines.append(
            f"| {name} | {point['min_s'] * 1e3:.3f} | {point['median_s'] * 1e3:.3f} | "
            f"{point['min_s'] / gradient:.2f} | {_mib(point['peak_bytes'])} |"
        )
    return [*lines, ""]


def _exponents(document: dict[str, Any]) -> list[str]:
    lines = [
        "## Exponents p of cost ∝ n^p",
        "",
        f"Theil-Sen slopes of log cost against log n with 95% intervals. `asymptotic`: "
        f"n >= {document['fit_min_n']}; `all`: every measured size.",
        "",
        "| family | workload | quantity | span | p | interval | n range |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for fit in document["fits"]:
        lines.append(
            f"| {fit['family']} | {fit['workload']} | {fit['quantity']} | {fit['span']} | "
            f"{fit['exponent']:.3f} | [{fit['low']:.3f}, {fit['high']:.3f}] | "
            f"{fit['n_min']}..{fit['n_max']} ({fit['points']} sizes) |"
        )
    return [*lines, ""]


def _costs(document: dict[str, Any]) -> list[str]:
    lines = ["## Cost against n", ""]
    for family in sorted({point["family"] for point in document["points"]}):
        points = [point for point in document["points"] if point["family"] == family]
        names = [
            name
            for name in (*LINEAR_WORKLOADS, "exact-diagonal", "dense-hessian")
            if any(point["workload"] == name for point in points)
        ]
        lines += [
            f"### {family}: minimum ms per call (peak bytes per parameter)",
            "",
            "| n | " + " | ".join(names) + " |",
            "| --- |" + " --- |" * len(names),
        ]
        for n in sorted({point["n"] for point in points}):
            cells = []
            for name in names:
                match = [p for p in points if (p["n"], p["workload"]) == (n, name)]
                cells.append(_cell(match[0]) if match else "")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _paths(document: dict[str, Any]) -> list[str]:
    lines = []
    for comparison in document["hvp_paths"]:
        lines += [
            f"## HVP paths on {comparison['family']} n = {comparison['n']}",
            "",
            f"Gradient {comparison['gradient']['min_s'] * 1e3:.3f} ms. Fastest path: "
            f"{comparison['fastest']}; fastest library mode: `{comparison['library_mode']}`.",
            "",
            "| path | min ms | x gradient |",
            "| --- | --- | --- |",
        ]
        for name, path in comparison["paths"].items():
            lines.append(
                f"| {name} | {path['min_s'] * 1e3:.3f} | {path['ratio_to_gradient']:.2f} |"
            )
        for name, error in comparison["errors"].items():
            lines.append(f"| {name} | failed: {_escape(error)} | |")
        lines.append("")
    return lines


def _steps(document: dict[str, Any]) -> list[str]:
    steps = document["optimizer_steps"]
    if steps is None:
        return []
    lines = [
        f"## One optimizer step on the MLP with n = {steps['n']}",
        "",
        "| optimizer | ms per step | x SGD |",
        "| --- | --- | --- |",
    ]
    for name, entry in steps["optimizers"].items():
        lines.append(
            f"| {name} | {entry['seconds_per_step'] * 1e3:.3f} | {entry['ratio_to_sgd']:.2f} |"
        )
    for name, error in steps["errors"].items():
        lines.append(f"| {name} | failed: {_escape(error)} | |")
    return [*lines, ""]


def _peers(document: dict[str, Any]) -> list[str]:
    peers = document["peers"]
    if peers is None:
        return []
    lines = [
        f"## Peers ({peers['num_probes']} probes per estimate)",
        "",
        "| peer | distribution | version | status |",
        "| --- | --- | --- | --- |",
    ]
    for name, status in peers["peers"].items():
        state = "imports" if status["available"] else f"unavailable: {_escape(status['error'])}"
        lines.append(f"| {name} | {status['distribution']} | {status['version']} | {state} |")
    lines.append("")
    for quantity, group in peers["timings"].items():
        fastest = min(timing["min_s"] for timing in group.values())
        lines += [
            f"### {quantity} (n = {peers['sizes'][quantity]})",
            "",
            "| implementation | min ms | x fastest |",
            "| --- | --- | --- |",
        ]
        for name, timing in group.items():
            lines.append(
                f"| {name} | {timing['min_s'] * 1e3:.3f} | {timing['min_s'] / fastest:.2f} |"
            )
        lines.append("")
    if peers["agreement"]:
        lines += ["Agreement with this library (max abs difference / max abs value):", ""]
        lines += [f"- {check}: {value:.2e}" for check, value in peers["agreement"].items()]
        lines.append("")
    for name, error in peers["errors"].items():
        lines.append(f"- {name} failed: {_escape(error)}")
    return [*lines, ""]


def _problems(document: dict[str, Any]) -> list[str]:
    lines = []
    if document["skipped"]:
        lines += ["## Skipped", ""]
        lines += [f"- {item['what']}: {item['reason']}" for item in document["skipped"]]
        lines.append("")
    if document["errors"]:
        lines += ["## Errors", ""]
        for section, error in document["errors"].items():
            lines.append(f"- {section}: {_escape(error.splitlines()[0])}")
        lines.append("")
    return lines


def _cell(point: dict[str, Any]) -> str:
    per_parameter = point["peak_bytes_per_parameter"]
    memory = "" if per_parameter is None else f" ({per_parameter:.1f})"
    return f"{point['min_s'] * 1e3:.3g}{memory}"


def _mib(value: int | None) -> str:
    return "" if value is None else f"{value / 2**20:.1f}"


def _load(value: list[float] | None) -> str:
    return "unknown" if value is None else " ".join(f"{item:.2f}" for item in value)


def _escape(text: str | None) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")
