"""A bundle whose job and pipeline read files of the folder the Databricks CLI syncs
(`${workspace.file_path}/PATH` outside path fields), imported with `lakeform import-bundle` and
deployed with `lakeform up`: the rows upload those files and folders (`${upload:PATH}`), the
workspace holds what the CLI's sync would put there, and the job and pipeline name them; the
job's dashboard_task, spark_submit_task and power_bi_task deploy as written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import LAKEFORM_PROGRAM, Project
from tests.e2e.test_settling import jobs_by_name

BUNDLE = {
    "databricks.yml": """
        bundle: {name: synced}
        include: [resources/*.yml]
        targets:
          e2e: {default: true}
    """,
    "resources/rows.yml": """
        resources:
          jobs:
            setup:
              name: Setup
              parameters:
                - {name: products, default: "${workspace.file_path}/data/products.json"}
              tasks:
                - task_key: main
                  notebook_task:
                    notebook_path: ../src/setup.py
                    base_parameters: {task_dir: "${workspace.file_path}/etl/geo"}
                - task_key: refresh
                  depends_on: [{task_key: main}]
                  dashboard_task:
                    dashboard_id: 01ef00000000000000000000000000aa
                    subscription: {subscribers: [{user_name: a@example.com}]}
                - task_key: submit
                  spark_submit_task:
                    parameters: [--class, com.example.Main, /Volumes/m/s/v/app.jar]
                  new_cluster:
                    {spark_version: 15.4.x-scala2.12, num_workers: 1, node_type_id: i3.xlarge}
                - task_key: publish
                  depends_on: [{task_key: refresh}]
                  power_bi_task:
                    connection_resource_name: pbi
                    power_bi_model: {model_name: sales, storage_mode: DIRECT_QUERY}
                    tables: [{catalog: main, schema: gold, name: orders}]
          pipelines:
            framework:
              name: Framework
              serverless: true
              catalog: main
              schema: raw
              configuration: {bundle.sourcePath: "${workspace.file_path}/etl"}
              libraries: [{notebook: {path: ../src/setup.py}}]
    """,
    ".gitignore": "__pycache__/\n*.tmp\n",
    "src/setup.py": "# Databricks notebook source\nprint(1)\n",
    "data/products.json": "[]\n",
    "etl/geo/config.yaml": "k: v\n",
    "etl/geo/run.py": "# Databricks notebook source\nprint(2)\n",
    "etl/geo/helper.py": "x = 1\n",
    "etl/geo/__pycache__/helper.cpython-312.pyc": "compiled",
    "etl/geo/out.tmp": "scratch",
    "etl/silver.sql": "-- Databricks notebook source\nSELECT 1\n",
}
ROOT = "/Workspace/Shared/e2e/e2e"


@pytest.fixture
def imported(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    source = tmp_path / "source"
    (source / "resources").mkdir(parents=True)
    (source / "Pulumi.e2e.yaml").write_text(
        yaml.safe_dump(
            {
                "config": {
                    "lakeform:settings": {
                        "metadata_paths": ["resources"],
                        "workspace_root": "/Workspace/Shared/e2e",
                    }
                }
            }
        )
    )
    for name, text in BUNDLE.items():
        path = source / "b" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    project = Project.copy_of(
        source, tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )
    done = project.lakeform("import-bundle", "b", "-o", "resources/synced")
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def objects(ws: RunningWorkspace, folder: str) -> dict[str, str]:
    """Workspace path -> object type of each notebook and file below `folder` (the SDK lists
    no folder itself when recursive)."""
    found: dict[str, str] = {}
    for item in ws.client().workspace.list(folder, recursive=True):
        assert item.path is not None and item.object_type is not None
        found[item.path] = item.object_type.value
    return found


def test_the_files_a_synced_path_names_are_uploaded_and_named(imported: Project) -> None:
    ws = imported.workspace
    up = imported.lakeform("up", "--stack", "e2e", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr

    job_base = f"{ROOT}/jobs/setup/b"
    assert objects(ws, f"{ROOT}/jobs/setup") == {
        f"{job_base}/src/setup": "NOTEBOOK",  # the task's notebook
        f"{job_base}/data/products.json": "FILE",  # the parameter's one file
        # the base parameter's folder: notebooks as notebooks, without .gitignore's files
        f"{job_base}/etl/geo/config.yaml": "FILE",
        f"{job_base}/etl/geo/helper.py": "FILE",
        f"{job_base}/etl/geo/run": "NOTEBOOK",
    }
    job = jobs_by_name(ws)["Setup"]
    assert job["parameters"] == [{"name": "products", "default": f"{job_base}/data/products.json"}]
    assert job["tasks"][0]["notebook_task"]["base_parameters"] == {
        "task_dir": f"{job_base}/etl/geo"
    }
    # a dashboard_task as the bundle writes it (the provider's JobTaskDashboardTask)
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert tasks["refresh"]["dashboard_task"] == {
        "dashboard_id": "01ef00000000000000000000000000aa",
        "subscription": {"subscribers": [{"user_name": "a@example.com"}]},
    }
    assert tasks["submit"]["spark_submit_task"] == {
        "parameters": ["--class", "com.example.Main", "/Volumes/m/s/v/app.jar"]
    }
    assert tasks["publish"]["power_bi_task"] == {
        "connection_resource_name": "pbi",
        "power_bi_model": {"model_name": "sales", "storage_mode": "DIRECT_QUERY"},
        "tables": [{"catalog": "main", "schema": "gold", "name": "orders"}],
    }

    pipe_base = f"{ROOT}/pipelines/framework/b"
    assert {p: t for p, t in objects(ws, f"{ROOT}/pipelines/framework").items()} == {
        f"{pipe_base}/src/setup": "NOTEBOOK",
        f"{pipe_base}/etl/silver": "NOTEBOOK",
        f"{pipe_base}/etl/geo/config.yaml": "FILE",
        f"{pipe_base}/etl/geo/helper.py": "FILE",
        f"{pipe_base}/etl/geo/run": "NOTEBOOK",
    }
    (pipeline,) = ws.client().pipelines.list_pipelines()
    assert pipeline.pipeline_id is not None
    spec = ws.client().pipelines.get(pipeline.pipeline_id).spec
    assert spec is not None and spec.configuration == {"bundle.sourcePath": f"{pipe_base}/etl"}

    # A file removed from the folder is removed from the workspace; nothing else is written.
    (imported.dir / "b/etl/geo/helper.py").unlink()
    ws.requests.clear()
    again = imported.lakeform("up", "--stack", "e2e", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert ws.requests.writes() == {"workspace.delete": 2}
    assert f"{job_base}/etl/geo/helper.py" not in objects(ws, f"{ROOT}/jobs/setup")
    assert f"{pipe_base}/etl/geo/helper.py" not in objects(ws, f"{ROOT}/pipelines/framework")
