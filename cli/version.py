"""`lakeform --version`: this package's version and its two pins (also recorded in saved plans)."""

from __future__ import annotations

import re


def version() -> str:
    """`lakeform X (pulumi Y, pulumi-databricks Z)`: this package's version and its two pins."""
    from importlib.metadata import PackageNotFoundError, requires
    from importlib.metadata import version as installed

    try:
        own, wanted = installed("lakeform"), requires("lakeform") or []
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "lakeform (not installed: run `make setup`)"
    pins: dict[str, str] = {}
    for requirement in wanted:
        if m := re.match(r"(pulumi(?:-databricks)?)==([^\s;]+)", requirement):
            pins[m[1]] = m[2]
    return (
        f"lakeform {own} (pulumi {pins.get('pulumi', '?')}, "
        f"pulumi-databricks {pins.get('pulumi-databricks', '?')})"
    )
