"""Control table rows <-> metadata rows: lakeflow-jobs-meta's control table and Lakeform's own."""

# lakeflow-jobs-meta's control table, read from park-peter/lakeflow-jobs-meta per release tag
# (metadata_manager.py `ensure_exists` and `load_yaml`; orchestrator.py `get_job_settings_for_job`,
# `generate_tasks_for_job`; task_builders.py `create_task_from_config`):
# - v0.1.0-rc1 .. v0.1.1: one row per task, keyed by (job_name, task_key): job_name, task_key,
#   depends_on, task_type, job_config, task_config, disabled, created_by, created_timestamp,
#   updated_by, updated_timestamp.
# - v0.2.0: the same plus resource_id first (the YAML `jobs:` map key), keyed by (resource_id,
#   task_key); job_name is the job's `name` (default: resource_id).
# Encodings (both): depends_on is json.dumps of a list of task keys; job_config is json.dumps of
# the job's settings (tags, parameters, timeout_seconds, max_concurrent_runs, queue, continuous,
# trigger, schedule, job_clusters, notification_settings, edit_mode; `environments` stored as
# `_job_environments`), the same on every row of a job, read from the first; task_config is
# json.dumps of the task's own fields under their YAML names (file_path, sql_query, query_id,
# warehouse_id, parameters, ...); disabled is the task's (the Jobs API task `disabled`).
# The rows become the framework's YAML document and go through its file reader, so a table and
# a file with the same jobs deploy the same.

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from metadata.errors import Pos, Problem
from metadata.formats import lakeflow_jobs_meta as compat
from metadata.kinds import KINDS
from metadata.messages import suggest, yaml_type
from metadata.raw import ROW_KEY, RawRow, split_rows
from metadata.yamlsrc import MAX_DEPTH, TOO_DEEP, LList, LMap, located, nesting_depth, plain

Schema = Sequence[tuple[str, str]]
"""(column, Spark SQL type) in table order."""

WHO_WHEN: Schema = (
    ("created_by", "string"),
    ("created_timestamp", "timestamp"),
    ("updated_by", "string"),
    ("updated_timestamp", "timestamp"),
)
LAKEFORM: Schema = (
    ("kind", "string"),
    ("key", "string"),
    ("row", "string"),
    ("disabled", "boolean"),
    *WHO_WHEN,
)
"""Lakeform's control table: one row per metadata row of any kind, the row as JSON."""
LFJM_V1: Schema = (
    ("job_name", "string"),
    ("task_key", "string"),
    ("depends_on", "string"),
    ("task_type", "string"),
    ("job_config", "string"),
    ("task_config", "string"),
    ("disabled", "boolean"),
    *WHO_WHEN,
)
LFJM_V2: Schema = (("resource_id", "string"), *LFJM_V1)
DEPLOYMENTS: Schema = (
    ("resource_id", "string"),
    ("job_id", "bigint"),
    ("job_name", "string"),
    *WHO_WHEN,
    ("kind", "string"),
    ("stack", "string"),
    ("id", "string"),
    ("url", "string"),
    ("update_version", "bigint"),
)
"""The deployments table: lakeflow-jobs-meta v0.2's jobs table columns (orchestrator.py
`_create_job_tracking_table`), then what Lakeform adds for every kind. `job_name` holds the
deployed name of pipelines too; `id` is each resource's id as a string (a monitor: the full
name of what it monitors; the kind's `Kind.output_id`)."""

SCHEMAS: dict[str, Schema] = {
    "lakeform": LAKEFORM,
    "lakeflow-jobs-meta v0.2": LFJM_V2,
    "lakeflow-jobs-meta v0.1": LFJM_V1,
}


def schema_of(name: str, columns: Sequence[str]) -> str:
    """Which control table layout `columns` are; TableError-worthy text in a ValueError if none."""
    have = set(columns)
    for label, schema in SCHEMAS.items():
        needed = {c for c, _ in schema if c not in dict(WHO_WHEN)}
        if needed <= have:
            return label
    raise ValueError(
        f"{name}: not a control table: its columns are {', '.join(columns) or 'none'}; "
        f"expected Lakeform's ({', '.join(c for c, _ in LAKEFORM)}) or lakeflow-jobs-meta's "
        f"({', '.join(c for c, _ in LFJM_V2)})"
    )


@dataclass(frozen=True)
class TableRows:
    """What a control table holds, read into raw rows and, for `table pull`, the document."""

    rows: list[RawRow]
    problems: list[Problem]
    document: dict[str, Any]
    """The rows as one metadata document (`table pull` writes it)."""
    schema: str


def read_records(
    name: str, columns: Sequence[str], records: Sequence[Mapping[str, Any]]
) -> TableRows:
    """A control table's records -> raw rows, with problems naming table, row, column, field."""
    schema = schema_of(name, columns)
    if schema == "lakeform":
        return _lakeform(name, records)
    return _lfjm(name, records, with_resource_id=schema.endswith("v0.2"), schema=schema)


def _cell(name: str, row: str, column: str | None = None) -> Pos:
    where = f"{name}: row {row}" + (f", column {column}" if column else "")
    return Pos(where, 0, 0)


def _json(text: Any, pos: Pos, problems: list[Problem], what: str, field: str) -> tuple[bool, Any]:
    """A JSON cell -> (ok, located value)."""
    if not isinstance(text, str):
        problems.append(Problem(pos, field, f"expected {what} as JSON text; got {yaml_type(text)}"))
        return False, None
    try:
        value = json.loads(text)
        too_deep = nesting_depth(value) > MAX_DEPTH
    except json.JSONDecodeError as err:
        problems.append(Problem(pos, field, f"not valid JSON: {err.msg} at character {err.pos}"))
        return False, None
    except RecursionError:
        too_deep = True
        value = None
    if too_deep:
        problems.append(Problem(pos, field, TOO_DEEP))
        return False, None
    return True, located(value, pos)


def _json_object(
    text: Any, pos: Pos, problems: list[Problem], what: str, field: str
) -> LMap | None:
    """A JSON object cell (empty: `{}`) -> its located object; None with a problem otherwise."""
    ok, value = _json(text or "{}", pos, problems, what, field)
    if not ok:
        return None
    if not isinstance(value, LMap):
        problems.append(Problem(pos, field, "expected a JSON object"))
        return None
    return value


# --- Lakeform's table ----------------------------------------------------------------------------


def _lakeform(name: str, records: Sequence[Mapping[str, Any]]) -> TableRows:
    rows: list[RawRow] = []
    problems: list[Problem] = []
    document: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for rec in sorted(records, key=lambda r: (str(r.get("kind")), str(r.get("key")))):
        kind, key = rec.get("kind"), rec.get("key")
        label = f"{kind}.{key}"
        if kind not in KINDS:
            problems.append(
                Problem(
                    _cell(name, label, "kind"),
                    "",
                    f"unknown kind {kind!r}; one of {', '.join(KINDS)}" + suggest(str(kind), KINDS),
                )
            )
            continue
        if not isinstance(key, str) or not ROW_KEY.match(key):
            problems.append(
                Problem(
                    _cell(name, label, "key"),
                    f"{kind}.{key}",
                    "row keys may hold letters, digits, '_' and '-' only "
                    "(they name the deployed resource)",
                )
            )
            continue
        if (kind, key) in seen:
            problems.append(
                Problem(_cell(name, label, "key"), f"{kind}.{key}", "duplicate row in the table")
            )
            continue
        seen.add((kind, key))
        ok, data = _json(rec.get("row"), _cell(name, label, "row"), problems, "the row", label)
        if not ok:
            continue
        if not isinstance(data, LMap):
            problems.append(
                Problem(
                    _cell(name, label, "row"),
                    label,
                    f"expected the row as a JSON object; got {yaml_type(data)}",
                )
            )
            continue
        disabled = rec.get("disabled")
        if disabled is not None and not isinstance(disabled, bool):
            problems.append(Problem(_cell(name, label, "disabled"), label, "expected a boolean"))
            continue
        if "disabled" in data:
            problems.append(
                Problem(
                    _cell(name, label, "row"),
                    f"{label}.disabled",
                    "set the table's disabled column, not disabled in the row's JSON",
                )
            )
            continue
        doc_row: dict[str, Any] = {}
        if disabled:
            # the row-level `disabled` of YAML rows: ignored as if absent
            data.put("disabled", True, _cell(name, label, "disabled"))
            doc_row["disabled"] = True
        doc_row.update(plain(data))
        rows.append(RawRow(kind, key, name, _cell(name, label), data))
        document.setdefault(kind, {})[key] = doc_row
    ordered = {kind: dict(sorted(document[kind].items())) for kind in KINDS if kind in document}
    return TableRows(rows, problems, ordered, "lakeform")


def lakeform_records(rows: Iterable[RawRow]) -> list[dict[str, Any]]:
    """Raw rows (as written in YAML) -> Lakeform table records (without who/when)."""
    out: list[dict[str, Any]] = []
    for r in rows:
        data: Any = plain(r.data)
        disabled = False
        if isinstance(data, dict) and cast("dict[str, Any]", data).get("disabled") is True:
            disabled = True
            data = {k: v for k, v in cast("dict[str, Any]", data).items() if k != "disabled"}
        out.append(
            {
                "kind": r.kind,
                "key": r.key,
                "row": json.dumps(data, ensure_ascii=False),
                "disabled": disabled,
            }
        )
    return out


# --- lakeflow-jobs-meta's table ------------------------------------------------------------------


def _lfjm(
    name: str, records: Sequence[Mapping[str, Any]], *, with_resource_id: bool, schema: str
) -> TableRows:
    problems: list[Problem] = []
    by_job: dict[str, list[Mapping[str, Any]]] = {}
    for rec in records:
        job_name = rec.get("job_name")
        rid = rec.get("resource_id") if with_resource_id else None
        if with_resource_id and not isinstance(rid, str):
            problems.append(
                Problem(
                    _cell(name, f"{rid}/{rec.get('task_key')}", "resource_id"),
                    "",
                    "required: the job's resource_id (a string)",
                )
            )
            continue
        if not isinstance(job_name, str):
            problems.append(
                Problem(
                    _cell(name, f"{rid or job_name}/{rec.get('task_key')}", "job_name"),
                    "",
                    "required: the job's name (a string)",
                )
            )
            continue
        key = rid if isinstance(rid, str) else compat.sanitize(job_name)
        by_job.setdefault(key, []).append(rec)
    jobs = LMap(None)
    for key in sorted(by_job):
        job = _lfjm_job(name, key, by_job[key], problems)
        if job is not None:
            jobs.put(key, job, job.pos)
    doc = LMap(None)
    doc.put("metadata_version", "2.0", None)
    doc.put("jobs", jobs, None)
    document = plain(doc)
    converted = compat.from_lakeflow_jobs_meta(doc, name)
    problems.extend(converted.problems)
    rows: list[RawRow] = []
    if isinstance(converted.data, LMap):
        rows, more = split_rows(converted.data, name, converted.reported)
        problems.extend(more)
        for row in rows:
            row.bare_refs = True
    return TableRows(rows, problems, document, schema)


def _lfjm_job(
    name: str, key: str, records: list[Mapping[str, Any]], problems: list[Problem]
) -> LMap | None:
    records = sorted(records, key=lambda r: str(r.get("task_key")))
    first = records[0]
    label = f"{key}/{first.get('task_key')}"
    job = LMap(_cell(name, label))
    job.put("name", first["job_name"], _cell(name, label, "job_name"))
    config = _json_object(
        first.get("job_config"), _cell(name, label, "job_config"), problems,
        "the job's settings", f"jobs.{key}",
    )  # fmt: skip
    if config is None:
        return None
    for rec in records[1:]:
        for column in ("job_name", "job_config"):
            if (rec.get(column) or "{}") != (first.get(column) or "{}"):
                problems.append(
                    Problem(
                        _cell(name, f"{key}/{rec.get('task_key')}", column),
                        f"jobs.{key}",
                        f"differs from row {label}'s; every row of a job holds the same {column}",
                    )
                )
                return None
    for k, v in config.items():
        # orchestrator.py get_job_settings_for_job: `_job_environments` is the job's environments
        job.put("environments" if k == "_job_environments" else k, v, config.key_pos.get(k))
    tasks = LList(_cell(name, label))
    seen: set[str] = set()
    for rec in records:
        task_key = rec.get("task_key")
        row = f"{key}/{task_key}"
        if not isinstance(task_key, str) or not task_key:
            problems.append(
                Problem(_cell(name, row, "task_key"), f"jobs.{key}", "required: a task_key")
            )
            return None
        if task_key in seen:
            problems.append(
                Problem(_cell(name, row, "task_key"), f"jobs.{key}", f"duplicate task '{task_key}'")
            )
            return None
        seen.add(task_key)
        task = LMap(_cell(name, row))
        task.put("task_key", task_key, _cell(name, row, "task_key"))
        if rec.get("task_type") is not None:
            task.put("task_type", rec["task_type"], _cell(name, row, "task_type"))
        ok, depends = _json(
            rec.get("depends_on") or "[]",
            _cell(name, row, "depends_on"),
            problems,
            "a list of task keys",
            f"jobs.{key}.tasks[{task_key}].depends_on",
        )
        if not ok:
            return None
        if depends:
            task.put("depends_on", depends, _cell(name, row, "depends_on"))
        task_config = _json_object(
            rec.get("task_config"), _cell(name, row, "task_config"), problems,
            "the task's settings", f"jobs.{key}.tasks[{task_key}]",
        )  # fmt: skip
        if task_config is None:
            return None
        for k, v in task_config.items():
            task.put(k, v, task_config.key_pos.get(k))
        if rec.get("disabled") is True:
            task.put("disabled", True, _cell(name, row, "disabled"))
        tasks.put(task, _cell(name, row))
    job.put("tasks", tasks, _cell(name, label))
    return job
