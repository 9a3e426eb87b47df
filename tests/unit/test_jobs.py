"""The job component: task mapping, uploads, references and stack settings applied."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from components.jobs import TASK_MAPPERS
from metadata.models import TASK_TYPES, EmailNotifications, RunAs
from metadata.settings import StackSettings
from tests.unit.rows import FILE, JOB, NOTEBOOK, build_rows, job, pipeline, rows

ROOT = "/Workspace/Shared/lakeform/dev/jobs/daily"

# One case per task type: (task block in the row, expected provider input (camelCase)).
TASK_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "notebook_task": (
        {"notebook_path": "src/utils/data_generator.py", "base_parameters": {"z": "1", "a": "2"}},
        {
            "notebookPath": f"{ROOT}/src/utils/data_generator",
            "source": "WORKSPACE",
            "baseParameters": {"a": "2", "z": "1"},
        },
    ),
    "sql_task": (
        {"query_text": "SELECT 42", "parameters": {"p": "1"}},
        {
            "file": {"path": f"{ROOT}/_inline/t.sql", "source": "WORKSPACE"},
            "parameters": {"p": "1"},
            "warehouseId": "wh-default",
        },
    ),
    "pipeline_task": (
        {"pipeline": "main", "full_refresh": True},
        {"pipelineId": "main-id", "fullRefresh": True},
    ),
    "python_wheel_task": (
        {"package_name": "olist", "entry_point": "main", "parameters": ["--x"]},
        {"packageName": "olist", "entryPoint": "main", "parameters": ["--x"]},
    ),
    "spark_python_task": (
        {"python_file": "src/jobs/report.py", "parameters": ["a"]},
        {
            "pythonFile": f"{ROOT}/src/jobs/report.py",
            "source": "WORKSPACE",
            "parameters": ["a"],
        },
    ),
    "spark_jar_task": (
        {"main_class_name": "com.example.Main", "parameters": ["x"]},
        {"mainClassName": "com.example.Main", "parameters": ["x"]},
    ),
    "run_job_task": (
        {"job": "other", "job_parameters": {"k": "v"}},
        {"jobId": float(1000 + sum(map(ord, "other"))), "jobParameters": {"k": "v"}},
    ),
    "dbt_task": (
        {"commands": ["dbt run"], "schema": "gold", "warehouse_id": "wh"},
        {"commands": ["dbt run"], "schema": "gold", "warehouseId": "wh"},
    ),
    "condition_task": (
        {"op": "EQUAL_TO", "left": "{{job.parameters.x}}", "right": "1"},
        {"op": "EQUAL_TO", "left": "{{job.parameters.x}}", "right": "1"},
    ),
    "for_each_task": (
        {
            "inputs": "[1,2]",
            "concurrency": 2,
            "task": {"task_key": "inner", "sql_task": {"query_text": "SELECT {{input}}"}},
        },
        {
            "inputs": "[1,2]",
            "concurrency": 2.0,
            "task": {
                "taskKey": "inner",
                "sqlTask": {
                    "file": {"path": f"{ROOT}/_inline/inner.sql", "source": "WORKSPACE"},
                    "warehouseId": "wh-default",
                },
            },
        },
    ),
    "dashboard_task": (
        {
            "dashboard_id": "01ef",
            "subscription": {"paused": False, "subscribers": [{"user_name": "a@example.com"}]},
        },
        {
            "dashboardId": "01ef",
            "subscription": {"paused": False, "subscribers": [{"userName": "a@example.com"}]},
        },
    ),
    "spark_submit_task": ({"parameters": ["--class", "M"]}, {"parameters": ["--class", "M"]}),
    "clean_rooms_notebook_task": (
        {"clean_room_name": "room", "notebook_name": "nb"},
        {"cleanRoomName": "room", "notebookName": "nb"},
    ),
    "dbt_cloud_task": (
        {"connection_resource_name": "c", "dbt_cloud_job_id": 42},
        {"connectionResourceName": "c", "dbtCloudJobId": 42},
    ),
    "dbt_platform_task": (
        {"connection_resource_name": "c", "dbt_platform_job_id": "42"},
        {"connectionResourceName": "c", "dbtPlatformJobId": "42"},
    ),
    "power_bi_task": (
        {"power_bi_model": {"model_name": "m"}, "tables": [{"name": "t", "schema": "s"}]},
        {"powerBiModel": {"modelName": "m"}, "tables": [{"name": "t", "schema": "s"}]},
    ),
    "alert_task": (
        {"alert_id": "a1", "subscribers": [{"user_name": "a@example.com"}]},
        {"alertId": "a1", "subscribers": [{"userName": "a@example.com"}]},
    ),
}

CAMEL = {
    "notebook_task": "notebookTask",
    "sql_task": "sqlTask",
    "pipeline_task": "pipelineTask",
    "python_wheel_task": "pythonWheelTask",
    "spark_python_task": "sparkPythonTask",
    "spark_jar_task": "sparkJarTask",
    "run_job_task": "runJobTask",
    "dbt_task": "dbtTask",
    "condition_task": "conditionTask",
    "for_each_task": "forEachTask",
    "dashboard_task": "dashboardTask",
    "spark_submit_task": "sparkSubmitTask",
    "clean_rooms_notebook_task": "cleanRoomsNotebookTask",
    "dbt_cloud_task": "dbtCloudTask",
    "dbt_platform_task": "dbtPlatformTask",
    "power_bi_task": "powerBiTask",
    "alert_task": "alertTask",
}


def test_every_task_type_has_a_mapping_and_a_test_case() -> None:
    assert set(TASK_MAPPERS) == set(TASK_TYPES)
    assert set(TASK_CASES) == set(TASK_TYPES)
    assert set(CAMEL) == set(TASK_TYPES)


def _settings(**fields: Any) -> StackSettings:
    return StackSettings.model_validate({"default_warehouse_id": "wh-default", **fields})


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_task_type_mapping(program, task_type: str) -> None:
    block, expected = TASK_CASES[task_type]
    p = program("dev")
    the_rows = rows(
        jobs={
            "daily": job(tasks=[{"task_key": "t", task_type: block}]),
            "other": job(tasks=[{"task_key": "x", "notebook_task": {"notebook_path": "/abs/nb"}}]),
        },
        pipelines={"main": pipeline(catalog="olist")},
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    (task,) = p.one(JOB, "daily").inputs["tasks"]
    assert task == {"taskKey": "t", CAMEL[task_type]: expected}


def test_a_disabled_task_is_deployed_disabled_with_its_dependents(program) -> None:
    p = program("dev")
    nb = {"notebook_path": "/abs/nb"}
    the_rows = rows(
        jobs={
            "daily": job(
                tasks=[
                    {"task_key": "a", "disabled": True, "notebook_task": nb},
                    {"task_key": "b", "depends_on": [{"task_key": "a"}], "notebook_task": nb},
                ]
            )
        }
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    tasks = {t["taskKey"]: t for t in p.one(JOB, "daily").inputs["tasks"]}
    assert tasks["a"]["disabled"] is True
    assert tasks["b"]["dependsOns"] == [{"taskKey": "a"}] and "disabled" not in tasks["b"]


def test_serverless_environments_are_deployed(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={
            "daily": job(
                environments=[{"environment_key": "default", "spec": {"client": "2"}}],
                tasks=[
                    {
                        "task_key": "a",
                        "environment_key": "default",
                        "notebook_task": {"notebook_path": "/abs/nb"},
                    }
                ],
            )
        }
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    inputs = p.one(JOB, "daily").inputs
    assert inputs["environments"] == [{"environmentKey": "default", "spec": {"client": "2"}}]


def test_a_jupyter_notebook_is_uploaded_with_the_language_its_metadata_names(program) -> None:
    # The provider refuses content_base64 without a language (RequiredWith), JUPYTER included.
    p = program("dev")
    task = {"task_key": "x", "notebook_task": {"notebook_path": "src/explore.ipynb"}}
    p.run(lambda: build_rows(_settings(), rows(jobs={"daily": job(tasks=[task])}), "dev"))
    notebook = p.one(NOTEBOOK, "daily/src/explore")
    assert notebook.inputs["path"] == f"{ROOT}/src/explore"
    assert (notebook.inputs["format"], notebook.inputs["language"]) == ("JUPYTER", "SQL")
    source = p.one(NOTEBOOK, "daily/src/explore").inputs["contentBase64"]
    assert base64.b64decode(source).startswith(b'{"cells"')


def test_uploads_are_children_and_tasks_refer_to_them(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={
            "daily": job(
                tasks=[
                    {
                        "task_key": "gen",
                        "notebook_task": {"notebook_path": "src/utils/data_generator.py"},
                    },
                    {
                        "task_key": "gen2",
                        "notebook_task": {"notebook_path": "src/utils/data_generator.py"},
                    },
                    {"task_key": "load", "sql_task": {"file": {"path": "src/sql/load.sql"}}},
                    {"task_key": "abs", "notebook_task": {"notebook_path": "/Repos/x/nb"}},
                ]
            )
        }
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    notebook = p.one(NOTEBOOK, "daily/src/utils/data_generator")
    assert notebook.inputs["path"] == f"{ROOT}/src/utils/data_generator"
    assert notebook.inputs["language"] == "PYTHON"
    assert base64.b64decode(notebook.inputs["contentBase64"]).startswith(b"# Databricks notebook")
    sql = p.one(FILE, "daily/src/sql/load.sql")
    assert sql.inputs["path"] == f"{ROOT}/src/sql/load.sql"
    assert p.names(NOTEBOOK) == ["daily/src/utils/data_generator"]  # one upload for two tasks
    assert p.names(FILE) == ["daily/src/sql/load.sql"]
    component = p.one("lakeform:jobs:Job", "jobs")  # one component for all job rows
    assert notebook.parent == component.urn and sql.parent == component.urn
    job_reg = p.one(JOB, "daily")
    assert job_reg.parent == component.urn
    assert {notebook.urn, sql.urn} <= set(job_reg.depends_on)
    tasks = {t["taskKey"]: t for t in job_reg.inputs["tasks"]}
    assert tasks["load"]["sqlTask"]["file"] == {"path": sql.inputs["path"], "source": "WORKSPACE"}
    assert tasks["abs"]["notebookTask"] == {"notebookPath": "/Repos/x/nb"}


def test_tasks_reading_from_the_jobs_git_source_are_not_uploaded(program) -> None:
    p = program("dev")
    git = {"git_url": "https://github.com/acme/etl", "git_provider": "gitHub", "git_branch": "main"}
    the_rows = rows(
        jobs={
            "from_git": job(
                git_source=git,
                tasks=[
                    # No source in a job with git_source: the Jobs API reads it from Git.
                    {"task_key": "nb", "notebook_task": {"notebook_path": "etl/ingest"}},
                    {"task_key": "q", "sql_task": {"file": {"path": "sql/load.sql"}}},
                    # An explicit WORKSPACE source is this repository's file: uploaded.
                    {
                        "task_key": "local",
                        "notebook_task": {
                            "notebook_path": "src/utils/data_generator.py",
                            "source": "WORKSPACE",
                        },
                    },
                ],
            )
        }
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    tasks = {t["taskKey"]: t for t in p.one(JOB, "from_git").inputs["tasks"]}
    assert tasks["nb"]["notebookTask"] == {"notebookPath": "etl/ingest"}
    assert tasks["q"]["sqlTask"]["file"] == {"path": "sql/load.sql"}
    assert tasks["local"]["notebookTask"]["notebookPath"] == (
        "/Workspace/Shared/lakeform/dev/jobs/from_git/src/utils/data_generator"
    )
    assert p.names(NOTEBOOK) == ["from_git/src/utils/data_generator"]
    assert p.names(FILE) == []


def test_inline_sql_is_uploaded_with_its_text(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={"daily": job(tasks=[{"task_key": "q", "sql_task": {"query_text": "SELECT 7"}}])}
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    upload = p.one(FILE, "daily/_inline/q.sql")
    assert base64.b64decode(upload.inputs["contentBase64"]) == b"SELECT 7"
    assert "queryText" not in str(p.one(JOB, "daily").inputs)


def test_tasks_and_dependencies_are_sorted(program) -> None:
    p = program("dev")
    tasks = [
        {
            "task_key": "c",
            "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"},
            "depends_on": [{"task_key": "b"}, {"task_key": "a"}],
        },
        {"task_key": "a", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
        {"task_key": "b", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
    ]
    p.run(lambda: build_rows(_settings(), rows(jobs={"j": job(tasks=tasks)}), "dev"))
    got = p.one(JOB, "j").inputs["tasks"]
    assert [t["taskKey"] for t in got] == ["a", "b", "c"]
    assert got[2]["dependsOns"] == [{"taskKey": "a"}, {"taskKey": "b"}]


SCHEDULED = {
    "name": "Olist Lakehouse - Daily Orchestration",
    "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/abs/nb"}}],
    "schedule": {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"},
    "trigger": {"periodic": {"interval": 1, "unit": "DAYS"}},
    "continuous": {"pause_status": "UNPAUSED"},
    "tags": {"team": "data", "lakeform_key": "spoofed"},
}


def test_dev_settings_prefix_and_pause(program) -> None:
    p = program("dev")
    settings = _settings(
        name_prefix="[DEV] ", pause_schedules=True, tags={"env": "dev", "team": "x"}
    )
    p.run(lambda: build_rows(settings, rows(jobs={"daily": job(**SCHEDULED)}), "dev"))
    inputs = p.one(JOB, "daily").inputs
    assert inputs["name"] == "[DEV] Olist Lakehouse - Daily Orchestration"
    assert inputs["schedule"]["pauseStatus"] == "PAUSED"
    assert inputs["trigger"]["pauseStatus"] == "PAUSED"
    assert inputs["continuous"]["pauseStatus"] == "PAUSED"
    assert inputs["tags"] == {
        "env": "dev",
        "team": "data",
        "lakeform_managed": "true",
        "lakeform_stack": "dev",
        "lakeform_key": "daily",
    }
    assert "emailNotifications" not in inputs


def test_prod_settings_keep_schedule_and_add_notifications_and_run_as(program) -> None:
    p = program("prod")
    settings = _settings(
        email_notifications=EmailNotifications(on_failure=["oncall@example.com"]),
        run_as=RunAs(service_principal_name="sp-123"),
    )
    p.run(lambda: build_rows(settings, rows(jobs={"daily": job(**SCHEDULED)}), "prod"))
    inputs = p.one(JOB, "daily").inputs
    assert inputs["name"] == "Olist Lakehouse - Daily Orchestration"
    assert "pauseStatus" not in inputs["schedule"]
    assert inputs["continuous"]["pauseStatus"] == "UNPAUSED"
    assert inputs["emailNotifications"] == {"onFailures": ["oncall@example.com"]}
    assert inputs["runAs"] == {"servicePrincipalName": "sp-123"}


def test_row_notifications_win_over_stack_defaults(program) -> None:
    p = program("staging")
    settings = _settings(email_notifications=EmailNotifications(on_failure=["team@example.com"]))
    row = job(
        tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "/abs/nb"}}],
        email_notifications={"on_success": ["me@example.com"]},
        webhook_notifications={"on_failure": [{"id": "hook"}]},
    )
    p.run(lambda: build_rows(settings, rows(jobs={"j": row}), "staging"))
    inputs = p.one(JOB, "j").inputs
    assert inputs["emailNotifications"] == {"onSuccesses": ["me@example.com"]}
    assert inputs["webhookNotifications"] == {"onFailures": [{"id": "hook"}]}


def test_job_name_defaults_to_the_row_key(program) -> None:
    p = program("staging")
    row = job(tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "/abs/nb"}}])
    p.run(
        lambda: build_rows(
            _settings(name_prefix="[STAGING] "), rows(jobs={"weekly": row}), "staging"
        )
    )
    assert p.one(JOB, "weekly").inputs["name"] == "[STAGING] weekly"


def test_job_level_blocks_map_to_provider_names(program) -> None:
    p = program("dev")
    row = job(
        tasks=[
            {
                "task_key": "t",
                "notebook_task": {"notebook_path": "/abs/nb", "source": "GIT"},
                "job_cluster_key": "main",
                "libraries": [{"pypi": {"package": "faker"}}],
            }
        ],
        git_source={
            "git_url": "https://github.com/x/y",
            "git_provider": "gitHub",
            "git_branch": "main",
        },
        job_clusters=[
            {
                "job_cluster_key": "main",
                "new_cluster": {"spark_version": "15.4.x-scala2.12", "num_workers": 1},
            }
        ],
        parameters=[{"name": "catalog", "default": "olist"}],
        health={
            "rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 10800}]
        },
        queue={"enabled": True},
        max_concurrent_runs=1,
        timeout_seconds=10800,
    )
    p.run(lambda: build_rows(_settings(), rows(jobs={"j": row}), "dev"))
    inputs = p.one(JOB, "j").inputs
    assert inputs["gitSource"] == {
        "url": "https://github.com/x/y",
        "provider": "gitHub",
        "branch": "main",
    }
    assert inputs["jobClusters"][0]["jobClusterKey"] == "main"
    assert inputs["jobClusters"][0]["newCluster"]["sparkVersion"] == "15.4.x-scala2.12"
    assert inputs["parameters"] == [{"name": "catalog", "default": "olist"}]
    assert inputs["health"]["rules"][0]["metric"] == "RUN_DURATION_SECONDS"
    assert inputs["queue"] == {"enabled": True}
    assert inputs["tasks"][0]["libraries"] == [{"pypi": {"package": "faker"}}]
    # A GIT-sourced notebook is not uploaded: its path is relative to the repository.
    assert inputs["tasks"][0]["notebookTask"] == {"notebookPath": "/abs/nb", "source": "GIT"}
    assert p.of_type(NOTEBOOK) == []


def test_previous_keys_alias_every_resource_of_the_row(program) -> None:
    p = program("dev")
    row = job(
        previous_keys=["olist_daily_v1"],
        tasks=[
            {"task_key": "g", "notebook_task": {"notebook_path": "src/utils/data_generator.py"}},
            {"task_key": "q", "sql_task": {"query_text": "SELECT 1"}},
        ],
    )
    p.run(lambda: build_rows(_settings(), rows(jobs={"olist_daily": row}), "dev"))
    assert p.one("lakeform:jobs:Job", "jobs").aliases == []  # the kind's component is not renamed
    assert p.one(JOB, "olist_daily").aliases == ["olist_daily_v1"]
    assert p.one(NOTEBOOK, "olist_daily/src/utils/data_generator").aliases == [
        "olist_daily_v1/src/utils/data_generator"
    ]
    assert p.one(FILE, "olist_daily/_inline/q.sql").aliases == ["olist_daily_v1/_inline/q.sql"]
    assert "previousKeys" not in p.one(JOB, "olist_daily").inputs


def test_renamed_row_aliases_resolve_to_the_old_urns(program) -> None:
    """The engine resolves an alias spec with no parent against the child's current parent type
    chain, which does not hold the parent's name: so `name=<old child name>` is the old URN."""
    tasks = [
        {"task_key": "g", "notebook_task": {"notebook_path": "src/utils/data_generator.py"}},
        {"task_key": "q", "sql_task": {"query_text": "SELECT 1"}},
    ]
    before = program("dev")
    before.run(lambda: build_rows(_settings(), rows(jobs={"v1": job(tasks=tasks)}), "dev"))
    old_urns = {r.urn for r in before.monitor.registrations if r.custom}
    after = program("dev")
    renamed = job(tasks=tasks, previous_keys=["v1"])
    after.run(lambda: build_rows(_settings(), rows(jobs={"v2": renamed}), "dev"))
    new = [r for r in after.monitor.registrations if r.custom]
    assert old_urns.isdisjoint({r.urn for r in new})
    aliased = set()
    for reg in new:
        (alias,) = reg.aliases
        aliased.add(reg.urn.rsplit("::", 1)[0] + "::" + alias)
    assert aliased == old_urns


def test_webhook_destinations_are_sent_sorted_by_id(program) -> None:
    # The provider sorts webhook_notifications.on_* by id on create and read and compares by
    # position: the row's order would plan a change on every run.
    p = program("dev")
    hooks = {"on_failure": [{"id": "zz"}, {"id": "aa"}, {"id": "mm"}], "on_start": [{"id": "b"}]}
    row = job(
        tasks=[
            {
                "task_key": "t",
                "notebook_task": {"notebook_path": "/abs/nb"},
                "webhook_notifications": {"on_success": [{"id": "y"}, {"id": "x"}]},
            }
        ],
        webhook_notifications=hooks,
    )
    p.run(lambda: build_rows(_settings(), rows(jobs={"j": row}), "dev"))
    inputs = p.one(JOB, "j").inputs
    assert inputs["webhookNotifications"] == {
        "onFailures": [{"id": "aa"}, {"id": "mm"}, {"id": "zz"}],
        "onStarts": [{"id": "b"}],
    }
    assert inputs["tasks"][0]["webhookNotifications"] == {"onSuccesses": [{"id": "x"}, {"id": "y"}]}


def test_repository_wheels_and_jars_are_uploaded_and_libraries_point_at_them(program) -> None:
    p = program("dev")
    wheel = "dist/demo-0.1-py3-none-any.whl"
    the_rows = rows(
        jobs={
            "daily": job(
                environments=[
                    {
                        "environment_key": "default",
                        "spec": {"environment_version": "4", "dependencies": [wheel, "pandas>=2"]},
                    }
                ],
                tasks=[
                    {
                        "task_key": "wheel",
                        "environment_key": "default",
                        "python_wheel_task": {"package_name": "demo", "entry_point": "main"},
                    },
                    {
                        "task_key": "jar",
                        "spark_jar_task": {"main_class_name": "PrintArgs"},
                        "libraries": [
                            {"jar": "lib/print_args.jar"},
                            {"whl": "/Volumes/main/libs/other.whl"},
                            {"pypi": {"package": "faker"}},
                        ],
                    },
                ],
            )
        }
    )
    p.run(lambda: build_rows(_settings(), the_rows, "dev"))
    assert p.names(FILE) == ["daily/dist/demo-0.1-py3-none-any.whl", "daily/lib/print_args.jar"]
    jar = p.one(FILE, "daily/lib/print_args.jar")
    assert base64.b64decode(jar.inputs["contentBase64"]) == b"PK\x03\x04 a jar"
    spec = p.one(JOB, "daily").inputs
    tasks = {t["taskKey"]: t for t in spec["tasks"]}
    assert tasks["jar"]["libraries"] == [
        {"jar": f"{ROOT}/lib/print_args.jar"},
        {"whl": "/Volumes/main/libs/other.whl"},  # a workspace or volume path stays as it is
        {"pypi": {"package": "faker"}},
    ]
    assert spec["environments"][0]["spec"]["dependencies"] == [f"{ROOT}/{wheel}", "pandas>=2"]
    assert {jar.urn, p.one(FILE, f"daily/{wheel}").urn} <= set(p.one(JOB, "daily").depends_on)
