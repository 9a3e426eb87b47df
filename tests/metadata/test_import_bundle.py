"""`lakeform import-bundle` on a bundle shaped like Databricks' templates: rows that validate."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from metadata import apply_stack_defaults, load_rows
from metadata.formats.bundle import TASK_TYPES_LATER
from metadata.settings import parse_settings

IPYNB = '{"cells": [], "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4}'
"""A notebook as the templates ship it: its metadata names its language."""

FILES = {
    # as Databricks' default-python and default-sql templates write it, with three targets
    "databricks.yml": """
        bundle: {name: demo, uuid: 00000000-0000-0000-0000-000000000000}
        include: [resources/*.yml]
        variables:
          catalog: {default: main}
          schema: {description: target schema}
          warehouse_id:
            description: the SQL warehouse
            lookup: {warehouse: Shared Serverless}
        permissions:
          - {level: CAN_VIEW, group_name: users}
          - {level: CAN_RUN, group_name: data-eng}
        targets:
          dev:
            mode: development
            default: true
            workspace: {host: https://dev.cloud.databricks.com}
            variables: {schema: "${workspace.current_user.short_name}"}
          staging:
            workspace:
              host: https://staging.cloud.databricks.com
              root_path: /Workspace/Shared/.bundle/${bundle.name}/${bundle.target}
            presets:
              name_prefix: "[staging] "
              tags: {environment: staging}
              source_linked_deployment: false
            variables: {schema: staging}
          prod:
            mode: production
            workspace:
              host: https://prod.cloud.databricks.com
              root_path: /Workspace/Users/ci@example.com/.bundle/${bundle.name}/${bundle.target}
            run_as: {service_principal_name: 11111111-2222-3333-4444-555555555555}
            permissions:
              - {level: CAN_MANAGE, user_name: lead@example.com}
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
                  spec: {client: "2", dependencies: [/Volumes/main/libs/demo/d.whl]}
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
                - task_key: report
                  depends_on: [{task_key: refresh}]
                  sql_task: {warehouse_id: "${var.warehouse_id}", file: {path: ../src/report.sql}}
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
    "src/notebook.ipynb": IPYNB,
    "src/main.py": "print(1)\n",
    "src/report.sql": "SELECT 1\n",
    "src/dlt_pipeline.ipynb": IPYNB,
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
    # target-level permissions join the bundle's, for that stack only
    assert job["stack_overrides"]["prod"]["permissions"] == [
        {"level": "CAN_VIEW", "group_name": "users"},
        {"level": "CAN_MANAGE_RUN", "group_name": "data-eng"},
        {"level": "CAN_MANAGE", "user_name": "lead@example.com"},
    ]
    # mode: development: the jobs' max_concurrent_runs preset, the monitors' schedules removed
    assert job["stack_overrides"]["dev"] == {"max_concurrent_runs": 4}
    assert rows["quality_monitors"]["orders_monitor"]["stack_overrides"] == {
        "dev": {"schedule": None}
    }
    # run_as: the stack's for jobs, per row for pipelines (the CLI sets both)
    sp = {"service_principal_name": "11111111-2222-3333-4444-555555555555"}
    assert rows["pipelines"]["demo_pipeline"]["stack_overrides"]["prod"]["run_as"] == sp

    def settings_of(target: str) -> dict[str, Any]:
        text = (bundle / f"Pulumi.{target}.yaml").read_text()
        config = yaml.safe_load(text)["config"]
        # what is written is what a stack file accepts
        parse_settings(config["lakeform:settings"], f"{target}.yaml")
        return config

    assert settings_of("dev") == {
        "databricks:host": "https://dev.cloud.databricks.com",
        "lakeform:settings": {
            "metadata_paths": ["resources/lakeform"],
            "variables": {
                "catalog": "main",
                "warehouse_id": "REPLACE-ME",
                "schema": "dev",
                "bundle_target": "dev",
            },
            "name_prefix": "[dev] ",
            "pause_schedules": True,
            "development": True,
        },
    }
    assert settings_of("staging")["lakeform:settings"] == {
        "metadata_paths": ["resources/lakeform"],
        "variables": {
            "catalog": "main",
            "warehouse_id": "REPLACE-ME",
            "schema": "staging",
            "bundle_target": "staging",
        },
        "name_prefix": "[staging] ",
        "tags": {"environment": "staging"},
        "workspace_root": "/Workspace/Shared/.bundle/demo/staging",
    }
    assert settings_of("prod")["lakeform:settings"] == {
        "metadata_paths": ["resources/lakeform"],
        "variables": {
            "catalog": "prod",
            "warehouse_id": "REPLACE-ME",
            "schema": "gold",
            "bundle_target": "prod",
        },
        "protect": True,
        "run_as": sp,
        "workspace_root": "/Workspace/Users/ci@example.com/.bundle/demo/prod",
    }
    # nothing dropped silently; what is only close is said
    assert captured.err.splitlines() == [
        "not imported: variables.warehouse_id: lookup of warehouse 'Shared Serverless' (the "
        "Databricks CLI resolves it to an id at deploy time; Lakeform has no lookup: set "
        "lakeform:settings.variables.warehouse_id of each stack to the id; the stack settings "
        "hold 'REPLACE-ME' until then)",
        "not imported: resources/demo.job.yml:5:7: jobs.demo_job.deployment (no Lakeform field)",
        "not imported: targets.staging.presets.source_linked_deployment (no Lakeform equivalent)",
        "note: targets.dev.variables.schema: ${workspace.current_user.short_name} is the user "
        "deploying, which Lakeform cannot know (a stack is one shared deployment): the stack's "
        "name instead, 'dev'",
        "note: targets.dev.mode: development: name_prefix '[dev] ' (the CLI's is '[dev <your "
        "short name>] ', one copy per developer; a Lakeform stack is one shared deployment); the "
        "CLI's tag dev: <your short name> is not set (the lakeform_stack tag names the stack)",
        "note: targets.prod.mode: production: protect: true (Lakeform's production setting: "
        "pipelines and monitors protected, monitors retained on delete); the CLI's production "
        "checks (no development pipelines, an explicit root_path) are not Lakeform's",
    ]
    for stack in ("dev", "staging", "prod"):
        settings = parse_settings(settings_of(stack)["lakeform:settings"], stack)
        loaded = load_rows(
            [bundle / "resources/lakeform/demo.yaml"], root=bundle, stack=stack, settings=settings
        )
        assert (len(loaded.jobs), len(loaded.pipelines), len(loaded.quality_monitors)) == (2, 1, 1)
        final = apply_stack_defaults(loaded, settings, stack)
        monitor = final.quality_monitors["orders_monitor"]
        assert (monitor.schedule is None) == (stack == "dev")
    final_dev = apply_stack_defaults(
        load_rows(
            [bundle / "resources/lakeform/demo.yaml"],
            root=bundle,
            stack="dev",
            settings=parse_settings(settings_of("dev")["lakeform:settings"], "dev"),
        ),
        parse_settings(settings_of("dev")["lakeform:settings"], "dev"),
        "dev",
    )
    assert final_dev.jobs["demo_job"].name == "[dev] demo_job dev"
    assert final_dev.pipelines["demo_pipeline"].development is True


def test_a_lookup_in_a_target_and_a_variable_of_variables(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main_file = bundle / "databricks.yml"
    main_file.write_text(
        main_file.read_text().replace(
            "variables: {schema: staging}",
            'variables: {schema: "${var.catalog}_staging", '
            "warehouse_id: {lookup: {warehouse: Staging}}}",
        )
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    staging = yaml.safe_load((bundle / "Pulumi.staging.yaml").read_text())["config"][
        "lakeform:settings"
    ]
    assert staging["variables"]["schema"] == "main_staging"
    assert (
        "not imported: targets.staging.variables.warehouse_id: lookup of warehouse 'Staging' "
        "(the Databricks CLI resolves it to an id at deploy time; Lakeform has no lookup: set "
        "lakeform:settings.variables.warehouse_id of each stack to the id; the stack settings "
        "hold 'REPLACE-ME' until then)"
    ) in capsys.readouterr().err.splitlines()


def test_nothing_is_written_when_the_rows_do_not_validate(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job_file = bundle / "resources/demo.job.yml"
    job_file.write_text(
        job_file.read_text().replace("name: demo_job ${bundle.target}", "name: ${bundle.uuid}")
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    out = capsys.readouterr()
    # at the bundle's line (the rows file it would be in is not written)
    assert out.out.splitlines()[0] == (
        "resources/demo.job.yml:4:7: resources.jobs.demo_job.name: "
        "'${bundle.uuid}' is not substituted by Lakeform (only ${var.NAME}, "
        "from the stack's lakeform:settings.variables) [stack: dev]"
    )
    assert out.err.endswith("FAILED: nothing written\n")
    assert not (bundle / "resources/lakeform").exists()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


NAME_RULE = (
    "it becomes a file name under the output folder; use letters, digits, '_', '-' and '.' (not "
    "first), at most 100"
)


@pytest.mark.parametrize(
    ("old", "new", "problem", "escaped"),
    [
        (
            "name: demo,",
            "name: ../../../x,",
            "databricks.yml:1:10: bundle.name: '../../../x' cannot name the rows file: "
            + NAME_RULE,
            "../x.yaml",
        ),
        (
            "  staging:\n",
            "  ../../../../y:\n",
            f"databricks.yml:18:3: targets: '../../../../y' cannot name a stack: {NAME_RULE}",
            "../y.yaml",
        ),
    ],
)
def test_a_name_that_is_not_one_path_component_is_refused(
    bundle: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    problem: str,
    escaped: str,
) -> None:
    _edit(bundle / "databricks.yml", old, new)
    before = _files(bundle)
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"lakeform import-bundle: {problem}",
        "FAILED: nothing written",
    ]
    assert _files(bundle) == before
    assert not (bundle / escaped).exists()


EVIL = """
resources:
  jobs:
    stolen: {tasks: [{task_key: t, notebook_task: {notebook_path: /SECRET}}]}
"""


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the bundle and project, with a bundle file the import must never read."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "evil.yml").write_text(EVIL)
    return folder


OUTSIDE = "outside the project (the current directory); includes stay inside it"


@pytest.mark.parametrize(
    ("include", "link", "problem"),
    [
        ("{relative}/*.yml", None, "'{relative}/*.yml' leads to '{outside}', " + OUTSIDE),
        (
            "{outside}/*.yml",
            None,
            "'{outside}/*.yml' is absolute; includes are relative to databricks.yml's folder "
            "(the CLI refuses an absolute one too)",
        ),
        ("linked/*.yml", "linked", "'linked/*.yml' leads to '{outside}', " + OUTSIDE),
        (
            "resources/*.yml",
            "resources/evil.yml",
            "'resources/*.yml' matches 'resources/evil.yml', which resolves to "
            "'{outside}/evil.yml', " + OUTSIDE,
        ),
        (
            "**/*.yml",
            "linked",
            "'**/*.yml' matches 'linked/evil.yml', which resolves to '{outside}/evil.yml', "
            + OUTSIDE,
        ),
    ],
)
def test_an_include_outside_the_bundle_is_refused(
    bundle: Path,
    outside: Path,
    capsys: pytest.CaptureFixture[str],
    include: str,
    link: str | None,
    problem: str,
) -> None:
    if link == "linked":
        (bundle / link).symlink_to(outside, target_is_directory=True)
    elif link is not None:
        (bundle / link).symlink_to(outside / "evil.yml")
    relative = os.path.relpath(outside, bundle)  # ../../outside0: `..` reaches it
    include = include.format(outside=outside, relative=relative)
    _edit(bundle / "databricks.yml", "include: [resources/*.yml]", f"include: ['{include}']")
    before = _files(bundle)
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "lakeform import-bundle: databricks.yml:2:11: include[0]: "
        + problem.format(outside=outside.resolve(), relative=relative),
        "FAILED: nothing written",
    ]
    assert _files(bundle) == before
    assert list(outside.iterdir()) == [outside / "evil.yml"]


def test_an_include_through_a_symlink_inside_the_bundle_is_read(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "linked").symlink_to("resources", target_is_directory=True)
    _edit(bundle / "databricks.yml", "include: [resources/*.yml]", "include: [linked/*.yml]")
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    rows = yaml.safe_load((bundle / "resources/lakeform/demo.yaml").read_text())
    assert sorted(rows["jobs"]) == ["demo_job", "other_job"]
    notebook = rows["jobs"]["demo_job"]["tasks"][0]["notebook_task"]["notebook_path"]
    assert notebook == "src/notebook.ipynb"
    assert (
        "not imported: linked/demo.job.yml:5:7: jobs.demo_job.deployment (no Lakeform field)"
        in (capsys.readouterr().err.splitlines())
    )


@pytest.mark.parametrize("force", [False, True])
def test_no_file_is_written_outside_the_output_folder(
    bundle: Path, outside: Path, capsys: pytest.CaptureFixture[str], force: bool
) -> None:
    out = bundle / "resources/lakeform"
    out.mkdir()
    (out / "demo.yaml").symlink_to(outside / "stolen.yaml")  # dangling: does not exist yet
    # a stack file is merged where it is, never through a symlink (dangling here: created)
    (bundle / "Pulumi.prod.yaml").symlink_to(outside / "stolen-prod.yaml")
    before = _files(bundle)
    assert main(["import-bundle", ".", "-o", "resources/lakeform", *(["--force"] * force)]) == 1
    target = outside.resolve()
    assert capsys.readouterr().err.splitlines()[-3:] == [
        f"resources/lakeform/demo.yaml: resolves to '{target}/stolen.yaml', outside the output "
        "folder resources/lakeform",
        f"{bundle}/Pulumi.prod.yaml: not a stack file at the project root; not written",
        "FAILED: nothing written",
    ]
    assert _files(bundle) == before
    assert list(outside.iterdir()) == [outside / "evil.yml"]


def test_an_output_folder_reached_through_a_symlink_is_written(
    bundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (bundle / "out").symlink_to(elsewhere, target_is_directory=True)
    assert main(["import-bundle", ".", "-o", "out"]) == 0  # -o is the user's choice
    assert sorted(_files(elsewhere)) == ["demo.yaml"]
    assert sorted(p.name for p in bundle.glob("Pulumi.*.yaml")) == [
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.staging.yaml",
    ]


def test_a_bundle_file_nested_too_deep_is_refused(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "resources/demo.job.yml").write_text("resources: " + "[" * 30000 + "\n")
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    assert capsys.readouterr().err == (
        "lakeform import-bundle: resources/demo.job.yml:1:75: nested deeper than 64 levels of "
        "mappings and lists (an alias counts as deep as its value); rows need about 10: "
        "flatten this value\nFAILED: nothing written\n"
    )
    assert not (bundle / "resources/lakeform").exists()


EXISTING_DEV = """\
# the dev stack: comments outside lakeform:settings are kept
config:
  databricks:host: https://dev.cloud.databricks.com
  lakeform:settings:
    metadata_paths: [resources/lakeform]
    variables:
      catalog: dev_catalog   # differs from the bundle's: kept, and said
    name_prefix: "[dev] "
  # after the settings block
encryptionsalt: v1:abc
"""


def test_settings_merge_into_the_stack_files_and_validate_runs_with_no_hand_step(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "Pulumi.dev.yaml").write_text(EXISTING_DEV)
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: Pulumi.dev.yaml: lakeform:settings.variables.catalog: keeps 'dev_catalog'; "
        "the bundle's is 'main'"
    ) in err
    dev = (bundle / "Pulumi.dev.yaml").read_text()
    assert dev.startswith("# the dev stack: comments outside lakeform:settings are kept\n")
    assert dev.endswith("  # after the settings block\nencryptionsalt: v1:abc\n")
    settings = yaml.safe_load(dev)["config"]["lakeform:settings"]
    assert settings["metadata_paths"] == ["resources/lakeform"]  # not added twice
    assert settings["variables"] == {
        "catalog": "dev_catalog",
        "warehouse_id": "REPLACE-ME",
        "schema": "dev",
        "bundle_target": "dev",
    }
    # the targets that were no stacks are stacks now, reading the output folder
    staging = yaml.safe_load((bundle / "Pulumi.staging.yaml").read_text())["config"]
    assert staging["lakeform:settings"]["metadata_paths"] == ["resources/lakeform"]
    assert staging["databricks:host"] == "https://staging.cloud.databricks.com"
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == (
        "OK: 2 jobs, 1 pipeline, 1 quality monitor, 0 data quality monitors "
        "(stacks: dev, prod, staging)\n"
    )
    # a second import changes nothing in the stack files: the values are there
    before = {p.name: p.read_text() for p in bundle.glob("Pulumi.*.yaml")}
    assert main(["import-bundle", ".", "-o", "resources/lakeform", "--force"]) == 0
    assert {p.name: p.read_text() for p in bundle.glob("Pulumi.*.yaml")} == before


CRON = """
bundle: {name: cron}
resources:
  jobs:
    nightly:
      schedule: {quartz_cron_expression: "0 6 * * *", timezone_id: UTC}
      tasks: [{task_key: t, notebook_task: {notebook_path: n.py}}]
targets:
  dev: {default: true}
  prod:
    resources:
      jobs:
        nightly: {max_concurrent_runs: 5000}
"""


def test_what_validate_refuses_in_the_rows_points_at_the_bundle_line_it_comes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/n.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/databricks.yml").write_text(CRON)
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/cron"]) == 1
    # a field of the row: the resource's line (the rows file is not written)
    assert capsys.readouterr().out.splitlines() == [
        "b/databricks.yml:6:18: resources.jobs.nightly.schedule.quartz_cron_expression: Quartz "
        "cron needs 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]); "
        "got 5 in '0 6 * * *'; Quartz adds a seconds field first, e.g. '0 0 6 * * ?' [stack: dev]"
    ]
    # a field a target sets: the target's line
    _edit(tmp_path / "b/databricks.yml", "0 6 * * *", "0 0 6 * * ?")
    assert main(["import-bundle", "b", "-o", "resources/cron"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "b/databricks.yml:13:19: targets.prod.resources.jobs.nightly.max_concurrent_runs: "
        "must be between 0 and 1000; got 5000 [stack: prod]"
    ]


def test_a_stack_that_is_no_target_gets_the_default_targets_variables(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "Pulumi.local.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources/lakeform]\n"
    )
    _edit(bundle / "databricks.yml", "default: true", "default: false")
    # `local` reads the rows too, `schema` has no default and there is no default target:
    # refused, naming stack and variable
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "resources/demo.monitor.yml:4:7: resources.quality_monitors.orders_monitor.table_name: "
        "unknown "
        "variable '${var.schema}'; known: bundle_target, catalog, warehouse_id (define it in the "
        "stack's lakeform:settings.variables) [stack: local]"
    )
    _edit(bundle / "databricks.yml", "default: false", "default: true")
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    local = yaml.safe_load((bundle / "Pulumi.local.yaml").read_text())["config"]
    assert local["lakeform:settings"]["variables"] == {
        "catalog": "main",
        "warehouse_id": "REPLACE-ME",
        "schema": "local",  # dev's ${workspace.current_user.short_name}: the stack's name
        "bundle_target": "local",
    }
    assert (
        "note: stacks local are no target of the bundle: they take the variables of its "
        "default target, dev"
    ) in capsys.readouterr().err.splitlines()


def test_a_stack_file_that_reads_elsewhere_gets_the_output_folder(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "Pulumi.dev.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [metadata]\n"
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    dev = yaml.safe_load((bundle / "Pulumi.dev.yaml").read_text())["config"]
    assert dev["lakeform:settings"]["metadata_paths"] == ["metadata", "resources/lakeform"]
    assert dev["databricks:host"] == "https://dev.cloud.databricks.com"
    assert (
        "note: Pulumi.dev.yaml: lakeform:settings.metadata_paths: resources/lakeform added"
        in capsys.readouterr().err.splitlines()
    )


TARGET_FILES = {
    "databricks.yml": """
        bundle: {name: spread}
        include: [targets/*.yml, resources/*.yml]
        targets:
          uat:
            resources:
              jobs:
                main_job: {max_concurrent_runs: 2}
    """,
    "resources/main.job.yml": """
        resources:
          jobs:
            main_job:
              tasks:
                - task_key: a
                  notebook_task: {notebook_path: ../src/nb.py}
                - task_key: b
                  notebook_task: {notebook_path: ../src/nb.py}
    """,
    "targets/one.yml": """
        targets:
          uat:
            resources:
              jobs:
                main_job:
                  timeout_seconds: 60
                  tasks: [{task_key: a, timeout_seconds: 10}]
    """,
    "targets/two.yml": """
        targets:
          uat:
            resources:
              clusters:
                shared: {spark_version: 15.4.x-scala2.12}
              jobs:
                main_job:
                  tags: {team: data}
                  tasks: [{task_key: b, timeout_seconds: 20}]
                only_here:
                  tasks: [{task_key: x, notebook_task: {notebook_path: ../src/nb.py}}]
    """,
    "src/nb.py": "# Databricks notebook source\nprint(1)\n",
}


@pytest.fixture
def spread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in TARGET_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_target_spread_over_several_files_is_merged_and_nothing_dropped_silently(
    spread: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", ".", "-o", "resources/spread"]) == 0
    rows = yaml.safe_load((spread / "resources/spread/spread.yaml").read_text())
    assert rows["jobs"]["main_job"]["stack_overrides"] == {
        "uat": {
            "max_concurrent_runs": 2,
            "timeout_seconds": 60,
            "tasks": [
                {"task_key": "a", "timeout_seconds": 10},
                {"task_key": "b", "timeout_seconds": 20},
            ],
            "tags": {"team": "data"},
        }
    }
    # defined only in uat: deployed to that stack only
    assert rows["jobs"]["only_here"] == {
        "tasks": [{"task_key": "x", "notebook_task": {"notebook_path": "src/nb.py"}}],
        "disabled": True,
        "stack_overrides": {"uat": {"disabled": False}},
    }
    assert capsys.readouterr().err.splitlines() == [
        "not imported: targets/two.yml:4:7: targets.uat.resources.clusters (a kind Lakeform "
        "does not deploy)",
        "note: targets/two.yml:10:9: jobs.only_here is defined only in target uat: imported "
        "with disabled: true, and disabled: false in the stack_overrides of uat, so it deploys "
        "to those stacks only, as the CLI deploys it to those targets only",
    ]
    # `uat` was no stack: now it is one, and validate reads the rows for it
    assert main(["validate"]) == 0
    assert "(stacks: uat)" in capsys.readouterr().out


INTERPOLATIONS = {
    "databricks.yml": """
        bundle: {name: refs, git: {origin_url: https://git.example.com/refs.git}}
        include: [resources/*.yml]
        resources:
          schemas:
            sales: {name: "sales_${bundle.target}", catalog_name: main}
          volumes:
            raw: {name: raw, catalog_name: main, schema_name: "${resources.schemas.sales.name}"}
        targets:
          dev: {default: true, workspace: {root_path: /Workspace/Shared/refs}}
    """,
    "resources/job.yml": """
        resources:
          jobs:
            refs_job:
              parameters:
                - {name: schema, default: "${resources.schemas.sales.name}"}
                - {name: catalog, default: "${resources.schemas.sales.catalog_name}"}
                - {name: volume, default: "/Volumes/main/${resources.volumes.raw.schema_name}/raw"}
                - {name: who, default: "${workspace.current_user.userName}"}
                - {name: me, default: "${workspace.current_user.short_name}"}
                - {name: repo, default: "${bundle.git.origin_url}@${bundle.git.commit}"}
                - {name: root, default: "${workspace.root_path}/state"}
              tasks:
                - task_key: main
                  spark_python_task: {python_file: "${workspace.file_path}/src/main.py"}
    """,
    "src/main.py": "print(1)\n",
}


@pytest.fixture
def refs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in INTERPOLATIONS.items():
        (tmp_path / "b" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_interpolations_get_their_meaning_in_a_stack(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert [p["default"] for p in job["parameters"]] == [
        "sales_${var.bundle_target}",  # a schema's static name, read from the bundle
        "main",
        "/Volumes/main/sales_${var.bundle_target}/raw",
        "${var.current_user_name}",
        "${var.bundle_target}",
        "${var.git_origin_url}@${var.git_commit}",
        "${var.workspace_root}/state",
    ]
    # the bundle folder is b/, not the project root
    assert job["tasks"][0]["spark_python_task"] == {"python_file": "b/src/main.py"}
    dev = yaml.safe_load((refs / "Pulumi.dev.yaml").read_text())["config"]["lakeform:settings"]
    assert dev["variables"] == {
        "bundle_target": "dev",
        "current_user_name": "REPLACE-ME",
        "git_commit": "REPLACE-ME",
        "git_origin_url": "REPLACE-ME",
        "workspace_root": "/Workspace/Shared/refs",
    }
    err = capsys.readouterr().err.splitlines()
    assert (
        "not imported: ${workspace.current_user.userName}: the user deploying, which a Lakeform "
        "stack (one shared deployment) does not have: set "
        "lakeform:settings.variables.current_user_name of each stack to the user or service "
        "principal it deploys as; the rows have ${var.current_user_name} instead: set "
        "lakeform:settings.variables.current_user_name of each stack (it holds 'REPLACE-ME' "
        "until then)"
    ) in err
    assert (
        "note: b/resources/job.yml:5:26: ${resources.schemas.sales.name} is the schemas "
        "'sales''s name as the bundle writes it, 'sales_${bundle.target}' (Lakeform does not "
        "deploy schemas)"
    ) in err
    assert main(["validate"]) == 0


def test_a_workspace_path_written_with_a_workspace_prefix_is_read_as_the_cli_reads_it(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `/Workspace/${workspace.root_path}` (and file_path): the CLI drops the /Workspace, as the
    # path already starts with it (rewrite_workspace_prefix.go), so it is not doubled
    _edit(
        refs / "b/resources/job.yml",
        '"${workspace.root_path}/state"',
        '"/Workspace${workspace.root_path}/state"',
    )
    _edit(
        refs / "b/resources/job.yml",
        '"${workspace.file_path}/src/main.py"',
        '"/Workspace/${workspace.file_path}/src/main.py"',
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert job["parameters"][-1]["default"] == "${var.workspace_root}/state"
    assert job["tasks"][0]["spark_python_task"] == {"python_file": "b/src/main.py"}
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: b/resources/job.yml:11:24: '/Workspace${workspace.root_path}/state' read as "
        "'${workspace.root_path}/state', as the CLI reads it (the workspace path already starts "
        "with /Workspace; the CLI warns to write it so)"
    ) in err
    assert main(["validate"]) == 0


def test_a_path_built_from_a_variable_holding_a_relative_folder_is_resolved_as_the_cli_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `notebook_path: ${var.base}/nb.py` with base `../src/jobs`, in resources/: the CLI
    # substitutes, then resolves the path from the file holding the field
    files = {
        "databricks.yml": """
            bundle: {name: relvar}
            include: [resources/*.yml]
            variables:
              base: {default: ../src/jobs}
              env: {default: dev}
            targets:
              dev: {default: true}
              prod: {variables: {env: prod}}
        """,
        "resources/job.yml": """
            resources:
              jobs:
                relvar_job:
                  tasks:
                    - task_key: main
                      notebook_task: {notebook_path: "${var.base}/nb.py"}
                    - task_key: other
                      spark_python_task: {python_file: "${var.base}/${var.env}.py"}
        """,
        "src/jobs/nb.py": "# Databricks notebook source\n",
        "src/jobs/dev.py": "print('dev')\n",
        "src/jobs/prod.py": "print('prod')\n",
    }
    for name, text in files.items():
        (tmp_path / "b" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/relvar"]) == 0
    job = yaml.safe_load((tmp_path / "resources/relvar/relvar.yaml").read_text())["jobs"]
    tasks = job["relvar_job"]["tasks"]
    assert tasks[0]["notebook_task"] == {"notebook_path": "b/src/jobs/nb.py"}
    # a variable that differs per target stays one, after the folder is resolved
    assert tasks[1]["spark_python_task"] == {"python_file": "b/src/jobs/${var.env}.py"}
    assert (
        "note: b/resources/job.yml:6:27: '${var.base}/nb.py': ${var.base} is '../src/jobs' in "
        "every target, a path relative to this file: read as the CLI reads it, from this "
        "file's folder"
    ) in capsys.readouterr().err.splitlines()
    assert main(["validate"]) == 0


@pytest.mark.parametrize("second", ["main", "other"])
def test_a_key_written_twice_is_read_once_when_both_values_agree_and_refused_otherwise(
    refs: Path, capsys: pytest.CaptureFixture[str], second: str
) -> None:
    # the CLI keeps the later value without a word (yamlloader.loadMapping, Mapping.SetLoc)
    _edit(
        refs / "b/databricks.yml",
        "  dev: {default: true, workspace: {root_path: /Workspace/Shared/refs}}\n",
        "  dev:\n    default: true\n    variables:\n      cat: main\n"
        f"      schema: s\n      cat: {second}\n",
    )
    (refs / "b/databricks.yml").write_text(
        (refs / "b/databricks.yml").read_text() + "variables:\n  cat: {default: x}\n  schema: {}\n"
    )
    code = main(["import-bundle", "b", "-o", "resources/refs"])
    err = capsys.readouterr().err.splitlines()
    if second == "main":
        assert code == 0
        assert (
            "note: b/databricks.yml:14:7: targets.dev.variables.cat: written twice with the same "
            "value (first at line 12); the CLI reads it once, as does the import"
        ) in err
    else:
        assert code == 1
        assert err[-2:] == [
            "lakeform import-bundle: b/databricks.yml:14:7: targets.dev.variables.cat: "
            "duplicate key 'cat' (first at line 12)",
            "FAILED: nothing written",
        ]


DEPLOYER = {
    # a bundle granting the user deploying CAN_MANAGE (bundle-wide) and CAN_VIEW (one target's),
    # and running its jobs as that user, as real bundles write it
    "databricks.yml": """
        bundle: {name: perms}
        permissions:
          - {user_name: "${workspace.current_user.userName}", level: CAN_MANAGE}
        resources:
          jobs:
            perms_job:
              tasks:
                - task_key: main
                  notebook_task: {notebook_path: src/nb.py}
        targets:
          dev:
            default: true
            run_as: {user_name: "${workspace.current_user.userName}"}
            permissions:
              - {group_name: "${bundle.target}-readers", level: CAN_VIEW}
    """,
    "src/nb.py": "# Databricks notebook source\n",
}


def test_permissions_and_run_as_naming_the_user_deploying_get_their_stack_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in DEPLOYER.items():
        (tmp_path / "b" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/perms"]) == 0
    job = yaml.safe_load((tmp_path / "resources/perms/perms.yaml").read_text())["jobs"]
    job = job["perms_job"]
    # bundle-wide permissions are interpolated as the rows' own fields are
    mine = {"user_name": "${var.current_user_name}", "level": "CAN_MANAGE"}
    assert job["permissions"] == [mine]
    # a target's too, joining the bundle's in that stack
    assert job["stack_overrides"]["dev"]["permissions"] == [
        mine,
        {"group_name": "${var.bundle_target}-readers", "level": "CAN_VIEW"},
    ]
    dev = yaml.safe_load((tmp_path / "Pulumi.dev.yaml").read_text())["config"]
    assert "run_as" not in dev["lakeform:settings"]
    assert dev["lakeform:settings"]["variables"]["current_user_name"] == "REPLACE-ME"
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: targets.dev.run_as: ${workspace.current_user.userName}, the user deploying: not "
        "set, as jobs and pipelines run as their owner, the principal that deploys the stack, "
        "when no run_as is set"
    ) in err
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "${resources.schemas.sales.id}",
            "'${resources.schemas.sales.id}': schemas is a kind Lakeform does not deploy, so the "
            "schemas 'sales' has no id Lakeform knows: write the id, or ${var.NAME} with the id "
            "in each stack's lakeform:settings.variables",
        ),
        (
            "${resources.volumes.nope.name}",
            "'${resources.volumes.nope.name}': volumes is a kind Lakeform does not deploy, and "
            "the bundle has no volumes 'nope': write the value, or ${var.NAME} with it in each "
            "stack's lakeform:settings.variables",
        ),
        (
            # a file the bundle folder does not hold: the CLI's reference would lead nowhere
            "${workspace.file_path}/data/missing.json",
            "'${workspace.file_path}/data/missing.json': ${workspace.file_path} names "
            "'data/missing.json' in the folder the CLI syncs, b, which has no such file or "
            "folder: add it (Lakeform uploads it as the CLI syncs it), or write a workspace or "
            "volume path",
        ),
        (
            # a path Lakeform cannot know before a deploy
            "${workspace.file_path}/conf/${bundle.target}.yml",
            "'${workspace.file_path}/conf/${bundle.target}.yml': ${workspace.file_path} here is "
            "followed by no plain path (a variable in it, or no '/' after it): Lakeform uploads "
            "the files a ${workspace.file_path}/PATH names, so PATH must be plain: write each "
            "stack's path in its lakeform:settings.variables and ${var.NAME} here",
        ),
    ],
)
def test_an_interpolation_with_no_meaning_in_a_stack_is_refused_with_file_and_line(
    refs: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    _edit(refs / "b/resources/job.yml", '"${resources.schemas.sales.name}"', f'"{value}"')
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: b/resources/job.yml:5:26: "
        f"resources.jobs.refs_job.parameters[0].default: {problem}",
        "FAILED: nothing written",
    ]
    assert not (refs / "resources").exists()
    assert not list(refs.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("task_type", TASK_TYPES_LATER)
def test_a_task_type_lakeform_does_not_model_is_refused_by_name(
    refs: Path, capsys: pytest.CaptureFixture[str], task_type: str
) -> None:
    _edit(
        refs / "b/resources/job.yml",
        'spark_python_task: {python_file: "${workspace.file_path}/src/main.py"}',
        f"{task_type}: {{}}",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1
    err = capsys.readouterr().err
    assert (
        f"lakeform import-bundle: b/resources/job.yml:14:11: resources.jobs.refs_job.tasks[0]."
        f"{task_type}: task type {task_type} is not supported by Lakeform yet; supported: "
        "notebook_task, sql_task, pipeline_task"
    ) in err
    assert "found none" not in err


def test_every_provider_task_type_is_modelled_or_refused_by_name() -> None:
    import inspect

    import pulumi_databricks as databricks

    from metadata.models.jobs import TASK_TYPES

    provider = {
        p
        for p in inspect.signature(databricks.JobTaskArgs.__init__).parameters
        if p.endswith("_task")
    }
    assert provider == set(TASK_TYPES) | set(TASK_TYPES_LATER)


BUILD = "mkdir -p dist && printf 'PK built' > dist/refs-0.1-py3-none-any.whl"
"""A build command of the shape `uv build --wheel` has: it writes dist/<name>-<version>.whl."""


def test_an_artifact_is_built_as_the_cli_builds_it_and_its_file_uploaded(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refs / "b/databricks.yml").write_text(
        (refs / "b/databricks.yml").read_text()
        + f'artifacts:\n  wheel:\n    type: whl\n    build: "{BUILD}"\n'
    )
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries: [{whl: ../dist/*.whl}]\n",
    )
    assert not (refs / "b/dist").exists()
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    # built in the artifact's folder (the bundle's), as the CLI does before a deploy
    assert (refs / "b/dist/refs-0.1-py3-none-any.whl").read_bytes() == b"PK built"
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert job["tasks"][0]["libraries"] == [{"whl": "b/dist/refs-0.1-py3-none-any.whl"}]
    assert (
        f"note: b/databricks.yml:11:3: artifacts.wheel: built by running {BUILD!r} in b, as the "
        "CLI does before a deploy; the rows name the built file, which lakeform up uploads as "
        "it finds it: build again before a deploy when the code changes (the CLI builds at "
        "every deploy)"
    ) in capsys.readouterr().err.splitlines()
    assert main(["validate"]) == 0
    # validate refuses a row whose library file is gone (the deploy would upload it)
    (refs / "b/dist/refs-0.1-py3-none-any.whl").unlink()
    assert main(["validate"]) == 1
    assert (
        "resources/refs/refs.yaml:21:9: jobs.refs_job.tasks[0].libraries[0].whl: file not "
        "found: 'b/dist/refs-0.1-py3-none-any.whl'"
    ) in capsys.readouterr().out


SETUP_PY = """
import pathlib
import sys

# stands in for setuptools: what matters is that the import runs it as the CLI does
assert sys.argv[1:] == ["bdist_wheel"], sys.argv
pathlib.Path("dist").mkdir(exist_ok=True)
pathlib.Path("dist/refs-0.2-py3-none-any.whl").write_bytes(b"PK setup.py")
"""


def test_a_bundle_with_a_setup_py_and_no_artifacts_builds_its_wheel_as_the_cli_does(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refs / "b/setup.py").write_text(SETUP_PY)
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries: [{whl: ../dist/*.whl}]\n",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    assert (refs / "b/dist/refs-0.2-py3-none-any.whl").read_bytes() == b"PK setup.py"
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert job["tasks"][0]["libraries"] == [{"whl": "b/dist/refs-0.2-py3-none-any.whl"}]
    assert (
        "note: b/setup.py:1:1: artifacts.python_artifact (the artifact the CLI makes for a bundle "
        "with a setup.py and no artifacts): built by running 'python3 setup.py bdist_wheel' in "
        "b, as the CLI does before a deploy; the rows name the built file, which lakeform up "
        "uploads as it finds it: build again before a deploy when the code changes (the CLI "
        "builds at every deploy)"
    ) in capsys.readouterr().err.splitlines()
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("artifacts", "message"),
    [
        (
            "artifacts: {default: {type: whl, build: no-such-tool build}}\n",
            "lakeform import-bundle: b/databricks.yml:10:13: artifacts.default.build: 'no-such-"
            "tool build' needs 'no-such-tool', which is not installed here (bash: line 1: "
            "no-such-tool: command not found); the CLI runs the same command before a deploy, "
            "so it needs it too: install 'no-such-tool' so it is on PATH, and import again (or "
            "build the file yourself and remove the build)",
        ),
        (
            # a build that runs and fails for a reason of its own: its last line shown
            "artifacts: {default: {type: whl, build: echo no pyproject.toml here >&2; exit 3}}\n",
            "lakeform import-bundle: b/databricks.yml:10:13: artifacts.default.build: 'echo no "
            "pyproject.toml here >&2; exit 3' failed in b: no pyproject.toml here; the CLI builds "
            "it the same way before a deploy: make the build work here (its tools installed), or "
            "build it yourself and remove the build, and import again",
        ),
        (
            "",
            "lakeform import-bundle: b/resources/job.yml:14:24: resources.jobs.refs_job.tasks[0]."
            "libraries[0].whl: '../dist/*.whl' matches no file; Lakeform uploads the library "
            "file as the CLI does, so it must exist: build or download it (see the bundle's "
            "README), or write a volume or workspace path (e.g. "
            "/Volumes/<catalog>/<schema>/<volume>/<file>)",
        ),
    ],
)
def test_a_library_whose_build_fails_or_that_is_missing_is_refused(
    refs: Path, capsys: pytest.CaptureFixture[str], artifacts: str, message: str
) -> None:
    (refs / "b/databricks.yml").write_text((refs / "b/databricks.yml").read_text() + artifacts)
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries: [{whl: ../dist/*.whl}]\n",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [message, "FAILED: nothing written"]
    assert not (refs / "resources/refs").exists()


def test_a_wheel_artifact_with_no_build_is_built_with_setup_py_and_named_by_its_synced_path(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `type: whl` with neither build nor files: the CLI runs `python setup.py bdist_wheel` in
    # its path (prepare.go); the task names the wheel where the CLI syncs it,
    # /Workspace${workspace.root_path}/files/..., the default file_path
    (refs / "b/lib").mkdir()
    (refs / "b/lib/setup.py").write_text(SETUP_PY)
    (refs / "b/databricks.yml").write_text(
        (refs / "b/databricks.yml").read_text()
        + "artifacts:\n  lib:\n    type: whl\n    path: ./lib\n"
    )
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries:\n            - whl: "
        '"/Workspace${workspace.root_path}/files/lib/dist/refs-0.2-py3-none-any.whl"\n',
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    assert (refs / "b/lib/dist/refs-0.2-py3-none-any.whl").read_bytes() == b"PK setup.py"
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert job["tasks"][0]["libraries"] == [{"whl": "b/lib/dist/refs-0.2-py3-none-any.whl"}]
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: b/databricks.yml:11:3: artifacts.lib: built by running 'python3 setup.py "
        "bdist_wheel' (the CLI's build of a whl artifact with no build or files) in b/lib, as the "
        "CLI does before a deploy; the rows name the built file, which lakeform up uploads as it "
        "finds it: build again before a deploy when the code changes (the CLI builds at every "
        "deploy)"
    ) in err
    assert any("(the CLI's default file_path is ${workspace.root_path}/files)" in e for e in err)
    assert main(["validate"]) == 0


def test_a_wheel_artifact_whose_folder_is_missing_is_refused(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (refs / "b/databricks.yml").write_text(
        (refs / "b/databricks.yml").read_text()
        + "artifacts:\n  lib:\n    type: whl\n    path: ./Lib\n"
    )
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries: [{whl: ../Lib/dist/*.whl}]\n",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1
    assert (
        "lakeform import-bundle: b/databricks.yml:11:3: artifacts.lib.path: './Lib' is no folder "
        "(b/Lib; names are case-sensitive): the CLI builds in it, so it must exist"
    ) in capsys.readouterr().err.splitlines()


POETRY = """#!/bin/sh
# stands in for `poetry build` (poetry-core writes dist/<name>-<version>-py3-none-any.whl and
# the sdist); what matters is that the import runs it as the CLI does, in the artifact's folder
[ "$1" = build ] || exit 2
mkdir -p dist && printf 'PK poetry' > dist/refs_pkg-0.3-py3-none-any.whl
printf 'sdist' > dist/refs_pkg-0.3.tar.gz
"""


def _path_with(folder: Path, tools: dict[str, str]) -> str:
    """A PATH holding bash, mkdir and `tools` (name -> script) only, so a tool missing here is
    missing whatever the machine has installed."""
    import shutil

    for command in ("bash", "mkdir"):
        found = shutil.which(command)
        assert found is not None
        (folder / command).symlink_to(found)
    for name, script in tools.items():
        (folder / name).write_text(script)
        (folder / name).chmod(0o755)
    return str(folder)


def _poetry_bundle(refs: Path) -> None:
    """A bundle of the shape of the CLI's python_wheel_poetry example: a poetry project in a
    sub-folder, an artifact built with `poetry build`, a task library naming its dist/*.whl."""
    (refs / "b/pkg").mkdir()
    (refs / "b/pkg/pyproject.toml").write_text(
        '[tool.poetry]\nname = "refs_pkg"\nversion = "0.3"\n'
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    (refs / "b/databricks.yml").write_text(
        (refs / "b/databricks.yml").read_text()
        + "artifacts:\n  pkg:\n    type: whl\n    path: ./pkg\n    build: poetry build\n"
    )
    _edit(
        refs / "b/resources/job.yml",
        "        - task_key: main\n",
        "        - task_key: main\n          libraries: [{whl: ../pkg/dist/*.whl}]\n",
    )


def test_an_artifact_built_by_poetry_is_built_in_its_folder_and_its_wheel_uploaded(
    refs: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    _poetry_bundle(refs)
    monkeypatch.setenv("PATH", _path_with(tmp_path_factory.mktemp("bin"), {"poetry": POETRY}))
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    assert (refs / "b/pkg/dist/refs_pkg-0.3-py3-none-any.whl").read_bytes() == b"PK poetry"
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    # the wheel only: the sdist beside it is no match of the task's glob
    assert job["tasks"][0]["libraries"] == [{"whl": "b/pkg/dist/refs_pkg-0.3-py3-none-any.whl"}]
    assert (
        "note: b/databricks.yml:11:3: artifacts.pkg: built by running 'poetry build' in b/pkg, "
        "as the CLI does before a deploy; the rows name the built file, which lakeform up "
        "uploads as it finds it: build again before a deploy when the code changes (the CLI "
        "builds at every deploy)"
    ) in capsys.readouterr().err.splitlines()
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            "poetry build",
            "lakeform import-bundle: b/databricks.yml:11:3: artifacts.pkg.build: 'poetry build' "
            "needs 'poetry', which is not installed here (bash: line 1: poetry: command not "
            "found); the CLI runs the same command before a deploy, so it needs it too: install "
            "it from PyPI so 'poetry' is on PATH (`uv tool install poetry` or `pipx install "
            "poetry`), and import again (or build the file yourself and remove the build)",
        ),
        (
            "python3 -m build --wheel",
            "lakeform import-bundle: b/databricks.yml:11:3: artifacts.pkg.build: 'python3 -m "
            "build --wheel' needs the Python package 'build', which is not installed here (PY: "
            "No module named build); the CLI runs the same command before a deploy, so it needs "
            "it too: install it for the Python the command runs (`python3 -m pip install build`, "
            "or `uv pip install build` in the environment that has it), and import again (or "
            "build the file yourself and remove the build)",
        ),
    ],
)
def test_a_build_whose_tool_is_not_installed_is_refused_naming_what_to_install(
    refs: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    build: str,
    message: str,
) -> None:
    import sys

    _poetry_bundle(refs)
    _edit(refs / "b/databricks.yml", "build: poetry build", f"build: {build}")
    # python3 is this test's own interpreter, which has no `build` package (the dev environment
    # does not install it; the assert below says so if that changes)
    python = f'#!/bin/sh\nexec "{sys.executable}" "$@"\n'
    monkeypatch.setenv("PATH", _path_with(tmp_path_factory.mktemp("bin"), {"python3": python}))
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "FAILED: nothing written"
    assert re.sub(r"\(\S*python3?\S*: No module", "(PY: No module", err[-2]) == message
    assert not (refs / "resources/refs").exists()


PYTHON_FILES = {
    # as the CLI's pydabs template writes it: a loader in resources/__init__.py that loads every
    # module of the package, one job per module, paths relative to the bundle folder
    "databricks.yml": """
        bundle: {name: py}
        python:
          venv_path: .venv
          resources: ["resources:load_resources"]
        include: [resources/*.yml]
        variables:
          catalog: {default: main}
        targets:
          dev: {default: true, mode: development}
          prod: {variables: {catalog: prod}}
    """,
    "resources/__init__.py": """
        from databricks.bundles.core import Bundle, Resources
        from databricks.bundles.core import load_resources_from_current_package_module


        def load_resources(bundle: Bundle) -> Resources:
            return load_resources_from_current_package_module()
    """,
    "resources/etl.py": """
        from databricks.bundles.jobs import Job

        etl = Job.from_dict(
            {
                "name": "etl",
                "parameters": [{"name": "catalog", "default": "${var.catalog}"}],
                "tasks": [
                    {"task_key": "load", "notebook_task": {"notebook_path": "src/load.py"}},
                    {
                        "task_key": "refresh",
                        "depends_on": [{"task_key": "load"}],
                        "pipeline_task": {"pipeline_id": "${resources.pipelines.clean.id}"},
                    },
                ],
            }
        )
    """,
    "resources/clean.pipeline.yml": """
        resources:
          pipelines:
            clean:
              name: clean
              catalog: ${var.catalog}
              schema: sales
              serverless: true
              libraries: [{file: {path: ../src/clean.py}}]
    """,
    "src/load.py": "# Databricks notebook source\nprint(1)\n",
    "src/clean.py": "print(1)\n",
}


@pytest.fixture
def pybundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in PYTHON_FILES.items():
        (tmp_path / "b" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_python_defined_resources_are_loaded_by_running_the_bundles_loaders(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 0
    rows = yaml.safe_load((pybundle / "resources/py/py.yaml").read_text())
    job = rows["jobs"]["etl"]
    # the paths are relative to the bundle folder, as the CLI resolves them for Python resources
    assert job["tasks"][0] == {
        "task_key": "load",
        "notebook_task": {"notebook_path": "b/src/load.py"},
    }
    assert job["tasks"][1]["pipeline_task"] == {"pipeline": "clean"}
    assert job["parameters"] == [{"name": "catalog", "default": "${var.catalog}"}]
    assert list(rows["pipelines"]) == ["clean"]
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: b/databricks.yml:4:3: python.resources: 1 resource loaded by running the bundle's "
        "Python code (resources:load_resources), as the Databricks CLI does"
    ) in err
    assert (
        "note: b/databricks.yml:4:3: python.venv_path: '.venv' does not exist in the bundle "
        "folder: its Python code ran in Lakeform's own Python (which has databricks-bundles); "
        "create the venv (e.g. uv sync) if the code needs the bundle's own dependencies"
    ) in err
    assert main(["validate"]) == 0
    assert "1 job, 1 pipeline" in capsys.readouterr().out


def test_a_python_resource_lakeform_refuses_is_named_at_its_python_line(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(pybundle / "b/resources/etl.py", '"${var.catalog}"', '"${resources.volumes.raw.id}"')
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    lines = capsys.readouterr().err.splitlines()
    # the line of `etl = Job.from_dict(`, as the CLI's locations.json gives it
    assert lines[-2].startswith(
        "lakeform import-bundle: b/resources/etl.py:3:1: resources.jobs.etl.parameters[0]."
        "default: '${resources.volumes.raw.id}': "
    )
    assert not (pybundle / "resources/py").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"name": "etl",',
            '"name": "etl", "max_concurrent_runs": "many",',
            "b/databricks.yml:4:3: python.resources: the bundle's Python loaders failed for "
            "target dev: Error while loading 'resources.etl': ValueError: ",
        ),
        (
            "return load_resources_from_current_package_module()",
            "raise RuntimeError('no manifest')",
            "b/databricks.yml:4:3: python.resources: the bundle's Python loaders failed for "
            "target dev: ",
        ),
    ],
)
def test_a_python_loader_that_fails_is_refused_with_its_error(
    pybundle: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    path = pybundle / ("b/resources/etl.py" if "etl" in old else "b/resources/__init__.py")
    _edit(path, old, new)
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    err = capsys.readouterr().err
    assert f"lakeform import-bundle: {message}" in err
    assert ("no manifest" in err) if "RuntimeError" in new else ("many" in err)
    assert "Traceback" not in err
    assert not (pybundle / "resources/py").exists()


def test_a_python_loader_needing_the_bundles_own_venv_that_is_missing_says_to_create_it(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the loader imports the bundle's own package, which only its venv (`uv sync`) has
    _edit(
        pybundle / "b/resources/__init__.py",
        "    return load_resources_from_current_package_module()",
        "    import refs_own_package  # noqa: F401\n"
        "    return load_resources_from_current_package_module()",
    )
    assert not (pybundle / "b/.venv").exists()
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    err = capsys.readouterr().err
    assert "ModuleNotFoundError: No module named 'refs_own_package'" in err
    assert (
        "; python.venv_path '.venv' does not exist, so they ran in Lakeform's own Python, "
        "without the bundle's own packages: create the venv as the bundle says (e.g. `uv sync` "
        "in its folder; the CLI runs the loaders in it too) and import again\n"
    ) in err
    assert not (pybundle / "resources/py").exists()


def test_the_bundles_own_venv_runs_the_loaders_when_the_bundle_path_is_relative(
    pybundle: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import sys

    # the venv's python as its folder has it (bin/python3), with a package only it has; the
    # import is run from the project root with `b`, a path relative to it, while the loaders
    # run in the bundle folder
    _edit(
        pybundle / "b/resources/__init__.py",
        "    return load_resources_from_current_package_module()",
        "    import refs_own_package  # noqa: F401\n"
        "    return load_resources_from_current_package_module()",
    )
    own = tmp_path_factory.mktemp("own")
    (own / "refs_own_package.py").write_text("")
    python = pybundle / "b/.venv/bin/python3"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nPYTHONPATH="{own}" exec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 0
    assert (pybundle / "resources/py/py.yaml").is_file()


def test_python_resources_that_differ_per_target_are_refused(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(
        pybundle / "b/resources/__init__.py",
        "    return load_resources_from_current_package_module()",
        "    resources = load_resources_from_current_package_module()\n"
        "    if bundle.target == 'prod':\n"
        "        resources.add_resource('extra', resources.jobs['etl'])\n"
        "    return resources",
    )
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    assert (
        "lakeform import-bundle: b/databricks.yml:4:3: python.resources: the Python loaders give "
        "target prod other resources than target dev (jobs.extra); a Lakeform row is the same "
        "for every stack: make the loader's result the same for every target, with the "
        "differences in targets.<name>.resources or variables"
    ) in capsys.readouterr().err.splitlines()


def test_python_resources_holding_the_targets_name_get_bundle_target_there(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as a loader building a dbt command per target writes it: `--target <bundle.target>`
    _edit(
        pybundle / "b/resources/__init__.py",
        "    return load_resources_from_current_package_module()",
        "    resources = load_resources_from_current_package_module()\n"
        "    job = resources.jobs['etl'].as_dict()\n"
        "    dbt = f'run --target {bundle.target}'\n"
        "    job['parameters'].append({'name': 'dbt', 'default': dbt})\n"
        "    resources.jobs['etl'] = job\n"
        "    return resources",
    )
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: b/databricks.yml:4:3: python.resources: the Python loaders write each target's "
        "name in jobs.etl: the rows have ${bundle.target} there, each stack's name"
    ) in err
    rows = yaml.safe_load((pybundle / "resources/py/py.yaml").read_text())
    assert {"name": "dbt", "default": "run --target ${var.bundle_target}"} in rows["jobs"]["etl"][
        "parameters"
    ]
    # each stack's value is its target's name, as the CLI gives the loader for that target
    for stack in ("dev", "prod"):
        doc = yaml.safe_load((pybundle / f"Pulumi.{stack}.yaml").read_text())
        assert doc["config"]["lakeform:settings"]["variables"]["bundle_target"] == stack
    assert main(["validate"]) == 0


MUTATORS = """
from dataclasses import replace

from databricks.bundles.core import Bundle, job_mutator
from databricks.bundles.jobs import Job, JobEmailNotifications


@job_mutator
def page_on_failure(bundle: Bundle, job: Job) -> Job:
    if bundle.target == "dev":
        return job
    emails = JobEmailNotifications.from_dict({"on_failure": ["oncall@example.com"]})
    return replace(job, email_notifications=emails)


@job_mutator
def one_hour(job: Job) -> Job:
    return replace(job, timeout_seconds=3600, tags={"team": "data"})
"""


def test_python_mutators_run_over_each_targets_jobs_and_their_changes_are_imported(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (pybundle / "b/mutators.py").write_text(MUTATORS)
    _edit(
        pybundle / "b/databricks.yml",
        "  venv_path: .venv\n",
        "  venv_path: .venv\n  mutators: ['mutators:page_on_failure', 'mutators:one_hour']\n",
    )
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 0
    job = yaml.safe_load((pybundle / "resources/py/py.yaml").read_text())["jobs"]["etl"]
    # the same change in every target: in the row; one target's: in its stack override
    assert job["timeout_seconds"] == 3600
    assert job["tags"] == {"team": "data"}
    assert job["stack_overrides"]["prod"]["email_notifications"] == {
        "on_failure": ["oncall@example.com"]
    }
    assert "email_notifications" not in job["stack_overrides"].get("dev", {})
    assert "email_notifications" not in job
    err = capsys.readouterr().err.splitlines()
    # pointed at the last mutator that changed the job, as the CLI's locations.json says
    assert (
        "note: b/mutators.py:16:1: jobs.etl: python.mutators set tags, timeout_seconds alike in "
        "every target: in the row"
    ) in err
    assert (
        "note: b/mutators.py:16:1: jobs.etl: python.mutators set email_notifications in target "
        "prod only: in its stack_overrides (a project stack that is no target does not get it)"
    ) in err
    assert main(["validate"]) == 0


def test_a_python_mutator_that_fails_or_removes_a_task_is_refused(
    pybundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (pybundle / "b/mutators.py").write_text(
        MUTATORS.replace(
            'return replace(job, timeout_seconds=3600, tags={"team": "data"})', "1 / 0"
        )
    )
    _edit(
        pybundle / "b/databricks.yml",
        "  venv_path: .venv\n",
        "  venv_path: .venv\n  mutators: ['mutators:one_hour']\n",
    )
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-2].startswith(
        "lakeform import-bundle: b/databricks.yml:4:3: python.mutators: the bundle's mutators "
        "failed for target dev: "
    )
    assert "ZeroDivisionError" in err[-2]
    (pybundle / "b/mutators.py").write_text(
        MUTATORS.replace(
            'return replace(job, timeout_seconds=3600, tags={"team": "data"})',
            "return replace(job, tasks=job.tasks[:1])",
        )
    )
    assert main(["import-bundle", "b", "-o", "resources/py"]) == 1
    assert capsys.readouterr().err.splitlines()[-3:-1] == [
        f"lakeform import-bundle: b/databricks.yml:4:3: python.mutators: in target {t} they "
        "change jobs.etl in a way a Lakeform row cannot say (removes refresh from a list of "
        "named items): make that change in the YAML, and import again"
        for t in ("dev", "prod")
    ]
    assert not (pybundle / "resources/py").exists()


TYPED = """
bundle: {name: typed}
variables:
  runs: {default: 2}
  paused: {default: PAUSED}
  tags: {type: complex, default: {team: data, cost: "1"}}
  libs: {type: complex, default: [{pypi: {package: pandas}}]}
resources:
  jobs:
    typed_job:
      max_concurrent_runs: ${var.runs}
      tags: ${var.tags}
      schedule:
        {quartz_cron_expression: "0 0 5 * * ?", timezone_id: UTC, pause_status: "${var.paused}"}
      tasks:
        - task_key: main
          libraries: ${var.libs}
          notebook_task: {notebook_path: nb.py}
"""


@pytest.fixture
def typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/databricks.yml").write_text(TYPED)
    (tmp_path / "b/nb.py").write_text("# Databricks notebook source\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_variables_without_targets_numbers_lists_and_maps_are_typed(
    typed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/typed"]) == 0
    job = yaml.safe_load((typed / "resources/typed/typed.yaml").read_text())["jobs"]["typed_job"]
    assert job["max_concurrent_runs"] == 2
    assert job["tags"] == {"team": "data", "cost": "1"}
    assert job["tasks"][0]["libraries"] == [{"pypi": {"package": "pandas"}}]
    assert job["schedule"]["pause_status"] == "PAUSED"  # no stack to hold it: in the row
    assert "complex" not in capsys.readouterr().err
    # the project's stacks (no targets here) get the defaults
    (typed / "Pulumi.dev.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources]\n"
    )
    assert main(["import-bundle", "b", "-o", "resources/typed", "--force"]) == 0
    dev = yaml.safe_load((typed / "Pulumi.dev.yaml").read_text())["config"]["lakeform:settings"]
    assert dev["variables"] == {"runs": "2", "paused": "PAUSED"}
    job = yaml.safe_load((typed / "resources/typed/typed.yaml").read_text())["jobs"]["typed_job"]
    assert job["schedule"]["pause_status"] == "${var.paused}"  # a string: a stack variable
    assert main(["validate"]) == 0


def test_a_typed_variable_that_differs_between_targets_goes_into_stack_overrides(
    typed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # as real bundles write it: `development: ${var.dev_mode}`, true in dev, false in prod
    (typed / "b/databricks.yml").write_text(
        TYPED.replace(
            "          notebook_task: {notebook_path: nb.py}",
            "          notebook_task: {notebook_path: nb.py}\n"
            "          max_retries: ${var.retries}",
        ).replace("  runs: {default: 2}", "  runs: {default: 2}\n  retries: {default: 1}")
        + "targets:\n  dev: {default: true, variables: {runs: 4}}\n"
        "  prod: {variables: {retries: 3}}\n"
    )
    assert main(["import-bundle", "b", "-o", "resources/typed"]) == 0
    job = yaml.safe_load((typed / "resources/typed/typed.yaml").read_text())["jobs"]["typed_job"]
    assert job["max_concurrent_runs"] == 4  # the default target's value in the row
    assert job["tasks"][0]["max_retries"] == 1
    assert job["stack_overrides"] == {
        "prod": {"max_concurrent_runs": 2, "tasks": [{"task_key": "main", "max_retries": 3}]}
    }
    assert (
        "note: b/databricks.yml:20:11: jobs.typed_job.tasks[0].max_retries: the variable's value "
        "differs between targets: the row has dev's, stack_overrides.prod its own, 3"
    ) in capsys.readouterr().err.splitlines()
    assert main(["validate"]) == 0


def test_a_list_or_map_variable_inside_a_string_is_refused(
    typed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (typed / "b/databricks.yml").write_text(
        TYPED.replace("tags: ${var.tags}", 'tags: {all: "x-${var.libs}"}')
        + "targets:\n  dev: {variables: {runs: 4}}\n  prod: {}\n"
    )
    assert main(["import-bundle", "b", "-o", "resources/typed"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: b/databricks.yml:12:14: resources.jobs.typed_job.tags.all: "
        "'${var.libs}' is a list or map inside a string: only a field that is exactly the "
        "variable can take it",
        "FAILED: nothing written",
    ]


def test_a_field_of_another_kind_that_a_target_changes_becomes_a_stack_variable(
    refs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(
        refs / "b/databricks.yml",
        "  dev: {default: true,",
        "  prod: {resources: {schemas: {sales: {name: gold}}}}\n"
        "  uat: {resources: {schemas: {sales: {name: [not, plain]}}}}\n"
        "  dev: {default: true,",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 1  # a list is no value
    assert (
        "lakeform import-bundle: b/resources/job.yml:5:26: resources.jobs.refs_job.parameters[0]."
        "default: '${resources.schemas.sales.name}': schemas is a kind Lakeform does not deploy, "
        "and the schemas 'sales''s name differs in targets prod, uat and is not a plain value in "
        "each: write ${var.NAME} with each stack's value in its lakeform:settings.variables"
    ) in capsys.readouterr().err.splitlines()
    _edit(
        refs / "b/databricks.yml",
        "  uat: {resources: {schemas: {sales: {name: [not, plain]}}}}\n",
        "",
    )
    assert main(["import-bundle", "b", "-o", "resources/refs"]) == 0
    job = yaml.safe_load((refs / "resources/refs/refs.yaml").read_text())["jobs"]["refs_job"]
    assert job["parameters"][0] == {
        "name": "schema",
        "default": "${var.schemas_sales_name}",
    }
    assert (
        "note: b/resources/job.yml:5:26: ${resources.schemas.sales.name} is the schemas "
        "'sales''s name, which targets prod change (Lakeform does not deploy schemas): the rows "
        "have ${var.schemas_sales_name}, each stack's value as its target writes it"
    ) in capsys.readouterr().err.splitlines()
    values = {
        stack: parse_settings(
            yaml.safe_load((refs / f"Pulumi.{stack}.yaml").read_text())["config"][
                "lakeform:settings"
            ],
            stack,
        ).variables["schemas_sales_name"]
        for stack in ("dev", "prod")
    }
    assert values == {"dev": "sales_dev", "prod": "gold"}
    assert main(["validate"]) == 0


def test_a_stack_file_without_settings_or_with_flow_settings_gets_them(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (bundle / "Pulumi.dev.yaml").write_text(
        "# dev\nconfig:\n  databricks:host: https://dev.cloud.databricks.com\n"
    )
    (bundle / "Pulumi.prod.yaml").write_text(
        "# prod\nconfig:\n  lakeform:settings: {metadata_paths: [resources/lakeform]}\n"
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    err = capsys.readouterr().err.splitlines()
    for stack in ("dev", "prod"):
        assert (
            f"note: Pulumi.{stack}.yaml: written anew (its lakeform:settings is no block "
            "mapping to replace): comments in it are not kept"
        ) in err
    dev = yaml.safe_load((bundle / "Pulumi.dev.yaml").read_text())["config"]
    assert dev["databricks:host"] == "https://dev.cloud.databricks.com"
    # the default metadata_paths, resources, holds the output folder already
    assert "metadata_paths" not in dev["lakeform:settings"]
    assert dev["lakeform:settings"]["name_prefix"] == "[dev] "
    assert main(["validate", "--stack", "prod"]) == 0


def test_a_resource_defined_in_two_files_is_refused(
    spread: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (spread / "resources/again.job.yml").write_text(
        "resources:\n  jobs:\n    main_job:\n      tasks: [{task_key: c}]\n"
    )
    assert main(["import-bundle", ".", "-o", "resources/spread"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: resources/main.job.yml:3:5: resources.jobs.main_job: "
        "jobs.main_job is defined twice (also at resources/again.job.yml:3:5)",
        "FAILED: nothing written",
    ]


EDITABLE = """
bundle: {name: ed}
resources:
  pipelines:
    ed_etl:
      name: ed_etl
      catalog: main
      schema: sales
      serverless: true
      libraries: [{file: {path: src/etl.py}}]
      environment:
        dependencies:
          - --editable ${workspace.file_path}
"""


@pytest.mark.parametrize(
    ("pyproject", "rows_deps", "said"),
    [
        (
            '[project]\nname = "ed"\ndependencies = ["requests>=2", "pyyaml"]\n',
            ["requests>=2", "pyyaml"],
            "not imported: b/databricks.yml:13:13: resources.pipelines.ed_etl.environment."
            "dependencies[0]: '--editable ${workspace.file_path}' installs the bundle's Python "
            "project 'ed': its "
            "dependencies from b/pyproject.toml (requests>=2, pyyaml) are listed instead; the "
            "project's own package is not installed (Lakeform uploads only the files rows name): "
            "if the code imports it, build a wheel, copy it to a volume and add that path",
        ),
        (
            None,
            None,
            "not imported: b/databricks.yml:13:13: resources.pipelines.ed_etl.environment."
            "dependencies[0]: '--editable ${workspace.file_path}' (the bundle folder has no "
            "pyproject.toml: no "
            "Python project to install; left out)",
        ),
    ],
)
def test_an_editable_install_of_the_bundle_folder_becomes_its_projects_dependencies(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    pyproject: str | None,
    rows_deps: list[str] | None,
    said: str,
) -> None:
    (tmp_path / "b/src").mkdir(parents=True)
    (tmp_path / "b/databricks.yml").write_text(EDITABLE)
    (tmp_path / "b/src/etl.py").write_text("print(1)\n")
    if pyproject is not None:
        (tmp_path / "b/pyproject.toml").write_text(pyproject)
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/ed"]) == 0
    assert said in capsys.readouterr().err.splitlines()
    pipeline = yaml.safe_load((tmp_path / "resources/ed/ed.yaml").read_text())["pipelines"][
        "ed_etl"
    ]
    if rows_deps is None:
        assert "environment" not in pipeline  # emptied by the conversion, so left out
    else:
        assert pipeline["environment"] == {"dependencies": rows_deps}
    assert main(["validate"]) == 0


def test_an_editable_install_of_a_project_with_dynamic_dependencies_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/databricks.yml").write_text(EDITABLE)
    (tmp_path / "b/pyproject.toml").write_text(
        '[project]\nname = "ed"\ndynamic = ["dependencies"]\n'
    )
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/ed"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: b/databricks.yml:13:13: resources.pipelines.ed_etl.environment."
        "dependencies[0]: '--editable ${workspace.file_path}': b/pyproject.toml declares its "
        "dependencies dynamic, which Lakeform cannot read: list them here instead (pip "
        "requirement strings)",
        "FAILED: nothing written",
    ]


def test_a_zero_trigger_interval_the_provider_never_sends_is_left_out_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/databricks.yml").write_text(
        textwrap.dedent("""
            bundle: {name: trig}
            resources:
              jobs:
                on_table:
                  trigger:
                    table_update:
                      table_names: [main.sales.orders]
                      min_time_between_triggers_seconds: 0
                      wait_after_last_change_seconds: 120
                  tasks: [{task_key: main, notebook_task: {notebook_path: nb.py}}]
        """)
    )
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/trig"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        "not imported: b/databricks.yml:9:11: jobs.on_table.trigger.table_update."
        "min_time_between_triggers_seconds: 0 (the provider sends no 0 here, so the API's "
        "default applies; left out, which deploys the same)"
    ]
    job = yaml.safe_load((tmp_path / "resources/trig/trig.yaml").read_text())["jobs"]["on_table"]
    assert job["trigger"]["table_update"] == {
        "table_names": ["main.sales.orders"],
        "wait_after_last_change_seconds": 120,
    }
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("text", "has"),
    [
        (
            "bundle: {name: dash}\nresources:\n  dashboards:\n    d: {display_name: d}\n"
            "  schemas:\n    s: {name: s, catalog_name: main}\n"
            "targets:\n  dev:\n    resources: {apps: {a: {name: a}}}\n",
            [
                "; it has only kinds Lakeform does not deploy (use the Databricks CLI for them):",
                "  resources.dashboards at b/databricks.yml:3:3",
                "  resources.schemas at b/databricks.yml:5:3",
                "  targets.dev.resources.apps at b/databricks.yml:9:17",
            ],
        ),
        (
            # a bundle whose resources a script writes before deploying (`scratch/`)
            "bundle: {name: empty}\ninclude: [scratch/resources/*.yml]\nsync: {include: [./*]}\n"
            "targets: {dev: {default: true, variables: {x: 1}}}\nvariables: {x: {default: 0}}\n",
            [
                " (no resources at all: the CLI would deploy only its synced files)",
                "  its includes that match no file: 'scratch/resources/*.yml' at "
                "b/databricks.yml:2:11",
            ],
        ),
    ],
)
def test_a_bundle_with_nothing_lakeform_deploys_is_refused_naming_what_it_has(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    has: list[str],
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/databricks.yml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/x"]) == 1
    # the statement alone: no notes on targets and variables of a bundle nothing is taken from,
    # and no "FAILED", which would read as Lakeform's fault
    assert capsys.readouterr().err.splitlines() == [
        "lakeform import-bundle: b: nothing to import: Lakeform deploys jobs, pipelines and "
        "quality monitors, and this bundle defines none" + has[0],
        *has[1:],
        "nothing written",
    ]
    assert not (tmp_path / "resources").exists()
    assert not list(tmp_path.glob("Pulumi.*.yaml"))


SHARED = {
    # two bundles sharing a folder beside them, as the CLI allows (`../common`), with sync paths
    # that make the folder above them the synced root
    "app/databricks.yml": """
        bundle: {name: app}
        sync: {paths: [../common, .]}
        include: [../common/*.yml]
        targets: {dev: {default: true}}
    """,
    "common/job.yml": """
        variables:
          alert_to: {type: complex, default: ["${workspace.current_user.userName}"]}
          enabled: {default: false}
        resources:
          jobs:
            shared_job:
              email_notifications: {on_failure: "${var.alert_to}"}
              tasks:
                - task_key: main
                  notebook_task:
                    notebook_path: ../common/src/nb.py
                    base_parameters: {enabled: "${var.enabled}"}
                - task_key: run
                  spark_python_task: {python_file: "${workspace.file_path}/app/main.py"}
    """,
    "common/src/nb.py": "# Databricks notebook source\n",
    "app/main.py": "print(1)\n",
}


def test_an_include_beside_the_bundle_is_read_and_sync_paths_set_the_synced_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in SHARED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "app", "-o", "resources/app"]) == 0
    job = yaml.safe_load((tmp_path / "resources/app/app.yaml").read_text())["jobs"]["shared_job"]
    # paths relative to the included file; ${workspace.file_path} the folder holding app and common
    assert job["tasks"][0]["notebook_task"] == {
        "notebook_path": "common/src/nb.py",
        "base_parameters": {"enabled": "false"},  # a boolean in a map of strings: its text
    }
    assert job["tasks"][1]["spark_python_task"] == {"python_file": "app/main.py"}
    # a list variable's `${workspace.current_user.userName}` gets its meaning like any other
    assert job["email_notifications"] == {"on_failure": ["${var.current_user_name}"]}
    err = capsys.readouterr().err.splitlines()
    assert (
        "note: sync.paths reach outside the bundle folder: ${workspace.file_path} is ., the "
        "folder holding them all, as the CLI infers it"
    ) in err
    assert main(["validate"]) == 0


def test_a_variable_the_rows_use_with_no_value_for_a_stack_is_refused_at_its_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/databricks.yml").write_text(
        textwrap.dedent("""
            bundle: {name: req}
            variables:
              template: {description: required}
              unused: {description: never referred to}
            resources:
              jobs:
                req_job:
                  parameters: [{name: template, default: "${var.template}"}]
                  tasks: [{task_key: main, notebook_task: {notebook_path: nb.py}}]
            targets:
              dev: {default: true}
              prod: {variables: {template: t.json}}
        """).lstrip("\n")
    )
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/req"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: b/databricks.yml:3:3: variables.template: no value for stack "
        "dev (no default, and the target sets none); the CLI refuses to deploy a variable "
        "without a value too: give it a default or a value in targets.dev.variables, or give "
        "its value when importing, as to the CLI: --var template=VALUE, or the environment "
        "variable BUNDLE_VAR_template",
        "FAILED: nothing written",
    ]
    assert not (tmp_path / "resources").exists()


PER_TARGET = """
bundle: {name: per_target}
include: [resources/*.yml]
variables: {suffix: {default: x}}
targets:
  dev:
    default: true
    resources:
      jobs:
        j:
          name: j_${var.suffix}
          tasks: [{task_key: t, notebook_task: {notebook_path: n.py}}]
  staging: {}
  prod:
    resources:
      jobs:
        j:
          name: j_prod
          tasks: [{task_key: t, notebook_task: {notebook_path: n.py}}]
"""
SHARED_JOB = """
shared: &shared
  k:
    tasks: [{task_key: t, notebook_task: {notebook_path: ../n.py}}]
targets:
  staging: {resources: {jobs: *shared}}
  prod: {resources: {jobs: *shared}}
"""


def test_a_row_defined_only_in_some_targets_deploys_to_those_stacks_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b/resources").mkdir(parents=True)
    (tmp_path / "b/n.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/databricks.yml").write_text(PER_TARGET)
    (tmp_path / "b/resources/k.yml").write_text(SHARED_JOB)
    # a stack of the project that is no target of the bundle, reading the rows
    (tmp_path / "Pulumi.local.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources]\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["import-bundle", "b", "-o", "resources/b"]) == 0
    rows = yaml.safe_load((tmp_path / "resources/b/per_target.yaml").read_text())["jobs"]
    task = {"task_key": "t", "notebook_task": {"notebook_path": "b/n.py"}}
    # defined differently per target: each of them enables it with its own definition; the
    # stack that is no target as the default target does (the CLI deploys that one when no
    # target is named; the stack takes its variables too)
    dev = {"disabled": False, "name": "j_${var.suffix}", "tasks": [task]}
    assert rows["j"] == {
        "disabled": True,
        "stack_overrides": {
            "dev": dev,
            "prod": {"disabled": False, "name": "j_prod", "tasks": [task]},
            "local": dev,
        },
    }
    # defined alike (a YAML anchor in two targets): the definition is the row's
    assert rows["k"] == {
        "tasks": [task],
        "disabled": True,
        "stack_overrides": {"staging": {"disabled": False}, "prod": {"disabled": False}},
    }
    assert (
        "note: b/databricks.yml:10:9: jobs.j is defined only in targets dev, prod: imported with "
        "disabled: true, and disabled: false in the stack_overrides of dev, prod and stack "
        "local, no target, as the default target dev, so it deploys to those stacks only, as "
        "the CLI deploys it to those targets only"
    ) in capsys.readouterr().err.splitlines()
    # what each stack deploys is what the CLI deploys to that target
    from metadata import load_rows
    from metadata.settings import load_stack_settings

    deployed = {}
    for stack in ("dev", "staging", "prod", "local"):
        settings = load_stack_settings(tmp_path, stack)
        loaded = load_rows(
            [tmp_path / "resources/b"], root=tmp_path, stack=stack, settings=settings
        )
        deployed[stack] = sorted(loaded.jobs)
    assert deployed == {"dev": ["j"], "staging": ["k"], "prod": ["j", "k"], "local": ["j"]}
    assert main(["validate"]) == 0


def write_bundle_without_targets(tmp_path: Path) -> None:
    """A bundle with no targets whose variable `template` has no default, used in a task's
    parameters, and a project with one stack, dev."""
    (tmp_path / "b/vars").mkdir(parents=True)
    (tmp_path / "b/nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/vars/required.yml").write_text("variables:\n  template: {description: x}\n")
    (tmp_path / "b/databricks.yml").write_text(
        textwrap.dedent("""
            bundle: {name: req}
            include: [vars/*.yml]
            resources:
              jobs:
                req_job:
                  tasks:
                    - task_key: main
                      notebook_task:
                        notebook_path: nb.py
                        base_parameters: {template: "${var.template}"}
        """).lstrip("\n")
    )
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources]\n"
    )


def test_a_variable_with_no_value_in_a_bundle_without_targets_is_named_where_it_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bundle_without_targets(tmp_path)
    monkeypatch.chdir(tmp_path)
    # no target: the project's stack reads the rows; its settings could hold the value, so
    # the import refuses only when they do not, at the line that uses it
    assert main(["import-bundle", "b", "-o", "resources/req"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "b/databricks.yml:10:31: resources.jobs.req_job.tasks[0].notebook_task.base_parameters."
        "template: variable template (defined at b/vars/required.yml:2:3) has no value: no "
        "default, and no target sets one (the CLI refuses to deploy it too): give it a "
        "default or a value in each stack's lakeform:settings.variables, or give its value "
        "when importing, as to the CLI: --var template=VALUE, or the environment variable "
        "BUNDLE_VAR_template [stack: dev]"
    ]
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources]\n"
        "    variables: {template: t.json}\n"
    )
    assert main(["import-bundle", "b", "-o", "resources/req"]) == 0


TARGET_ONLY = """
bundle: {name: only}
resources:
  jobs:
    a:
      tasks: [{task_key: t, notebook_task: {notebook_path: n.py}}]
targets:
  dev: {default: true}
  prod:
    resources:
      jobs:
        JOB:
          tasks:
            - task_key: refresh
              dashboard_task: {dashboard_id: "${resources.dashboards.d.id}"}
"""


def test_what_a_row_defined_only_in_a_target_has_is_refused_as_any_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/n.py").write_text("# Databricks notebook source\n")
    monkeypatch.chdir(tmp_path)
    # a row defined only in a target is imported (enabled in that stack alone): what it has
    # that Lakeform refuses is refused, as in an override of a row defined for every target
    for job in ("b", "a"):
        (tmp_path / "b/databricks.yml").write_text(TARGET_ONLY.replace("JOB", job))
        assert main(["import-bundle", "b", "-o", f"resources/{job}"]) == 1
        assert capsys.readouterr().err.splitlines()[-2:] == [
            f"lakeform import-bundle: b/databricks.yml:15:32: targets.prod.resources.jobs.{job}"
            ".tasks[0].dashboard_task.dashboard_id: '${resources.dashboards.d.id}': dashboards "
            "is a kind Lakeform does not deploy, so the dashboards 'd' has no id Lakeform knows: "
            "write the id, or ${var.NAME} with the id in each stack's "
            "lakeform:settings.variables",
            "FAILED: nothing written",
        ]


SYNCED = {
    # a job and a pipeline reading files of the synced bundle folder at run time, as real bundles
    # do: a data file as a job parameter, a folder as a notebook's base parameter and a
    # pipeline's configuration
    "databricks.yml": """
        bundle: {name: synced}
        include: [resources/*.yml]
        sync: {exclude: [data/scratch/*]}
        targets:
          dev: {default: true}
    """,
    "resources/jobs.yml": """
        resources:
          jobs:
            setup:
              parameters:
                - {name: products, default: "${workspace.file_path}/data/products.json"}
                - {name: top_k, default: 10}
              email_notifications: {on_failure: oncall@example.com}
              tasks:
                - task_key: main
                  notebook_task:
                    notebook_path: ../src/setup.py
                    base_parameters: {task_dir: "/Workspace${workspace.file_path}/etl/geo"}
          pipelines:
            framework:
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
}


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in SYNCED.items():
        (tmp_path / "b" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "b" / name).write_text(textwrap.dedent(text).lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_synced_path_outside_path_fields_becomes_an_upload_of_that_path(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/synced"]) == 0
    rows = yaml.safe_load((synced / "resources/synced/synced.yaml").read_text())
    job, pipeline = rows["jobs"]["setup"], rows["pipelines"]["framework"]
    assert job["parameters"] == [
        {"name": "products", "default": "${upload:b/data/products.json}"},
        {"name": "top_k", "default": "10"},  # a number in a string field: its text, as the CLI
    ]
    assert job["tasks"][0]["notebook_task"]["base_parameters"] == {
        "task_dir": "${upload:b/etl/geo}"
    }
    assert pipeline["configuration"] == {"bundle.sourcePath": "${upload:b/etl}"}
    # one address where the API wants a list: the CLI drops it with a warning; read as a list
    assert job["email_notifications"] == {"on_failure": ["oncall@example.com"]}
    err = capsys.readouterr().err
    assert (
        "note: b/resources/jobs.yml:7:29: resources.jobs.setup.email_notifications.on_failure: "
        "'oncall@example.com' read as the list ['oncall@example.com'] (the field is a list; the "
        "Databricks CLI drops it with a warning, `expected sequence, found string`): write it "
        "as a list"
    ) in err, err
    assert (
        "b/resources/jobs.yml:5:28: ${workspace.file_path}/data/products.json is "
        "${upload:b/data/products.json}: Lakeform uploads 'b/data/products.json' with the row's "
        "files, as the CLI syncs it, and writes its workspace path"
    ) in err, err
    assert main(["validate"]) == 0


def test_a_sync_exclude_that_drops_a_file_below_the_path_is_refused(
    synced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _edit(synced / "b/databricks.yml", "data/scratch/*", "etl/geo/config.*")
    assert main(["import-bundle", "b", "-o", "resources/synced"]) == 1
    err = capsys.readouterr().err
    assert (
        "b/resources/jobs.yml:12:31: resources.jobs.setup.tasks[0].notebook_task.base_parameters"
        ".task_dir: '${workspace.file_path}/etl/geo': the bundle's sync excludes "
        "'etl/geo/config.yaml'; Lakeform uploads the files below 'etl/geo' that .gitignore does "
        "not ignore: make .gitignore say the same (or move the file), and import again"
    ) in err, err


def test_keys_after_the_settings_block_of_a_stack_file_are_kept(bundle: Path) -> None:
    # as `pulumi config set` leaves a file whose settings were written first
    (bundle / "Pulumi.dev.yaml").write_text(
        "config:\n  lakeform:settings:\n    workspace_root: /Workspace/Shared/x\n"
        "  databricks:host: https://dev.cloud.databricks.com\n  databricks:rateLimit: '5'\n"
    )
    assert main(["import-bundle", ".", "-o", "resources/lakeform"]) == 0
    dev = yaml.safe_load((bundle / "Pulumi.dev.yaml").read_text())["config"]
    assert dev["databricks:host"] == "https://dev.cloud.databricks.com"
    assert dev["databricks:rateLimit"] == "5"
    assert dev["lakeform:settings"]["workspace_root"] == "/Workspace/Shared/x"
