"""How problems are worded: YAML type names, shown values and did-you-mean suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Collection

MAX_LISTED = 8
"""Longer lists of allowed names are cut to the closest few: thirty names help nobody."""


def suggest(word: str, choices: Collection[str]) -> str:
    """`; did you mean 'x'?`, or `; allowed: a, b, c` for a misspelt name (the closest few of
    a long list)."""
    ordered = sorted(choices)
    close = difflib.get_close_matches(word, ordered, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if len(ordered) <= MAX_LISTED:
        return f"; allowed: {', '.join(ordered)}" if ordered else ""
    nearest = difflib.get_close_matches(word, ordered, n=5, cutoff=0.3)
    if not nearest:
        return f"; none of the {len(ordered)} allowed names is close (lakeform schema lists them)"
    return f"; closest allowed: {', '.join(nearest)} (and {len(ordered) - len(nearest)} more)"


def yaml_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def show(value: object) -> str:
    if isinstance(value, str | int | float | bool):
        text = repr(value)
        return f" {text[:60]}" if len(text) <= 60 else f" {text[:57]}..."
    return ""
