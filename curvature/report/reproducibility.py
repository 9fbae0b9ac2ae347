"""The reproducibility block: what produced the verdicts and on which machine."""

from __future__ import annotations

import json
from typing import Any

from curvature.claims import all_claims

NOT_RECORDED = "not recorded"


def reproducibility_rows(document: dict[str, Any], source: str) -> list[tuple[str, str]]:
    """Return (item, value) rows from a verdicts document; missing items read "not recorded"."""
    configuration = document.get("configuration")
    budgets = "quick" if document.get("quick") else "full"
    rows = [
        ("verdicts file", source),
        ("command", _command(configuration, document)),
        ("seed", str(document.get("seed", NOT_RECORDED))),
        ("budgets", budgets),
        ("configuration hash", str(document.get("configuration_hash", NOT_RECORDED))),
        (
            "configuration",
            NOT_RECORDED if configuration is None else json.dumps(configuration, sort_keys=True),
        ),
        ("started at (UTC)", str(document.get("started_at") or NOT_RECORDED)),
        ("run time", _seconds(document.get("seconds"))),
    ]
    machine = document.get("machine") or {}
    rows += [(f"machine: {key}", str(value)) for key, value in machine.items()]
    if not machine:
        rows.append(("machine", NOT_RECORDED))
    versions = document.get("versions") or {}
    rows += [(f"version: {name}", str(version)) for name, version in versions.items()]
    return rows


def _command(configuration: dict[str, Any] | None, document: dict[str, Any]) -> str:
    # The command line that repeats the run, from the recorded configuration.
    words = ["curvature", "verify"]
    if document.get("quick"):
        words.append("--quick")
    words += ["--seed", str(document.get("seed", 0))]
    if configuration is not None:
        for objective in configuration.get("objectives") or []:
            words += ["--objective", objective]
        # Every claim in the default order is what a run without --claim does.
        claims = configuration.get("claims") or []
        if claims != [claim.id for claim in all_claims()]:
            for claim in claims:
                words += ["--claim", claim]
    return " ".join(words)


def _seconds(value: Any) -> str:
    if not isinstance(value, int | float):
        return NOT_RECORDED
    return f"{value:.1f} s"
