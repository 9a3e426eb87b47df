"""How problems are worded: YAML type names, shown values and did-you-mean suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def suggest(word: str, choices: Collection[str]) -> str:
    """`; did you mean 'x'?` or `; allowed: a, b, c` for a misspelt name."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; allowed: {', '.join(sorted(choices))}" if choices else ""


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
