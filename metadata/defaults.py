"""A stack's defaults applied to resolved rows: typed model-to-model steps (bundles' mutators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from metadata.kinds import KINDS, Rows
from metadata.models.jobs import KIND as JOBS
from metadata.models.jobs import JobRow, Task
from metadata.models.pipelines import KIND as PIPELINES
from metadata.models.pipelines import PipelineRow
from metadata.models.shared import EmailNotifications, lakeform_tags
from metadata.settings import StackSettings

M = TypeVar("M", bound=BaseModel)


def _replace(model: M, **changes: Any) -> M:
    """`model` with `changes`; a name that is not a field of the model is a programming error."""
    unknown = set(changes) - set(type(model).model_fields)
    if unknown:
        raise AttributeError(f"{type(model).__name__} has no field {', '.join(sorted(unknown))}")
    return model.model_copy(update=changes)


def _tags(
    settings: StackSettings, stack: str, key: str, own: dict[str, str] | None
) -> dict[str, str]:
    """Stack tags, then the row's (they win), then Lakeform's (they win over both)."""
    return {**settings.tags, **(own or {}), **lakeform_tags(stack, key)}


def job_for_stack(key: str, job: JobRow, settings: StackSettings, stack: str) -> JobRow:
    """Name prefix, tags, paused schedules and triggers, default notifications, run_as and SQL
    warehouse."""
    changes: dict[str, Any] = {
        "name": settings.name_prefix + (job.name or key),
        "tags": _tags(settings, stack, key, job.tags),
        "tasks": [_task_for_stack(t, settings.default_warehouse_id) for t in job.tasks],
    }
    if settings.pause_schedules:
        for name, block in (
            ("schedule", job.schedule),
            ("trigger", job.trigger),
            ("continuous", job.continuous),
        ):
            if block is not None:
                changes[name] = _replace(block, pause_status="PAUSED")
    if job.email_notifications is None and settings.email_notifications is not None:
        changes["email_notifications"] = _notifications(settings.email_notifications)
    if job.run_as is None and settings.run_as is not None:
        changes["run_as"] = settings.run_as
    return _replace(job, **changes)


def _notifications(defaults: EmailNotifications) -> EmailNotifications:
    """The stack's default notifications without its empty lists (nothing to send there)."""
    return EmailNotifications.model_validate({k: v for k, v in defaults.model_dump().items() if v})


def _task_for_stack(task: Task, warehouse_id: str | None) -> Task:
    """A SQL task without a warehouse runs on the stack's default warehouse."""
    if warehouse_id is None:
        return task
    if task.sql_task is not None and task.sql_task.warehouse_id is None:
        return _replace(task, sql_task=_replace(task.sql_task, warehouse_id=warehouse_id))
    loop = task.for_each_task
    if loop is not None:
        return _replace(
            task, for_each_task=_replace(loop, task=_task_for_stack(loop.task, warehouse_id))
        )
    return task


def pipeline_for_stack(
    key: str, pipeline: PipelineRow, settings: StackSettings, stack: str
) -> PipelineRow:
    """Name prefix, tags, and development mode (never continuous) in a development stack."""
    changes: dict[str, Any] = {
        "name": settings.name_prefix + (pipeline.name or key),
        "tags": _tags(settings, stack, key, pipeline.tags),
    }
    if settings.development:
        changes.update(development=True, continuous=False)
    return _replace(pipeline, **changes)


StackStep = Callable[[str, Any, StackSettings, str], Any]
"""(row key, row, settings, stack) -> the row final for the stack."""

STACK_STEPS: dict[str, StackStep] = {JOBS: job_for_stack, PIPELINES: pipeline_for_stack}
"""The step of each kind that takes stack-wide defaults; a kind not listed takes none."""


def apply_stack_defaults(rows: Rows, settings: StackSettings, stack: str) -> Rows:
    """The rows final for `stack`: every stack-wide default applied where the row sets none.
    Rows already final for this stack come back as they are."""
    if rows.stack == stack:
        return rows
    if rows.stack is not None:
        raise ValueError(f"rows are final for stack {rows.stack!r}, not {stack!r}")
    final: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        step = STACK_STEPS.get(kind)
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
