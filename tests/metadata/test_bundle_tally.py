"""scripts/bundle_tally.py: a bundle the CLI refuses too is BROKEN, named with the source that
says so; one refused by Lakeform alone stays FAIL."""

from __future__ import annotations

import textwrap
from pathlib import Path

from scripts.bundle_tally import BROKEN, FAIL, OK, broken_because, tally_one

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


def test_a_variable_with_no_value_is_broken_and_a_two_principal_permission_fails(
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
        variables: {catalog: {description: no default}}
        targets: {dev: {default: true}}
        """,
        JOB + "          parameters: [{name: c, default: '${var.catalog}'}]\n",
    )
    status, line, _ = tally_one(no_value, tmp_path)
    assert status == BROKEN, line
    assert broken_because(line) == (
        "a variable with no value",
        "databricks/cli bundle/config/mutator/set_variables.go: `no value assigned to required "
        "variable %s`",
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
