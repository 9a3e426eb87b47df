"""`lakeform import-bundle --var NAME=VALUE` and BUNDLE_VAR_NAME: a variable's value given when
importing, as `databricks bundle deploy` takes it (databricks/cli cmd/bundle/variables.go,
bundle/config/root.go InitializeVariables, bundle/config/mutator/set_variables.go)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from tests.metadata.test_import_bundle import write_bundle_without_targets

BUNDLE = """
bundle: {name: given}
variables:
  catalog: {description: the catalog; no default}
  schema: {default: raw}
  warehouse_id:
    lookup: {warehouse: Shared}
resources:
  jobs:
    given_job:
      parameters:
        - {name: catalog, default: "${var.catalog}"}
        - {name: schema, default: "${var.schema}"}
      tasks:
        - task_key: main
          notebook_task: {notebook_path: nb.py, warehouse_id: "${var.warehouse_id}"}
targets:
  dev: {default: true}
  prod:
    variables: {catalog: prod_catalog, schema: gold}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "b").mkdir()
    (tmp_path / "b/nb.py").write_text("# Databricks notebook source\n")
    (tmp_path / "b/databricks.yml").write_text(BUNDLE.lstrip("\n"))
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("BUNDLE_VAR_")]:
        monkeypatch.delenv(name)
    return tmp_path


def stack_vars(root: Path, stack: str) -> dict[str, Any]:
    doc = yaml.safe_load((root / f"Pulumi.{stack}.yaml").read_text())
    return doc["config"]["lakeform:settings"]["variables"]


def test_without_the_value_the_error_names_the_definition_and_both_ways_to_give_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/given"]) == 1
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "lakeform import-bundle: b/databricks.yml:3:3: variables.catalog: no value for stack "
        "dev (no default, and the target sets none); the CLI refuses to deploy a variable "
        "without a value too: give it a default or a value in targets.dev.variables, or give "
        "its value when importing, as to the CLI: --var catalog=VALUE, or the environment "
        "variable BUNDLE_VAR_catalog",
        "FAILED: nothing written",
    ]
    assert not (project / "resources").exists()
    assert not list(project.glob("Pulumi.*.yaml"))


def test_a_var_flag_gives_every_stack_the_value_over_defaults_and_targets(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["import-bundle", "b", "-o", "resources/given", "--var", "catalog=cat_given"]
    assert main([*argv, "--var", "schema=s2"]) == 0
    err = capsys.readouterr().err.splitlines()
    # over the default (schema) and the prod target's values, as the CLI ranks --var
    for stack in ("dev", "prod"):
        values = stack_vars(project, stack)
        assert (values["catalog"], values["schema"]) == ("cat_given", "s2")
    assert (
        "note: b/databricks.yml:3:3: variables.catalog: the value from --var catalog=... is in "
        "every stack's lakeform:settings.variables.catalog, over its default and each target's "
        "value and lookup, as the CLI ranks them"
    ) in err
    # the value is in the stack files: validate needs nothing more
    assert main(["validate"]) == 0


def test_bundle_var_environment_variables_give_a_value_and_rank_below_the_flag(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUNDLE_VAR_catalog", "cat_env")
    monkeypatch.setenv("BUNDLE_VAR_schema", "schema_env")
    monkeypatch.setenv("BUNDLE_VAR_warehouse_id", "abc123")
    monkeypatch.setenv("BUNDLE_VAR_undefined", "ignored, as the CLI ignores it")
    argv = ["import-bundle", "b", "-o", "resources/given", "--var", "schema=schema_flag"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    for stack in ("dev", "prod"):
        assert stack_vars(project, stack) == {
            "catalog": "cat_env",
            "schema": "schema_flag",
            "warehouse_id": "abc123",  # over the lookup: no placeholder to replace
        }
    assert "variables.catalog: the value from the environment's BUNDLE_VAR_catalog" in err
    assert "lookup of warehouse 'Shared'" not in err
    assert main(["validate"]) == 0


def test_comma_separated_pairs_in_one_flag_as_the_cli_reads_them(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a pflag StringSlice: comma-separated, CSV quotes keep a comma in a value
    flag = 'catalog=a,"schema=b,c"'
    assert main(["import-bundle", "b", "-o", "resources/given", "--var", flag]) == 0
    capsys.readouterr()
    assert stack_vars(project, "dev")["catalog"] == "a"
    assert stack_vars(project, "dev")["schema"] == "b,c"


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        (
            "catalog",
            "lakeform import-bundle: --var catalog: expected NAME=VALUE (the CLI refuses it too: "
            "`unexpected flag value for variable assignment`)",
        ),
        (
            "catalog=a,catalog=b",
            "lakeform import-bundle: --var catalog: given twice ('a', then 'b'); the CLI refuses "
            "it too (`variable has already been assigned value`)",
        ),
        (
            "catalgo=x",
            "lakeform import-bundle: --var catalgo=...: the bundle defines no variable catalgo "
            "(its variables: catalog, schema, warehouse_id); the CLI refuses it too (`variable "
            "catalgo has not been defined`)",
        ),
    ],
)
def test_a_var_flag_the_cli_refuses_is_refused_and_nothing_is_written(
    project: Path, capsys: pytest.CaptureFixture[str], flag: str, message: str
) -> None:
    assert main(["import-bundle", "b", "-o", "resources/given", "--var", flag]) == 1
    assert capsys.readouterr().err.splitlines() == [message, "FAILED: nothing written"]
    assert not (project / "resources").exists()
    assert not list(project.glob("Pulumi.*.yaml"))


def test_a_complex_variable_takes_no_value_from_the_flag_or_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "b/databricks.yml").write_text(
        BUNDLE.lstrip("\n").replace(
            "variables:\n", "variables:\n  tags: {type: complex, default: {a: b}}\n", 1
        )
    )
    monkeypatch.setenv("BUNDLE_VAR_tags", "x")
    assert main(["import-bundle", "b", "-o", "resources/given", "--var", "catalog=c"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "lakeform import-bundle: b/databricks.yml:3:3: variables.tags: a complex variable, and "
        "its value comes from the environment's BUNDLE_VAR_tags: the CLI takes no complex "
        "value from --var or the environment either: write it as the variable's default or "
        "in targets.<name>.variables",
        "FAILED: nothing written",
    ]


def test_a_bundle_without_targets_gives_the_value_to_the_projects_stacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_bundle_without_targets(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BUNDLE_VAR_template", raising=False)
    assert main(["import-bundle", "b", "-o", "resources/req"]) == 1
    assert "--var template=VALUE, or the environment variable BUNDLE_VAR_template" in (
        capsys.readouterr().out
    )
    argv = ["import-bundle", "b", "-o", "resources/req", "--var", "template=t.json"]
    assert main(argv) == 0
    assert stack_vars(tmp_path, "dev") == {"template": "t.json"}
    assert main(["validate"]) == 0


def overrides(root: Path, target: str, text: str) -> None:
    path = root / "b/.databricks/bundle" / target / "variable-overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_targets_variable_overrides_file_gives_that_stack_its_values(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the CLI's third way (set_variables.go): below --var, BUNDLE_VAR_ and a lookup, over the
    # default, the target's own value included; names the bundle does not define passed over
    overrides(project, "dev", '{"catalog": "cat_file", "schema": "s_dev", "undefined": 1}')
    overrides(project, "prod", '{"catalog": "cat_file", "schema": "s_prod", "warehouse_id": "w"}')
    monkeypatch.setenv("BUNDLE_VAR_catalog", "cat_env")
    assert main(["import-bundle", "b", "-o", "resources/given"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert stack_vars(project, "dev") == {
        "catalog": "cat_env",
        "schema": "s_dev",
        "warehouse_id": "REPLACE-ME",  # the lookup: the CLI does not read the file for it
    }
    assert stack_vars(project, "prod") == {
        "catalog": "cat_env",
        "schema": "s_prod",  # over the prod target's own `gold`
        "warehouse_id": "REPLACE-ME",
    }
    assert (
        "note: b/.databricks/bundle/prod/variable-overrides.json: variables.schema: the value "
        "there is stack prod's, over the variable's default and the target's value, as the CLI "
        "ranks it"
    ) in err
    assert main(["validate"]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '["catalog"]',
            "lakeform import-bundle: b/.databricks/bundle/dev/variable-overrides.json: a JSON "
            'object of variable values expected, as the CLI\'s `{"var1": "value1", "var2": '
            '"value2"}`',
        ),
        (
            '{"catalog": ["a"]}',
            "lakeform import-bundle: b/.databricks/bundle/dev/variable-overrides.json: catalog: "
            "the variable is not complex, and this value is a list or map: the CLI refuses it too",
        ),
    ],
)
def test_a_variable_overrides_file_the_cli_refuses_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    overrides(project, "dev", text)
    assert main(["import-bundle", "b", "-o", "resources/given"]) == 1
    assert capsys.readouterr().err.splitlines() == [message, "FAILED: nothing written"]
    assert not list(project.glob("Pulumi.*.yaml"))


def test_a_given_number_fills_a_number_field_and_stays_text_in_a_string(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the CLI keeps a --var a string and normalizes it into a number field (libs/dyn/convert)
    (project / "b/databricks.yml").write_text(
        textwrap.dedent("""
            bundle: {name: typed}
            variables:
              runs: {default: 2}
              label: {description: none}
            resources:
              jobs:
                j:
                  name: ${var.label}
                  max_concurrent_runs: ${var.runs}
                  tags: {runs: "${var.runs}"}
                  tasks: [{task_key: t, notebook_task: {notebook_path: nb.py}}]
            targets:
              dev: {default: true}
              prod: {variables: {runs: 3}}
        """).lstrip("\n")
    )
    argv = ["import-bundle", "b", "-o", "resources/t", "--var", "runs=5", "--var", "label=007"]
    assert main(argv) == 0
    capsys.readouterr()
    job = yaml.safe_load((project / "resources/t/typed.yaml").read_text())["jobs"]["j"]
    assert (job["max_concurrent_runs"], job["tags"], job["name"]) == (
        5,
        {"runs": "5"},
        "${var.label}",
    )
    assert stack_vars(project, "prod") == {"runs": "5", "label": "007"}
    assert main(["validate"]) == 0


def test_a_value_go_would_read_as_a_number_is_quoted_in_the_stack_file(project: Path) -> None:
    # `08` unquoted: PyYAML reads the string "08", Pulumi's Go YAML the number 8, which it
    # writes back as "8" (tests/e2e/test_stack_file_strings.py); quoted, both read "08"
    argv = ["import-bundle", "b", "-o", "resources/given", "--var", "catalog=08"]
    assert main([*argv, "--var", "schema=1e3"]) == 0
    text = (project / "Pulumi.dev.yaml").read_text()
    assert "catalog: '08'" in text
    assert "schema: '1e3'" in text
    assert (stack_vars(project, "dev")["catalog"], stack_vars(project, "dev")["schema"]) == (
        "08",
        "1e3",
    )
