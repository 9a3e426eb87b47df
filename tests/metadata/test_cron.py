"""Quartz cron expressions and timezone ids."""

from __future__ import annotations

import pytest

from metadata.cron import cron_problem, timezone_problem

VALID = [
    "0 0 6 * * ?",
    "0 0 2 ? * SUN",
    "0 0/15 * * * ?",
    "0 30 9-17 ? * MON-FRI",
    "0 0 12 L * ?",
    "0 0 12 L-3 * ?",
    "0 0 12 15W * ?",
    "0 0 12 LW * ?",
    "0 0 12 ? * 6#3",
    "0 0 12 ? * FRI#2",
    "0 0 12 ? * 6L",
    "0 0 12 ? JAN,JUL MON,WED,FRI 2030",
    "0 0 0 1 1-12/3 ?",
    "*/10 * * ? * *",
]

INVALID = {
    "0 0 6 * *": "6 or 7 fields",
    "0 0 6 * * * * *": "6 or 7 fields",
    "0 0 6 * * *": "exactly one of day-of-month",
    "0 0 6 ? * ?": "exactly one of day-of-month",
    "60 0 6 * * ?": "seconds field '60': 60 is outside 0-59",
    "0 0 6 32 * ?": "day-of-month field '32'",
    "0 0 6 ? 13 *": "month field '13'",
    "0 0 6 ? * FUN": "day-of-week field 'FUN'",
    "0 0 6 ? * 2#6": "'#n' needs n in 1-5",
    "0 0/0 6 * * ?": "step '/0' must be a positive number",
    "0 0 ? * * ?": "'?' only in day fields",
    "0 0 6 * * ? 1900": "year field '1900'",
    "0 0 6 1,,2 * ?": "empty list item",
}


@pytest.mark.parametrize("expression", VALID)
def test_valid_expressions(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(("expression", "fragment"), INVALID.items())
def test_invalid_expressions(expression: str, fragment: str) -> None:
    problem = cron_problem(expression)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize("zone", ["UTC", "Europe/Amsterdam", "America/Sao_Paulo", "Asia/Tokyo"])
def test_known_timezones(zone: str) -> None:
    assert timezone_problem(zone) is None


def test_unknown_timezone_suggests() -> None:
    assert timezone_problem("America/Sao_Pablo") == (
        "unknown timezone id 'America/Sao_Pablo'; did you mean 'America/Sao_Paulo'?"
    )
