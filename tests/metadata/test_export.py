"""`lakeform export` against the local workspace: rows that load, references, unknown fields,
invalid output never written, keys, --force, progress; and the pure conversions."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from cli.main import main
from devtools.workspace.testing import RunningWorkspace, running_workspace
from metadata import load_rows
from metadata.formats.export import (
    ExportedRow,
    assign_keys,
    build_export,
    import_file,
    job_row,
    plain_output_type,
    snake_key,
)
from metadata.models import spark_struct_field_json

MONITOR_TABLE = "main.gold.fact_booking_daily"


@pytest.fixture(autouse=True)
def workspace_env(
    clean_databricks_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No stray Databricks credentials; the project root is tmp_path."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def ws(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        for k, v in running.env().items():
            monkeypatch.setenv(k, v)
        yield running


def api(w: WorkspaceClient, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return w.api_client.do(method, path, body=body)


def pipeline_spec() -> dict[str, Any]:
    return {
        "name": "Olist Main",
        "catalog": "main",
        "schema": "olist",
        "serverless": True,
        "libraries": [{"file": {"path": "/Workspace/Shared/olist/bronze.py"}}],
        "configuration": {"source": "/Volumes/main/raw/olist"},
        "tags": {"project": "olist"},
    }


def child_job_spec() -> dict[str, Any]:
    return {
        "name": "Olist Refresh",
        "tasks": [
            {
                "task_key": "refresh",
                "notebook_task": {"notebook_path": "/Workspace/Shared/olist/refresh"},
            }
        ],
    }


def daily_job_spec(pipeline_id: str, child_job_id: int) -> dict[str, Any]:
    """Several task types, depends_on, schedule, notifications, tags, references."""
    return {
        "name": "Olist Daily",
        "description": "Generates data, runs the pipeline, checks counts.",
        "schedule": {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"},
        "timeout_seconds": 10800,
        "max_concurrent_runs": 2,
        "email_notifications": {"on_failure": ["data-team@example.com"]},
        "webhook_notifications": {"on_failure": [{"id": "0481e838-0a59-4eff-9541-a4ca6f149574"}]},
        "tags": {"project": "olist", "owner": "data-team"},
        "parameters": [{"name": "catalog", "default": "main"}],
        "tasks": [
            {
                "task_key": "generate_data",
                "notebook_task": {
                    "notebook_path": "/Workspace/Shared/olist/data_generator",
                    "base_parameters": {"catalog": "main"},
                },
                "max_retries": 1,
                "min_retry_interval_millis": 60000,
            },
            {
                "task_key": "run_pipeline",
                "depends_on": [{"task_key": "generate_data"}],
                "pipeline_task": {"pipeline_id": pipeline_id, "full_refresh": True},
            },
            {
                "task_key": "check_counts",
                "depends_on": [{"task_key": "run_pipeline"}],
                "run_if": "ALL_DONE",
                "sql_task": {
                    "warehouse_id": "4b9b953939869799",
                    "file": {"path": "/Workspace/Shared/olist/checks.sql"},
                },
            },
            {
                "task_key": "is_weekend",
                "condition_task": {
                    "op": "EQUAL_TO",
                    "left": "{{job.start_time.iso_weekday}}",
                    "right": "7",
                },
            },
            {
                "task_key": "score",
                "depends_on": [{"task_key": "is_weekend", "outcome": "false"}],
                "python_wheel_task": {"package_name": "olist", "entry_point": "score"},
                "libraries": [{"whl": "/Volumes/main/libs/olist-0.1-py3-none-any.whl"}],
                "existing_cluster_id": "0923-164208-meows279",
            },
            {
                "task_key": "refresh_downstream",
                "depends_on": [{"task_key": "check_counts"}],
                "run_job_task": {"job_id": child_job_id},
            },
        ],
    }


def monitor_spec() -> dict[str, Any]:
    return {
        "assets_dir": "/Workspace/Shared/monitoring/fact_booking_daily",
        "output_schema_name": "main.monitoring",
        "time_series": {"timestamp_col": "check_in_date", "granularities": ["1 day"]},
        "slicing_exprs": ["property_type"],
        "custom_metrics": [
            {
                "type": "CUSTOM_METRIC_TYPE_AGGREGATE",
                "name": "total_revenue",
                "input_columns": [":table"],
                "definition": "SUM(total_booking_value)",
                "output_data_type": spark_struct_field_json("double"),
            },
            {
                "type": "CUSTOM_METRIC_TYPE_AGGREGATE",
                "name": "bookings",
                "input_columns": [":table"],
                "definition": "COUNT(*)",
                "output_data_type": spark_struct_field_json("bigint"),
            },
            {
                "type": "CUSTOM_METRIC_TYPE_DERIVED",
                "name": "revenue_per_booking",
                "input_columns": [":table"],
                "definition": "total_revenue / NULLIF(bookings, 0)",
                "output_data_type": spark_struct_field_json("decimal(10,2)"),
            },
        ],
        "schedule": {"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"},
        "notifications": {"on_failure": {"email_addresses": ["data-team@example.com"]}},
    }


def export(*args: str) -> int:
    return main(["export", *args])


def api_shaped(row: Any, pipeline_ids: dict[str, str], job_ids: dict[str, int]) -> dict[str, Any]:
    """A loaded row as the API would get it: row references back to ids, Lakeform-only fields
    and the loader's empty depends_on lists left out."""
    spec: dict[str, Any] = row.model_dump(exclude_none=True, by_alias=True)
    for name in ("reset", "previous_keys", "disabled"):
        spec.pop(name, None)
    for task in spec.get("tasks", []):
        if task.get("depends_on") == []:
            del task["depends_on"]
        block = task.get("pipeline_task") or {}
        if "pipeline" in block:
            task["pipeline_task"] = {"pipeline_id": pipeline_ids[block.pop("pipeline")], **block}
        block = task.get("run_job_task") or {}
        if "job" in block:
            task["run_job_task"] = {"job_id": job_ids[block.pop("job")], **block}
    return spec


# --- against the local workspace -----------------------------------------------------------------


def test_round_trip_job_pipeline_monitor(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    pipeline_id = api(w, "POST", "/api/2.0/pipelines", pipeline_spec())["pipeline_id"]
    child_id = api(w, "POST", "/api/2.2/jobs/create", child_job_spec())["job_id"]
    daily = daily_job_spec(pipeline_id, child_id)
    daily_id = api(w, "POST", "/api/2.2/jobs/create", daily)["job_id"]
    api(w, "POST", f"/api/2.1/unity-catalog/tables/{MONITOR_TABLE}/monitor", monitor_spec())

    out = tmp_path / "exported.yaml"
    code = export(
        *("--job-id", str(daily_id), "--job-id", str(child_id)),
        *("--pipeline-id", pipeline_id, "--monitor", MONITOR_TABLE),
        *("-o", str(out), "--import-file", str(tmp_path / "import.json")),
    )
    err = capsys.readouterr().err
    assert code == 0, err
    text = out.read_text()
    # References to exported resources are row keys, not ids.
    assert "pipeline: olist_main" in text
    assert "job: olist_refresh" in text
    assert pipeline_id not in text and str(child_id) not in text
    # Plain metric types, not StructField JSON.
    assert "output_data_type: double" in text
    assert "output_data_type: bigint" in text
    assert "output_data_type: decimal(10,2)" in text

    rows = load_rows([out], root=tmp_path)
    assert set(rows.jobs) == {"olist_daily", "olist_refresh"}
    pipeline_ids = {"olist_main": pipeline_id}
    job_ids = {"olist_refresh": child_id, "olist_daily": daily_id}
    assert api_shaped(rows.jobs["olist_daily"], pipeline_ids, job_ids) == daily
    assert api_shaped(rows.jobs["olist_refresh"], pipeline_ids, job_ids) == child_job_spec()
    assert api_shaped(rows.pipelines["olist_main"], {}, {}) == pipeline_spec()
    monitor = api_shaped(rows.quality_monitors["fact_booking_daily"], {}, {})
    assert monitor == {"table_name": MONITOR_TABLE, **monitor_spec()}

    assert "exported 2 jobs, 1 pipeline, 1 quality monitor" in err
    assert "pulumi import --stack STACK --file" in err


def test_import_file_puts_each_resource_under_its_kinds_component_by_row_key(
    ws: RunningWorkspace, tmp_path: Path
) -> None:
    w = ws.client()
    pipeline_id = api(w, "POST", "/api/2.0/pipelines", pipeline_spec())["pipeline_id"]
    api(w, "POST", f"/api/2.1/unity-catalog/tables/{MONITOR_TABLE}/monitor", monitor_spec())
    target = tmp_path / "import.json"
    code = export(
        *("--pipeline-id", pipeline_id, "--monitor", MONITOR_TABLE, "-o", "rows.yaml"),
        *("--import-file", str(target)),
    )
    assert code == 0
    assert json.loads(target.read_text()) == {
        "resources": [
            {
                "type": "lakeform:pipelines:Pipeline",
                "name": "pipelines",
                "logicalName": "pipelines",
                "component": True,
            },
            {
                "type": "databricks:index/pipeline:Pipeline",
                "name": "pipelines.olist_main",
                "logicalName": "olist_main",
                "id": pipeline_id,
                "parent": "pipelines",
            },
            {
                "type": "lakeform:monitors:QualityMonitor",
                "name": "quality_monitors",
                "logicalName": "quality_monitors",
                "component": True,
            },
            {
                "type": "databricks:index/qualityMonitor:QualityMonitor",
                "name": "quality_monitors.fact_booking_daily",
                "logicalName": "fact_booking_daily",
                "id": MONITOR_TABLE,
                "parent": "quality_monitors",
            },
        ]
    }


def test_unknown_fields_are_listed_in_the_row_and_on_stderr(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    spec = {**child_job_spec(), "parent_path": "/Workspace/Teams/etl", "usage_policy_id": "p-1"}
    job_id = api(w, "POST", "/api/2.2/jobs/create", spec)["job_id"]
    assert export("--job-id", str(job_id), "-o", "rows.yaml") == 0
    text = (tmp_path / "rows.yaml").read_text()
    assert (
        "jobs:\n"
        "  # not exported: parent_path (no Lakeform field)\n"
        "  # not exported: usage_policy_id (no Lakeform field)\n"
        "  olist_refresh:\n"
    ) in text
    err = capsys.readouterr().err
    assert f"jobs.olist_refresh ({job_id}): not exported: parent_path (no Lakeform field)" in err
    assert "usage_policy_id (no Lakeform field)" in err


def test_invalid_rows_are_never_written(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    spec = child_job_spec()
    spec["tasks"].append(
        {
            "task_key": "submit",
            "gen_ai_compute_task": {"dl_runtime_image": "databricks/dl:latest"},
            "new_cluster": {"spark_version": "15.4.x-scala2.12", "num_workers": 1},
        }
    )
    job_id = api(w, "POST", "/api/2.2/jobs/create", spec)["job_id"]
    assert export("--job-id", str(job_id), "-o", "rows.yaml") == 1
    assert not (tmp_path / "rows.yaml").exists()
    err = capsys.readouterr().err
    assert "rows.yaml:" in err
    assert "jobs.olist_refresh.tasks[1]: a task needs exactly one task type; found none" in err
    assert "nothing written" in err


def test_skip_invalid_writes_the_rest_and_turns_references_back_into_ids(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    bad = {
        "name": "Submit",
        "tasks": [{"task_key": "submit", "gen_ai_compute_task": {"dl_runtime_image": "img"}}],
    }
    bad_id = api(w, "POST", "/api/2.2/jobs/create", bad)["job_id"]
    caller = {
        **child_job_spec(),
        "tasks": [{"task_key": "call", "run_job_task": {"job_id": bad_id}}],
    }
    caller_id = api(w, "POST", "/api/2.2/jobs/create", caller)["job_id"]
    args = ("--job-id", str(bad_id), "--job-id", str(caller_id), "-o", "rows.yaml")
    assert export(*args, "--skip-invalid") == 0
    err = capsys.readouterr().err
    assert f"jobs.submit ({bad_id}): skipped, it does not validate:" in err
    assert "jobs.submit.tasks[0]: a task needs exactly one task type; found none" in err
    rows = load_rows([tmp_path / "rows.yaml"], root=tmp_path)
    assert set(rows.jobs) == {"olist_refresh"}
    task = rows.jobs["olist_refresh"].tasks[0]
    assert task.run_job_task is not None and task.run_job_task.job_id == bad_id


def test_key_collisions_get_suffixes_and_progress_is_shown(
    ws: RunningWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    for name in ("Daily ETL", "daily-etl", "Daily  ETL", "Weekly report"):
        api(w, "POST", "/api/2.2/jobs/create", {**child_job_spec(), "name": name})
    code = export("--all-jobs", "--name-contains", "ETL")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "weekly" not in captured.out
    keys = [line.strip() for line in captured.out.splitlines() if line.startswith("  daily")]
    assert keys == ["daily_etl:", "daily_etl_2:", "daily_etl_3:"]
    assert "listed 4 jobs" in captured.err
    assert "exported 3/3 jobs" in captured.err


def test_all_pipelines_leave_service_defaults_out(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    defaults = {
        "edition": "ADVANCED",
        "channel": "CURRENT",
        "continuous": False,
        "development": False,
        "photon": False,
        "serverless": False,
    }
    classic = {**pipeline_spec(), "name": "Olist Classic", "serverless": False}
    classic.update(defaults)
    classic["clusters"] = [{"label": "default", "num_workers": 2}]
    pipeline_id = api(w, "POST", "/api/2.0/pipelines", classic)["pipeline_id"]
    api(w, "POST", "/api/2.0/pipelines", {**pipeline_spec(), "name": "Other"})
    assert export("--all-pipelines", "--name-contains", "olist", "-o", "rows.yaml") == 0
    assert "exported 1/1 pipelines" in capsys.readouterr().err
    rows = load_rows([tmp_path / "rows.yaml"], root=tmp_path)
    assert list(rows.pipelines) == ["olist_classic"]
    expected = {k: v for k, v in classic.items() if k not in defaults}
    assert api_shaped(rows.pipelines["olist_classic"], {}, {}) == expected
    assert pipeline_id not in (tmp_path / "rows.yaml").read_text()


def test_existing_files_need_force(ws: RunningWorkspace, tmp_path: Path) -> None:
    w = ws.client()
    job_id = api(w, "POST", "/api/2.2/jobs/create", child_job_spec())["job_id"]
    out = tmp_path / "rows.yaml"
    out.write_text("keep me\n")
    assert export("--job-id", str(job_id), "-o", str(out)) == 1
    assert out.read_text() == "keep me\n"
    assert export("--job-id", str(job_id), "-o", str(out), "--force") == 0
    assert "olist_refresh:" in out.read_text()


def test_missing_job_is_an_error_and_nothing_is_written(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del ws
    assert export("--job-id", "42", "-o", "rows.yaml") == 1
    assert not (tmp_path / "rows.yaml").exists()
    assert "job 42:" in capsys.readouterr().err


def test_nothing_selected(capsys: pytest.CaptureFixture[str]) -> None:
    assert export() == 1
    assert "nothing to export" in capsys.readouterr().err
    assert export("--job-id", "1", "--name-contains", "x") == 1
    assert "--name-contains filters --all-jobs/--all-pipelines" in capsys.readouterr().err


# --- pure conversions ----------------------------------------------------------------------------


def test_server_fields_and_service_defaults_are_left_out() -> None:
    job = {
        "job_id": 1,
        "creator_user_name": "me@example.com",
        "run_as_user_name": "me@example.com",
        "created_time": 1700000000000,
        "settings": {
            "name": "x",
            "format": "MULTI_TASK",
            "max_concurrent_runs": 1,
            "timeout_seconds": 0,
            "email_notifications": {},
            "schedule": {
                "quartz_cron_expression": "0 0 6 * * ?",
                "timezone_id": "UTC",
                "pause_status": "UNPAUSED",
            },
            "tags": {"lakeform_managed": "true", "lakeform_stack": "dev", "lakeform_key": "x"},
            "tasks": [
                {
                    "task_key": "a",
                    "run_if": "ALL_SUCCESS",
                    "timeout_seconds": 0,
                    "max_retries": 0,
                    "notebook_task": {"notebook_path": "/n", "source": "WORKSPACE"},
                }
            ],
        },
    }
    exported = job_row(job)
    assert exported.row == {
        "name": "x",
        "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "/n"}}],
        "schedule": {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"},
    }
    assert exported.not_exported == []
    assert exported.notes == ["already managed by Lakeform (stack dev, key x)"]


def test_values_that_change_behaviour_are_kept() -> None:
    job = {
        "job_id": 1,
        "settings": {
            "name": "x",
            "max_concurrent_runs": 3,
            "schedule": {
                "quartz_cron_expression": "0 0 6 * * ?",
                "timezone_id": "UTC",
                "pause_status": "PAUSED",
            },
            "git_source": {"git_url": "https://example.com/r.git", "git_provider": "gitHub"},
            "tasks": [
                {
                    "task_key": "a",
                    "run_if": "ALL_DONE",
                    # With git_source, the default source is GIT: WORKSPACE must stay.
                    "notebook_task": {"notebook_path": "/n", "source": "WORKSPACE"},
                }
            ],
        },
    }
    row = job_row(job).row
    assert row["max_concurrent_runs"] == 3
    assert row["schedule"]["pause_status"] == "PAUSED"
    assert row["tasks"][0] == {
        "task_key": "a",
        "run_if": "ALL_DONE",
        "notebook_task": {"notebook_path": "/n", "source": "WORKSPACE"},
    }


def test_nested_unknown_fields_name_their_path() -> None:
    job = {
        "job_id": 1,
        "settings": {
            "name": "x",
            "tasks": [
                {"task_key": "a", "notebook_task": {"notebook_path": "/n"}},
                {"task_key": "b", "gen_ai_compute_task": {"dl_runtime_image": "img"}},
                {
                    "task_key": "c",
                    "notebook_task": {"notebook_path": "/n", "new_field": 1},
                    "compute": {"x": 1},
                },
            ],
        },
    }
    assert job_row(job).not_exported == [
        "tasks[1].gen_ai_compute_task (no Lakeform field)",
        "tasks[2].compute (no Lakeform field)",
        "tasks[2].notebook_task.new_field (no Lakeform field)",
    ]


@pytest.mark.parametrize(
    ("plain", "spark"),
    [("double", "double"), ("bigint", "long"), ("int", "integer"), ("decimal(10,2)", None)],
)
def test_simple_output_types_become_plain_names(plain: str, spark: str | None) -> None:
    assert plain_output_type(spark_struct_field_json(plain)) == plain
    if spark is not None:
        assert json.loads(spark_struct_field_json(plain))["type"] == spark


@pytest.mark.parametrize(
    "struct_field",
    [
        '{"metadata":{},"name":"output","nullable":true,"type":{"type":"array",'
        '"elementType":"double","containsNull":true}}',
        '{"metadata":{"comment":"x"},"name":"output","nullable":true,"type":"double"}',
        '{"metadata":{},"name":"output","nullable":false,"type":"double"}',
        "not json",
    ],
)
def test_other_output_types_are_kept_as_written(struct_field: str) -> None:
    assert plain_output_type(struct_field) == struct_field


def test_snake_keys_are_valid_row_keys() -> None:
    assert snake_key("Olist Lakehouse - Daily Orchestration", "job") == (
        "olist_lakehouse_daily_orchestration"
    )
    assert snake_key("OlistDaily", "job") == "olist_daily"
    assert snake_key("[DEV] Sales / ETL", "job") == "dev_sales_etl"
    assert snake_key("日次", "job_12") == "job_12"


def test_key_suffixes_do_not_depend_on_listing_order() -> None:
    def rows(order: list[tuple[str, str]]) -> dict[str, str]:
        made = [ExportedRow("jobs", ident, name, {}) for name, ident in order]
        assign_keys(made)
        return {r.resource_id: r.key for r in made}

    given = [("ETL", "2"), ("etl", "1"), ("ETL", "3"), ("", "7")]
    assert rows(given) == rows(list(reversed(given)))
    assert sorted(rows(given).values()) == ["etl", "etl_2", "etl_3", "job_7"]


def test_references_to_resources_not_exported_stay_ids() -> None:
    job = {
        "job_id": 5,
        "settings": {
            "name": "x",
            "tasks": [{"task_key": "a", "pipeline_task": {"pipeline_id": "elsewhere"}}],
        },
    }
    export = build_export({"jobs": [copy.deepcopy(job)]})
    assert export.jobs[0].row["tasks"][0]["pipeline_task"] == {"pipeline_id": "elsewhere"}
    assert export.jobs[0].notes == [
        "tasks[0].pipeline_task.pipeline_id elsewhere kept as an id "
        "(that pipeline is not in this export)"
    ]
    assert import_file(export)["resources"][1]["id"] == "5"


def test_jobs_with_more_than_a_page_of_tasks_are_read_whole() -> None:
    from cli.adopt import get_one
    from metadata.kinds import JOBS

    pages = {
        None: {
            "job_id": 1,
            "settings": {"name": "big", "tasks": [{"task_key": "t0"}]},
            "next_page_token": "p2",
        },
        "p2": {
            "job_id": 1,
            "settings": {"tasks": [{"task_key": "t1"}], "job_clusters": [{"job_cluster_key": "c"}]},
            "next_page_token": "p3",
        },
        "p3": {"job_id": 1, "settings": {"tasks": [{"task_key": "t2"}]}},
    }

    def fake_api(method: str, path: str, query: dict[str, Any]) -> dict[str, Any]:
        assert (method, path, query["job_id"]) == ("GET", "/api/2.2/jobs/get", 1)
        return copy.deepcopy(pages[query.get("page_token")])

    job = get_one(fake_api, JOBS.name, 1)
    assert [t["task_key"] for t in job["settings"]["tasks"]] == ["t0", "t1", "t2"]
    assert job["settings"]["job_clusters"] == [{"job_cluster_key": "c"}]
    assert "next_page_token" not in job


def test_json_says_what_was_exported_and_what_was_not(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ws.client()
    job_id = api(w, "POST", "/api/2.2/jobs/create", child_job_spec())["job_id"]
    out = tmp_path / "rows.yaml"
    assert export("--job-id", str(job_id), "--json") == 1  # stdout is the JSON's
    assert "--json prints the result on stdout: pass -o FILE" in capsys.readouterr().err
    assert export("--job-id", str(job_id), "-o", str(out), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result == {
        "ok": True,
        "output": str(out),
        "import_file": None,
        "rows": [
            {
                "kind": "jobs",
                "key": "olist_refresh",
                "id": str(job_id),
                "not_exported": [],
                "notes": [],
            }
        ],
        "skipped": [],
    }
    assert "olist_refresh:" in out.read_text()
    assert export("--job-id", "999999", "-o", str(tmp_path / "none.yaml"), "--json") == 1
    failed = json.loads(capsys.readouterr().out)
    assert failed["ok"] is False and "999999" in failed["problems"][0]
    assert not (tmp_path / "none.yaml").exists()


def test_a_loops_task_naming_an_exported_job_names_its_row() -> None:
    loop = {"inputs": "[1, 2]", "task": {"task_key": "each", "run_job_task": {"job_id": 7}}}
    parent = {
        "job_id": 5,
        "settings": {"name": "parent", "tasks": [{"task_key": "a", "for_each_task": loop}]},
    }
    child = {"job_id": 7, "settings": {"name": "child", "tasks": [{"task_key": "t"}]}}
    export = build_export({"jobs": [parent, child]})
    row = next(r for r in export.jobs if r.key == "parent")
    assert row.row["tasks"][0]["for_each_task"]["task"]["run_job_task"] == {"job": "child"}
    assert row.notes == []
