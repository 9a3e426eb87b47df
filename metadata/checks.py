"""Cross-row rules, applied once after every file is read (filled in below)."""

from __future__ import annotations

from pathlib import Path

from metadata.errors import Problem
from metadata.resolve import Resolution
from stacks.settings import StackSettings


def check_rows(res: Resolution, *, settings: StackSettings | None, root: Path) -> list[Problem]:
    return []
