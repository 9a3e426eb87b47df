"""Finding the file position and printable field path of a value inside a row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from metadata.errors import Part, Pos, Problem, format_path
from metadata.yamlsrc import LList, LMap


@dataclass(frozen=True)
class Locator:
    """A row's source data, to point problems at the right file, line and column."""

    file: str
    prefix: tuple[Part, ...]
    data: Any
    key_pos: Pos | None
    task_index: list[int] | None = None
    """Original positions of the tasks kept after disabled ones were dropped."""

    def index(self, i: int) -> int:
        """The index task `i` had in the file."""
        if self.task_index is not None and 0 <= i < len(self.task_index):
            return self.task_index[i]
        return i

    def pos(self, parts: tuple[Part, ...]) -> Pos | None:
        """The position of the deepest value along `parts` that exists in the source."""
        node: Any = self.data
        best = self.key_pos or getattr(node, "pos", None)
        for part in parts:
            if isinstance(node, LMap) and isinstance(part, str) and part in node:
                best = node.key_pos.get(part, best)
                node = node[part]
            elif isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node):
                best = node.item_pos[part] or best
                node = node[part]
            else:
                # Parts pydantic adds (union tags) or values the source lacks: keep the
                # closest position found so far.
                continue
        return best

    def node(self, parts: tuple[Part, ...]) -> Any:
        """The source value along `parts` (parts the source lacks, such as union tags, skipped)."""
        node: Any = self.data
        for part in parts:
            if isinstance(node, LMap) and isinstance(part, str):
                node = node.get(part, node)
            elif isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
        return node

    def path(self, parts: tuple[Part, ...]) -> str:
        if len(parts) >= 2 and parts[0] == "tasks" and isinstance(parts[1], int):
            parts = ("tasks", self.index(parts[1]), *parts[2:])
        return format_path(self.prefix + parts)

    def problem(
        self, parts: tuple[Part, ...], message: str, *, shown: tuple[Part, ...] | None = None
    ) -> Problem:
        """A problem at `parts`; `shown` prints a shorter field path (e.g. without a list index)."""
        return Problem(self.pos(parts), self.path(parts if shown is None else shown), message)
