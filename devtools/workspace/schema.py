"""Request validation derived from `databricks-sdk` dataclasses: the known fields are the SDK's."""

from __future__ import annotations

import dataclasses
import difflib
import enum
import functools
import inspect
import logging
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from devtools.workspace.errors import ApiError

# databricks-sdk takes seconds to import (it loads every service), so the schemas are built on
# first use, or by `warm_up()` on a background thread while the server already answers.
_LOCK = threading.RLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def _built(fn: _F) -> _F:
    """Cache a schema builder; one lock, because building fills shared per-class tables."""
    cached = functools.cache(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        with _LOCK:
            return cached(*args)

    return typing.cast(_F, wrapper)


# A node of the derived schema: how one JSON value is checked.
#   ("any",)                          anything
#   ("scalar", python_type)           str, int, float or bool
#   ("enum", frozenset(values), name)
#   ("list", item)
#   ("map", value)
#   ("object", name, {field: node}, frozenset(required))
Node = tuple[Any, ...]

ANY: Node = ("any",)

# Fields the Go SDK v0.175 / provider v1.128.0 may send that the Python SDK's dataclasses lack.
# Keep this list small and explain each entry. Checked by comparing the JSON tags of
# databricks-sdk-go v0.175.0 service/{jobs,compute,pipelines,catalog}/model.go with the
# dataclasses reachable from these requests in databricks-sdk 0.156.0: the Python SDK knows
# every field and enum value the Go SDK sends, and Python-required fields are exactly the Go
# fields without `omitempty` (always sent). Only the provider's own legacy structs add fields.
EXTRA_FIELDS: dict[str, dict[str, Node]] = {
    # The provider's Jobs API 2.0 code path (task-less jobs) serializes clusters with its own
    # `clusters.Cluster` struct, which carries these three fields on top of compute.ClusterSpec.
    "ClusterSpec": {
        "cluster_id": ("scalar", str),
        "cluster_mount_infos": ("list", ANY),
        "idempotency_token": ("scalar", str),
    },
}


def _legacy_job_fields() -> dict[str, Any]:
    """Top-level single-task fields of Jobs API 2.0, sent by the provider for task-less jobs."""
    from databricks.sdk.service import compute, jobs

    return {
        "existing_cluster_id": str,
        "new_cluster": compute.ClusterSpec,
        "notebook_task": jobs.NotebookTask,
        "spark_jar_task": jobs.SparkJarTask,
        "spark_python_task": jobs.SparkPythonTask,
        "spark_submit_task": jobs.SparkSubmitTask,
        "pipeline_task": jobs.PipelineTask,
        "python_wheel_task": jobs.PythonWheelTask,
        "dbt_task": jobs.DbtTask,
        "run_job_task": jobs.RunJobTask,
        "libraries": list[compute.Library],
        "max_retries": int,
        "min_retry_interval_millis": int,
        "retry_on_timeout": bool,
    }


_building: dict[type, dict[str, Node]] = {}


def _node_for(tp: Any) -> Node:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return _node_for(real[0]) if len(real) == 1 else ANY
    if origin in (list, typing.List):  # noqa: UP006 - the SDK's hints use typing.List
        return ("list", _node_for(args[0]) if args else ANY)
    if origin in (dict, typing.Dict):  # noqa: UP006
        return ("map", _node_for(args[1]) if len(args) == 2 else ANY)
    if tp in (str, int, float, bool):
        return ("scalar", tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return ("enum", frozenset(str(m.value) for m in tp), tp.__name__)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _object_node(tp)
    # typing.Any, plain `dict`/`object` and SDK wrapper types (durations, field masks): anything.
    return ANY


def _object_node(cls: type) -> Node:
    if cls in _building:  # recursive types (for_each_task.task is a Task)
        return ("object", cls.__name__, _building[cls], _required(cls))
    fields: dict[str, Node] = {}
    _building[cls] = fields
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        fields[f.name] = _node_for(hints[f.name])
    fields.update(EXTRA_FIELDS.get(cls.__name__, {}))
    return ("object", cls.__name__, fields, _required(cls))


def _required(cls: type) -> frozenset[str]:
    return frozenset(
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def _request_node(
    name: str,
    method: Callable[..., Any],
    *,
    path_params: tuple[str, ...] = (),
    optional_path_params: tuple[str, ...] = (),
    extra: Mapping[str, Any] | None = None,
) -> Node:
    """Body schema of an API call: the SDK method's keyword parameters (it has no request class)."""
    hints = typing.get_type_hints(method)
    params = inspect.signature(method).parameters
    fields: dict[str, Node] = {}
    required: set[str] = set()
    for pname, param in params.items():
        if pname in ("self", "return") or pname in path_params:
            continue
        fields[pname] = _node_for(hints[pname])
        if param.default is inspect.Parameter.empty and pname not in optional_path_params:
            required.add(pname)
    for fname, tp in (extra or {}).items():
        fields[fname] = _node_for(tp)
    return ("object", name, fields, frozenset(required))


def _with_extra(node: Node, extra: Mapping[str, Any]) -> Node:
    kind, name, fields, required = node
    assert kind == "object"
    return ("object", name, {**fields, **{k: _node_for(t) for k, t in extra.items()}}, required)


@_built
def job_settings(legacy: bool) -> Node:
    from databricks.sdk.service import jobs

    node = _object_node(jobs.JobSettings)
    return _with_extra(node, _legacy_job_fields()) if legacy else node


@_built
def job_create(legacy: bool) -> Node:
    from databricks.sdk.service import jobs

    node = _request_node("CreateJob", jobs.JobsAPI.create)
    return _with_extra(node, _legacy_job_fields()) if legacy else node


@_built
def job_reset(legacy: bool) -> Node:
    return (
        "object",
        "ResetJob",
        {"job_id": ("scalar", int), "new_settings": job_settings(legacy)},
        frozenset({"job_id", "new_settings"}),
    )


@_built
def job_update() -> Node:
    settings = job_settings(False)
    return (
        "object",
        "UpdateJob",
        {
            "job_id": ("scalar", int),
            "new_settings": settings,
            "fields_to_remove": ("list", ("scalar", str)),
        },
        frozenset({"job_id"}),
    )


@_built
def job_delete() -> Node:
    from databricks.sdk.service import jobs

    return _request_node("DeleteJob", jobs.JobsAPI.delete)


@_built
def run_cancel() -> Node:
    from databricks.sdk.service import jobs

    return _request_node("CancelRun", jobs.JobsAPI.cancel_run)


@_built
def run_now() -> Node:
    from databricks.sdk.service import jobs

    return _request_node("RunNow", jobs.JobsAPI.run_now)


@_built
def pipeline_create() -> Node:
    from databricks.sdk.service import pipelines

    return _request_node("CreatePipeline", pipelines.PipelinesAPI.create)


@_built
def pipeline_start_update() -> Node:
    from databricks.sdk.service import pipelines

    return _request_node(
        "StartUpdate", pipelines.PipelinesAPI.start_update, path_params=("pipeline_id",)
    )


@_built
def pipeline_edit() -> Node:
    from databricks.sdk.service import pipelines

    # pipeline_id is both in the path and (from the Go SDK) in the body.
    return _request_node(
        "EditPipeline", pipelines.PipelinesAPI.update, optional_path_params=("pipeline_id",)
    )


@_built
def monitor_create() -> Node:
    from databricks.sdk.service import catalog

    # table_name travels in the path; accept it in the body too (it is a MonitorInfo field).
    return _request_node(
        "CreateMonitor", catalog.QualityMonitorsAPI.create, optional_path_params=("table_name",)
    )


@_built
def monitor_update() -> Node:
    from databricks.sdk.service import catalog

    return _request_node(
        "UpdateMonitor", catalog.QualityMonitorsAPI.update, optional_path_params=("table_name",)
    )


@_built
def pipeline_spec_fields() -> frozenset[str]:
    """The create-pipeline fields that belong in the spec (`pipelines.PipelineSpec`)."""
    from databricks.sdk.service import pipelines

    return frozenset(f.name for f in dataclasses.fields(pipelines.PipelineSpec))


@_built
def monitor_info_fields() -> frozenset[str]:
    """The fields a monitor answers with (`catalog.MonitorInfo`)."""
    from databricks.sdk.service import catalog

    return frozenset(f.name for f in dataclasses.fields(catalog.MonitorInfo))


BUILDERS: tuple[Callable[[], Any], ...] = (
    lambda: job_create(False),
    lambda: job_create(True),
    lambda: job_reset(False),
    lambda: job_reset(True),
    job_update,
    job_delete,
    run_cancel,
    run_now,
    pipeline_create,
    pipeline_edit,
    monitor_create,
    monitor_update,
    pipeline_start_update,
    pipeline_spec_fields,
    monitor_info_fields,
)


def warm_up() -> None:
    """Build every schema now (imports databricks-sdk); errors resurface on first use."""
    try:
        for build in BUILDERS:
            build()
    except Exception:
        logging.getLogger("lakeform.workspace").exception("cannot build the request schemas")


def validate(value: Any, node: Node, where: str) -> None:
    """Raise a 400 INVALID_PARAMETER_VALUE naming the first unknown field or wrong type."""
    kind = node[0]
    if value is None or kind == "any":
        return
    if kind == "scalar":
        tp = node[1]
        ok = (
            isinstance(value, bool)
            if tp is bool
            else isinstance(value, (int, float)) and not isinstance(value, bool)
            if tp is float
            else isinstance(value, tp) and not isinstance(value, bool)
        )
        if not ok:
            _fail(f"{where}: expected {_json_type(tp)}, got {_describe(value)}")
        return
    if kind == "enum":
        values, name = node[1], node[2]
        if not isinstance(value, str):
            _fail(f"{where}: expected a {name} string, got {_describe(value)}")
        if value not in values:
            allowed = ", ".join(sorted(values))
            _fail(f"{where}: invalid {name} value {value!r}; allowed: {allowed}")
        return
    if kind == "list":
        if not isinstance(value, list):
            _fail(f"{where}: expected an array, got {_describe(value)}")
        for i, item in enumerate(value):
            validate(item, node[1], f"{where}[{i}]")
        return
    if kind == "map":
        if not isinstance(value, dict):
            _fail(f"{where}: expected an object, got {_describe(value)}")
        for key, item in value.items():
            validate(item, node[1], f"{where}.{key}")
        return
    _, name, fields, required = node
    if not isinstance(value, dict):
        _fail(f"{where}: expected a {name} object, got {_describe(value)}")
    for key, item in value.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            _fail(f"{where}: unknown field {key!r} in {name}{hint}")
        validate(item, fields[key], f"{where}.{key}" if where else key)
    missing = sorted(required - value.keys())
    if missing:
        _fail(f"{where or 'request'}: missing required field {missing[0]!r} in {name}")


def _fail(message: str) -> typing.NoReturn:
    raise ApiError(400, "INVALID_PARAMETER_VALUE", message.lstrip(": "))


def _json_type(tp: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}[tp]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"number {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    return "an object"
