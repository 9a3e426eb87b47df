"""A stack's defaults applied to resolved rows: each kind's typed model-to-model step
(`Kind.for_stack`, bundles' mutators)."""

from __future__ import annotations

from typing import Any

from metadata.kinds import KINDS, Rows
from metadata.settings import StackSettings


def apply_stack_defaults(rows: Rows, settings: StackSettings, stack: str) -> Rows:
    """The rows final for `stack`: every stack-wide default applied where the row sets none.
    Rows already final for this stack come back as they are."""
    if rows.stack == stack:
        return rows
    if rows.stack is not None:
        raise ValueError(f"rows are final for stack {rows.stack!r}, not {stack!r}")
    final: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        step = KINDS[kind].for_stack
        final[kind] = {
            key: row if step is None else step(key, row, settings, stack)
            for key, row in rows.of(kind).items()
        }
    return Rows(
        **final,
        stack=stack,
        warnings=rows.warnings,
        positions=rows.positions,
        sources=rows.sources,
    )
