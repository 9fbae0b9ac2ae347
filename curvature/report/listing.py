"""The raw evidence listing under each section, with long series cut short."""

from __future__ import annotations

import json
from typing import Any

LIST_LIMIT = 8
"""Lists longer than this show their first items and a count; the plots show the rest."""


def shortened(value: Any) -> Any:
    """Return ``value`` with every list of more than :data:`LIST_LIMIT` items cut short."""
    if isinstance(value, dict):
        return {key: shortened(item) for key, item in value.items()}
    if isinstance(value, list):
        if len(value) > LIST_LIMIT:
            head = [shortened(item) for item in value[:LIST_LIMIT]]
            return [*head, f"... {len(value)} items in all"]
        return [shortened(item) for item in value]
    return value


def evidence_listing(evidence: dict[str, Any]) -> str:
    """Return the evidence as indented JSON, with long lists cut short."""
    return json.dumps(shortened(evidence), indent=2, ensure_ascii=False)
