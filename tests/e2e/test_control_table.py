"""Control tables end to end: rows changed in Delta tables with deltalake (as SQL users change
them with INSERT, UPDATE and DELETE) reach the local workspace through `lakeform up`, over the
Unity Catalog calls the real code path makes (Tables API, temporary table credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from deltalake import DeltaTable, write_deltalake

from devtools.workspace.testing import RunningWorkspace
from metadata.delta import arrow_table, now
from metadata.delta import rows as table_rows
from metadata.formats.control_table import DEPLOYMENTS, LAKEFORM, LFJM_V2
from tests.e2e.harness import LAKEFORM_PROGRAM, Project, copy_from_repository

STACK = "e2e"
ETL = "main.ops.etl_control"
ROWS = "main.ops.rows"
DEPLOYED = f"{ETL}_jobs"
NOTEBOOK = {"notebook_path": "src/nb.py"}


def project(
    tmp: Path, workspace: RunningWorkspace, tables: dict[str, Any] | None = None
) -> Project:
    """Lakeform's program with one YAML job; `tables` (default: the stack file names the two
    control tables) are the settings that say where the tables are named."""
    source = tmp / "source"
    source.mkdir(parents=True)
    copy_from_repository(LAKEFORM_PROGRAM, source)
    (source / "src").mkdir()
    (source / "src" / "nb.py").write_text("# Databricks notebook source\nprint('hello')\n")
    (source / "resources").mkdir()
    yaml_job = {"name": "YAML job", "tasks": [{"task_key": "a", "notebook_task": NOTEBOOK}]}
    (source / "resources" / "jobs.yaml").write_text(
        yaml.safe_dump({"jobs": {"from_yaml": yaml_job}})
    )
    settings = {
        "metadata_paths": ["resources"],
        "workspace_root": "/Workspace/Shared/e2e",
        **(tables if tables is not None else {"control_tables": [ETL, ROWS]}),
    }
    stack_file = {"config": {"lakeform:settings": settings}}
    (source / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
    return Project.copy_of(source, tmp, workspace=workspace, stack=STACK)


def etl_row(task_key: str, **task: Any) -> dict[str, Any]:
    """A row as lakeflow-jobs-meta v0.2's MERGE writes it (metadata_manager.py load_yaml)."""
    depends = task.pop("depends_on", [])
    return {
        "resource_id": "ingest",
        "job_name": "Ingest",
        "task_key": task_key,
        "depends_on": json.dumps(depends),
        "task_type": "notebook",
        "job_config": json.dumps({"timeout_seconds": 3600}),
        "task_config": json.dumps({"file_path": "src/nb.py", **task}),
        "disabled": False,
        "created_by": "someone@example.com",
        "created_timestamp": now(),
        "updated_by": "someone@example.com",
        "updated_timestamp": now(),
    }


def lakeform_row(key: str, name: str) -> dict[str, Any]:
    row = {"name": name, "tasks": [{"task_key": "only", "notebook_task": NOTEBOOK}]}
    return {"kind": "jobs", "key": key, "row": json.dumps(row), "disabled": False}


def jobs(workspace: RunningWorkspace) -> dict[str, Any]:
    w = workspace.client()
    return {j.settings.name: w.jobs.get(j.job_id) for j in w.jobs.list()}


def up(project: Project) -> Any:
    project.workspace.requests.clear()
    return project.lakeform("up", "--stack", STACK, "--yes")


def deployed_rows(workspace: RunningWorkspace) -> dict[str, dict[str, Any]]:
    table = DeltaTable(workspace.table_folder(DEPLOYED).as_uri())
    return {r["resource_id"]: r for r in table_rows(table)}


def test_rows_inserted_updated_disabled_deleted_in_tables_follow_on_up(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    lakeform = project(tmp_path, workspace)
    etl = workspace.table_folder(ETL).as_uri()
    rows = workspace.table_folder(ROWS).as_uri()
    write_deltalake(
        etl,
        arrow_table(LFJM_V2, [etl_row("load"), etl_row("check", depends_on=["load"])]),
    )
    write_deltalake(rows, arrow_table(LAKEFORM, [lakeform_row("tbl_daily", "Table daily")]))
    # the stand-in for CREATE TABLE in a SQL warehouse: Unity Catalog tables exist before use
    write_deltalake(workspace.table_folder(DEPLOYED).as_uri(), arrow_table(DEPLOYMENTS, []))

    first = up(lakeform)
    assert first.returncode == 0, first.stderr
    assert set(jobs(workspace)) == {"YAML job", "Ingest", "Table daily"}
    outputs = lakeform.outputs()["jobs"]
    recorded = deployed_rows(workspace)
    assert {k: (r["job_id"], r["kind"], r["stack"], r["url"]) for k, r in recorded.items()} == {
        key: (int(out["id"]), "jobs", STACK, out["url"]) for key, out in outputs.items()
    }
    assert {r["update_version"] for r in recorded.values()} == {1}

    # INSERT a row, UPDATE a task's settings, UPDATE a task to disabled (it stays in the job
    # and is skipped at run time): one deploy; the rows nobody touched cost 0 writes
    write_deltalake(
        rows, arrow_table(LAKEFORM, [lakeform_row("tbl_new", "Table new")]), mode="append"
    )
    changed = json.dumps({"file_path": "src/nb.py", "timeout_seconds": 900})
    DeltaTable(etl).update(new_values={"task_config": changed}, predicate="task_key = 'check'")
    DeltaTable(etl).update(new_values={"disabled": True}, predicate="task_key = 'load'")
    second = up(lakeform)
    assert second.returncode == 0, second.stderr
    deployed = jobs(workspace)
    assert "Table new" in deployed
    tasks = {t.task_key: t for t in deployed["Ingest"].settings.tasks}
    assert tasks["check"].timeout_seconds == 900
    assert tasks["load"].disabled is True
    writes = workspace.requests.writes()
    assert (writes["jobs.create"], writes["jobs.reset"], writes["jobs.delete"]) == (1, 1, 0)

    # DELETE
    DeltaTable(rows).delete("key = 'tbl_daily'")
    deleted = up(lakeform)
    assert deleted.returncode == 0, deleted.stderr
    assert "Table daily" not in jobs(workspace)
    # the job and the copy of its notebook uploaded for it
    assert workspace.requests.writes() == {"jobs.delete": 1, "workspace.delete": 1}
    recorded = deployed_rows(workspace)
    assert set(recorded) == {"from_yaml", "ingest", "tbl_new"}
    assert recorded["tbl_new"]["update_version"] == 3

    # a bad row: nothing is deployed, and the message names the table, row, column and field
    bad = json.dumps({"name": "Table new", "timeot_seconds": 1, "tasks": []})
    DeltaTable(rows).update(new_values={"row": bad}, predicate="key = 'tbl_new'")
    refused = up(lakeform)
    assert refused.returncode != 0
    assert (
        f"{ROWS}: row jobs.tbl_new, column row: jobs.tbl_new.timeot_seconds: unknown field "
        "'timeot_seconds'; did you mean 'timeout_seconds'?"
    ) in refused.stdout + refused.stderr
    assert workspace.requests.writes() == {}
