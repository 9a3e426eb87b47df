"""In a protected stack, refuse a run that would delete or reset a protected row, and say how to
release it on purpose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pulumi

from metadata import KINDS
from metadata.kinds import PROTECTED_KINDS
from metadata.settings import StackSettings
from metadata.shards import Protected
from stacks.config import LakeformError


def _was_protected(info: object, settings: StackSettings, kind: str, key: str) -> bool:
    """Protection recorded in the last deployment's outputs (else: protected unless released)."""
    if isinstance(info, Mapping):
        recorded = cast("Mapping[str, Any]", info).get("protected")
        if isinstance(recorded, bool):
            return recorded
    return not settings.released(kind, key)


def protected_changes(
    previous: Mapping[str, Any], current: Protected, settings: StackSettings
) -> list[str]:
    """What this run would do to rows the last deployment protected: `kind.key: why`, for rows
    gone from the metadata (not renamed via previous_keys), monitors whose `reset` changed, and
    rows whose replacing fields (the kind's `replaced_by`) changed."""
    problems: list[str] = []
    for kind in PROTECTED_KINDS:
        rows = current.rows.get(kind, {})
        renamed = set(current.renamed.get(kind, []))
        before = cast("Mapping[str, Any]", previous.get(kind) or {})
        for key in sorted(before):
            info = before[key]
            if not _was_protected(info, settings, kind, key):
                continue
            entry = f"{kind}.{key}"
            if key not in rows and key not in renamed:
                problems.append(f"{entry}: removed from the metadata, but protected")
                continue
            row = rows.get(key)
            recorded: Mapping[str, Any] = (
                cast("Mapping[str, Any]", info) if isinstance(info, Mapping) else {}
            )
            old_fields = recorded.get("replaced_by")
            now_fields = row.get("replaced_by") if row is not None else None
            if isinstance(now_fields, Mapping) and isinstance(old_fields, Mapping):
                before_fields = cast("Mapping[str, Any]", old_fields)
                for name, value in cast("Mapping[str, Any]", now_fields).items():
                    if name in before_fields and before_fields[name] != value:
                        problems.append(
                            f"{entry}: {name} changed from {before_fields[name]!r} to "
                            f"{value!r}, which replaces the {KINDS[kind].key_word}, but it "
                            "is protected"
                        )
            old_reset = recorded.get("reset")
            reset = row.get("reset") if row is not None else None
            if not isinstance(reset, int) or not isinstance(old_reset, int | float):
                continue
            if int(old_reset) != reset:
                problems.append(
                    f"{entry}: reset changed from {int(old_reset)} to {reset}, "
                    f"but the {KINDS[kind].key_word} is protected"
                )
    return problems


def protection_message(stack: str, problems: list[str]) -> str:
    entries = ", ".join(sorted({p.split(":", 1)[0] for p in problems}))
    kinds = " and ".join(kind.replace("_", " ") for kind in PROTECTED_KINDS)
    why = "; ".join(str(KINDS[kind].protected) for kind in PROTECTED_KINDS)
    return (
        f"stack {stack} protects {kinds} ({why}):\n"
        + "\n".join(f"  {p}" for p in problems)
        + "\nTo do this on purpose: keep the rows as they were deployed, add them to "
        f"lakeform:settings.release in Pulumi.{stack}.yaml (release: [{entries}]) and run "
        "`pulumi up`; then remove the rows (or bump reset) and run `pulumi up` again; then take "
        "them out of release. A renamed row keeps its resource when the new row lists the old "
        "key in previous_keys."
    )


def guard_protected_rows(settings: StackSettings, current: Protected, stack: str) -> None:
    """Compare the rows (`protected_view` of the environment's) with this stack's last outputs
    (a StackReference to itself) and fail the run with the release steps, instead of leaving
    Pulumi to refuse the delete or replacement."""
    if not settings.protect:
        return
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}"
    previous = pulumi.StackReference("lakeform-previous-deployment", stack_name=name)

    def check(values: list[Any]) -> None:
        outputs: dict[str, Any] = dict(zip(PROTECTED_KINDS, values, strict=True))
        problems = protected_changes(outputs, current, settings)
        if problems:
            raise LakeformError(protection_message(stack, problems))

    pulumi.Output.all(*(previous.get_output(kind) for kind in PROTECTED_KINDS)).apply(check)
