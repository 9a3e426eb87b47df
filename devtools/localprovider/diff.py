"""Detailed diffs by property path, as the bridged provider reports them to the engine."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from typing import Any

from components.names import Fields
from devtools.localprovider.wire import is_unknown

Suppress = Callable[[Any, Any], bool]
"""(old, new) -> True when the provider shows no difference at this path."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def empty(value: Any) -> bool:
    # Terraform keeps no distinction between an empty block or list and none at all.
    return value is None or value == {} or value == []


def _key(path: str, key: str) -> str:
    if _IDENT.match(key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


def _pattern(path: str) -> str:
    """`tasks[2].dependsOns[0].taskKey` -> `tasks[].dependsOns[].taskKey` (what rules name)."""
    return re.sub(r"\[\d+\]", "[]", path)


class Differ:
    """Compares a resource's state (`olds`) with its checked inputs (`news`) field by field.

    Lists are compared by position, as the real provider does (so unsorted tasks would show a
    diff on every run; Lakeform sorts them). `suppress` maps path patterns (`*` allowed) to the
    provider's diff suppressions; `replace` lists the top-level properties that force a
    replacement; `ignore` names properties left out of the comparison (computed outputs)."""

    def __init__(
        self,
        fields: Fields,
        *,
        suppress: Mapping[str, Suppress] | None = None,
        replace: Callable[[Mapping[str, Any], Mapping[str, Any]], set[str]] | None = None,
        ignore: frozenset[str] = frozenset(),
    ) -> None:
        self.fields = fields
        self.suppress = dict(suppress or {})
        self.replace = replace
        self.ignore = ignore

    def _suppressed(self, path: str, old: Any, new: Any) -> bool:
        pattern = _pattern(path)
        return any(
            fnmatch.fnmatchcase(pattern, rule) and check(old, new)
            for rule, check in self.suppress.items()
        )

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, str]:
        """Changed paths -> ADD, DELETE or UPDATE (`*_REPLACE` where the change forces one)."""
        changes: dict[str, str] = {}
        keys = sorted((set(olds) | set(news)) & set(self.fields) - self.ignore)
        for key in keys:
            self._compare(key, olds.get(key), news.get(key), changes)
        if self.replace is not None and changes:
            forcing = self.replace(olds, news)
            for path, kind in list(changes.items()):
                top = re.split(r"[.\[]", path, maxsplit=1)[0]
                if top in forcing:
                    changes[path] = kind + "_REPLACE"
        return changes

    def _compare(self, path: str, old: Any, new: Any, changes: dict[str, str]) -> None:
        if is_unknown(new):
            changes[path] = "UPDATE"
            return
        if empty(old) and empty(new):
            return
        if self._suppressed(path, old, new):
            return
        if empty(old):
            changes[path] = "ADD"
            return
        if empty(new):
            changes[path] = "DELETE"
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping):
            for key in sorted(set(old) | set(new)):  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
                self._compare(_key(path, key), old.get(key), new.get(key), changes)  # pyright: ignore[reportUnknownMemberType,reportUnknownArgumentType]
            return
        if isinstance(old, list) and isinstance(new, list):
            for i in range(max(len(old), len(new))):  # pyright: ignore[reportUnknownArgumentType]
                o = old[i] if i < len(old) else None  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
                n = new[i] if i < len(new) else None  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
                self._compare(f"{path}[{i}]", o, n, changes)
            return
        if isinstance(old, float | int) and isinstance(new, float | int) and old == new:
            return
        if old != new:
            changes[path] = "UPDATE"


def absent_in_config(old: Any, new: Any) -> bool:
    """Suppression: the configuration leaves it out, whatever the workspace holds."""
    del old
    return empty(new)


def absent_or_default(default: Any) -> Suppress:
    """Suppression: the configuration leaves it out and the workspace holds the default."""

    def check(old: Any, new: Any) -> bool:
        return empty(new) and old == default

    return check
