"""What an audit record says about a change: the fields that differ, before and after."""

from __future__ import annotations

from typing import Any

REDACTED = "(changed)"  # free text is personal data: the trail says it changed, not what it said


def changes(
    before: dict[str, Any], after: dict[str, Any], free_text: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields that differ, as {"before": {...}, "after": {...}}; free-text fields are
    recorded only as having changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {
        "before": {k: REDACTED if k in free_text else before.get(k) for k in keys},
        "after": {k: REDACTED if k in free_text else after.get(k) for k in keys},
    }
