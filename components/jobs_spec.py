"""A job row as the Jobs API's job settings, and the files its tasks upload (no resources:
`lakeform drift` compares these with the workspace without importing the provider SDK)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi

from components.uploads import (
    RowFiles,
    Upload,
    dedupe,
    file_upload,
    notebook_upload,
    upload_references,
)
from metadata.models.jobs import KIND, JobRow, job_references
from metadata.models.pipelines import KIND as PIPELINES
from metadata.paths import LIBRARY_FILES, is_uploaded_library, uploads_from_repository

LAKEFORM_ONLY = ("previous_keys", "disabled", "stack_overrides", "permissions")
"""Row fields that are not job settings: Lakeform's own (already applied by metadata), and
`permissions`, deployed as the job's `databricks.Permissions` child."""


@dataclass(frozen=True, kw_only=True)
class JobArgs:
    """Everything a job needs: its final row, its files and the resolved references."""

    key: str
    """Row key: the logical name of the job (its uploads are named `<key>/<path>`)."""
    row: JobRow
    """Validated and final for the stack (name prefix, tags, pauses, defaults applied)."""
    files: RowFiles
    """The repository files the tasks use, and where they are uploaded."""
    pipeline_ids: Mapping[str, pulumi.Input[str]] = field(
        default_factory=dict[str, pulumi.Input[str]]
    )
    """Pipeline row key -> Pipeline id, for `pipeline_task.pipeline`."""
    job_ids: Mapping[str, pulumi.Input[int]] = field(default_factory=dict[str, pulumi.Input[int]])
    """Job row key -> job id, for `run_job_task.job`."""


@dataclass
class _Ctx:
    args: JobArgs
    base: str
    uploads: list[Upload] = field(default_factory=list[Upload])


TaskMapper = Callable[[dict[str, Any], dict[str, Any], _Ctx], None]
"""Rewrites one task type's block (in place) into what the provider accepts."""


def _upload_repository_file(
    block: dict[str, Any], field: str, ctx: _Ctx, *, notebook: bool = False
) -> None:
    """Upload the repository file `block[field]` names, unless the task reads it from Git, and
    point the block at the upload."""
    path = block[field]
    if uploads_from_repository(path, block.get("source"), ctx.args.row.git_source is not None):
        if notebook:
            upload = notebook_upload(ctx.base, ctx.args.key, path, ctx.args.files.contents)
        else:
            upload = file_upload(ctx.base, ctx.args.key, path, ctx.args.files.contents[path])
        ctx.uploads.append(upload)
        block[field] = upload.path
        block["source"] = "WORKSPACE"


def _notebook_task(block: dict[str, Any], task: dict[str, Any], ctx: _Ctx) -> None:
    _upload_repository_file(block, "notebook_path", ctx, notebook=True)


def _spark_python_task(block: dict[str, Any], task: dict[str, Any], ctx: _Ctx) -> None:
    _upload_repository_file(block, "python_file", ctx)


def _sql_task(block: dict[str, Any], task: dict[str, Any], ctx: _Ctx) -> None:
    text = block.pop("query_text", None)
    if text is not None:
        rel = f"_inline/{task['task_key']}.sql"
        upload = file_upload(ctx.base, ctx.args.key, rel, text.encode("utf-8"))
        ctx.uploads.append(upload)
        block["file"] = {"path": upload.path, "source": "WORKSPACE"}
    elif block.get("file") is not None:
        _upload_repository_file(block["file"], "path", ctx)


class UnknownRowReference(LookupError):
    """A task names a row key that is not among the resolved rows (metadata checks this first)."""


def _for_each_task(block: dict[str, Any], task: dict[str, Any], ctx: _Ctx) -> None:
    block["task"] = _task(block["task"], ctx)


def _unchanged(block: dict[str, Any], task: dict[str, Any], ctx: _Ctx) -> None:
    del block, task, ctx


TASK_MAPPERS: dict[str, TaskMapper] = {
    "notebook_task": _notebook_task,
    "sql_task": _sql_task,
    "pipeline_task": _unchanged,
    "python_wheel_task": _unchanged,
    "spark_python_task": _spark_python_task,
    "spark_jar_task": _unchanged,
    "run_job_task": _unchanged,
    "dbt_task": _unchanged,
    "condition_task": _unchanged,
    "for_each_task": _for_each_task,
    "dashboard_task": _unchanged,
    "spark_submit_task": _unchanged,
    "clean_rooms_notebook_task": _unchanged,
    "dbt_cloud_task": _unchanged,
    "dbt_platform_task": _unchanged,
    "power_bi_task": _unchanged,
    "alert_task": _unchanged,
}
"""One case per task type of metadata.models.TASK_TYPES (a test fails when a type has none);
references to other rows are swapped for ids by `_resolve_references`, from the model's walk."""


def _sorted_webhooks(block: dict[str, Any]) -> None:
    """Sort each `webhook_notifications.on_*` list by id, in place: the provider sorts them on
    create and read and compares by position, so any other order would never settle."""
    hooks = cast("dict[str, Any] | None", block.get("webhook_notifications"))
    if hooks:
        block["webhook_notifications"] = {
            name: sorted(cast("list[dict[str, str]]", value), key=lambda w: w["id"])
            if isinstance(value, list)
            else value
            for name, value in hooks.items()
        }


def _uploaded_library(path: str, ctx: _Ctx) -> str:
    """The workspace path of a repository wheel or JAR, uploaded with the row's files (as the
    Databricks CLI uploads a bundle's local libraries to its artifact folder)."""
    upload = file_upload(ctx.base, ctx.args.key, path, ctx.args.files.contents[path])
    ctx.uploads.append(upload)
    return upload.path


def _library(library: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    for kind in LIBRARY_FILES:
        path = library.get(kind)
        if isinstance(path, str) and is_uploaded_library(path):
            library[kind] = _uploaded_library(path, ctx)
    return library


def _environments(spec: dict[str, Any], ctx: _Ctx) -> None:
    for env in cast("list[dict[str, Any]]", spec.get("environments") or []):
        inner = cast("dict[str, Any] | None", env.get("spec"))
        if inner and inner.get("dependencies"):
            inner["dependencies"] = [
                _uploaded_library(d, ctx) if is_uploaded_library(d) else d
                for d in cast("list[str]", inner["dependencies"])
            ]


def _task(task: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    task = dict(task)
    _sorted_webhooks(task)
    task.pop("execution_order", None)
    for task_type, mapper in TASK_MAPPERS.items():
        if task_type in task:
            block = dict(task[task_type])
            mapper(block, task, ctx)
            task[task_type] = block
    libraries = cast("list[dict[str, Any]]", task.get("libraries") or [])
    if libraries:
        task["libraries"] = [_library(dict(lib), ctx) for lib in libraries]
    deps = cast("list[dict[str, Any]]", task.pop("depends_on", None) or [])
    if deps:  # an empty list is left out: the API echoes none, so [] would never settle
        task["depends_on"] = sorted(deps, key=lambda d: (d["task_key"], d.get("outcome") or ""))
    return task


def _resolve_references(args: JobArgs, tasks: list[dict[str, Any]]) -> None:
    """Each row key a task names (`pipeline_task.pipeline`) -> that resource's id
    (`pipeline_id`), in place: the places come from the model's one walk, `job_references`."""
    ids: Mapping[str, Mapping[str, pulumi.Input[Any]]] = {
        PIPELINES: args.pipeline_ids,
        KIND: args.job_ids,
    }
    for ref in job_references(args.row):
        _, index, *inner = ref.path
        block: dict[str, Any] = tasks[cast("int", index)]
        for part in inner[:-1]:
            block = block[cast("str", part)]
        del block[cast("str", inner[-1])]
        found = ids[ref.kind].get(ref.key)
        if found is None:
            cycle = " (or a cycle)" if ref.kind == KIND else ""
            raise UnknownRowReference(
                f"tasks.{tasks[cast('int', index)]['task_key']}: "
                f"no {ref.kind.removesuffix('s')} row {ref.key!r}{cycle}"
            )
        block[ref.id_field] = found


def job_spec(args: JobArgs) -> tuple[dict[str, Any], list[Upload]]:
    """The API-shaped job spec of the final row, and the files to upload (no resources)."""
    spec: dict[str, Any] = args.row.model_dump(exclude_none=True, by_alias=True)
    for name in LAKEFORM_ONLY:
        spec.pop(name, None)
    _sorted_webhooks(spec)
    ctx = _Ctx(args=args, base=args.files.folder)
    spec = upload_references(spec, args.files, args.key, ctx.uploads)
    tasks = [_task(t, ctx) for t in spec["tasks"]]
    _resolve_references(args, tasks)
    _environments(spec, ctx)
    spec["tasks"] = sorted(tasks, key=lambda t: t["task_key"])
    return spec, dedupe(ctx.uploads)
