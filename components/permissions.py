"""A row's `permissions` as the `databricks:index/permissions:Permissions` child of its job or
pipeline."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components._aliases import renamed_from
from components._convert import to_wire
from components.provider import DatabricksResource
from metadata.models.shared import Permission

RESOURCE_TYPE = "databricks:index/permissions:Permissions"
SUFFIX = "/permissions"
"""The child's name after the row key, like uploads' `<key>/<path>`."""


def _principal(p: Permission) -> tuple[str, str]:
    for kind in ("user_name", "group_name", "service_principal_name"):
        value: str | None = getattr(p, kind)
        if value is not None:
            return kind, value
    raise AssertionError("metadata checks that a permission names one principal")


def access_controls(permissions: Sequence[Permission]) -> list[dict[str, str]]:
    """The grants as the provider's `access_control` entries, sorted by principal then level, so
    the order of the row's list is never a change (the provider compares them as a set anyway)."""
    entries: list[dict[str, str]] = []
    for p in permissions:
        kind, name = _principal(p)
        entries.append({kind: name, "permission_level": p.level})
    return sorted(entries, key=lambda e: tuple(sorted(e.items())))


def create_permissions(
    permissions: Sequence[Permission] | None,
    *,
    job_id: pulumi.Input[str] | None = None,
    pipeline_id: pulumi.Input[str] | None = None,
    key: str,
    previous_keys: Sequence[str],
    parent: pulumi.Resource | None,
) -> DatabricksResource | None:
    """The permissions resource of one job (`job_id`) or pipeline (`pipeline_id`), or none when
    the row grants nothing.

    Removing a row's last permission deletes the resource; the provider then gives a job back to
    its creator alone, and leaves a pipeline's grants as they were
    (devtools/localprovider/README.md)."""
    if not permissions:
        return None
    inputs = {
        "job_id": job_id,
        "pipeline_id": pipeline_id,
        "access_control_list": access_controls(permissions),
    }
    return DatabricksResource(
        RESOURCE_TYPE,
        key + SUFFIX,
        to_wire(inputs, RESOURCE_TYPE),
        pulumi.ResourceOptions(parent=parent, aliases=renamed_from(previous_keys, SUFFIX)),
    )
