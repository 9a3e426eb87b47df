"""A bundle whose variable has no default and no target value, imported with `lakeform
import-bundle --var NAME=VALUE` (as `databricks bundle deploy --var` takes it) and deployed with
`lakeform up` with nothing more: the workspace's job holds the value given."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import LAKEFORM_PROGRAM, Project
from tests.e2e.test_settling import jobs_by_name

BUNDLE = {
    "databricks.yml": """
        bundle: {name: given}
        variables:
          catalog: {description: the deployer gives it}
          schema: {default: raw}
        resources:
          jobs:
            load:
              name: Load ${var.catalog}
              parameters:
                - {name: table, default: "${var.catalog}.${var.schema}.orders"}
              tasks:
                - task_key: main
                  notebook_task: {notebook_path: src/load.py}
        targets:
          e2e: {default: true}
    """,
    "src/load.py": "# Databricks notebook source\nprint(1)\n",
}


def test_a_value_given_to_the_import_is_deployed_by_up_with_nothing_more(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    (source / "resources").mkdir(parents=True)
    settings = {"metadata_paths": ["resources"], "workspace_root": "/Workspace/Shared/e2e"}
    (source / "Pulumi.e2e.yaml").write_text(
        yaml.safe_dump({"config": {"lakeform:settings": settings}})
    )
    for name, text in BUNDLE.items():
        path = source / "b" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    project = Project.copy_of(
        source, tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )
    refused = project.lakeform("import-bundle", "b", "-o", "resources/given")
    assert refused.returncode == 1
    assert "--var catalog=VALUE, or the environment variable BUNDLE_VAR_catalog" in refused.stderr
    done = project.lakeform("import-bundle", "b", "-o", "resources/given", "--var", "catalog=sales")
    assert done.returncode == 0, done.stdout + done.stderr
    up = project.lakeform("up", "--stack", "e2e", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    job = jobs_by_name(workspace)["Load sales"]
    assert job["parameters"] == [{"name": "table", "default": "sales.raw.orders"}]
