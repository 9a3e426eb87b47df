"""The engine's wire values: the preview sentinel. Names and values between the wire shape and the
REST API's are the names table's (components.names)."""

from __future__ import annotations

from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value not known during preview (a reference to an uncreated id)."""


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN
