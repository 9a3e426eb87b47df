"""The policy pack (policies/) in the real engine: plain `pulumi preview --policy-pack` refuses
each rule's bad row and passes the good ones; `lakeform up` passes the pack with the stack's
levels, so a mandatory rule stops the deploy with nothing written and an advisory one warns and
deploys. The same rows through `lakeform validate` are tests/metadata/test_policy.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.workspace.testing import RunningWorkspace
from metadata.policy import RULES
from tests.e2e.conftest import PROGRAMS
from tests.e2e.harness import LAKEFORM_PROGRAM, Project

STACK = "e2e"

BAD_ROW = {
    "job-notifies-on-failure": "no_notification",
    "job-has-timeout": "no_timeout",
    "job-runs-as-service-principal": "no_service_principal",
    "job-no-all-purpose-cluster": "on_all_purpose",
    "pipeline-not-development": "dev_mode",
    "required-tags": "no_owner",
}
"""Each rule -> the one row of tests/e2e/programs/policies it refuses."""
GOOD_ROWS = ("good", "steady")


@pytest.fixture
def project(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    return Project.copy_of(
        PROGRAMS / "policies", tmp_path, workspace=workspace, stack=STACK, include=LAKEFORM_PROGRAM
    )


def set_policies(project: Project, policies: dict[str, Any]) -> None:
    project.edit_stack_file(
        lambda doc: doc["config"]["lakeform:settings"].__setitem__("policies", policies)
    )


def test_every_rule_has_a_bad_row() -> None:
    assert sorted(BAD_ROW) == sorted(r.name for r in RULES)


def test_plain_pulumi_preview_with_the_pack_refuses_each_rule_bad_row(project: Project) -> None:
    """`pulumi preview --policy-pack policies --policy-pack-config FILE` (the file from `lakeform
    policy-config`), no Lakeform engine run: every rule mandatory; each refuses exactly its bad
    row, the good rows pass."""
    set_policies(
        project, {"rules": dict.fromkeys(BAD_ROW, "mandatory"), "required_tags": ["owner"]}
    )
    made = project.lakeform("policy-config", "--stack", STACK, "-o", "policy-config.json")
    assert made.returncode == 0, made.stderr
    config = project.dir / "policy-config.json"
    result = project.pulumi(
        "preview", "--policy-pack", "policies", "--policy-pack-config", str(config), check=False
    )
    assert result.returncode != 0, result.stdout
    found = re.findall(
        r"\[(\w+)\]  ([\w-]+)  \(databricks:index:(?:Job|Pipeline): (\w+)\)", result.stdout
    )
    assert sorted(found) == sorted(("mandatory", rule, row) for rule, row in BAD_ROW.items()), (
        result.stdout
    )
    assert "jobs.no_timeout.timeout_seconds: the job has no timeout" in result.stdout


def test_lakeform_plan_and_up_refuse_a_mandatory_rule_with_nothing_written(
    project: Project, workspace: RunningWorkspace
) -> None:
    """The stack's levels come from lakeform:settings.policies: the plan comment names the rule,
    the row and its file:line; `up` stops before any write."""
    set_policies(
        project,
        {
            "rules": {"job-has-timeout": "mandatory", "pipeline-not-development": "advisory"},
        },
    )
    workspace.requests.clear()
    planned = project.lakeform("plan", "--stack", STACK, "--format", "markdown")
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "refused by its policies" in planned.stderr
    comment = planned.stdout
    assert "**Refused by the stack's policies: this plan cannot deploy**" in comment
    assert (
        "> - **mandatory** `job-has-timeout`: `jobs.no_timeout` (resources/rows.yaml:22): "
        "the job has no timeout" in comment
    )
    assert (
        "> - **advisory** `pipeline-not-development`: `pipelines.dev_mode` "
        "(resources/rows.yaml:69): the pipeline is in development mode" in comment
    )
    assert comment.count("> - **") == 2  # the good rows and the disabled rules: nothing

    result = project.lakeform("up", "--stack", STACK, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refusing to deploy stack e2e: its policies" in result.stderr
    assert "[mandatory] job-has-timeout: jobs.no_timeout (resources/rows.yaml:22)" in result.stdout
    assert sum(workspace.requests.writes().values()) == 0, workspace.requests.writes()
    assert json.loads(project.pulumi("stack", "history", "--json").stdout) == []


def test_an_advisory_rule_warns_and_deploys(project: Project, workspace: RunningWorkspace) -> None:
    set_policies(project, {"rules": {"required-tags": "advisory"}, "required_tags": ["owner"]})
    result = project.lakeform("up", "--stack", STACK, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "policy warnings:" in result.stdout
    assert (
        "[advisory] required-tags: jobs.no_owner (resources/rows.yaml:51): missing required "
        "tag owner" in result.stdout
    )
    assert "No owner" in {j.settings.name for j in workspace.client().jobs.list()}
    # The update itself ran the pack too: the engine recorded it in the stack's history.
    history = json.loads(project.pulumi("stack", "history", "--json").stdout)
    assert len(history) == 1 and history[0]["result"] == "succeeded"


def test_a_sharded_stack_shows_each_shards_findings_and_refuses_a_mandatory_rule(
    sharded_deployed: Project,
) -> None:
    """A sharded stack (tests/e2e/programs/sharded, deployed) runs the pack in every shard's
    preview: the environment's one plan lists each shard's findings, and `plan` and `up` are
    refused as an ordinary stack's are, with nothing written."""
    project, workspace = sharded_deployed, sharded_deployed.workspace
    set_policies(
        project,
        {
            "rules": {"job-has-timeout": "mandatory", "required-tags": "advisory"},
            "required_tags": ["owner"],
        },
    )
    workspace.requests.clear()
    planned = project.lakeform("plan", "--stack", STACK, "--format", "markdown")
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert "lakeform plan: error: stack e2e: refused by its policies" in planned.stderr
    comment = planned.stdout
    assert "**Refused by the stack's policies: this plan cannot deploy**" in comment
    for row, where in (
        ("jobs.campaigns", "resources/marketing/jobs.yaml:3"),
        ("jobs.ledger", "resources/finance/jobs.yaml:3"),
    ):  # one row of each shard, each rule
        assert f"> - **mandatory** `job-has-timeout`: `{row}` ({where}): " in comment, comment
        assert f"> - **advisory** `required-tags`: `{row}` ({where}): " in comment, comment

    result = project.lakeform("up", "--stack", STACK, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refusing to deploy stack e2e: its policies" in result.stderr
    assert "[mandatory] job-has-timeout: jobs.ledger (resources/finance/jobs.yaml:3)" in (
        result.stdout
    )
    assert sum(workspace.requests.writes().values()) == 0, workspace.requests.writes()
