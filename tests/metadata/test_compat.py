"""lakeflow-jobs-meta files read into the same models as their native equivalents."""

from __future__ import annotations

from tests.metadata.conftest import Project

LFJM = """
metadata_version: "2.0"
jobs:
  sales:
    description: Sales pipeline
    timeout_seconds: 3600
    schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}
    job_clusters:
      - job_cluster_key: small
        new_cluster: {spark_version: 15.4.x-scala2.12, node_type_id: i3.xlarge, num_workers: 1}
    tasks:
      - task_key: ingest
        task_type: notebook
        file_path: src/nb.py
        job_cluster_key: small
        parameters: {catalog: "${var.catalog}", batch: 5, full: true}
      - task_key: check
        task_type: sql_query
        sql_query: SELECT 1
        warehouse_id: wh
        depends_on: [ingest]
      - task_key: saved
        task_type: sql_query
        query_id: q-123
        warehouse_id: wh
        depends_on: [ingest]
      - task_key: aggregate
        task_type: sql_file
        file_path: src/query.sql
        warehouse_id: wh
        parameters: {day: 1}
        depends_on: [check, saved]
        run_if: ALL_DONE
      - task_key: refresh
        task_type: pipeline
        pipeline_id: abc-123
        depends_on: [aggregate]
        timeout_seconds: 600
      - task_key: old
        task_type: notebook
        file_path: src/nb.py
        disabled: true
"""

NATIVE = """
jobs:
  sales:
    description: Sales pipeline
    timeout_seconds: 3600
    schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}
    job_clusters:
      - job_cluster_key: small
        new_cluster: {spark_version: 15.4.x-scala2.12, node_type_id: i3.xlarge, num_workers: 1}
    tasks:
      - task_key: ingest
        job_cluster_key: small
        notebook_task:
          notebook_path: src/nb.py
          base_parameters: {catalog: "${var.catalog}", batch: "5", full: "true"}
      - task_key: check
        depends_on: [ingest]
        sql_task: {query_text: SELECT 1, warehouse_id: wh}
      - task_key: saved
        depends_on: [ingest]
        sql_task: {query: {query_id: q-123}, warehouse_id: wh}
      - task_key: aggregate
        depends_on: [check, saved]
        run_if: ALL_DONE
        sql_task: {file: {path: src/query.sql}, warehouse_id: wh, parameters: {day: "1"}}
      - task_key: refresh
        depends_on: [aggregate]
        timeout_seconds: 600
        pipeline_task: {pipeline_id: abc-123}
      - task_key: old
        disabled: true
        notebook_task: {notebook_path: src/nb.py}
"""


def test_lakeflow_jobs_meta_file_equals_its_native_equivalent(project: Project) -> None:
    project.write("lfjm/sales.yaml", LFJM)
    from_lfjm = project.load()
    (project.root / "resources" / "lfjm" / "sales.yaml").unlink()
    project.write("native/sales.yaml", NATIVE)
    native = project.load()
    assert from_lfjm.jobs == native.jobs
    assert [t.task_key for t in native.jobs["sales"].tasks] == [
        "ingest",
        "check",
        "saved",
        "aggregate",
        "refresh",
        "old",
    ]


def test_lakeflow_jobs_meta_jobs_as_a_list_with_job_name(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          - job_name: My Sales Job
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
        """,
    )
    job = project.load().jobs["My_Sales_Job"]
    assert job.name == "My Sales Job"


SOURCES = """
- source_id: customers_bronze
  source_type: csv
  module_name: ingestion
  execution_order: 1
  source_config: {path: /Volumes/raw/customers}
  target_config: {table: customers}
  transformation_config:
    task_type: notebook
    notebook_path: src/nb.py
- source_id: orders_bronze
  source_type: csv
  module_name: ingestion
  execution_order: 1
  transformation_config: {task_type: notebook, notebook_path: src/nb.py}
- source_id: quality
  source_type: sql
  module_name: ingestion
  execution_order: 2
  transformation_config: '{"task_type": "sql_query", "sql_task": {"warehouse_id": "wh",
    "sql_query": "SELECT 1", "parameters": {"threshold": 5.0}}}'
- source_id: silver
  source_type: sql
  module_name: ingestion
  execution_order: 3
  is_active: false
  transformation_config:
    task_type: sql_file
    sql_task: {warehouse_id: wh, sql_file_path: src/query.sql}
"""

SOURCES_NATIVE = """
jobs:
  ingestion:
    name: ingestion
    tasks:
      - task_key: customers_bronze
        notebook_task:
          notebook_path: src/nb.py
          base_parameters:
            source_id: customers_bronze
            source_type: csv
            source_config: '{"path": "/Volumes/raw/customers"}'
            target_config: '{"table": "customers"}'
      - task_key: orders_bronze
        notebook_task:
          notebook_path: src/nb.py
          base_parameters:
            source_id: orders_bronze
            source_type: csv
            source_config: "{}"
            target_config: "{}"
      - task_key: quality
        depends_on: [customers_bronze, orders_bronze]
        sql_task: {warehouse_id: wh, query_text: SELECT 1, parameters: {threshold: "5.0"}}
"""


def test_source_rows_group_into_one_job_per_module(project: Project) -> None:
    project.write("sources.yaml", SOURCES)
    from_sources = project.load()
    (project.root / "resources" / "sources.yaml").unlink()
    project.write("native.yaml", SOURCES_NATIVE)
    assert from_sources.jobs == project.load().jobs


def test_source_rows_without_module_form_a_job_named_after_the_file(project: Project) -> None:
    project.write(
        "daily-loads.yaml",
        """
        sources:
          - {source_id: a, source_type: csv, execution_order: 1,
             transformation_config: {task_type: notebook, notebook_path: src/nb.py}}
        """,
    )
    assert list(project.load().jobs) == ["daily-loads"]


def test_unsupported_metadata_version(project: Project) -> None:
    project.write("a.yaml", 'metadata_version: "1.0"\njobs: {}\n')
    assert project.problems() == [
        "resources/a.yaml:1:1: metadata_version: unsupported lakeflow-jobs-meta "
        "metadata_version '1.0'; this reader knows '2.0'"
    ]


def test_unknown_lakeflow_jobs_meta_task_type(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          j:
            tasks:
              - {task_key: t, task_type: notebok, file_path: src/nb.py}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:5:23: jobs.j.tasks[0].task_type: unknown task_type 'notebok'; "
        "did you mean 'notebook'?"
    ]


def test_field_of_another_lakeflow_jobs_meta_task_type(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          j:
            tasks:
              - task_key: t
                task_type: notebook
                file_path: src/nb.py
                sql_query: SELECT 1
        """,
    )
    (problem,) = project.problems()
    assert problem.startswith(
        "resources/a.yaml:8:9: jobs.j.tasks[0].sql_query: unknown field 'sql_query' for a "
        "lakeflow-jobs-meta notebook task"
    )


def test_lakeflow_jobs_meta_rows_get_native_rules(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          j:
            tasks:
              - {task_key: a, task_type: notebook, file_path: src/nb.py, depends_on: [b]}
              - {task_key: b, task_type: sql_query, sql_query: SELECT 1, depends_on: [a]}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:5:79: jobs.j.tasks[0].depends_on[0]: dependency cycle: a -> b -> a",
        "resources/a.yaml:6:23: jobs.j.tasks[1].sql_task.warehouse_id: a SQL task needs a "
        "warehouse: set sql_task.warehouse_id (e.g. '${var.warehouse_id}') or the stack's "
        "lakeform:settings.default_warehouse_id",
    ]


def test_source_row_missing_fields(project: Project) -> None:
    project.write("a.yaml", "- {source_id: a, source_type: csv}\n")
    assert project.problems() == [
        "resources/a.yaml:1:3: sources[0].execution_order: required field missing",
        "resources/a.yaml:1:3: sources[0].transformation_config: required field missing",
    ]


def test_source_row_with_bad_json_config(project: Project) -> None:
    project.write(
        "a.yaml",
        "- {source_id: a, source_type: csv, execution_order: 1, transformation_config: '{x'}\n",
    )
    (problem,) = project.problems()
    assert problem.startswith(
        "resources/a.yaml:1:56: sources[0].transformation_config: not a mapping nor valid JSON:"
    )


def test_unknown_top_level_keys_of_both_legacy_formats(project: Project) -> None:
    project.write("lfjm.yaml", 'metadata_version: "2.0"\njob:\n  a: {}\n')
    project.write("rows.yaml", "sources: []\nmodule: {}\n")
    assert project.problems() == [
        "resources/lfjm.yaml:2:1: job: unknown top-level key in a lakeflow-jobs-meta file; "
        "did you mean 'jobs'?",
        "resources/rows.yaml:2:1: module: unknown top-level key in a source-row file; "
        "did you mean 'modules'?",
    ]
