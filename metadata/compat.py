"""Readers of lakeflow-jobs-meta files (v0.2 and the earlier source rows) into native rows."""

# Both produce the native layout (`jobs: {key: {tasks: [...]}}`) with the original file
# positions, so the native models and rules validate them and problems point at the lines
# users wrote.

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any

from metadata.errors import Pos, Problem
from metadata.messages import suggest, yaml_type
from metadata.models.jobs import Task
from metadata.yamlsrc import LList, LMap, plain

SUPPORTED_VERSION = "2.0"

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

    def problem(self, pos: Pos | None, path: str, message: str) -> None:
        self.problems.append(Problem(pos or Pos(self.name, 1, 1), path, message))

    def unknown_top_keys(self, data: LMap, allowed: list[str], what: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(
                    _key_pos(data, key),
                    key,
                    f"unknown top-level key in a {what} file" + suggest(key, allowed),
                )


def _key_pos(m: LMap, key: str) -> Pos | None:
    return m.key_pos.get(key, m.pos)


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


def from_lakeflow_jobs_meta(data: LMap, name: str) -> tuple[Any, list[Problem]]:
    """A `metadata_version: "2.0"` file -> `{jobs: {...}}` in the native layout."""
    r = _Reader(name)
    version = data.get("metadata_version")
    if str(version) != SUPPORTED_VERSION:
        r.problem(
            _key_pos(data, "metadata_version"),
            "metadata_version",
            f"unsupported lakeflow-jobs-meta metadata_version {version!r}; "
            f"this reader knows '{SUPPORTED_VERSION}'",
        )
        return None, r.problems
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
    return out, r.problems


def _lfjm_job(r: _Reader, key: str, job: Any, pos: Pos | None, out_jobs: LMap) -> None:
    if key in out_jobs:
        r.problem(pos, f"jobs.{key}", f"duplicate job '{key}'")
        return
    if not isinstance(job, LMap):
        out_jobs.put(key, job, pos)  # the native rules report the type
        return
    native = LMap(job.pos)
    for k, v in job.items():
        kpos = job.key_pos.get(k)
        if k == "job_name":
            native.put("name", v, kpos)
        elif k == "tasks" and isinstance(v, LList):
            tasks = LList(v.pos)
            for i, task in enumerate(v):
                tasks.put(_lfjm_task(r, f"jobs.{key}.tasks[{i}]", task), v.item_pos[i])
            native.put("tasks", tasks, kpos)
        else:
            native.put(k, v, kpos)
    out_jobs.put(key, native, pos)


def _lfjm_task(r: _Reader, path: str, task: Any) -> Any:
    if not isinstance(task, LMap):
        return task
    task_type = task.get("task_type")
    if task_type is None:
        if any(k.endswith("_task") for k in task):
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
    field, own = TASK_TYPE_FIELDS[task_type]
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
    native.put(field, inner, _key_pos(task, "task_type"))
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
    else:
        inner.put(k, v, kpos)


def _sanitize(name: str) -> str:
    key = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_")
    return key or "job"


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


def from_source_rows(data: LMap | LList, name: str) -> tuple[Any, list[Problem]]:
    """A list of source rows (or `{sources: [...], modules: {...}}`) -> one job per module.

    Sources without `module_name` form one job named after the file. `modules.<name>` may hold
    job-level settings (schedule, timeout_seconds, ...) of that module's job."""
    r = _Reader(name)
    modules: LMap = LMap(None)
    if isinstance(data, LMap):
        r.unknown_top_keys(data, ["sources", "modules"], "source-row")
        sources = data.get("sources")
        if isinstance(data.get("modules"), LMap):
            modules = data["modules"]
        elif data.get("modules") is not None:
            r.problem(_key_pos(data, "modules"), "modules", "expected a mapping of module -> job")
        if not isinstance(sources, LList):
            r.problem(
                _key_pos(data, "sources"),
                "sources",
                f"expected a list of source rows; got {yaml_type(sources)}",
            )
            return None, r.problems
    else:
        sources = data
    default_module = _sanitize(PurePosixPath(name).stem)
    jobs = LMap(sources.pos)
    for i, source in enumerate(sources):
        pos = sources.item_pos[i]
        path = f"sources[{i}]"
        if not isinstance(source, LMap):
            r.problem(pos, path, f"expected a mapping (a source row); got {yaml_type(source)}")
            continue
        task = _source_task(r, path, source)
        if task is None or source.get("is_active") is False:
            continue  # an inactive source is not part of its module's job, as in the framework
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
            job.put("tasks", LList(pos), pos)
            jobs.put(key, job, _key_pos(source, "module_name"))
        jobs[key]["tasks"].put(task, pos)
    out = LMap(sources.pos)
    out.put("jobs", jobs, sources.pos)
    return out, r.problems


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
                sql.put("file", f, kpos)
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
        except json.JSONDecodeError as err:
            r.problem(pos, f"{path}.{key}", f"not a mapping nor valid JSON: {err.msg}")
            return None
        value = _located(value, pos)
    if not isinstance(value, LMap):
        r.problem(pos, f"{path}.{key}", f"expected a mapping; got {yaml_type(value)}")
        return None
    return value


def _located(value: Any, pos: Pos | None) -> Any:
    if isinstance(value, dict):
        out = LMap(pos)
        for k, v in value.items():  # pyright: ignore[reportUnknownVariableType]
            out.put(str(k), _located(v, pos), pos)  # pyright: ignore[reportUnknownArgumentType]
        return out
    if isinstance(value, list):
        out_list = LList(pos)
        for v in value:  # pyright: ignore[reportUnknownVariableType]
            out_list.put(_located(v, pos), pos)
        return out_list
    return value
