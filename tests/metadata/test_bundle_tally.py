"""scripts/bundle_tally.py: a bundle the CLI refuses too is BROKEN, named with the source that
says so; one refused by Lakeform alone stays FAIL; one that needs a variable's value the CLI
needs too is tried with a placeholder, openly, and counted apart (GIVEN)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from scripts.bundle_tally import BROKEN, FAIL, GIVEN, OK, broken_because, set_up, tally_one

JOB = """
    resources:
      jobs:
        j:
          tasks: [{task_key: t, notebook_task: {notebook_path: ../src/nb.py}}]
"""


def write(root: Path, name: str, databricks: str, job: str = JOB) -> Path:
    bundle = root / name
    (bundle / "resources").mkdir(parents=True)
    (bundle / "src").mkdir()
    (bundle / "src/nb.py").write_text("# Databricks notebook source\n")
    (bundle / "databricks.yml").write_text(textwrap.dedent(databricks).lstrip("\n"))
    (bundle / "resources/j.yml").write_text(textwrap.dedent(job).lstrip("\n"))
    return bundle


def test_a_variable_with_no_value_is_given_a_placeholder_and_a_two_principal_permission_fails(
    tmp_path: Path,
) -> None:
    ok = write(tmp_path, "ok", "bundle: {name: ok}\ninclude: [resources/*.yml]\n")
    assert tally_one(ok, tmp_path)[0] == OK
    no_value = write(
        tmp_path,
        "no_value",
        """
        bundle: {name: nv}
        include: [resources/*.yml]
        variables:
          catalog: {description: no default}
          schema: {description: no default either}
        targets: {dev: {default: true}}
        """,
        JOB
        + "          parameters: [{name: c, default: '${var.catalog}'}, "
        + "{name: s, default: '${var.schema}'}]\n",
    )
    # the import asks for each value the CLI needs too; the tally gives them, and says so
    status, line, log = tally_one(no_value, tmp_path)
    assert status == GIVEN, line
    assert line.startswith(
        "with --var catalog=TALLY_PLACEHOLDER --var schema=TALLY_PLACEHOLDER: OK: 1 job"
    )
    assert "--var catalog=VALUE, or the environment variable BUNDLE_VAR_catalog" in log
    # a value that is a file path to be checked fails as any missing file does
    nb = write(
        tmp_path,
        "nb",
        """
        bundle: {name: nb}
        include: [resources/*.yml]
        variables: {nb: {description: the notebook}}
        targets: {dev: {default: true}}
        """,
        JOB.replace("../src/nb.py", "'${var.nb}'"),
    )
    status, line, _ = tally_one(nb, tmp_path)
    assert status == BROKEN, line
    assert line.startswith("with --var nb=TALLY_PLACEHOLDER: ")
    assert broken_because(line) == (
        "a notebook or file that is not in the bundle",
        "databricks/cli bundle/config/mutator/translate_paths.go translateNotebookPath, "
        "translateFilePath: `notebook %s not found`, `file %s not found`",
    )
    # no source read says the CLI or the API refuses this one: Lakeform's own refusal
    two = write(
        tmp_path,
        "two",
        "bundle: {name: two}\ninclude: [resources/*.yml]\n",
        JOB
        + "          permissions:\n"
        + "            - {level: CAN_VIEW, group_name: g, service_principal_name: s}\n",
    )
    status, line, _ = tally_one(two, tmp_path)
    assert status == FAIL, line
    assert broken_because(line) is None


def test_a_bundle_declaring_a_venv_gets_its_set_up_step_uv_sync(tmp_path: Path) -> None:
    bundle = write(
        tmp_path,
        "py",
        "bundle: {name: py}\npython: {venv_path: .venv}\ninclude: [resources/*.yml]\n",
    )
    # no pyproject.toml or uv.lock: nothing to set up from
    assert set_up(bundle) == ("", "")
    (bundle / "pyproject.toml").write_text(
        '[project]\nname = "py"\nversion = "0"\nrequires-python = ">=3.10"\ndependencies = []\n'
    )
    added, log = set_up(bundle)
    assert added == " (set-up: `uv sync` made python.venv_path .venv)", log
    assert (bundle / ".venv/pyvenv.cfg").is_file()
    # there already: left as it is
    assert set_up(bundle) == ("", "")
    # a set-up that fails (here the project's own build, after uv made the venv) is named,
    # and leaves no half-made venv for the import to fail in
    other = write(
        tmp_path, "fails", "bundle: {name: f}\npython: {venv_path: .venv}\ninclude: [r/*.yml]\n"
    )
    (other / "pyproject.toml").write_text(
        (bundle / "pyproject.toml").read_text()
        + '[build-system]\nrequires = []\nbuild-backend = "no_such_backend"\n'
    )
    added, log = set_up(other)
    assert added == (
        " (set-up: `uv sync` for python.venv_path .venv failed, so none: "
        "ModuleNotFoundError: No module named 'no_such_backend')"
    ), log
    assert "Creating virtual environment at: .venv" in log
    assert not (other / ".venv").exists()


def test_a_resource_key_terraform_refuses_is_broken_with_terraforms_rule_named(
    tmp_path: Path,
) -> None:
    # a template's placeholder left in the key: the CLI makes the key the Terraform resource's
    # name, which Terraform refuses; Lakeform refuses it too, and the tally says why
    bundle = write(
        tmp_path,
        "template",
        "bundle: {name: t}\ninclude: [resources/*.yml]\n",
        JOB.replace("        j:", "        j_<pipeline name>_job:"),
    )
    status, line, _ = tally_one(bundle, tmp_path)
    assert status == BROKEN, line
    assert "resources.jobs.j_<pipeline name>_job: row keys may hold letters, digits" in line
    what, evidence = broken_because(line) or ("", "")
    assert what == "a resource key that is no Terraform name (a template's placeholder left in)"
    assert "decodeResourceBlock" in evidence
