"""Metadata problems: each names the file, line, column and field path of bad input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

Part = str | int
"""One step of a field path: a mapping key or a list index."""


def format_path(parts: tuple[Part, ...]) -> str:
    """`("jobs", "a", "tasks", 2, "depends_on")` -> `jobs.a.tasks[2].depends_on`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class Pos(NamedTuple):
    """Where a value sits in a metadata file (1-based line and column); line 0: a place that has
    no lines, such as a control table's cell, named whole by `file`."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        if self.line == 0:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the metadata."""

    pos: Pos | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        field = f"{self.path}: " if self.path else ""
        return f"{where}{field}{self.message}"


class MetadataError(Exception):
    """Bad metadata; `str(err)` lists every problem, one per line: `file:line:col: field: msg`."""

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        self.problems: list[Problem] = list(problems)
        self.warnings: list[Problem] = list(warnings)
        """Warnings of the same load: shown with the problems, which they often explain."""
        super().__init__("\n".join(str(p) for p in self.problems))
