"""``curvature objectives``: list the built-in objectives and what is known about them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from curvature.claims.base import to_json_ready
from curvature.objectives import BUILTIN_OBJECTIVES, make_objective


def register(subparsers: Any) -> None:
    """Add the ``objectives`` subcommand."""
    parser = subparsers.add_parser(
        "objectives",
        help="list the built-in objectives",
        description="List the built-in objectives with n, L and how L was obtained, and f*.",
    )
    parser.add_argument("--json", action="store_true", help="print the facts as JSON")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Print one line (or one JSON object) per built-in objective."""
    facts = [make_objective(name).describe() for name in BUILTIN_OBJECTIVES]
    if arguments.json:
        print(json.dumps(to_json_ready(facts), indent=2))
        return 0
    for fact in facts:
        L = "unknown" if fact["L"] is None else f"{fact['L']:.6g}"
        certified = "certified" if fact["L_certified"] else "not certified"
        lower = (
            "no lower bound f* known"
            if fact["lower_bound"] is None
            else f"f* >= {fact['lower_bound']:.6g}"
        )
        region = "" if fact["L_region"] in (None, "none") else f"; on {fact['L_region']}"
        print(
            f"{fact['name']}: n = {fact['num_parameters']}, L = {L} ({certified}: "
            f"{fact['L_method']}{region}), {lower}"
        )
    return 0
