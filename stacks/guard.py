"""In a protected stack, refuse a run that drops a protected row, and say how to release it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from metadata import PipelineRow, QualityMonitorRow, Rows
from stacks.config import LakeformError
from stacks.settings import StackSettings

GUARDED: tuple[str, ...] = ("pipelines", "quality_monitors")


def removed_protected_rows(
    previous: Mapping[str, Any], rows: Rows, settings: StackSettings
) -> list[str]:
    """`kind.key` of rows in the last deployment's outputs that are gone now, neither renamed
    (another row lists the key in previous_keys) nor released."""
    current: dict[str, Mapping[str, PipelineRow | QualityMonitorRow]] = {
        "pipelines": rows.pipelines,
        "quality_monitors": rows.quality_monitors,
    }
    gone: list[str] = []
    for kind in GUARDED:
        renamed = {k for row in current[kind].values() for k in (row.previous_keys or [])}
        for key in sorted(previous.get(kind) or {}):
            if key not in current[kind] and key not in renamed and not settings.released(kind, key):
                gone.append(f"{kind}.{key}")
    return gone


def removal_message(stack: str, gone: list[str]) -> str:
    listed = ", ".join(gone)
    return (
        f"stack {stack} is protected and these rows are gone from the metadata: {listed}. "
        "Deleting a pipeline drops its tables; deleting a quality monitor loses its history. "
        "To delete them on purpose: put the rows back, add them to lakeform:settings.release in "
        f"Pulumi.{stack}.yaml (release: [{listed}]), run `pulumi up`; then remove the rows and "
        "run `pulumi up` again. If the row was renamed, list the old key in the new row's "
        "previous_keys instead."
    )


def guard_protected_removals(settings: StackSettings, rows: Rows, stack: str) -> None:
    """Compare with this stack's last outputs (a StackReference to itself); fail the run cleanly
    when a protected row disappeared, before Pulumi would refuse the delete with its own error."""
    if not settings.protect:
        return
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}"
    previous = pulumi.StackReference("lakeform-previous-deployment", stack_name=name)

    def check(values: list[Any]) -> None:
        outputs: dict[str, Any] = dict(zip(GUARDED, values, strict=True))
        gone = removed_protected_rows(outputs, rows, settings)
        if gone:
            raise LakeformError(removal_message(stack, gone))

    pulumi.Output.all(*(previous.get_output(kind) for kind in GUARDED)).apply(check)
