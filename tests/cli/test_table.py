"""`lakeform table push` and `pull` against a Unity Catalog table of a local workspace."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from deltalake import DeltaTable, write_deltalake

from devtools.workspace.testing import RunningWorkspace, running_workspace
from metadata.delta import Located, arrow_table, create
from metadata.delta import rows as table_rows
from metadata.formats.control_table import LAKEFORM, LFJM_V2

REPO = Path(__file__).resolve().parents[2]
TABLE = "main.ops.rows"

ROWS = """\
jobs:
  daily:
    name: Daily
    schedule:
      quartz_cron_expression: 0 0 6 * * ?
      timezone_id: UTC
    tasks:
    - task_key: ingest
      notebook_task:
        notebook_path: src/nb.py
        base_parameters:
          catalog: ${var.catalog}
    - task_key: report
      depends_on:
      - ingest
      sql_task:
        query_text: |
          SELECT 1
          FROM dual
  old:
    disabled: true
    name: Old
    tasks:
    - task_key: a
      notebook_task:
        notebook_path: src/nb.py
pipelines:
  sales:
    name: Sales
    catalog: main
    schema: sales
    libraries:
    - glob:
        include: src/pipe/**
"""


@pytest.fixture
def workspace() -> Iterator[RunningWorkspace]:
    with running_workspace() as ws:
        yield ws


@pytest.fixture
def project(tmp_path: Path, workspace: RunningWorkspace) -> Path:
    (tmp_path / "src" / "pipe").mkdir(parents=True)
    (tmp_path / "src" / "nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "src" / "pipe" / "a.py").write_text("x = 1\n")
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "jobs.yaml").write_text(ROWS)
    settings = {
        "metadata_paths": ["resources"],
        "variables": {"catalog": "c"},
        "default_warehouse_id": "wh",
        "control_tables": [TABLE],
    }
    config = {"databricks:host": workspace.url, "lakeform:settings": settings}
    (tmp_path / "Pulumi.local.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def lakeform(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    return subprocess.run(
        [str(REPO / ".venv" / "bin" / "lakeform"), "table", *args, "--stack", "local"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def create_table(workspace: RunningWorkspace, project: Path) -> None:
    """The table must exist in Unity Catalog: push says how to create it, which is done here the
    local workspace's way (a Delta table in its folder)."""
    refused = lakeform(project, "push")
    assert refused.returncode == 1
    assert f"{TABLE}: no Delta table there yet; create it in a SQL warehouse" in refused.stderr
    assert "CREATE TABLE IF NOT EXISTS main.ops.rows (\n  kind STRING," in refused.stderr
    create(Located(TABLE, workspace.table_folder(TABLE).as_uri()), LAKEFORM, "rows")


def records(workspace: RunningWorkspace) -> dict[tuple[str, str], dict[str, Any]]:
    table = DeltaTable(workspace.table_folder(TABLE).as_uri())
    return {(r["kind"], r["key"]): r for r in table_rows(table)}


def test_push_merges_by_key_and_pull_round_trips_byte_stable(
    workspace: RunningWorkspace, project: Path
) -> None:
    create_table(workspace, project)
    pushed = lakeform(project, "push")
    assert pushed.returncode == 0, pushed.stderr
    assert "3 inserted, 0 updated, 0 deleted, 0 unchanged" in pushed.stdout
    first = records(workspace)
    assert first[("jobs", "old")]["disabled"] is True
    assert "disabled" not in json.loads(first[("jobs", "old")]["row"])
    assert first[("jobs", "daily")]["created_by"] == workspace.user_name

    # pulled files are the pushed ones, byte for byte
    pulled = lakeform(project, "pull", "-o", "pulled")
    assert pulled.returncode == 0, pulled.stderr
    pulled_text = [(project / "pulled" / f).read_text() for f in ("jobs.yaml", "pipelines.yaml")]
    assert "".join(pulled_text) == ROWS

    # pushing again changes nothing: no new Delta version, updated_* kept
    version = DeltaTable(workspace.table_folder(TABLE).as_uri()).version()
    again = lakeform(project, "push")
    assert "0 inserted, 0 updated, 0 deleted, 3 unchanged" in again.stdout
    assert DeltaTable(workspace.table_folder(TABLE).as_uri()).version() == version

    # one row changed, one removed: updated_* of that row only, created_* kept
    text = ROWS.replace("name: Daily", "name: Daily v2")
    text = text[: text.index("  old:")] + text[text.index("pipelines:") :]
    (project / "resources" / "jobs.yaml").write_text(text)
    changed = lakeform(project, "push")
    assert "0 inserted, 1 updated, 1 deleted, 1 unchanged" in changed.stdout, changed.stderr
    now = records(workspace)
    assert set(now) == {("jobs", "daily"), ("pipelines", "sales")}
    daily, before = now[("jobs", "daily")], first[("jobs", "daily")]
    assert daily["created_timestamp"] == before["created_timestamp"]
    assert daily["updated_timestamp"] > before["updated_timestamp"]
    assert (
        now[("pipelines", "sales")]["updated_timestamp"]
        == first[("pipelines", "sales")]["updated_timestamp"]
    )


def test_push_refuses_rows_that_do_not_validate_and_writes_nothing(
    workspace: RunningWorkspace, project: Path
) -> None:
    create_table(workspace, project)
    (project / "resources" / "jobs.yaml").write_text(
        textwrap.dedent(
            """\
            jobs:
              daily:
                timeot_seconds: 5
                tasks: [{task_key: a, notebook_task: {notebook_path: src/nb.py}}]
            """
        )
    )
    refused = lakeform(project, "push")
    assert refused.returncode == 1
    assert (
        "resources/jobs.yaml:3:5: jobs.daily.timeot_seconds: unknown field 'timeot_seconds'"
        in refused.stderr
    )
    assert records(workspace) == {}


def test_pull_writes_a_lakeflow_jobs_meta_table_in_its_own_format(
    workspace: RunningWorkspace, project: Path
) -> None:
    shutil.rmtree(project / "resources")
    (project / "resources").mkdir()
    row = {
        "resource_id": "ingest",
        "job_name": "Ingest",
        "task_key": "load",
        "depends_on": "[]",
        "task_type": "notebook",
        "job_config": json.dumps({"timeout_seconds": 60, "_job_environments": []}),
        "task_config": json.dumps({"file_path": "src/nb.py"}),
        "disabled": False,
    }
    write_deltalake(workspace.table_folder(TABLE).as_uri(), arrow_table(LFJM_V2, [row]))
    pulled = lakeform(project, "pull", "-o", "resources")
    assert pulled.returncode == 0, pulled.stderr
    assert (project / "resources" / "lakeflow_jobs_meta.yaml").read_text() == textwrap.dedent(
        """\
        metadata_version: '2.0'
        jobs:
          ingest:
            name: Ingest
            timeout_seconds: 60
            environments: []
            tasks:
            - task_key: load
              task_type: notebook
              file_path: src/nb.py
        """
    )
    refused = lakeform(project, "push")
    assert "a lakeflow-jobs-meta v0.2 control table; `table push` writes Lakeform tables only" in (
        refused.stderr
    )


def test_the_deployments_table_holds_each_kinds_id_and_a_jobs_number() -> None:
    from cli.table import deployment_records

    outputs = {
        "jobs": {"daily": {"id": "12", "name": "Daily", "url": "https://h/jobs/12"}},
        "pipelines": {"bronze": {"id": "ab-1", "name": "Bronze", "url": "https://h/p"}},
        "quality_monitors": {"orders": {"table_name": "main.sales.orders"}},
        "data_quality_monitors": {
            "sales": {"object_type": "schema", "object": "main.sales", "object_id": "u-1"}
        },
    }
    records = deployment_records(outputs, "dev", 3)
    assert [(r["kind"], r["resource_id"], r["id"], r["job_id"]) for r in records] == [
        ("jobs", "daily", "12", 12),
        ("pipelines", "bronze", "ab-1", None),
        ("quality_monitors", "orders", "main.sales.orders", None),
        ("data_quality_monitors", "sales", "main.sales", None),
    ]


def test_a_stopped_local_workspace_is_said_at_once_not_retried(tmp_path: Path) -> None:
    """After `make demo` the local stack names control tables (its clone settings file): with the
    local workspace stopped, `lakeform validate` says so at once (databricks-sdk would retry the
    refused connection for 5 minutes, twice)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "jobs.yaml").write_text(ROWS)
    settings = {"metadata_paths": ["resources"], "control_tables": [TABLE]}
    config = {"databricks:host": f"http://127.0.0.1:{port}", "lakeform:settings": settings}
    (tmp_path / "Pulumi.local.yaml").write_text(yaml.safe_dump({"config": config}))
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "lakeform"), "validate", "--stack", "local"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        f"the local workspace does not answer at http://127.0.0.1:{port} (Pulumi.local.yaml "
        "databricks:host): start it with `make workspace-start` (or `make demo`)"
    ) in done.stdout + done.stderr
