"""API answers for existing jobs, pipelines and monitors -> row dicts, one function per kind."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast, get_args, get_origin

from pydantic import BaseModel

from metadata.models.jobs import KIND as JOBS
from metadata.models.jobs import JobRow
from metadata.models.monitors import KIND as QUALITY_MONITORS
from metadata.models.monitors import SPARK_TYPES, QualityMonitorRow, spark_struct_field_json
from metadata.models.pipelines import KIND as PIPELINES
from metadata.models.pipelines import PipelineRow
from metadata.models.shared import LAKEFORM_TAGS

JOB_SERVER_FIELDS = frozenset(
    {
        "job_id",
        "creator_user_name",
        "run_as_user_name",
        "created_time",
        "has_more",
        "next_page_token",
        "effective_budget_policy_id",
        "effective_usage_policy_id",
        "trigger_state",
        "run_as_owner",
    }
)
JOB_SETTINGS_SERVER_FIELDS = frozenset({"format"})  # "ignored in Create/Update/Reset calls"
PIPELINE_SPEC_SERVER_FIELDS = frozenset({"id"})
MONITOR_SERVER_FIELDS = frozenset(
    {
        "status",
        "monitor_version",
        "dashboard_id",
        "profile_metrics_table_name",
        "drift_metrics_table_name",
        "latest_monitor_failure_msg",
    }
)

# Values the service fills in that mean the same as leaving the field out.
JOB_DEFAULTS: dict[str, Any] = {
    "max_concurrent_runs": 1,
    "timeout_seconds": 0,
    "email_notifications": {},
    "webhook_notifications": {},
    "notification_settings": {},
    "tags": {},
}
TASK_DEFAULTS: dict[str, Any] = {
    "run_if": "ALL_SUCCESS",
    "timeout_seconds": 0,
    "max_retries": 0,
    "min_retry_interval_millis": 0,
    "retry_on_timeout": False,
    "depends_on": [],
    "email_notifications": {},
    "webhook_notifications": {},
    "notification_settings": {},
}
PIPELINE_DEFAULTS: dict[str, Any] = {
    "development": False,
    "continuous": False,
    "photon": False,
    "serverless": False,
    "channel": "CURRENT",
    "tags": {},
}

_PLAIN_TYPES = {spark: plain for plain, spark in reversed(SPARK_TYPES.items())}
"""Spark type -> the plain name metadata turns back into it (long -> bigint, integer -> int)."""


@dataclass
class ExportedRow:
    """One row built from an existing resource."""

    kind: str
    """`jobs`, `pipelines` or `quality_monitors`."""
    resource_id: str
    """Job id, pipeline id or monitored table name: the id `pulumi import` needs."""
    name: str
    """What the key is derived from: job or pipeline name, table name."""
    row: dict[str, Any]
    not_exported: list[str] = field(default_factory=list[str])
    """`tasks[2].spark_submit_task (no Lakeform field)`: what the row leaves out."""
    notes: list[str] = field(default_factory=list[str])
    """Things worth knowing that lose nothing (ids kept as ids, already managed by Lakeform)."""
    key: str = ""


# --- fields the models know ----------------------------------------------------------------------


def as_dict(value: object) -> dict[str, Any] | None:
    """`value` if it is a mapping (API answers are JSON), else None."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[Any]:
    """`value` if it is a list (API answers are JSON), else empty."""
    return cast("list[Any]", value) if isinstance(value, list) else []


def tags_of(body: Mapping[str, Any]) -> dict[str, str]:
    """The `tags` of a job's settings or a pipeline's spec, as strings."""
    return {str(k): str(v) for k, v in (as_dict(body.get("tags")) or {}).items()}


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(model class, is a list of it) for an annotation like `X | None` or `list[X] | None`."""
    todo = [annotation]
    while todo:
        current = todo.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            return current, False
        origin = get_origin(current)
        args = [a for a in get_args(current) if a is not type(None)]
        if origin is list and args:
            inner = args[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner, True
            return None, False
        if origin is dict:
            return None, False
        todo.extend(args)
    return None, False


def known_fields(
    value: Mapping[str, Any], model: type[BaseModel], path: str, dropped: list[str]
) -> dict[str, Any]:
    """The fields of `value` that `model` knows, in the model's field order; every other field is
    named in `dropped` as `path.field (no Lakeform field)`."""
    fields = {(f.alias or n): f for n, f in model.model_fields.items()}
    for k in value:
        if k not in fields:
            dropped.append(f"{path}{k} (no Lakeform field)")
    out: dict[str, Any] = {}
    for name, info in fields.items():
        if name not in value or value[name] is None:
            continue
        item = value[name]
        inner, is_list = _model_of(info.annotation)
        if inner is not None and is_list and isinstance(item, list):
            items = cast("list[Any]", item)
            out[name] = [
                _known_item(v, inner, f"{path}{name}[{i}].", dropped) for i, v in enumerate(items)
            ]
        elif inner is not None:
            out[name] = _known_item(item, inner, f"{path}{name}.", dropped)
        else:
            out[name] = item
    return out


def _known_item(value: object, model: type[BaseModel], path: str, dropped: list[str]) -> Any:
    obj = as_dict(value)
    return value if obj is None else known_fields(obj, model, path, dropped)


def _drop_defaults(value: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    for k, default in defaults.items():
        if k in value and value[k] == default and type(value[k]) is type(default):
            del value[k]


def _without_lakeform_tags(row: dict[str, Any]) -> None:
    tags = as_dict(row.get("tags"))
    if tags is not None:
        kept = {k: v for k, v in tags.items() if k not in LAKEFORM_TAGS}
        if kept:
            row["tags"] = kept
        else:
            del row["tags"]


def _managed_note(value: object) -> list[str]:
    tags = as_dict(value)
    if tags is not None and tags.get("lakeform_managed") == "true":
        stack = tags.get("lakeform_stack", "?")
        key = tags.get("lakeform_key", "?")
        return [f"already managed by Lakeform (stack {stack}, key {key})"]
    return []


# --- jobs ----------------------------------------------------------------------------------------


def _task(task: dict[str, Any], git: bool) -> None:
    _drop_defaults(task, TASK_DEFAULTS)
    # WORKSPACE is the default source only when the job has no git_source.
    if not git:
        sql = as_dict(task.get("sql_task")) or {}
        for block in (task.get("notebook_task"), task.get("spark_python_task"), sql.get("file")):
            obj = as_dict(block)
            if obj is not None and obj.get("source") == "WORKSPACE":
                del obj["source"]
    pipeline = as_dict(task.get("pipeline_task"))
    if pipeline is not None and pipeline.get("full_refresh") is False:
        del pipeline["full_refresh"]
    inner = as_dict((as_dict(task.get("for_each_task")) or {}).get("task"))
    if inner is not None:
        _task(inner, git)


def job_row(job: Mapping[str, Any]) -> ExportedRow:
    """A jobs/get (or jobs/list with expand_tasks) answer -> a job row."""
    dropped: list[str] = []
    for k in job:
        if k not in JOB_SERVER_FIELDS and k != "settings":
            dropped.append(f"{k} (no Lakeform field)")
    given = as_dict(job.get("settings")) or {}
    settings = {k: v for k, v in given.items() if k not in JOB_SETTINGS_SERVER_FIELDS}
    row = known_fields(settings, JobRow, "", dropped)
    _drop_defaults(row, JOB_DEFAULTS)
    schedule = as_dict(row.get("schedule"))
    if schedule is not None and schedule.get("pause_status") == "UNPAUSED":
        del schedule["pause_status"]
    git = "git_source" in row
    for task in row.get("tasks", []):
        _task(task, git)
    notes = _managed_note(row.get("tags"))
    _without_lakeform_tags(row)
    name = str(settings.get("name") or "")
    return ExportedRow(JOBS, str(job.get("job_id", "")), name, row, dropped, notes)


# --- pipelines -----------------------------------------------------------------------------------


def pipeline_row(pipeline: Mapping[str, Any]) -> ExportedRow:
    """A pipelines/{id} answer -> a pipeline row (from its `spec`, plus the top-level `run_as`)."""
    dropped: list[str] = []
    given = as_dict(pipeline.get("spec")) or {}
    spec = {k: v for k, v in given.items() if k not in PIPELINE_SPEC_SERVER_FIELDS}
    if pipeline.get("run_as") and "run_as" not in spec:
        spec["run_as"] = pipeline["run_as"]
    row = known_fields(spec, PipelineRow, "", dropped)
    _drop_defaults(row, PIPELINE_DEFAULTS)
    edition = row.get("edition")
    if isinstance(edition, str) and edition.upper() == "ADVANCED":
        del row["edition"]
    notes = _managed_note(row.get("tags"))
    _without_lakeform_tags(row)
    ident = str(pipeline.get("pipeline_id") or given.get("id") or "")
    return ExportedRow(PIPELINES, ident, str(spec.get("name") or ""), row, dropped, notes)


# --- quality monitors ----------------------------------------------------------------------------


def plain_output_type(struct_field: str) -> str:
    """A Spark StructField JSON -> the plain type name metadata turns back into exactly the same
    field (`{"metadata":{},"name":"output","nullable":true,"type":"double"}` -> `double`); any
    other JSON is returned unchanged."""
    try:
        parsed = json.loads(struct_field)
    except ValueError:
        return struct_field
    parsed = as_dict(parsed)
    if parsed is None:
        return struct_field
    spark = parsed.get("type")
    if not isinstance(spark, str):
        return struct_field
    plain = _PLAIN_TYPES.get(spark) or (spark if spark.startswith("decimal(") else None)
    if plain is None:
        return struct_field
    try:
        regenerated = json.loads(spark_struct_field_json(plain))
    except ValueError:
        return struct_field
    return plain if regenerated == parsed else struct_field


def monitor_row(monitor: Mapping[str, Any]) -> ExportedRow:
    """A tables/{name}/monitor answer -> a quality monitor row."""
    dropped: list[str] = []
    body = {k: v for k, v in monitor.items() if k not in MONITOR_SERVER_FIELDS}
    schedule = as_dict(body.get("schedule"))
    if schedule is not None:
        schedule = dict(schedule)
        # Read-only in the API; UNPAUSED is what a schedule is unless someone paused it.
        if schedule.get("pause_status") == "UNPAUSED":
            del schedule["pause_status"]
        body["schedule"] = schedule
    row = known_fields(body, QualityMonitorRow, "", dropped)
    for metric in row.get("custom_metrics", []):
        if isinstance(metric.get("output_data_type"), str):
            metric["output_data_type"] = plain_output_type(metric["output_data_type"])
    table = str(monitor.get("table_name") or "")
    return ExportedRow(QUALITY_MONITORS, table, table.rsplit(".", 1)[-1], row, dropped, [])
