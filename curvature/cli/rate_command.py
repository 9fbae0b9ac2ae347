"""``curvature rate``: the verdict on Q(T) ≤ C·T^(−P) for a user's own training log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from curvature.claims.base import to_json_ready
from curvature.cli import arguments as types
from curvature.rates import RateRules, assess_rate, check_bound
from curvature.rates.logs import (
    QUANTITIES,
    LogFormatError,
    common_table,
    read_log,
    thin_table,
)


def register(subparsers: Any) -> None:
    """Add the ``rate`` subcommand."""
    parser = subparsers.add_parser(
        "rate",
        help="decide a rate claim Q(T) <= C*T^-P from your own logged series",
        description=(
            "Read (step, value) series of one or more seeds from FILE (CSV with a header, or "
            "JSON), fit the decay exponent of Q(T) with bounds over seeds, and print the "
            "verdict on Q(T) <= C*T^-P: holds, fails or inconclusive, with what would settle "
            "an inconclusive one. CSV: a 'step' column and one column per seed, or 'seed', "
            '\'step\' and \'value\' columns. JSON: a list of {"step", "value", "seed"} '
            'records, or {"series": [{"seed", "steps", "values"}]}. Exits 0 with a '
            "verdict, 2 on an invalid file or argument."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the CSV or JSON log")
    parser.add_argument(
        "--exponent",
        type=types.positive_float,
        required=True,
        metavar="P",
        help="the claimed exponent P of Q(T) <= C*T^-P (0.5 for an O(1/sqrt(T)) rate)",
    )
    parser.add_argument(
        "--constant",
        type=types.positive_float,
        metavar="C",
        help="also check the explicit bound Q(T) <= C*T^-P at every logged horizon and seed",
    )
    parser.add_argument(
        "--quantity",
        choices=QUANTITIES,
        default="value",
        help="Q(T) from the log: the value logged at step T (default), the minimum of the "
        "values up to T ('best'), or their mean ('average', needs every step)",
    )
    parser.add_argument(
        "--seed", type=types.seed, default=0, help="seed of the bootstrap over seeds (default: 0)"
    )
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Read the log, assess the rate and print the verdict; return the exit status."""
    # argparse has checked --exponent, --constant and --seed; the file is checked here.
    try:
        series = read_log(arguments.file)
        steps, values = common_table(series, arguments.quantity)
        horizons, table = thin_table(steps, values)

        # The explicit bound is checked at every logged step, not only on the fit's grid.
        bound_check = None
        if arguments.constant is not None:
            bound = arguments.constant * steps.astype(np.float64) ** -arguments.exponent
            bound_check = check_bound(steps, values, bound)

        first_infinite = _first_infinite_step(steps, values)
        assessment = assess_rate(
            horizons,
            table,
            arguments.exponent,
            seed=arguments.seed,
            seed_names=[entry.seed for entry in series],
            bound_check=bound_check,
        )
    except (LogFormatError, ValueError, OSError) as error:
        print(f"curvature rate: error: {error}", file=sys.stderr)
        return 2

    rules = RateRules()
    document = {
        **assessment.to_dict(),
        "file": str(arguments.file),
        "claim": f"Q(T) <= C*T^-{arguments.exponent:g}",
        "quantity": arguments.quantity,
        "seed_names": [entry.seed for entry in series],
        "first_infinite_step": first_infinite,
        "grid": horizons,
        "table": table,
        "rules": {
            "holds_confidence": rules.holds_confidence,
            "fails_confidence": rules.fails_confidence,
            "min_decades": rules.min_decades,
        },
    }
    if arguments.json:
        print(json.dumps(to_json_ready(document), indent=2))
        return 0

    print(
        f"{arguments.file}: Q(T) <= C*T^-{arguments.exponent:g} ({arguments.quantity} of the log)"
    )
    print(
        f"  data: {len(series)} {'seed' if len(series) == 1 else 'seeds'} "
        f"({', '.join(entry.seed for entry in series)}), "
        f"{horizons.size} horizons T in [{int(horizons[0])}, {int(horizons[-1])}]"
    )
    if assessment.bound is not None:
        print(
            f"  explicit bound C = {arguments.constant:g}: worst ratio Q/(C*T^-P) = "
            f"{assessment.bound.worst_ratio:.3g} at T = {assessment.bound.worst_horizon}"
        )
    if first_infinite is not None:
        # The fit reads a thinned grid of horizons; the log itself may turn infinite earlier.
        print(f"  first infinite value in the log: step {first_infinite}")
    print(f"  verdict: {assessment.verdict}")
    print(f"  {assessment.summary}")
    return 0


def _first_infinite_step(steps: np.ndarray, values: np.ndarray) -> int | None:
    infinite = np.isinf(values).any(axis=0)
    return int(steps[np.argmax(infinite)]) if infinite.any() else None
