"""The kinds of row: KINDS is the registry every per-kind loop reads.

Each kind is one plug-in module here (`metadata/kinds/<name>.py`) declaring its `Kind` entry: row
model, checks, references, export and recovery hooks, protection, and the type tokens of its
component (found by components/registry.py from the token) and of its Databricks resource (the
local provider's stand-in is keyed by the same token). Adding a kind is adding a module and its
line below; nothing else lists kinds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from metadata.errors import Part, Pos, Problem
from metadata.kinds.base import Browse, Drift, ExportOption, Kind, Recovery, Rest, Run
from metadata.kinds.data_quality_monitors import DATA_QUALITY_MONITORS
from metadata.kinds.jobs import JOBS
from metadata.kinds.pipelines import PIPELINES
from metadata.kinds.quality_monitors import QUALITY_MONITORS
from metadata.located import Locator

KINDS: dict[str, Kind] = {
    k.name: k for k in (JOBS, PIPELINES, QUALITY_MONITORS, DATA_QUALITY_MONITORS)
}
"""Every kind, in the order files, schemas and outputs list them."""
PROTECTED_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.protected)
"""Kinds a protected stack protects (and whose rows `release` may name)."""

__all__ = [
    "DATA_QUALITY_MONITORS",
    "JOBS",
    "KINDS",
    "PIPELINES",
    "PROTECTED_KINDS",
    "QUALITY_MONITORS",
    "Browse",
    "Drift",
    "ExportOption",
    "Kind",
    "Recovery",
    "Rest",
    "Rows",
    "Run",
]


class Rows:
    """Resolved rows of one stack, keyed by row key per kind (`rows.of(kind)`, or `rows.<kind>`)."""

    def __init__(
        self,
        by_kind: Mapping[str, Mapping[str, BaseModel]] | None = None,
        *,
        stack: str | None = None,
        warnings: list[Problem] | None = None,
        positions: dict[tuple[str, str], Pos] | None = None,
        sources: dict[tuple[str, str], Locator] | None = None,
        **rows: Mapping[str, BaseModel],
    ) -> None:
        given = {**(by_kind or {}), **rows}
        unknown = set(given) - set(KINDS)
        if unknown:
            raise TypeError(f"no kind {', '.join(sorted(unknown))}; kinds: {', '.join(KINDS)}")
        self._rows: dict[str, dict[str, BaseModel]] = {k: dict(given.get(k) or {}) for k in KINDS}
        self.stack = stack
        """The stack these rows are final for (its defaults applied), or None: not yet final."""
        self.warnings: list[Problem] = warnings if warnings is not None else []
        """What was accepted but should be written differently (an old spelling), in file order."""
        self.positions: dict[tuple[str, str], Pos] = positions if positions is not None else {}
        """(kind, key) -> where the row's key is written, for messages that point at a row."""
        self.sources: dict[tuple[str, str], Locator] = sources if sources is not None else {}
        """(kind, key) -> the row's source, to point at a field's line (policy findings): only
        for a stack whose policies run (metadata/load.py keeps them then only)."""
        self.table_digest: str | None = None
        """A digest of the control tables the rows were read with (metadata/load.py
        `table_rows`), or None: none read."""

    def of(self, kind: str) -> dict[str, BaseModel]:
        """The rows of `kind` (a key of KINDS)."""
        return self._rows[kind]

    def __getattr__(self, kind: str) -> dict[str, Any]:
        rows = self.__dict__.get("_rows")
        if rows is None or kind not in rows:
            raise AttributeError(kind)
        found: dict[str, Any] = rows[kind]
        return found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rows) and (self._rows, self.stack) == (other._rows, other.stack)

    __hash__ = None  # pyright: ignore[reportAssignmentType]

    def __repr__(self) -> str:
        return f"Rows({self._rows!r}, stack={self.stack!r})"

    def items(self) -> Iterator[tuple[str, dict[str, BaseModel]]]:
        """(kind, rows of that kind), in KINDS order."""
        return iter(self._rows.items())

    def where(self, kind: str, key: str) -> Pos | None:
        """Where the row `kind.key` is written (its key's file, line and column), if known."""
        return self.positions.get((kind, key))

    def field_pos(self, kind: str, key: str, parts: tuple[Part, ...]) -> Pos | None:
        """Where field `parts` of row `kind.key` is written; the row's key when the field comes
        from the stack's settings, not the row."""
        source = self.sources.get((kind, key))
        if source is None:
            return self.where(kind, key)
        if len(parts) >= 2 and parts[0] == "tasks" and isinstance(parts[1], int):
            parts = ("tasks", source.index(parts[1]), *parts[2:])
        return source.pos(parts)

    @property
    def total(self) -> int:
        """Number of rows of every kind."""
        return sum(len(rows) for rows in self._rows.values())
