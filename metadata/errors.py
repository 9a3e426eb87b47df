"""Metadata problems: each names the file, line, column and field path of bad input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class Pos(NamedTuple):
    """Where a value sits in a metadata file (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
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

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
