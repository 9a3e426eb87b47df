"""Control tables as a row source: both layouts read into the models YAML rows give, and every
problem names the table, the row, the column and the field."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from deltalake import DeltaTable, write_deltalake

from metadata import MetadataError, Rows, load_rows
from metadata.delta import Tables, arrow_table, now
from metadata.formats.control_table import LAKEFORM, LFJM_V1, LFJM_V2, Schema
from metadata.settings import StackSettings
from tests.metadata.conftest import SETTINGS, Project

# What lakeflow-jobs-meta's MetadataManager.load_yaml keeps of a YAML job and task (v0.1.0-rc1
# through v0.2.0, metadata_manager.py): job_level_keys into job_config, the listed task fields
# into task_config, json.dumps with its default separators.
JOB_KEYS = (
    "tags",
    "environments",
    "parameters",
    "timeout_seconds",
    "max_concurrent_runs",
    "queue",
    "continuous",
    "trigger",
    "schedule",
    "job_clusters",
    "notification_settings",
    "edit_mode",
)
TASK_KEYS = (
    "file_path",
    "sql_query",
    "query_id",
    "warehouse_id",
    "timeout_seconds",
    "run_if",
    "environment_key",
    "job_cluster_key",
    "existing_cluster_id",
    "notification_settings",
    "package_name",
    "entry_point",
    "main_class_name",
    "pipeline_id",
    "commands",
    "profiles_directory",
    "project_directory",
    "catalog",
    "schema",
    "parameters",
)

LFJM_YAML = """
metadata_version: "2.0"
jobs:
  sales:
    name: Sales pipeline
    timeout_seconds: 3600
    schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}
    tags: {team: sales}
    tasks:
      - task_key: ingest
        task_type: notebook
        file_path: src/nb.py
        parameters: {catalog: "${var.catalog}", batch: 5}
      - task_key: check
        task_type: sql_query
        sql_query: SELECT 1
        warehouse_id: wh
        depends_on: [ingest]
      - task_key: aggregate
        task_type: sql_file
        file_path: src/query.sql
        warehouse_id: wh
        depends_on: [check]
        run_if: ALL_DONE
        disabled: true
  refresh:
    name: refresh
    tasks:
      - task_key: only
        task_type: pipeline
        pipeline_id: abc-123
        timeout_seconds: 600
"""


def framework_rows(doc: Mapping[str, Any], *, v1: bool = False) -> list[dict[str, Any]]:
    """The control table rows lakeflow-jobs-meta's load_yaml MERGEs for `doc`."""
    rows: list[dict[str, Any]] = []
    for resource_id, job in doc["jobs"].items():
        config = {
            ("_job_environments" if k == "environments" else k): job[k]
            for k in JOB_KEYS
            if k in job
        }
        for task in job["tasks"]:
            row = {
                "job_name": job.get("name", resource_id),
                "task_key": task["task_key"],
                "depends_on": json.dumps(task.get("depends_on", [])),
                "task_type": task["task_type"],
                "job_config": json.dumps(config) if config else json.dumps({}),
                "task_config": json.dumps({k: task[k] for k in TASK_KEYS if k in task}),
                "disabled": task.get("disabled", False),
                "created_by": "someone@example.com",
                "created_timestamp": now(),
                "updated_by": "someone@example.com",
                "updated_timestamp": now(),
            }
            if not v1:
                row = {"resource_id": resource_id, **row}
            rows.append(row)
    return rows


def write_table(path: Path, schema: Schema, records: Sequence[Mapping[str, Any]]) -> str:
    uri = path.as_uri()
    write_deltalake(uri, arrow_table(schema, records), mode="overwrite")
    return uri


def lakeform_row(kind: str, key: str, row: Any, disabled: bool = False) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "row": row if isinstance(row, str) else json.dumps(row),
        "disabled": disabled,
    }


def load(project: Project, *tables: str, settings: StackSettings = SETTINGS) -> Rows:
    with_tables = settings.model_copy(update={"control_tables": list(tables)})
    return load_rows(
        [Path("resources")], root=project.root, stack="dev", settings=with_tables, tables=Tables()
    )


def problems(project: Project, *tables: str) -> list[str]:
    with pytest.raises(MetadataError) as err:
        load(project, *tables)
    return [str(p) for p in err.value.problems]


def by_task_key(rows: Rows) -> dict[str, Any]:
    """Each job as a dict with its tasks ordered by key (a table has no row order)."""
    out: dict[str, Any] = {}
    for key, job in rows.jobs.items():
        dumped = job.model_dump()
        dumped["tasks"] = sorted(dumped["tasks"], key=lambda t: t["task_key"])
        out[key] = dumped
    return out


@pytest.mark.parametrize("v1", [False, True], ids=["v0.2", "v0.1"])
def test_a_lakeflow_jobs_meta_table_reads_as_the_same_file(
    project: Project, tmp_path: Path, v1: bool
) -> None:
    doc = yaml.safe_load(LFJM_YAML)
    table = write_table(
        tmp_path / "etl_control", LFJM_V1 if v1 else LFJM_V2, framework_rows(doc, v1=v1)
    )
    from_table = load(project, table)
    if v1:  # the 0.1 releases' file: a list of jobs, each named by job_name
        doc = {
            "metadata_version": "1.0",
            "jobs": [{"job_name": job.pop("name"), **job} for job in doc["jobs"].values()],
        }
    project.write("lfjm.yaml", yaml.safe_dump(doc, sort_keys=False))
    from_file = load(project)
    assert from_table.jobs.keys() == from_file.jobs.keys()
    assert by_task_key(from_table) == by_task_key(from_file)
    sales = "Sales_pipeline" if v1 else "sales"
    tasks = {t.task_key: t for t in from_table.jobs[sales].tasks}
    assert tasks["aggregate"].disabled is True  # the task's own, kept for the API
    assert tasks["ingest"].notebook_task is not None
    assert tasks["ingest"].notebook_task.base_parameters == {"catalog": "cat_dev", "batch": "5"}


def test_a_lakeform_table_reads_every_kind_and_a_disabled_row_is_left_out(
    project: Project, tmp_path: Path
) -> None:
    job = {
        "name": "T",
        "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "src/nb.py"}}],
    }
    pipeline = {
        "name": "P",
        "catalog": "c",
        "schema": "s",
        "libraries": [{"glob": {"include": "src/pipe/**"}}],
    }
    monitor = {
        "table_name": "c.s.t",
        "assets_dir": "/Shared/m",
        "output_schema_name": "c.s",
        "snapshot": {},
    }
    table = write_table(
        tmp_path / "rows",
        LAKEFORM,
        [
            lakeform_row("jobs", "tbl_job", job),
            lakeform_row("jobs", "off", job, disabled=True),
            lakeform_row("pipelines", "tbl_pipe", pipeline),
            lakeform_row("quality_monitors", "tbl_mon", monitor),
        ],
    )
    rows = load(project, table)
    assert list(rows.jobs) == ["tbl_job"]
    assert list(rows.pipelines) == ["tbl_pipe"]
    assert list(rows.quality_monitors) == ["tbl_mon"]
    assert rows.jobs["tbl_job"].name == "T"


def test_a_bad_row_names_the_table_row_column_and_field(project: Project, tmp_path: Path) -> None:
    table = write_table(
        tmp_path / "rows",
        LAKEFORM,
        [
            lakeform_row(
                "jobs",
                "good",
                {
                    "name": "G",
                    "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "src/nb.py"}}],
                },
            ),
            lakeform_row(
                "jobs",
                "bad",
                {
                    "name": "B",
                    "timeot_seconds": 5,
                    "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "src/nb.py"}}],
                },
            ),
            lakeform_row("jobs", "broken", "{not json"),
            lakeform_row("job", "typo", {}),
        ],
    )
    assert problems(project, table) == [
        f"{table}: row job.typo, column kind: unknown kind 'job'; one of jobs, pipelines, "
        "quality_monitors; did you mean 'jobs'?",
        f"{table}: row jobs.bad, column row: jobs.bad.timeot_seconds: unknown field "
        "'timeot_seconds'; did you mean 'timeout_seconds'?",
        f"{table}: row jobs.broken, column row: jobs.broken: not valid JSON: Expecting property "
        "name enclosed in double quotes at character 1",
    ]


def test_a_bad_lakeflow_jobs_meta_row_names_its_resource_and_task(
    project: Project, tmp_path: Path
) -> None:
    doc = yaml.safe_load(LFJM_YAML)
    rows = framework_rows(doc)
    rows[1]["task_config"] = json.dumps(
        {"sql_query": "SELECT 1", "warehouse_id": "wh", "run_iff": "ALL_DONE"}
    )
    rows[3]["depends_on"] = "[only"
    table = write_table(tmp_path / "etl_control", LFJM_V2, rows)
    assert problems(project, table) == [
        f"{table}: row refresh/only, column depends_on: jobs.refresh.tasks[only].depends_on: "
        "not valid JSON: Expecting value at character 1",
        f"{table}: row sales/check, column task_config: jobs.sales.tasks[1].run_iff: unknown "
        "field 'run_iff' for a lakeflow-jobs-meta sql_query task; did you mean 'run_if'?",
    ]


def test_the_same_key_in_yaml_and_a_table_is_an_error(project: Project, tmp_path: Path) -> None:
    project.write(
        "jobs.yaml",
        """
        jobs:
          daily:
            name: Daily
            tasks: [{task_key: a, notebook_task: {notebook_path: src/nb.py}}]
        """,
    )
    job = {
        "name": "Other",
        "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "src/nb.py"}}],
    }
    table = write_table(tmp_path / "rows", LAKEFORM, [lakeform_row("jobs", "daily", job)])
    assert problems(project, table) == [
        f"{table}: row jobs.daily: jobs.daily: duplicate key 'daily': also defined at "
        "resources/jobs.yaml:2:3; row keys are unique per kind across all files",
    ]


def test_a_missing_table_and_a_table_of_another_layout_are_said(
    project: Project, tmp_path: Path
) -> None:
    missing = (tmp_path / "nothing").as_uri()
    other = (tmp_path / "other").as_uri()
    write_deltalake(other, arrow_table((("a", "string"),), [{"a": "x"}]))
    assert problems(project, missing, other) == [
        f"{missing}: no Delta table at {missing}",
        f"{other}: not a control table: its columns are a; expected Lakeform's (kind, key, row, "
        "disabled, created_by, created_timestamp, updated_by, updated_timestamp) or "
        "lakeflow-jobs-meta's (resource_id, job_name, task_key, depends_on, task_type, "
        "job_config, task_config, disabled, created_by, created_timestamp, updated_by, "
        "updated_timestamp)",
    ]


def test_the_table_version_moves_only_when_rows_change(tmp_path: Path) -> None:
    job = {
        "name": "T",
        "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "src/nb.py"}}],
    }
    table = write_table(tmp_path / "rows", LAKEFORM, [lakeform_row("jobs", "a", job)])
    tables = Tables()
    first = tables.version(table)
    assert tables.version(table) == first
    DeltaTable(table).update(new_values={"disabled": True}, predicate="key = 'a'")
    assert tables.version(table) == (first or 0) + 1
    assert tables.version((tmp_path / "none").as_uri()) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("main.ops", "expected a Unity Catalog name catalog.schema.table or a storage URI"),
        ("http://x/t", "storage URIs may be file://, s3://, s3a://, abfss://, gs://; got http://"),
        ("s3://", "the URI names no table folder"),
    ],
)
def test_control_tables_setting_rejects_names_it_cannot_read(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        StackSettings(control_tables=[name])


def test_vended_credentials_become_delta_rs_storage_options() -> None:
    from databricks.sdk.service.catalog import (
        AwsCredentials,
        AzureUserDelegationSas,
        GcpOauthToken,
        GenerateTemporaryTableCredentialResponse,
    )

    from metadata.delta import TableError, storage_options

    aws = GenerateTemporaryTableCredentialResponse(
        aws_temp_credentials=AwsCredentials(
            access_key_id="AK", secret_access_key="SK", session_token="ST"
        )
    )
    assert storage_options(aws, "t") == {
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "SK",
        "AWS_SESSION_TOKEN": "ST",
    }
    sas = GenerateTemporaryTableCredentialResponse(
        azure_user_delegation_sas=AzureUserDelegationSas(sas_token="sv=1")
    )
    assert storage_options(sas, "t") == {"AZURE_STORAGE_SAS_TOKEN": "sv=1"}
    gcp = GenerateTemporaryTableCredentialResponse(gcp_oauth_token=GcpOauthToken(oauth_token="x"))
    with pytest.raises(TableError, match="t: Unity Catalog vends a GCS OAuth token"):
        storage_options(gcp, "t")
