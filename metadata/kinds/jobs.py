"""The jobs plug-in: Jobs API 2.2 jobs, their tasks and the rows their tasks name."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from metadata.checks import check_job
from metadata.errors import Problem
from metadata.formats.api import ExportedRow, as_dict, as_list, job_row, tags_of
from metadata.kinds.base import (
    Browse,
    Drift,
    ExportOption,
    Kind,
    Recovery,
    Rest,
    Run,
    StackDefaults,
    replace_fields,
    stack_tags,
)
from metadata.located import Locator
from metadata.models.jobs import (
    KIND,
    TASK_REFERENCES,
    JobRow,
    Task,
    TaskDependency,
    job_references,
)
from metadata.models.pipelines import KIND as PIPELINES
from metadata.models.shared import EmailNotifications
from metadata.policy import JOB_FACTS


def explicit_dependencies(job: JobRow, loc: Locator, problems: list[Problem]) -> JobRow | None:
    """execution_order -> depends_on: a task of order N depends on every task of the highest
    lower order present; same order runs in parallel."""
    ordered = [i for i, t in enumerate(job.tasks) if t.execution_order is not None]
    explicit = [i for i, t in enumerate(job.tasks) if t.depends_on]
    if not ordered:
        tasks = [
            t if t.depends_on is not None else t.model_copy(update={"depends_on": []})
            for t in job.tasks
        ]
        return job.model_copy(update={"tasks": tasks})
    if explicit:
        problems.append(
            loc.problem(
                ("tasks", explicit[0], "depends_on"),
                f"job '{loc.prefix[-1]}' mixes execution_order (tasks[{loc.index(ordered[0])}]) "
                f"and depends_on (tasks[{loc.index(explicit[0])}]); use one style per job",
            )
        )
        return None
    missing = [i for i, t in enumerate(job.tasks) if t.execution_order is None]
    if missing:
        for i in missing:
            problems.append(
                loc.problem(
                    ("tasks", i),
                    f"execution_order missing; job '{loc.prefix[-1]}' uses execution_order, "
                    "so every task needs one",
                )
            )
        return None
    orders = sorted({t.execution_order for t in job.tasks if t.execution_order is not None})
    by_order: dict[int, list[str]] = {}
    for t in job.tasks:
        assert t.execution_order is not None
        by_order.setdefault(t.execution_order, []).append(t.task_key)
    tasks: list[Task] = []
    for t in job.tasks:
        assert t.execution_order is not None
        lower = [o for o in orders if o < t.execution_order]
        upstream = sorted(by_order[lower[-1]]) if lower else []
        deps = [TaskDependency(task_key=k) for k in upstream]
        tasks.append(t.model_copy(update={"depends_on": deps, "execution_order": None}))
    return job.model_copy(update={"tasks": tasks})


def _schedule(settings: Mapping[str, Any]) -> tuple[str, str]:
    """(trigger, state) of a job from its settings."""
    schedule = as_dict(settings.get("schedule")) or {}
    trigger = as_dict(settings.get("trigger")) or {}
    continuous = as_dict(settings.get("continuous")) or {}
    if schedule:
        paused = schedule.get("pause_status") == "PAUSED"
        cron = f"{schedule.get('quartz_cron_expression', '?')} ({schedule.get('timezone_id', '')})"
        return cron, "paused" if paused else "scheduled"
    if continuous:
        return "continuous", "paused" if continuous.get("pause_status") == "PAUSED" else "active"
    if trigger:
        paused = trigger.get("pause_status") == "PAUSED"
        kinds = [k for k in ("file_arrival", "table_update", "periodic", "table") if k in trigger]
        return (kinds[0].replace("_", " ") if kinds else "trigger"), (
            "paused" if paused else "active"
        )
    return "manual", "manual"


def browse_labels(job: Mapping[str, Any]) -> dict[str, Any]:
    """A jobs/list (or jobs/get) answer -> its labels in `lakeform browse`."""
    settings = as_dict(job.get("settings")) or {}
    trigger, state = _schedule(settings)
    return {
        "id": str(job.get("job_id", "")),
        "name": str(settings.get("name") or f"job {job.get('job_id')}"),
        "creator": str(job.get("creator_user_name") or ""),
        "trigger": trigger,
        "state": state,
        "tags": tags_of(settings),
        # The Jobs API has no last change: its creation.
        "changed": int(job.get("created_time") or 0),
    }


def _tasks(job: Mapping[str, Any]) -> list[Any]:
    return as_list((as_dict(job.get("settings")) or {}).get("tasks"))


def _list_name(job: Mapping[str, Any]) -> str:
    return str((as_dict(job.get("settings")) or {}).get("name") or "")


def source_fields(job: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The notebook and file path fields of an exported job's tasks (and of their for_each_task's
    task). A job with a git_source reads its tasks' files from Git, as does a block whose source
    is GIT: those are not the workspace's to export."""
    if "git_source" in job:
        return
    for i, task in enumerate(as_list(job.get("tasks"))):
        outer = as_dict(task) or {}
        inner = as_dict((as_dict(outer.get("for_each_task")) or {}).get("task"))
        for where, each in ((f"tasks[{i}]", outer), (f"tasks[{i}].for_each_task.task", inner)):
            if each is None:
                continue
            sql = as_dict(each.get("sql_task")) or {}
            for name, block, key in (
                ("notebook_task", as_dict(each.get("notebook_task")), "notebook_path"),
                ("spark_python_task", as_dict(each.get("spark_python_task")), "python_file"),
                ("sql_task.file", as_dict(sql.get("file")), "path"),
            ):
                if block is not None and block.get("source") != "GIT":
                    yield f"{where}.{name}", block, key


def link_exported(job: ExportedRow, keys: Mapping[str, Mapping[str, str]]) -> None:
    """`pipeline_task.pipeline_id` / `run_job_task.job_id` of an exported job -> row key: the
    task references the jobs model declares (`TASK_REFERENCES`), read backwards."""
    for i, outer in enumerate(as_list(job.row.get("tasks"))):
        task = as_dict(outer) or {}
        inner = as_dict((as_dict(task.get("for_each_task")) or {}).get("task"))
        for where, each in ((f"tasks[{i}]", task), (f"tasks[{i}].for_each_task.task", inner)):
            if each is None:
                continue
            for kind, how in TASK_REFERENCES.items():
                block = as_dict(each.get(how.block))
                if block is None or how.id_field not in block:
                    continue
                ident = str(block[how.id_field])
                key = keys.get(kind, {}).get(ident)
                if key is None:
                    job.notes.append(
                        f"{where}.{how.block}.{how.id_field} {ident} kept as an id "
                        f"(that {how.field} is not in this export)"
                    )
                    continue
                del block[how.id_field]
                each[how.block] = {how.field: key, **block}


def job_for_stack(key: str, job: JobRow, settings: StackDefaults, stack: str) -> JobRow:
    """Name prefix, tags, paused schedules and triggers, default notifications, run_as and SQL
    warehouse."""
    changes: dict[str, Any] = {
        "name": settings.name_prefix + (job.name or key),
        "tags": stack_tags(settings, stack, key, job.tags),
        "tasks": [_task_for_stack(t, settings.default_warehouse_id) for t in job.tasks],
    }
    if settings.pause_schedules:
        for name, block in (
            ("schedule", job.schedule),
            ("trigger", job.trigger),
            ("continuous", job.continuous),
        ):
            if block is not None:
                changes[name] = replace_fields(block, pause_status="PAUSED")
    if job.email_notifications is None and settings.email_notifications is not None:
        changes["email_notifications"] = _notifications(settings.email_notifications)
    if job.run_as is None and settings.run_as is not None:
        changes["run_as"] = settings.run_as
    return replace_fields(job, **changes)


def _notifications(defaults: EmailNotifications) -> EmailNotifications:
    """The stack's default notifications without its empty lists (nothing to send there)."""
    return EmailNotifications.model_validate({k: v for k, v in defaults.model_dump().items() if v})


def _task_for_stack(task: Task, warehouse_id: str | None) -> Task:
    """A SQL task without a warehouse runs on the stack's default warehouse."""
    if warehouse_id is None:
        return task
    if task.sql_task is not None and task.sql_task.warehouse_id is None:
        return replace_fields(
            task, sql_task=replace_fields(task.sql_task, warehouse_id=warehouse_id)
        )
    loop = task.for_each_task
    if loop is not None:
        return replace_fields(
            task, for_each_task=replace_fields(loop, task=_task_for_stack(loop.task, warehouse_id))
        )
    return task


JOBS = Kind(
    name=KIND,
    row_model=JobRow,
    component_type="lakeform:jobs:Job",
    resource_type="databricks:index/job:Job",
    key_word="job",
    uploads_files=True,
    description="Databricks jobs (Jobs API 2.2 settings), keyed by row key.",
    check=check_job,
    export=job_row,
    link_exported=link_exported,
    rest=Rest(
        get="/api/2.2/jobs/get?job_id",
        id_field="job_id",
        noun="job",
        numeric_id=True,
        paged=("tasks", "job_clusters", "parameters", "environments"),
        list_path="/api/2.2/jobs/list",
        list_items="jobs",
        list_query={"limit": 100},
    ),
    recovery=Recovery(
        by="tags", match="name", name_query=lambda name: {"name": name}, body="settings"
    ),
    refers_to=(PIPELINES, KIND),
    references=job_references,
    validated=explicit_dependencies,
    export_option=ExportOption(
        flag="--job-id",
        metavar="N",
        help="a job (repeatable)",
        numeric=True,
        all_flag="--all-jobs",
        list_name=_list_name,
    ),
    browse=Browse(item=browse_labels, link="/jobs/{id}", tasks=_tasks, sources=source_fields),
    # The Jobs API answers run_as_user_name, not settings.run_as; nor the table trigger's
    # condition (databricks/cli #6315).
    drift=Drift(
        body="settings",
        never_answered=frozenset({"run_as", "trigger.table_update.condition"}),
        # terraform-provider-databricks v1.128.0 suppresses a list's count going to 0
        # (`conditionalDiffSuppressor`, set on every email_notifications field of the job).
        kept_email_lists=True,
    ),
    run=Run(starter="cli.run:JobRun", options=("--param", "--only")),
    for_stack=job_for_stack,
    policy=JOB_FACTS,
    foreign=lambda output: int(output["id"]),
)
