"""`lakeform import-bundle` on a bundle shaped like Databricks' templates: rows that validate."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from cli.main import main
from metadata import load_rows
from metadata.settings import StackSettings

FILES = {
    "databricks.yml": """
        bundle: {name: demo}
        include: [resources/*.yml]
        variables:
          catalog: {default: main}
          schema: {description: target schema}
        permissions:
          - {level: CAN_VIEW, group_name: users}
          - {level: CAN_RUN, group_name: data-eng}
        targets:
          dev:
            mode: development
            default: true
            variables: {schema: dev}
          staging:
            variables: {schema: staging}
          prod:
            mode: production
            variables: {catalog: prod, schema: gold}
            resources:
              jobs:
                demo_job:
                  schedule: {quartz_cron_expression: "0 0 5 * * ?", timezone_id: UTC}
    """,
    "resources/demo.job.yml": """
        resources:
          jobs:
            demo_job:
              name: demo_job ${bundle.target}
              deployment: {kind: BUNDLE}
              environments:
                - environment_key: default
                  spec: {client: "2", dependencies: [../dist/*.whl]}
              tasks:
                - task_key: notebook
                  environment_key: default
                  notebook_task: {notebook_path: ../src/notebook.ipynb}
                - task_key: refresh
                  depends_on: [{task_key: notebook}]
                  pipeline_task: {pipeline_id: "${resources.pipelines.demo_pipeline.id}"}
                - task_key: downstream
                  depends_on: [{task_key: refresh}]
                  run_job_task: {job_id: "${resources.jobs.other_job.id}"}
            other_job:
              tasks:
                - task_key: main
                  environment_key: default
                  spark_python_task: {python_file: "${workspace.file_path}/src/main.py"}
              environments: [{environment_key: default, spec: {client: "2"}}]
    """,
    "resources/demo.pipeline.yml": """
        resources:
          pipelines:
            demo_pipeline:
              name: demo_pipeline
              catalog: ${var.catalog}
              schema: ${var.schema}
              serverless: true
              libraries: [{notebook: {path: ../src/dlt_pipeline.ipynb}}]
    """,
    "resources/demo.monitor.yml": """
        resources:
          quality_monitors:
            orders_monitor:
              table_name: ${var.catalog}.${var.schema}.orders
              assets_dir: /Workspace/Shared/demo/monitoring
              output_schema_name: ${var.catalog}.${var.schema}
              snapshot: {}
              schedule: {quartz_cron_expression: "0 0 8 * * ?", timezone_id: UTC}
    """,
    "src/notebook.ipynb": "{}",
    "src/main.py": "print(1)\n",
    "src/dlt_pipeline.ipynb": "{}",
}


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_bundle_becomes_rows_that_validate_for_every_target(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    captured = capsys.readouterr()
    rows = yaml.safe_load((bundle / "resources/lakeform/demo.yaml").read_text())
    job = rows["jobs"]["demo_job"]
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert tasks["notebook"]["notebook_task"]["notebook_path"] == "src/notebook.ipynb"
    assert tasks["refresh"]["pipeline_task"] == {"pipeline": "demo_pipeline"}
    assert tasks["downstream"]["run_job_task"] == {"job": "other_job"}
    assert rows["jobs"]["other_job"]["tasks"][0]["spark_python_task"] == {
        "python_file": "src/main.py"
    }
    assert job["name"] == "demo_job ${var.bundle_target}"
    assert job["stack_overrides"]["prod"]["schedule"]["quartz_cron_expression"] == "0 0 5 * * ?"
    assert job["permissions"] == [
        {"level": "CAN_VIEW", "group_name": "users"},
        {"level": "CAN_MANAGE_RUN", "group_name": "data-eng"},
    ]
    assert rows["pipelines"]["demo_pipeline"]["libraries"] == [
        {"notebook": {"path": "src/dlt_pipeline.ipynb"}}
    ]
    assert rows["pipelines"]["demo_pipeline"]["permissions"][1]["level"] == "CAN_RUN"
    assert rows["quality_monitors"]["orders_monitor"]["table_name"] == (
        "${var.catalog}.${var.schema}.orders"
    )
    prod = yaml.safe_load((bundle / "resources/lakeform/stack_settings/prod.yaml").read_text())
    assert prod["config"]["lakeform:settings"]["variables"] == {
        "catalog": "prod",
        "schema": "gold",
        "bundle_target": "prod",
    }
    # nothing dropped silently
    assert captured.err.splitlines() == [
        "not imported: resources/demo.job.yml: jobs.demo_job.deployment (no Lakeform field)",
        "not imported: targets.dev.mode (no Lakeform equivalent: the stack's lakeform:settings "
        "do this, see the README)",
        "not imported: targets.prod.mode (no Lakeform equivalent: the stack's lakeform:settings "
        "do this, see the README)",
    ]
    for stack in ("staging", "prod"):
        variables = (
            prod["config"]["lakeform:settings"]["variables"]
            if stack == "prod"
            else {
                "catalog": "main",
                "schema": "staging",
                "bundle_target": "staging",
            }
        )
        loaded = load_rows(
            [bundle / "resources/lakeform/demo.yaml"],
            root=bundle,
            stack=stack,
            settings=StackSettings(variables=variables),
        )
        assert (len(loaded.jobs), len(loaded.pipelines), len(loaded.quality_monitors)) == (2, 1, 1)


def test_nothing_is_written_when_the_rows_do_not_validate(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job_file = bundle / "resources/demo.job.yml"
    job_file.write_text(
        job_file.read_text().replace(
            "name: demo_job ${bundle.target}", "name: ${workspace.current_user.userName}"
        )
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == (
        "resources/lakeform/demo.yaml:3:5: jobs.demo_job.name: "
        "'${workspace.current_user.userName}' is not substituted by Lakeform (only ${var.NAME}, "
        "from the stack's lakeform:settings.variables) [stack: dev]"
    )
    assert out.err.endswith("FAILED: nothing written\n")
    assert not (bundle / "resources/lakeform").exists()
