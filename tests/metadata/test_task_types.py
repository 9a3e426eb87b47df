"""Every task type loads into an API-shaped task; the table must grow with the task types."""

from __future__ import annotations

from typing import Any

import pytest

from metadata.formats.lakeflow_jobs_meta import TASK_TYPE_FIELDS
from metadata.kinds import KINDS
from metadata.models import TASK_TYPES
from tests.metadata.conftest import Project

# task type -> (YAML of the type's field, expected model_dump of that field)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "notebook_task": (
        "{notebook_path: src/nb.py, base_parameters: {catalog: '${var.catalog}'}}",
        {"notebook_path": "src/nb.py", "base_parameters": {"catalog": "cat_dev"}},
    ),
    "sql_task": (
        "{warehouse_id: wh, file: {path: src/query.sql}, parameters: {day: '1'}}",
        {"warehouse_id": "wh", "file": {"path": "src/query.sql"}, "parameters": {"day": "1"}},
    ),
    "pipeline_task": ("{pipeline: p, full_refresh: true}", {"pipeline": "p", "full_refresh": True}),
    "python_wheel_task": (
        "{package_name: etl, entry_point: main, named_parameters: {env: dev}}",
        {"package_name": "etl", "entry_point": "main", "named_parameters": {"env": "dev"}},
    ),
    "spark_python_task": (
        "{python_file: src/other.py, parameters: ['--day', '1']}",
        {"python_file": "src/other.py", "parameters": ["--day", "1"]},
    ),
    "spark_jar_task": (
        "{main_class_name: com.example.Main, parameters: [a]}",
        {"main_class_name": "com.example.Main", "parameters": ["a"]},
    ),
    "run_job_task": (
        "{job: other, job_parameters: {x: '1'}}",
        {"job": "other", "job_parameters": {"x": "1"}},
    ),
    "dbt_task": (
        "{commands: [dbt deps, dbt run], schema: analytics, warehouse_id: wh}",
        {"commands": ["dbt deps", "dbt run"], "schema": "analytics", "warehouse_id": "wh"},
    ),
    "condition_task": (
        "{op: GREATER_THAN, left: '{{job.parameters.n}}', right: '0'}",
        {"op": "GREATER_THAN", "left": "{{job.parameters.n}}", "right": "0"},
    ),
    "for_each_task": (
        "{inputs: '[1, 2]', concurrency: 2,"
        " task: {task_key: each, notebook_task: {notebook_path: src/nb.py}}}",
        {
            "inputs": "[1, 2]",
            "concurrency": 2,
            "task": {"task_key": "each", "notebook_task": {"notebook_path": "src/nb.py"}},
        },
    ),
    "dashboard_task": (
        "{dashboard_id: 01ef, warehouse_id: wh,"
        " subscription: {paused: false, subscribers: [{user_name: a@example.com}]}}",
        {
            "dashboard_id": "01ef",
            "warehouse_id": "wh",
            "subscription": {"paused": False, "subscribers": [{"user_name": "a@example.com"}]},
        },
    ),
    "spark_submit_task": (
        "{parameters: [--class, com.example.Main, 'dbfs:/x.jar']}",
        {"parameters": ["--class", "com.example.Main", "dbfs:/x.jar"]},
    ),
    "clean_rooms_notebook_task": (
        "{clean_room_name: room, notebook_name: nb, notebook_base_parameters: {a: '1'}}",
        {"clean_room_name": "room", "notebook_name": "nb", "notebook_base_parameters": {"a": "1"}},
    ),
    "dbt_cloud_task": (
        "{connection_resource_name: dbtc, dbt_cloud_job_id: 42}",
        {"connection_resource_name": "dbtc", "dbt_cloud_job_id": 42},
    ),
    "dbt_platform_task": (
        "{connection_resource_name: dbtp, dbt_platform_job_id: '42'}",
        {"connection_resource_name": "dbtp", "dbt_platform_job_id": "42"},
    ),
    "power_bi_task": (
        "{connection_resource_name: pbi, warehouse_id: wh,"
        " power_bi_model: {model_name: m, storage_mode: DIRECT_QUERY},"
        " tables: [{catalog: main, schema: s, name: t}]}",
        {
            "connection_resource_name": "pbi",
            "warehouse_id": "wh",
            "power_bi_model": {"model_name": "m", "storage_mode": "DIRECT_QUERY"},
            "tables": [{"catalog": "main", "schema": "s", "name": "t"}],
        },
    ),
    "alert_task": (
        "{alert_id: a1, warehouse_id: wh, subscribers: [{destination_id: d1}]}",
        {"alert_id": "a1", "warehouse_id": "wh", "subscribers": [{"destination_id": "d1"}]},
    ),
}


def test_every_task_type_has_a_case() -> None:
    assert set(CASES) == set(TASK_TYPES)


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_task_type_loads(project: Project, task_type: str) -> None:
    yaml_field, expected = CASES[task_type]
    project.write(
        "a.yaml",
        f"""
        jobs:
          main:
            tasks:
              - task_key: t
                {task_type}: {yaml_field}
          other:
            tasks: [{{task_key: x, notebook_task: {{notebook_path: src/nb.py}}}}]
        pipelines:
          p: {{serverless: true}}
        """,
    )
    task = project.load().jobs["main"].tasks[0]
    assert task.task_type == task_type
    dumped = task.model_dump(exclude_none=True)
    assert dumped[task_type] == expected
    assert dumped["depends_on"] == []


# lakeflow-jobs-meta task_type -> (its fields in YAML, the native task field it becomes)
COMPAT_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "notebook": (
        "file_path: src/nb.py; parameters: {n: 5}",
        {"notebook_task": {"notebook_path": "src/nb.py", "base_parameters": {"n": "5"}}},
    ),
    "sql_query": (
        "sql_query: SELECT 1; warehouse_id: wh",
        {"sql_task": {"query_text": "SELECT 1", "warehouse_id": "wh"}},
    ),
    "sql_file": (
        "file_path: src/query.sql; warehouse_id: wh",
        {
            "sql_task": {
                "file": {"path": "src/query.sql", "source": "WORKSPACE"},
                "warehouse_id": "wh",
            }
        },
    ),
    "python_wheel": (
        "package_name: etl; entry_point: main; parameters: [a]",
        {"python_wheel_task": {"package_name": "etl", "entry_point": "main", "parameters": ["a"]}},
    ),
    "spark_jar": (
        "main_class_name: com.example.Main",
        {"spark_jar_task": {"main_class_name": "com.example.Main"}},
    ),
    "pipeline": (
        "pipeline_id: 1234-abcd; full_refresh: true",
        {"pipeline_task": {"pipeline_id": "1234-abcd", "full_refresh": True}},
    ),
    "dbt": (
        "commands: [dbt run]; warehouse_id: wh",
        {"dbt_task": {"commands": ["dbt run"], "warehouse_id": "wh"}},
    ),
}


def test_every_lakeflow_jobs_meta_task_type_has_a_case() -> None:
    assert set(COMPAT_CASES) == set(TASK_TYPE_FIELDS)


@pytest.mark.parametrize("task_type", sorted(TASK_TYPE_FIELDS))
def test_lakeflow_jobs_meta_task_type_loads(project: Project, task_type: str) -> None:
    fields, expected = COMPAT_CASES[task_type]
    fields = fields.replace("; ", "\n" + " " * 16)  # one field per line, under task_type
    project.write(
        "a.yaml",
        f"""
        metadata_version: "2.0"
        jobs:
          j:
            tasks:
              - task_key: t
                task_type: {task_type}
                {fields}
        """,
    )
    task = project.load().jobs["j"].tasks[0]
    dumped = task.model_dump(exclude_none=True)
    ((field, value),) = expected.items()
    assert task.task_type == field
    assert dumped[field] == value


# row kind -> a minimal row of that kind (YAML flow mapping)
KIND_CASES: dict[str, str] = {
    "jobs": "{tasks: [{task_key: t, notebook_task: {notebook_path: src/nb.py}}]}",
    "pipelines": "{serverless: true, libraries: [{glob: {include: src/pipe/**}}]}",
    "quality_monitors": "{table_name: c.s.t, assets_dir: /a, output_schema_name: c.s,"
    " snapshot: {}}",
    "data_quality_monitors": "{object_type: schema, schema: c.s, anomaly_detection_config: {}}",
}


def test_every_row_kind_has_a_case() -> None:
    assert set(KIND_CASES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_row_kind_loads(project: Project, kind: str) -> None:
    project.write("a.yaml", f"{kind}:\n  r: {KIND_CASES[kind]}\n")
    rows = project.load()
    loaded = getattr(rows, kind)
    assert isinstance(loaded["r"], KINDS[kind].row_model)
    assert rows.total == 1
