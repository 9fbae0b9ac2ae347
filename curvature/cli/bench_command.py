"""``curvature bench``: measure the cost of the estimators and the optimizer, write a record."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from curvature.bench import profile_config, run_suite, write_record

DEFAULT_OUT = Path("curvature-bench")
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def register(subparsers: Any) -> None:
    """Add the ``bench`` subcommand."""
    parser = subparsers.add_parser(
        "bench",
        help="measure estimator and optimizer costs against n, torch.optim and peer libraries",
        description=(
            "Measure the cost of a gradient, an HVP, a Hutchinson probe, the exact diagonal and "
            "the dense Hessian against the number of parameters n, fit their exponents, compare "
            "HVP paths, an optimizer step against torch.optim, and the peer libraries that are "
            "installed. Prints the ratios, the exponents and the targets, and writes "
            "OUT/bench.json and OUT/bench.md. Exits 0 when every section ran, whatever the "
            "figures, 1 when a section failed, and 2 on invalid arguments."
        ),
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="one size per decade and no torch.compile"
    )
    size.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes that only check that every benchmark runs (seconds; figures are "
        "not meaningful)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})"
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="torch device to measure on, such as cpu or cuda:0 (default: cpu)",
    )
    parser.add_argument(
        "--dtype",
        choices=sorted(DTYPES),
        default="float32",
        help="parameter dtype (default: float32)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads for the run (default: torch's setting); one thread keeps "
        "the figures steady on a machine that other processes share",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="skip the peer libraries and AdaHessian"
    )
    parser.add_argument("--json", action="store_true", help="print bench.json to stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Run the benchmark, print its summary and write the record; return the exit status."""
    try:
        device = _check_device(arguments.device)
        if arguments.threads is not None and arguments.threads < 1:
            raise ValueError(f"`--threads` must be a positive integer, got {arguments.threads}")
    except ValueError as error:
        print(f"curvature bench: error: {error}", file=sys.stderr)
        return 2

    profile = "full"
    if arguments.smoke:
        profile = "smoke"
    elif arguments.quick:
        profile = "quick"
    show_progress = not arguments.quiet and sys.stderr.isatty()

    def progress(message: str) -> None:
        if show_progress:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    config = profile_config(profile)
    if arguments.threads is not None:
        config = replace(config, num_threads=arguments.threads)
    report = run_suite(
        config,
        device=device,
        dtype=DTYPES[arguments.dtype],
        include_peers=not arguments.no_peers,
        progress=progress,
    )
    document = write_record(report, arguments.out, _command(arguments))

    if arguments.json:
        print(json.dumps(document, indent=2))
    else:
        print(format_summary(document))
        print(f"\nRecord: {arguments.out / 'bench.json'} and {arguments.out / 'bench.md'}")
    return 1 if report.errors else 0


def format_summary(document: dict[str, Any]) -> str:
    """Return the ratios at the target MLP, the exponents and the targets as plain text."""
    lines = [f"profile {document['profile']}, {document['device']}, {document['dtype']}"]

    n = document["target_n"]
    at_size = [p for p in document["points"] if (p["family"], p["n"]) == ("mlp", n)]
    gradient = next((p["min_s"] for p in at_size if p["workload"] == "gradient"), None)
    if gradient is not None:
        lines += ["", f"ratios to one gradient, MLP n = {n}:"]
        for point in at_size:
            lines.append(
                f"  {point['workload']:<18} {point['min_s'] * 1e3:10.3f} ms  "
                f"{point['min_s'] / gradient:6.2f}x"
            )

    lines += ["", "exponents p of time ∝ n^p (95% interval):"]
    for fit in document["fits"]:
        if fit["quantity"] == "time":
            lines.append(
                f"  {fit['family']:<10} {fit['workload']:<18} {fit['span']:<10} "
                f"{fit['exponent']:6.3f} [{fit['low']:.3f}, {fit['high']:.3f}] "
                f"n = {fit['n_min']}..{fit['n_max']}"
            )

    lines += ["", "targets:"]
    for target in document["targets"]:
        lines.append(f"  {target['status']:<12} {target['target']}: {target['measured']}")

    lines += ["", "verdicts:"]
    for verdict in document["verdicts"]:
        lines.append(
            f"  estimator-cost on {verdict['objective']}: {verdict['verdict']} "
            f"({verdict['summary']})"
        )
    for section, error in document["errors"].items():
        lines.append(f"error in {section}: {error.splitlines()[0]}")
    return "\n".join(lines)


def _check_device(name: str) -> torch.device:
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"`--device` must be a torch device such as cpu or cuda:0, got {name!r}"
        ) from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"`--device` is {name!r}, but CUDA is not available on this machine")
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"`--device` must be a CPU or CUDA device, got {name!r}")
    return device


def _command(arguments: argparse.Namespace) -> str:
    parts = ["curvature", "bench"]
    if arguments.quick:
        parts.append("--quick")
    if arguments.smoke:
        parts.append("--smoke")
    if arguments.device != "cpu":
        parts += ["--device", arguments.device]
    if arguments.dtype != "float32":
        parts += ["--dtype", arguments.dtype]
    if arguments.threads is not None:
        parts += ["--threads", str(arguments.threads)]
    if arguments.no_peers:
        parts.append("--no-peers")
    return " ".join(parts)
