"""`lakeform validate`: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("validate")
    p.set_defaults(run=lambda _args: 2)
