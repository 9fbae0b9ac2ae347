"""Run the cost benchmarks and the float64 cross-validation on a CUDA GPU, within 5 minutes.

Usage, from the repository root on a machine with a CUDA GPU and this package installed::

    python benchmarks/cuda_check.py --out cuda-results

It first cross-validates every curvature path in float64 on the GPU against a dense Hessian
computed on the CPU (:func:`curvature.bench.crosscheck.cross_validate`), then runs the
``cuda`` profile of :func:`curvature.bench.run_suite` in float32, whose time budget stops
new measurements after 240 s. It writes ``OUT/crosscheck.json``, ``OUT/bench.json`` and
``OUT/bench.md``, prints the summary, and exits 0 when every cross-check passed and every
section ran, 1 otherwise, and 2 when CUDA is not available.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from curvature.bench import profile_config, run_suite, write_record
from curvature.bench.crosscheck import cross_validate
from curvature.cli.bench_command import format_summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("cuda-results"), help="output folder")
    parser.add_argument("--device", default="cuda", help="CUDA device (default: cuda)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer libraries")
    arguments = parser.parse_args()

    if not torch.cuda.is_available():
        print("cuda_check: CUDA is not available on this machine; nothing to run", file=sys.stderr)
        return 2
    device = torch.device(arguments.device)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    # Float64 agreement first: a wrong path makes its timings meaningless.
    progress(f"float64 cross-validation on {torch.cuda.get_device_name(device)}")
    checks = cross_validate(device)
    arguments.out.mkdir(parents=True, exist_ok=True)
    (arguments.out / "crosscheck.json").write_text(
        json.dumps([check.to_dict() for check in checks], indent=2) + "\n", encoding="utf-8"
    )
    for check in checks:
        verdict = "pass" if check.passed else "FAIL"
        print(f"{verdict}  {check.problem}  {check.quantity}: {check.error:.2e}")

    progress("cost benchmarks, cuda profile")
    report = run_suite(
        profile_config("cuda"),
        device=device,
        include_peers=not arguments.no_peers,
        progress=progress,
    )
    document = write_record(report, arguments.out, "python benchmarks/cuda_check.py")
    print(format_summary(document))
    progress(f"done; record in {arguments.out}")

    failed = [check for check in checks if not check.passed]
    return 1 if failed or report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
