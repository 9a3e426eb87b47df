"""lakeflow-jobs-meta files read into the same models as their native equivalents."""

from __future__ import annotations

import pytest

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
    max_concurrent_runs: 1  # lakeflow-jobs-meta's defaults, applied to its files
    edit_mode: UI_LOCKED
    schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}
    job_clusters:
      - job_cluster_key: small
        new_cluster: {spark_version: 15.4.x-scala2.12, node_type_id: i3.xlarge, num_workers: 1}
    tasks:
      - task_key: ingest
        timeout_seconds: 3600
        job_cluster_key: small
        notebook_task:
          notebook_path: src/nb.py
          base_parameters: {catalog: "${var.catalog}", batch: "5", full: "true"}
      - task_key: check
        timeout_seconds: 3600
        depends_on: [ingest]
        sql_task: {query_text: SELECT 1, warehouse_id: wh}
      - task_key: saved
        timeout_seconds: 3600
        depends_on: [ingest]
        sql_task: {query: {query_id: q-123}, warehouse_id: wh}
      - task_key: aggregate
        timeout_seconds: 3600
        depends_on: [check, saved]
        run_if: ALL_DONE
        sql_task:
          file: {path: src/query.sql, source: WORKSPACE}
          warehouse_id: wh
          parameters: {day: "1"}
      - task_key: refresh
        depends_on: [aggregate]
        timeout_seconds: 600
        pipeline_task: {pipeline_id: abc-123}
      - task_key: old
        timeout_seconds: 3600
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
    timeout_seconds: 7200
    max_concurrent_runs: 1
    tasks:
      - task_key: customers_bronze
        timeout_seconds: 3600
        notebook_task:
          notebook_path: src/nb.py
          base_parameters:
            source_id: customers_bronze
            source_type: csv
            source_config: '{"path": "/Volumes/raw/customers"}'
            target_config: '{"table": "customers"}'
      - task_key: orders_bronze
        timeout_seconds: 3600
        notebook_task:
          notebook_path: src/nb.py
          base_parameters:
            source_id: orders_bronze
            source_type: csv
            source_config: "{}"
            target_config: "{}"
      - task_key: quality
        timeout_seconds: 3600
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
    project.write("a.yaml", 'metadata_version: "3.0"\njobs: {}\n')
    assert project.problems() == [
        "resources/a.yaml:1:1: metadata_version: unsupported lakeflow-jobs-meta "
        "metadata_version '3.0'; this reader knows '1.0', '2.0'"
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


def test_version_1_0_files_list_jobs_with_job_name(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "1.0"
        jobs:
          - job_name: nightly_load
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
        """,
    )
    job = project.load().jobs["nightly_load"]
    assert (job.name, job.timeout_seconds, job.max_concurrent_runs) == ("nightly_load", 7200, 1)
    assert job.tasks[0].timeout_seconds == 3600


def test_job_settings_under_job_config_as_its_0_1_files_nest_them(project: Project) -> None:
    # the framework's files up to 0.1.0 nested a job's settings under job_config (written for
    # this test in that shape)
    project.write(
        "a.yaml",
        """
        metadata_version: "1.0"
        jobs:
          - job_name: nightly_load
            job_config:
              timeout_seconds: 600
              max_concurrent_runs: 2
              tags: {team: data}
              job_clusters:
                - job_cluster_key: small
                  new_cluster:
                    {spark_version: 15.4.x-scala2.12, node_type_id: i3.xlarge, num_workers: 1}
              notification_settings:
                email_notifications: {on_failure: [a@example.com]}
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py, job_cluster_key: small}
        """,
    )
    job = project.load().jobs["nightly_load"]
    assert (job.timeout_seconds, job.max_concurrent_runs) == (600, 2)
    assert job.tags == {"team": "data"}
    assert [c.job_cluster_key for c in job.job_clusters or []] == ["small"]
    assert job.email_notifications is not None
    assert job.email_notifications.on_failure == ["a@example.com"]


def test_job_config_keys_the_framework_never_read_or_set_twice_are_refused(
    project: Project,
) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "1.0"
        jobs:
          - job_name: nightly_load
            timeout_seconds: 60
            job_config:
              timeout_seconds: 600
              run_as: {user_name: a@example.com}
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:6:7: jobs.nightly_load.job_config.timeout_seconds: timeout_seconds is "
        "also set on the job; keep one",
        "resources/a.yaml:7:7: jobs.nightly_load.job_config.run_as: lakeflow-jobs-meta "
        "reads only timeout_seconds, max_concurrent_runs, queue, continuous, trigger, schedule, "
        "tags, job_clusters, environments, notification_settings from job_config (it ignores "
        "run_as): set it on the job itself",
    ]


def test_a_jobs_file_with_task_type_and_no_version_is_lakeflow_jobs_meta(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          daily:
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
        """,
    )
    task = project.load().jobs["daily"].tasks[0]
    assert task.notebook_task is not None and task.notebook_task.notebook_path == "src/nb.py"


def test_task_type_defaults_to_notebook_when_notebook_path_is_given(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          daily:
            tasks:
              - {task_key: t, notebook_path: src/nb.py, parameters: {n: 1}}
        """,
    )
    task = project.load().jobs["daily"].tasks[0]
    assert task.notebook_task is not None
    assert (task.notebook_task.notebook_path, task.notebook_task.base_parameters) == (
        "src/nb.py",
        {"n": "1"},
    )


def test_its_documented_defaults_leave_set_values_alone(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          daily:
            timeout_seconds: 60
            max_concurrent_runs: 3
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py, timeout_seconds: 5}
        """,
    )
    job = project.load().jobs["daily"]
    assert (job.timeout_seconds, job.max_concurrent_runs, job.tasks[0].timeout_seconds) == (
        60,
        3,
        5,
    )


# Every default the readers apply, with the minimal file that gets it: (defaults table, field).
# A default added to metadata/formats/lakeflow_jobs_meta.py without a case here fails the test
# below.
DEFAULT_CASES = {
    ("JOB_DEFAULTS", "timeout_seconds"),
    ("JOB_DEFAULTS", "max_concurrent_runs"),
    ("JOB_DEFAULTS", "edit_mode"),
    ("SOURCE_JOB_DEFAULTS", "timeout_seconds"),
    ("SOURCE_JOB_DEFAULTS", "max_concurrent_runs"),
    ("CONTINUOUS_DEFAULTS", "task_retry_mode"),
    ("TASK_DEFAULTS", "timeout_seconds"),
    ("SQL_FILE_DEFAULTS", "source"),
}


def test_every_default_of_the_readers_has_a_case() -> None:
    from metadata.formats import lakeflow_jobs_meta as compat

    tables = ("JOB_DEFAULTS", "SOURCE_JOB_DEFAULTS", "CONTINUOUS_DEFAULTS", "TASK_DEFAULTS")
    applied = {(t, k) for t in (*tables, "SQL_FILE_DEFAULTS") for k in getattr(compat, t)}
    assert applied == DEFAULT_CASES


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_its_job_defaults_fill_a_job_file(project: Project, version: str) -> None:
    project.write(
        "a.yaml",
        f"""
        metadata_version: "{version}"
        jobs:
          - job_name: daily
            tasks:
              - {{task_key: t, task_type: notebook, file_path: src/nb.py}}
        """,
    )
    job = project.load().jobs["daily"]
    assert (job.timeout_seconds, job.max_concurrent_runs, job.edit_mode) == (7200, 1, "UI_LOCKED")
    assert job.tasks[0].timeout_seconds == 3600


def test_its_edit_mode_default_leaves_an_editable_job_alone(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          daily:
            edit_mode: EDITABLE
            tasks: [{task_key: t, task_type: notebook, file_path: src/nb.py}]
        """,
    )
    assert project.load().jobs["daily"].edit_mode == "EDITABLE"


def test_a_continuous_job_retries_failed_tasks_as_the_framework_sets_it(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          stream:
            continuous: {pause_status: UNPAUSED}
            tasks: [{task_key: t, task_type: notebook, file_path: src/nb.py}]
          never:
            continuous: {task_retry_mode: NEVER}
            tasks: [{task_key: t, task_type: notebook, file_path: src/nb.py}]
        """,
    )
    jobs = project.load(stack="prod").jobs
    retry = {k: j.continuous.task_retry_mode for k, j in jobs.items() if j.continuous}
    assert retry == {"stream": "ON_FAILURE", "never": "NEVER"}


def test_a_sql_file_task_reads_its_file_from_the_workspace(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          daily:
            tasks: [{task_key: t, task_type: sql_file, file_path: src/query.sql, warehouse_id: w}]
        """,
    )
    sql = project.load().jobs["daily"].tasks[0].sql_task
    assert sql is not None and sql.file is not None
    assert (sql.file.path, sql.file.source) == ("src/query.sql", "WORKSPACE")


def test_source_rows_get_their_era_defaults_and_file_source(project: Project) -> None:
    project.write(
        "sources.yaml",
        """
        - {source_id: a, source_type: sql, execution_order: 1,
           transformation_config: {task_type: sql_file,
             sql_task: {warehouse_id: w, sql_file_path: src/query.sql}}}
        - {source_id: b, source_type: sql, execution_order: 2,
           transformation_config: {task_type: sql_file,
             sql_task: {warehouse_id: w, sql_file_path: /Shared/q.sql, file_source: WORKSPACE}}}
        """,
    )
    job = project.load().jobs["sources"]
    # edit_mode came after source rows: not set, so the API's default applies
    assert (job.timeout_seconds, job.max_concurrent_runs, job.edit_mode) == (7200, 1, None)
    files = [t.sql_task.file for t in job.tasks if t.sql_task is not None]
    assert [(f.path, f.source) for f in files if f is not None] == [
        ("src/query.sql", "WORKSPACE"),
        ("/Shared/q.sql", "WORKSPACE"),
    ]


def test_native_files_get_none_of_its_defaults(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          daily:
            continuous: {}
            tasks: [{task_key: t, sql_task: {file: {path: src/query.sql}, warehouse_id: w}}]
        """,
    )
    job = project.load(stack="prod").jobs["daily"]
    task = job.tasks[0]
    assert task.sql_task is not None and task.sql_task.file is not None
    assert job.continuous is not None
    assert (
        job.timeout_seconds,
        job.max_concurrent_runs,
        job.edit_mode,
        job.continuous.task_retry_mode,
        task.timeout_seconds,
        task.sql_task.file.source,
    ) == (None, None, None, None, None, None)


def test_notification_settings_go_where_the_api_has_them(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          daily:
            notification_settings:
              email_notifications: {on_failure: [team@example.com]}
              alert_on_last_attempt: true
              no_alert_for_skipped_runs: true
            tasks:
              - task_key: a
                task_type: notebook
                file_path: src/nb.py
                notification_settings:
                  email_notifications: {on_success: [me@example.com]}
              - task_key: b
                task_type: notebook
                file_path: src/nb.py
                notification_settings: {alert_on_last_attempt: false}
        """,
    )
    job = project.load().jobs["daily"]
    assert job.email_notifications is not None
    assert job.email_notifications.on_failure == ["team@example.com"]
    assert job.notification_settings is not None
    assert job.notification_settings.no_alert_for_skipped_runs is True
    a, b = job.tasks
    assert a.email_notifications is not None and a.email_notifications.on_success == [
        "me@example.com"
    ]
    assert a.notification_settings is not None and b.notification_settings is not None
    assert (
        a.notification_settings.alert_on_last_attempt,
        b.notification_settings.alert_on_last_attempt,
    ) == (True, False)


def test_dbt_commands_as_one_string(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          dbt:
            tasks:
              - task_key: t
                task_type: dbt
                commands: |
                  dbt deps
                  dbt run --select gold
                warehouse_id: wh
        """,
    )
    task = project.load().jobs["dbt"].tasks[0]
    assert task.dbt_task is not None
    assert task.dbt_task.commands == ["dbt deps", "dbt run --select gold"]


def test_serverless_environment_java_dependencies_and_base_environment(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          j:
            environments:
              - environment_key: default
                spec:
                  base_environment: /Workspace/envs/base.yaml
                  java_dependencies: [/Volumes/main/libs/jars/udf.jar]
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py, environment_key: default}
        """,
    )
    environments = project.load().jobs["j"].environments
    assert environments is not None and environments[0].spec is not None
    spec = environments[0].spec
    assert spec.base_environment == "/Workspace/envs/base.yaml"
    assert spec.java_dependencies == ["/Volumes/main/libs/jars/udf.jar"]


def test_module_files_and_saved_queries_in_source_rows(project: Project) -> None:
    project.write(
        "modules.yaml",
        """
        modules:
          - module_name: sales
            job_config: {schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}}
            sources:
              - source_id: orders
                source_type: csv
                execution_order: 1
                transformation_config: {task_type: notebook, notebook_path: src/nb.py}
              - source_id: report
                source_type: sql
                execution_order: 2
                transformation_config:
                  task_type: sql_query
                  sql_task: {warehouse_id: wh, query_id: q-42}
        """,
    )
    job = project.load().jobs["sales"]
    assert job.schedule is not None and job.schedule.quartz_cron_expression == "0 0 6 * * ?"
    orders, report = job.tasks
    assert orders.notebook_task is not None and orders.notebook_task.notebook_path == "src/nb.py"
    assert report.sql_task is not None and report.sql_task.query is not None
    assert report.sql_task.query.query_id == "q-42"
    assert [d.task_key for d in report.depends_on or []] == ["orders"]


def test_every_problem_of_a_file_is_reported_in_one_run(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          first:
            tasks:
              - {task_key: t, task_type: notebok, file_path: src/nb.py}
          second:
            tasks:
              - {task_key: t, task_type: notebook, file_pth: src/nb.py}
          third:
            schedule: {quartz_cron_expression: "0 0 6 * * *", timezone_id: UTC}
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
          fourth:
            tasks:
              - {task_key: t, run_job_task: {job: first}}
        """,
    )
    problems = project.problems()
    assert problems[0] == (
        "resources/a.yaml:5:23: jobs.first.tasks[0].task_type: unknown task_type 'notebok'; "
        "did you mean 'notebook'?"
    )
    assert problems[1] == (
        "resources/a.yaml:8:44: jobs.second.tasks[0].file_pth: unknown field 'file_pth' for a "
        "lakeflow-jobs-meta notebook task; did you mean 'file_path'?"
    )
    assert problems[2] == (
        "resources/a.yaml:10:16: jobs.third.schedule.quartz_cron_expression: exactly one of "
        "day-of-month ('*') and day-of-week ('*') must be '?' in '0 0 6 * * *', e.g. '0 0 6 * * ?'"
    )
    assert len(problems) == 3  # `fourth` refers to `first`, which exists though it has problems


def test_module_file_problems_are_each_reported(project: Project) -> None:
    project.write(
        "modules.yaml",
        """
        modules:
          - module_nme: sales
            sources: []
          - module_name: hr
            job_config: daily
            sources: {a: 1}
        """,
    )
    assert project.problems() == [
        "resources/modules.yaml:2:5: modules[0].module_name: required field missing (a string)",
        "resources/modules.yaml:2:5: modules[0].module_nme: unknown field in a module; did you "
        "mean 'module_name'?",
        "resources/modules.yaml:5:5: modules[1].job_config: expected a mapping of job "
        "settings; got string",
        "resources/modules.yaml:6:5: modules[1].sources: expected a list of source rows; got "
        "mapping",
    ]


def test_email_notifications_in_two_places(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        metadata_version: "2.0"
        jobs:
          daily:
            email_notifications: {on_failure: [a@example.com]}
            notification_settings:
              email_notifications: {on_failure: [b@example.com]}
            tasks:
              - {task_key: t, task_type: notebook, file_path: src/nb.py}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:6:7: jobs.daily.notification_settings.email_notifications: "
        "email_notifications is also set on the job; keep one"
    ]


@pytest.mark.parametrize("depth", [65, 5000])
def test_source_row_json_config_nested_too_deep(project: Project, depth: int) -> None:
    config = "{" + '"a": {' * (depth - 1) + "}" * depth
    project.write(
        "a.yaml",
        "- {source_id: a, source_type: csv, execution_order: 1, transformation_config: "
        f"'{config}'}}\n",
    )
    assert project.problems() == [
        "resources/a.yaml:1:56: sources[0].transformation_config: nested deeper than 64 levels "
        "of mappings and lists (an alias counts as deep as its value); rows need about 10: "
        "flatten this value"
    ]


def test_a_module_file_with_a_version_and_module_descriptions_is_read(project: Project) -> None:
    project.write(
        "modules.yaml",
        """
        metadata_version: "1.0"
        modules:
          - module_name: sales
            description: Daily sales sources
            sources:
              - source_id: orders
                source_type: csv
                execution_order: 1
                transformation_config: {task_type: notebook, notebook_path: src/nb.py}
        """,
    )
    job = project.load().jobs["sales"]
    assert job.description is None  # the framework leaves it out of the job too
    assert [t.task_key for t in job.tasks] == ["orders"]


@pytest.mark.parametrize(
    ("head", "module", "problem"),
    [
        (
            'metadata_version: "3.0"\n',
            "",
            "resources/modules.yaml:1:1: metadata_version: unsupported lakeflow-jobs-meta "
            "metadata_version '3.0'; this reader knows '1.0', '2.0'",
        ),
        (
            "",
            "    description: [not, text]\n",
            "resources/modules.yaml:3:5: modules[0].description: expected a string",
        ),
    ],
)
def test_a_module_file_with_a_bad_version_or_description_is_refused(
    project: Project, head: str, module: str, problem: str
) -> None:
    project.write(
        "modules.yaml",
        head
        + "modules:\n  - module_name: sales\n"
        + module
        + "    sources:\n      - {source_id: o, source_type: csv, execution_order: 1,\n"
        "         transformation_config: {task_type: notebook, notebook_path: src/nb.py}}\n",
    )
    assert project.problems() == [problem]


VARIABLE_KEYS = """
metadata_version: "2.0"
jobs:
  etl_${var.catalog}_orders:
    name: "ETL ${var.catalog}"
    tasks:
      - task_key: check
        task_type: sql_query
        warehouse_id: wh
        sql_query: "SELECT * FROM t WHERE v > ${threshold}"
"""


def test_variables_in_job_keys_and_bare_parameters_as_the_framework_reads_them(
    project: Project,
) -> None:
    project.write("vars.yaml", VARIABLE_KEYS)
    jobs = project.load().jobs
    assert list(jobs) == ["etl_cat_dev_orders"]
    task = jobs["etl_cat_dev_orders"].tasks[0]
    assert task.sql_task is not None
    # passed through as written, as lakeflow-jobs-meta does
    assert task.sql_task.query_text == "SELECT * FROM t WHERE v > ${threshold}"


def test_a_variable_key_that_is_no_row_key_in_a_stack_or_a_bare_ref_in_native_rows_is_refused(
    project: Project,
) -> None:
    project.write("vars.yaml", VARIABLE_KEYS.replace("${var.catalog}_orders", "${var.nope}"))
    project.write(
        "native.yaml",
        """
        jobs:
          native:
            tasks:
              - task_key: t
                notebook_task: {notebook_path: src/nb.py, base_parameters: {v: "${threshold}"}}
        """,
    )
    assert project.problems() == [
        "resources/native.yaml:5:69: jobs.native.tasks[0].notebook_task.base_parameters.v: "
        "'${threshold}' is not substituted by Lakeform (only ${var.NAME}, from the stack's "
        "lakeform:settings.variables)",
        "resources/vars.yaml:3:3: jobs.etl_${var.nope}: unknown variable '${var.nope}'; known: "
        "catalog, notification_email (define it in the stack's lakeform:settings.variables)",
    ]
