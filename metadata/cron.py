"""Quartz cron expressions (as Databricks schedules use them) and timezone ids."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]  # Quartz: 1 = SUN ... 7 = SAT

# (name, low, high, names)
_FIELDS: list[tuple[str, int, int, list[str]]] = [
    ("seconds", 0, 59, []),
    ("minutes", 0, 59, []),
    ("hours", 0, 23, []),
    ("day-of-month", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, []),
]


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a valid Quartz cron expression, or None if it is.

    Quartz: `seconds minutes hours day-of-month month day-of-week [year]`; exactly one of
    day-of-month and day-of-week is `?`; `L`, `W`, `LW`, `#` as Quartz allows them."""
    fields = expression.split()
    if len(fields) not in (6, 7):
        hint = ""
        if len(fields) == 5:  # a Unix cron: Quartz adds seconds and wants '?' in a day field
            quartz = ["0", *fields]
            if quartz[5] == "*":
                quartz[5] = "?"
            elif quartz[3] == "*":
                quartz[3] = "?"
            hint = f"; Quartz adds a seconds field first, e.g. '{' '.join(quartz)}'"
        return (
            f"Quartz cron needs 6 or 7 fields (seconds minutes hours day-of-month month "
            f"day-of-week [year]); got {len(fields)} in '{expression}'{hint}"
        )
    for (name, low, high, names), text in zip(_FIELDS, fields, strict=False):
        problem = _field_problem(name, text.upper(), low, high, names)
        if problem:
            return f"{name} field '{text}': {problem} in '{expression}'"
    dom, dow = fields[3], fields[5]
    if (dom == "?") == (dow == "?"):
        return (
            f"exactly one of day-of-month ('{dom}') and day-of-week ('{dow}') must be '?' "
            f"in '{expression}', e.g. '0 0 6 * * ?'"
        )
    return None


def _field_problem(name: str, text: str, low: int, high: int, names: list[str]) -> str | None:
    if text == "?":
        return None if name in ("day-of-month", "day-of-week") else "'?' only in day fields"
    if name == "day-of-month":
        if text in ("L", "LW"):
            return None
        m = re.fullmatch(r"L-(\d+)", text)
        if m:
            return None if 1 <= int(m.group(1)) <= 30 else "L-n needs n in 1-30"
        m = re.fullmatch(r"(\d+)W", text)
        if m:
            return None if 1 <= int(m.group(1)) <= 31 else "nW needs a day 1-31"
    if name == "day-of-week":
        if text == "L":
            return None
        m = re.fullmatch(r"(\w+)#(\d+)", text)
        if m:
            day = _value(m.group(1), low, high, names)
            if isinstance(day, str):
                return day
            return None if 1 <= int(m.group(2)) <= 5 else "'#n' needs n in 1-5"
        m = re.fullmatch(r"(\d+|[A-Z]{3})L", text)
        if m:
            day = _value(m.group(1), low, high, names)
            return day if isinstance(day, str) else None
    for item in text.split(","):
        problem = _item_problem(item, low, high, names)
        if problem:
            return problem
    return None


def _item_problem(item: str, low: int, high: int, names: list[str]) -> str | None:
    if not item:
        return "empty list item"
    base, _, step = item.partition("/")
    if "/" in item:
        if not step.isdigit() or int(step) == 0:
            return f"step '/{step}' must be a positive number"
        if int(step) > high:
            return f"step {step} is larger than the maximum {high}"
    if base == "*":
        return None
    start, dash, end = base.partition("-")
    first = _value(start, low, high, names)
    if isinstance(first, str):
        return first
    if dash:
        last = _value(end, low, high, names)
        if isinstance(last, str):
            return last
    return None


def _value(text: str, low: int, high: int, names: list[str]) -> int | str:
    if text.isdigit():
        value = int(text)
        if not low <= value <= high:
            return f"{value} is outside {low}-{high}"
        return value
    if text in names:
        return names.index(text) + low
    allowed = f"{low}-{high}" + (f" or {'-'.join((names[0], names[-1]))}" if names else "")
    return f"'{text}' is not a value ({allowed}), '*', a range a-b, a list a,b or a step a/n"


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(timezone_id: str) -> str | None:
    """Why `timezone_id` is not a known timezone id, or None."""
    if timezone_id in _zones() or timezone_id in ("UTC", "GMT"):
        return None
    import difflib

    close = difflib.get_close_matches(timezone_id, sorted(_zones()), n=1, cutoff=0.6)
    hint = (
        f"; did you mean '{close[0]}'?"
        if close
        else " (use an IANA id such as 'UTC' or 'Europe/Amsterdam')"
    )
    return f"unknown timezone id '{timezone_id}'{hint}"
