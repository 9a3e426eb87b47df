"""Pieces every kind's models share: the base model and what jobs, pipelines and settings reuse."""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo

from metadata.docstrings import describe_fields

# Field names follow the Jobs API 2.2, the Pipelines API and the Quality Monitors API (as in bundle
# YAML), so `model_dump(exclude_none=True)` is an API-shaped dict. Lakeform-only fields are marked
# "Lakeform:" in their docstring; components never send them to Databricks.


class ApiModel(BaseModel):
    """Base of the row models: strict, closed, frozen, fields named as the API names them.
    Attribute docstrings are the fields' descriptions (the JSON Schema's), as with pydantic's
    `use_attribute_docstrings`, but read from one parse of each module (metadata/docstrings.py):
    so each model is built when its fields have them, not by pydantic as it is defined
    (`defer_build`)."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        defer_build=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        describe_fields(cls)
        # What pydantic does as a model is defined without defer_build (a model whose forward
        # references cannot be resolved yet is built on first use, as then); `_types_namespace`
        # keeps this frame's names out of the evaluation of annotations.
        cls.model_rebuild(raise_errors=False, _types_namespace={})


# --- integers: every integer field has one of these ranges (tests/metadata/test_int_ranges.py) ----
# The widths are those of the Databricks REST API reference (int32 unless it says int64); the
# other bounds are quoted from databricks-sdk's docstrings where each type is used (see
# metadata/README.md, "Integer ranges"). Without them a 38-digit timeout passed validation.

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

NonNegInt32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
"""Durations, intervals and counts the API keeps in an int32, 0 allowed."""
PosInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""An int32 count or interval that must be at least 1."""
NonNegInt64 = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""An int64 threshold, 0 allowed."""
PosInt64 = Annotated[int, Field(ge=1, le=INT64_MAX)]
"""An int64 id (job ids start at 1)."""


def int_range(field: FieldInfo) -> tuple[int, int] | None:
    """(least, greatest) value an integer field allows, or None when it declares no range.
    Reads the field's own constraints and those of an `Annotated` inside `X | None`."""
    candidates: list[list[Any]] = [list(field.metadata)]
    annotation = field.annotation
    inner = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else ()
    candidates += [list(get_args(a)[1:]) for a in inner if get_origin(a) is Annotated]
    for metadata in candidates:
        constraints = [
            c for m in metadata for c in (m.metadata if isinstance(m, FieldInfo) else [m])
        ]
        least = next((c.ge for c in constraints if isinstance(c, Ge)), None)
        greatest = next((c.le for c in constraints if isinstance(c, Le)), None)
        if isinstance(least, int) and isinstance(greatest, int):
            return least, greatest
    return None


class MavenLibrary(ApiModel):
    """A Maven artifact."""

    coordinates: str
    """`group:artifact:version`."""
    repo: str | None = None
    """Repository URL when not Maven Central."""
    exclusions: list[str] | None = None
    """Dependencies to exclude, `group:artifact`."""


class AutoScale(ApiModel):
    """Cluster autoscaling range."""

    min_workers: NonNegInt32
    """Fewest workers."""
    max_workers: PosInt32
    """Most workers; more than min_workers."""

    @model_validator(mode="after")
    def _max_above_min(self) -> AutoScale:
        if self.max_workers <= self.min_workers:
            raise ValueError(
                f"max_workers ({self.max_workers}) must be greater than min_workers "
                f"({self.min_workers}), as the Clusters and Pipelines APIs require"
            )
        return self


class EmailNotifications(ApiModel):
    """Email notifications, as in the Jobs API `email_notifications`."""

    on_start: list[str] | None = None
    """Addresses told when a run starts."""
    on_success: list[str] | None = None
    """Addresses told when a run succeeds."""
    on_failure: list[str] | None = None
    """Addresses told when a run fails."""
    on_duration_warning_threshold_exceeded: list[str] | None = None
    """Addresses told when RUN_DURATION_SECONDS health rule is breached."""
    on_streaming_backlog_exceeded: list[str] | None = None
    """Addresses told when a streaming backlog health rule is breached."""
    no_alert_for_skipped_runs: bool | None = None
    """Deprecated by the API (use notification_settings); kept for old rows."""


class RunAs(ApiModel):
    """Identity the job runs as (exactly one field)."""

    user_name: str | None = None
    """A user."""
    service_principal_name: str | None = None
    """A service principal application id."""

    @model_validator(mode="after")
    def _exactly_one(self) -> RunAs:
        if (self.user_name is None) == (self.service_principal_name is None):
            raise ValueError("run_as needs exactly one of user_name, service_principal_name")
        return self


class Permission(ApiModel):
    """Who may do what with a resource (bundle `permissions`): a level for exactly one of a
    user, a group or a service principal."""

    level: str
    """The permission level (each kind lists its own)."""
    user_name: str | None = None
    """A user's email."""
    group_name: str | None = None
    """A workspace group."""
    service_principal_name: str | None = None
    """A service principal application id."""

    @model_validator(mode="after")
    def _one_principal(self) -> Permission:
        given = [
            n
            for n in ("user_name", "group_name", "service_principal_name")
            if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "a permission names exactly one of user_name, group_name, "
                f"service_principal_name; found {', '.join(given) or 'none'}"
            )
        return self


StackOverrides = dict[str, dict[str, Any]]
"""Lakeform: `stack_overrides: {<stack>: {...partial row...}}`, deep-merged over the row."""

OVERRIDES_KEY = "stack_overrides"
"""Lakeform's per-stack overrides. No Databricks API object has a field of this name, unlike
`environments` (its first spelling), which is also a job's list of serverless environments."""
OLD_OVERRIDES_KEY = "environments"
"""The first spelling, still read (as a mapping) with a warning naming OVERRIDES_KEY."""


LAKEFORM_TAGS = ("lakeform_managed", "lakeform_stack", "lakeform_key")
"""Tags on every job and pipeline Lakeform deploys, so anything it made can be found again."""


def lakeform_tags(stack: str, key: str) -> dict[str, str]:
    """The values of LAKEFORM_TAGS for row `key` of `stack`."""
    return dict(zip(LAKEFORM_TAGS, ("true", stack, key), strict=True))
