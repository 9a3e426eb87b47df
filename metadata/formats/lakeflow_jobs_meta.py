"""Readers of lakeflow-jobs-meta files (v0.2 and the earlier source rows) into native rows."""

# Both produce the native layout (`jobs: {key: {tasks: [...]}}`) with the original file
# positions, so the native models and rules validate them and problems point at the lines
# users wrote.

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from metadata.errors import Pos, Problem
from metadata.messages import suggest, yaml_type
from metadata.models.jobs import Task
from metadata.yamlsrc import MAX_DEPTH, TOO_DEEP, LList, LMap, located, nesting_depth, plain

SUPPORTED_VERSIONS = ("1.0", "2.0")
"""`1.0`: files of its 0.1 releases (jobs as a list with job_name); `2.0`: a map of jobs too."""

# What lakeflow-jobs-meta sets when a file leaves it out, so a file read here deploys the jobs
# the framework would have made. Read from park-peter/lakeflow-jobs-meta (metadata/README.md
# lists each with its file and commit): constants.py and orchestrator.py's job settings,
# task_builders.py's tasks. Source rows predate edit_mode and the continuous default.
SOURCE_JOB_DEFAULTS: dict[str, Any] = {"timeout_seconds": 7200, "max_concurrent_runs": 1}
JOB_DEFAULTS: dict[str, Any] = {**SOURCE_JOB_DEFAULTS, "edit_mode": "UI_LOCKED"}
CONTINUOUS_DEFAULTS: dict[str, Any] = {"task_retry_mode": "ON_FAILURE"}
TASK_DEFAULTS: dict[str, Any] = {"timeout_seconds": 3600}
SQL_FILE_DEFAULTS: dict[str, Any] = {"source": "WORKSPACE"}
"""`sql_task.file` of a sql_file task: the framework always names the workspace as its source."""

# Task fields that mean the same in lakeflow-jobs-meta and the Jobs API: passed through.
COMMON_TASK_FIELDS = tuple(
    name for name in Task.model_fields if not name.endswith("_task") and name != "task_key"
)

# lakeflow-jobs-meta task_type -> (native task field, fields that type takes)
TASK_TYPE_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "notebook": ("notebook_task", ("file_path", "notebook_path", "parameters", "warehouse_id")),
    "sql_query": ("sql_task", ("sql_query", "query_id", "warehouse_id", "parameters")),
    "sql_file": ("sql_task", ("file_path", "sql_file_path", "warehouse_id", "parameters")),
    "python_wheel": (
        "python_wheel_task",
        ("package_name", "entry_point", "parameters", "named_parameters"),
    ),
    "spark_jar": ("spark_jar_task", ("main_class_name", "parameters")),
    "pipeline": ("pipeline_task", ("pipeline_id", "pipeline", "full_refresh")),
    "dbt": (
        "dbt_task",
        (
            "commands",
            "project_directory",
            "profiles_directory",
            "catalog",
            "schema",
            "warehouse_id",
        ),
    ),
}


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.job: str | None = None
        """The job being read: a problem marks it as reported."""
        self.reported: set[str] = set()
        """Jobs with a problem here: the native rules skip them rather than report it again."""

    def problem(self, pos: Pos | None, path: str, message: str) -> None:
        self.problems.append(Problem(pos or Pos(self.name, 1, 1), path, message))
        if self.job is not None:
            self.reported.add(self.job)

    def result(self, data: Any) -> Converted:
        return Converted(data, self.problems, self.reported)

    def unknown_top_keys(self, data: LMap, allowed: list[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(
                    _key_pos(data, key),
                    key,
                    f"unknown top-level key in a {what} file" + suggest(key, allowed),
                )


@dataclass(frozen=True)
class Converted:
    """A file read into the native layout; every problem found, and the jobs they concern."""

    data: Any
    """`{jobs: {...}}`, or None when the file as a whole is not readable."""
    problems: list[Problem]
    reported: set[str] = field(default_factory=set[str])
    """Job keys with problems above: known to exist, not validated again."""


def looks_like_lakeflow_jobs_meta(data: LMap) -> bool:
    """A `jobs:` file without metadata_version whose tasks carry `task_type`: lakeflow-jobs-meta
    never required the version, so such a file is its format, not a native one."""
    jobs = data.get("jobs")
    listed: list[Any] = []
    if isinstance(jobs, LMap):
        listed = list(jobs.values())
    elif isinstance(jobs, LList):
        listed = list(jobs)
    for job in listed:
        tasks = job.get("tasks") if isinstance(job, LMap) else None
        if isinstance(tasks, LList) and any(
            isinstance(t, LMap) and "task_type" in t for t in tasks
        ):
            return True
    return False


def _with_defaults(m: LMap, defaults: dict[str, Any]) -> None:
    for k, v in defaults.items():
        if k not in m:
            m.put(k, v, m.pos)


def _key_pos(m: LMap, key: str, default: Pos | None = None) -> Pos | None:
    return m.key_pos.get(key, default or m.pos)


def _stringify(value: Any) -> Any:
    """Numbers and booleans as parameter values (lakeflow-jobs-meta took them) -> strings."""
    if isinstance(value, LMap):
        out = LMap(value.pos)
        for k, v in value.items():
            out.put(k, _stringify(v), value.key_pos.get(k))
        return out
    if isinstance(value, LList):
        out_list = LList(value.pos)
        for v, pos in zip(value, value.item_pos, strict=True):
            out_list.put(_stringify(v), pos)
        return out_list
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


# --- lakeflow-jobs-meta v0.2 ---------------------------------------------------------------------


def from_lakeflow_jobs_meta(data: LMap, name: str) -> Converted:
    """A lakeflow-jobs-meta file (`metadata_version` "1.0" or "2.0", or none) ->
    `{jobs: {...}}` in the native layout."""
    r = _Reader(name)
    if not _known_version(r, data):
        return r.result(None)
    r.unknown_top_keys(data, ["metadata_version", "jobs"], "lakeflow-jobs-meta")
    jobs_in = data.get("jobs")
    out_jobs = LMap(_key_pos(data, "jobs"))
    if isinstance(jobs_in, LMap):
        for key, job in jobs_in.items():
            _lfjm_job(r, key, job, jobs_in.key_pos.get(key), out_jobs)
    elif isinstance(jobs_in, LList):
        for i, job in enumerate(jobs_in):
            pos = jobs_in.item_pos[i]
            job_name = job.get("job_name") if isinstance(job, LMap) else None
            if not isinstance(job_name, str):
                r.problem(pos, f"jobs[{i}].job_name", "required field missing (a string)")
                continue
            key = _sanitize(job_name)
            rest = LMap(job.pos)
            for k, v in job.items():
                if k != "job_name":
                    rest.put(k, v, job.key_pos.get(k))
            if "name" not in rest:
                rest.put("name", job_name, job.key_pos.get("job_name"))
            _lfjm_job(r, key, rest, pos, out_jobs)
    elif jobs_in is not None:
        r.problem(
            _key_pos(data, "jobs"), "jobs", f"expected a mapping of jobs; got {yaml_type(jobs_in)}"
        )
    out = LMap(data.pos)
    out.put("jobs", out_jobs, _key_pos(data, "jobs"))
    return r.result(out)


def _known_version(r: _Reader, data: LMap) -> bool:
    """Whether the file's `metadata_version` (if any) is one this reader knows; else said."""
    version = data.get("metadata_version")
    if version is None or str(version) in SUPPORTED_VERSIONS:
        return True
    r.problem(
        _key_pos(data, "metadata_version"),
        "metadata_version",
        f"unsupported lakeflow-jobs-meta metadata_version {version!r}; "
        f"this reader knows {', '.join(repr(v) for v in SUPPORTED_VERSIONS)}",
    )
    return False


JOB_CONFIG_KEYS = (
    "timeout_seconds",
    "max_concurrent_runs",
    "queue",
    "continuous",
    "trigger",
    "schedule",
    "tags",
    "job_clusters",
    "environments",
    "notification_settings",
)
"""The job settings lakeflow-jobs-meta 0.1's files nest under a job's `job_config` (its
metadata_manager.load_yaml stores these and no other; its orchestrator applies them to the job),
before its jobs took them at their own level."""


def _hoist_job_config(r: _Reader, key: str, job: LMap) -> LMap:
    """A job whose settings sit under `job_config` (the framework's files up to 0.1.0) -> the
    same job with them at its own level, where the framework's later files and the API have
    them. A key the framework did not read from there, or one also set on the job, is an error
    (never dropped, never silently one of two)."""
    config = job.get("job_config")
    if not isinstance(config, LMap):
        return job  # absent; any other type is reported as an unknown field by the native rules
    out = LMap(job.pos)
    for k, v in job.items():
        if k != "job_config":
            out.put(k, v, job.key_pos.get(k))
    for k, v in config.items():
        kpos = config.key_pos.get(k)
        if k not in JOB_CONFIG_KEYS:
            r.problem(
                kpos,
                f"jobs.{key}.job_config.{k}",
                "lakeflow-jobs-meta reads only "
                f"{', '.join(JOB_CONFIG_KEYS)} from job_config (it ignores {k}): "
                "set it on the job itself",
            )
        elif k in job:
            r.problem(kpos, f"jobs.{key}.job_config.{k}", f"{k} is also set on the job; keep one")
        else:
            out.put(k, v, kpos)
    return out


def _lfjm_job(r: _Reader, key: str, job: Any, pos: Pos | None, out_jobs: LMap) -> None:
    if key in out_jobs:
        r.problem(pos, f"jobs.{key}", f"duplicate job '{key}'")
        return
    if not isinstance(job, LMap):
        out_jobs.put(key, job, pos)  # the native rules report the type
        return
    job = _hoist_job_config(r, key, job)
    r.job = key
    native = LMap(job.pos)
    alert: tuple[Any, Pos | None] | None = None
    for k, v in job.items():
        kpos = job.key_pos.get(k)
        if k == "job_name":
            native.put("name", v, kpos)
        elif k == "tasks" and isinstance(v, LList):
            tasks = LList(v.pos)
            for i, task in enumerate(v):
                tasks.put(_lfjm_task(r, f"jobs.{key}.tasks[{i}]", task), v.item_pos[i])
            native.put("tasks", tasks, kpos)
        elif k == "notification_settings" and isinstance(v, LMap):
            # lakeflow-jobs-meta keeps every notification here; the API has them in three places
            rest = LMap(v.pos)
            for nk, nv in v.items():
                npos = v.key_pos.get(nk)
                if nk == "email_notifications":
                    if "email_notifications" in job:
                        r.problem(
                            npos,
                            f"jobs.{key}.notification_settings.email_notifications",
                            "email_notifications is also set on the job; keep one",
                        )
                    native.put("email_notifications", nv, npos)
                elif nk == "alert_on_last_attempt":
                    alert = (nv, npos)
                else:
                    rest.put(nk, nv, npos)
            if rest:
                native.put("notification_settings", rest, kpos)
        else:
            native.put(k, v, kpos)
    _with_defaults(native, JOB_DEFAULTS)
    continuous = native.get("continuous")
    if isinstance(continuous, LMap):
        _with_defaults(continuous, CONTINUOUS_DEFAULTS)
    tasks_out = native.get("tasks")
    if alert is not None and isinstance(tasks_out, LList):
        # a task-level setting in the API: every task gets it unless it says otherwise
        for task in tasks_out:
            if isinstance(task, LMap):
                ns = task.get("notification_settings")
                if ns is None:
                    ns = LMap(alert[1])
                    task.put("notification_settings", ns, alert[1])
                if isinstance(ns, LMap) and "alert_on_last_attempt" not in ns:
                    ns.put("alert_on_last_attempt", alert[0], alert[1])
    r.job = None
    out_jobs.put(key, native, pos)


def _task_notifications(task: LMap) -> None:
    """`notification_settings.email_notifications` of a task (lakeflow-jobs-meta) -> the task's
    own `email_notifications`, where the API has it."""
    ns = task.get("notification_settings")
    if not isinstance(ns, LMap) or "email_notifications" not in ns:
        return
    rest = LMap(ns.pos)
    for k, v in ns.items():
        if k == "email_notifications":
            task.put("email_notifications", v, ns.key_pos.get(k))
        else:
            rest.put(k, v, ns.key_pos.get(k))
    task.put("notification_settings", rest, task.key_pos.get("notification_settings"))


def _lfjm_task(r: _Reader, path: str, task: Any) -> Any:
    if not isinstance(task, LMap):
        return task
    task_type = task.get("task_type")
    if task_type is None and "notebook_path" in task and not any(k.endswith("_task") for k in task):
        task_type = "notebook"  # the framework's default for a task naming a notebook
    if task_type is None:
        if any(k.endswith("_task") for k in task):
            _task_notifications(task)
            _with_defaults(task, TASK_DEFAULTS)
            return task  # already a native task
        r.problem(
            task.pos,
            f"{path}.task_type",
            f"required field missing; one of: {', '.join(TASK_TYPE_FIELDS)}",
        )
        return task
    if not isinstance(task_type, str) or task_type not in TASK_TYPE_FIELDS:
        r.problem(
            _key_pos(task, "task_type"),
            f"{path}.task_type",
            f"unknown task_type {task_type!r}" + suggest(str(task_type), TASK_TYPE_FIELDS),
        )
        return task
    block, own = TASK_TYPE_FIELDS[task_type]
    native = LMap(task.pos)
    inner = LMap(_key_pos(task, "task_type"))
    for k, v in task.items():
        kpos = task.key_pos.get(k)
        if k == "task_type":
            continue
        if k in own:
            _lfjm_field(task_type, inner, k, v, kpos)
        elif k in COMMON_TASK_FIELDS or k == "task_key":
            native.put(k, v, kpos)
        else:
            r.problem(
                kpos,
                f"{path}.{k}",
                f"unknown field '{k}' for a lakeflow-jobs-meta {task_type} task"
                + suggest(k, [*own, *COMMON_TASK_FIELDS, "task_key"]),
            )
    native.put(block, inner, _key_pos(task, "task_type", task.pos))
    _task_notifications(native)
    _with_defaults(native, TASK_DEFAULTS)
    return native


def _lfjm_field(task_type: str, inner: LMap, k: str, v: Any, kpos: Pos | None) -> None:
    if task_type == "notebook":
        if k in ("file_path", "notebook_path"):
            inner.put("notebook_path", v, kpos)
        elif k == "parameters":
            inner.put("base_parameters", _stringify(v), kpos)
        else:
            inner.put(k, v, kpos)
    elif task_type == "sql_query":
        if k == "sql_query":
            inner.put("query_text", v, kpos)
        elif k == "query_id":
            q = LMap(kpos)
            q.put("query_id", _stringify(v), kpos)
            inner.put("query", q, kpos)
        elif k == "parameters":
            inner.put("parameters", _stringify(v), kpos)
        else:
            inner.put(k, v, kpos)
    elif task_type == "sql_file":
        if k in ("file_path", "sql_file_path"):
            f = LMap(kpos)
            f.put("path", v, kpos)
            _with_defaults(f, SQL_FILE_DEFAULTS)
            inner.put("file", f, kpos)
        elif k == "parameters":
            inner.put("parameters", _stringify(v), kpos)
        else:
            inner.put(k, v, kpos)
    elif task_type == "python_wheel" and k == "parameters":
        # a mapping is named parameters, a list positional ones
        inner.put("named_parameters" if isinstance(v, LMap) else "parameters", _stringify(v), kpos)
    elif k == "parameters":
        inner.put(k, _stringify(v), kpos)
    elif task_type == "dbt" and k == "commands" and isinstance(v, str):
        # documented there as one string: one command a line
        commands = LList(kpos)
        for line in v.splitlines():
            if line.strip():
                commands.put(line.strip(), kpos)
        inner.put(k, commands, kpos)
    else:
        inner.put(k, v, kpos)


def _sanitize(name: str) -> str:
    key = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return key or "job"


sanitize = _sanitize
"""A job name -> the row key lakeflow-jobs-meta's 0.1 releases' jobs get here."""


# --- source rows (seed 001) ----------------------------------------------------------------------

SOURCE_FIELDS = (
    "source_id",
    "source_type",
    "execution_order",
    "source_config",
    "target_config",
    "transformation_config",
    "module_name",
    "description",
    "is_active",
    "disabled",
)
SOURCE_TASK_TYPES = ("notebook", "sql_query", "sql_file")


def from_source_rows(data: LMap | LList, name: str) -> Converted:
    """Source rows -> one job per module. The rows are a YAML list, `{sources: [...]}` with an
    optional `modules: {<module>: {job settings}}`, or `modules: [{module_name, job_config,
    sources: [...]}]` (the framework's module files).

    Sources without `module_name` form one job named after the file."""
    r = _Reader(name)
    modules: LMap = LMap(None)
    sources: Any = data
    if isinstance(data, LMap):
        if not _known_version(r, data):
            return r.result(None)
        # metadata_version: the framework's module files carry it and it reads them alike
        r.unknown_top_keys(data, ["metadata_version", "sources", "modules"], "source-row")
        sources = data.get("sources")
        listed = data.get("modules")
        if isinstance(listed, LMap):
            modules = listed
        elif isinstance(listed, LList):
            modules, from_modules = _module_list(r, listed)
            if sources is None:
                sources = from_modules
            elif isinstance(sources, LList):
                for source, pos in zip(from_modules, from_modules.item_pos, strict=True):
                    sources.put(source, pos)
        elif listed is not None:
            r.problem(
                _key_pos(data, "modules"),
                "modules",
                "expected a mapping of module -> job settings, or a list of "
                "{module_name, job_config, sources}",
            )
        if not isinstance(sources, LList):
            r.problem(
                _key_pos(data, "sources"),
                "sources",
                f"expected a list of source rows; got {yaml_type(sources)}",
            )
            return r.result(None)
    assert isinstance(sources, LList)
    default_module = _sanitize(PurePosixPath(name).stem)
    jobs = LMap(sources.pos)
    for i, source in enumerate(sources):
        pos = sources.item_pos[i]
        path = f"sources[{i}]"
        if not isinstance(source, LMap):
            r.problem(pos, path, f"expected a mapping (a source row); got {yaml_type(source)}")
            continue
        module = source.get("module_name", default_module)
        if not isinstance(module, str):
            r.problem(_key_pos(source, "module_name"), f"{path}.module_name", "expected a string")
            continue
        key = _sanitize(module)
        if key not in jobs:
            job = LMap(pos)
            settings = modules.get(module)
            if isinstance(settings, LMap):
                for k, v in settings.items():
                    job.put(k, v, settings.key_pos.get(k))
            if "name" not in job:
                job.put("name", module, pos)
            _with_defaults(job, SOURCE_JOB_DEFAULTS)
            job.put("tasks", LList(pos), pos)
            jobs.put(key, job, _key_pos(source, "module_name"))
        r.job = key
        task = _source_task(r, path, source)
        r.job = None
        if task is None or source.get("is_active") is False:
            continue  # an inactive source is not part of its module's job, as in the framework
        _with_defaults(task, TASK_DEFAULTS)
        jobs[key]["tasks"].put(task, pos)
    out = LMap(sources.pos)
    out.put("jobs", jobs, sources.pos)
    return r.result(out)


MODULE_FIELDS = ("module_name", "description", "job_config", "sources")
"""A module's `description` is read and checked, then left out, as the framework leaves it
(lakeflow-jobs-meta v0.2.0 reads no `description`): the job is the one the framework deploys."""


def _module_list(r: _Reader, listed: LList) -> tuple[LMap, LList]:
    """`modules: [{module_name, job_config, sources}]` -> (module -> job settings, the sources
    with their module_name filled in)."""
    settings = LMap(listed.pos)
    sources = LList(listed.pos)
    for i, module in enumerate(listed):
        path = f"modules[{i}]"
        if not isinstance(module, LMap):
            r.problem(listed.item_pos[i], path, f"expected a mapping; got {yaml_type(module)}")
            continue
        for k in module:
            if k not in MODULE_FIELDS:
                r.problem(
                    _key_pos(module, k),
                    f"{path}.{k}",
                    "unknown field in a module" + suggest(k, MODULE_FIELDS),
                )
        name = module.get("module_name")
        if not isinstance(name, str):
            r.problem(module.pos, f"{path}.module_name", "required field missing (a string)")
            continue
        config = module.get("job_config")
        described = module.get("description")
        if described is not None and not isinstance(described, str):
            r.problem(_key_pos(module, "description"), f"{path}.description", "expected a string")
        if isinstance(config, LMap):
            settings.put(name, config, _key_pos(module, "job_config"))
        elif config is not None:
            r.problem(
                _key_pos(module, "job_config"),
                f"{path}.job_config",
                f"expected a mapping of job settings; got {yaml_type(config)}",
            )
        rows = module.get("sources")
        if not isinstance(rows, LList):
            r.problem(
                _key_pos(module, "sources"),
                f"{path}.sources",
                f"expected a list of source rows; got {yaml_type(rows)}",
            )
            continue
        for row, pos in zip(rows, rows.item_pos, strict=True):
            if isinstance(row, LMap) and "module_name" not in row:
                filled = LMap(row.pos)
                for k, v in row.items():
                    filled.put(k, v, row.key_pos.get(k))
                filled.put("module_name", name, _key_pos(module, "module_name"))
                row = filled
            sources.put(row, pos)
    return settings, sources


def _source_task(r: _Reader, path: str, source: LMap) -> LMap | None:
    for k in source:
        if k not in SOURCE_FIELDS:
            r.problem(
                source.key_pos.get(k),
                f"{path}.{k}",
                "unknown field in a source row" + suggest(k, SOURCE_FIELDS),
            )
    missing = [
        k
        for k in ("source_id", "source_type", "execution_order", "transformation_config")
        if k not in source
    ]
    for k in missing:
        r.problem(source.pos, f"{path}.{k}", "required field missing")
    if missing:
        return None
    source_id = source["source_id"]
    if not isinstance(source_id, str):
        r.problem(_key_pos(source, "source_id"), f"{path}.source_id", "expected a string")
        return None
    task = LMap(source.pos)
    task.put("task_key", _sanitize(source_id), _key_pos(source, "source_id"))
    task.put("execution_order", source["execution_order"], _key_pos(source, "execution_order"))
    if "description" in source:
        task.put("description", source["description"], _key_pos(source, "description"))
    if source.get("disabled") is True:  # the Jobs API's: kept in the job, skipped at run time
        task.put("disabled", True, _key_pos(source, "disabled"))

    config = _json_map(r, path, source, "transformation_config")
    if config is None:
        return None
    task_type = config.get("task_type")
    tpos = _key_pos(config, "task_type")
    if task_type not in SOURCE_TASK_TYPES:
        r.problem(
            tpos,
            f"{path}.transformation_config.task_type",
            f"unknown task_type {task_type!r}" + suggest(str(task_type), SOURCE_TASK_TYPES),
        )
        return None
    source_config = _json_map(r, path, source, "source_config")
    target_config = _json_map(r, path, source, "target_config")
    for k, v in config.items():
        if k in COMMON_TASK_FIELDS and k not in ("execution_order", "task_key"):
            task.put(k, v, config.key_pos.get(k))
        elif k not in ("task_type", "notebook_path", "sql_task", "parameters"):
            r.problem(
                config.key_pos.get(k),
                f"{path}.transformation_config.{k}",
                f"unknown field for a {task_type} source"
                + suggest(k, ["task_type", "notebook_path", "sql_task", "parameters"]),
            )
    if task_type == "notebook":
        nb = LMap(tpos)
        nb.put("notebook_path", config.get("notebook_path"), _key_pos(config, "notebook_path"))
        params = LMap(tpos)
        # The framework's notebooks looked their row up by source_id in the control table;
        # without the table they get the row's configs as JSON.
        params.put("source_id", source_id, _key_pos(source, "source_id"))
        params.put("source_type", _stringify(source["source_type"]), tpos)
        params.put("source_config", json.dumps(plain(source_config or {})), tpos)
        params.put("target_config", json.dumps(plain(target_config or {})), tpos)
        extra = config.get("parameters")
        if isinstance(extra, LMap):
            for k, v in _stringify(extra).items():
                params.put(k, v, extra.key_pos.get(k))
        nb.put("base_parameters", params, tpos)
        task.put("notebook_task", nb, tpos)
    else:
        sql_in = config.get("sql_task")
        if not isinstance(sql_in, LMap):
            r.problem(
                _key_pos(config, "sql_task"),
                f"{path}.transformation_config.sql_task",
                f"a {task_type} source needs a sql_task mapping",
            )
            return None
        sql = LMap(sql_in.pos)
        for k, v in sql_in.items():
            kpos = sql_in.key_pos.get(k)
            if k == "sql_query" and task_type == "sql_query":
                sql.put("query_text", v, kpos)
            elif k == "sql_file_path" and task_type == "sql_file":
                f = LMap(kpos)
                f.put("path", v, kpos)
                file_source = sql_in.get("file_source")  # the framework's name for file.source
                if file_source is not None:
                    f.put("source", file_source, sql_in.key_pos.get("file_source"))
                _with_defaults(f, SQL_FILE_DEFAULTS)
                sql.put("file", f, kpos)
            elif k == "file_source" and task_type == "sql_file":
                continue  # read with sql_file_path
            elif k == "query_id" and task_type == "sql_query":
                q = LMap(kpos)
                q.put("query_id", _stringify(v), kpos)
                sql.put("query", q, kpos)
            elif k == "parameters":
                sql.put("parameters", _stringify(v), kpos)
            else:
                sql.put(k, v, kpos)  # warehouse_id; anything else the native rules judge
        task.put("sql_task", sql, _key_pos(config, "sql_task"))
    return task


def _json_map(r: _Reader, path: str, source: LMap, key: str) -> LMap | None:
    """A config mapping, also accepted as a JSON string (as exported from the Delta table)."""
    value = source.get(key)
    pos = _key_pos(source, key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
            too_deep = nesting_depth(value) > MAX_DEPTH
        except json.JSONDecodeError as err:
            r.problem(pos, f"{path}.{key}", f"not a mapping nor valid JSON: {err.msg}")
            return None
        except RecursionError:  # json's decoder stops itself about 1,000 levels deep
            too_deep = True
        if too_deep:
            r.problem(pos, f"{path}.{key}", TOO_DEEP)
            return None
        value = located(value, pos)
    if not isinstance(value, LMap):
        r.problem(pos, f"{path}.{key}", f"expected a mapping; got {yaml_type(value)}")
        return None
    return value
