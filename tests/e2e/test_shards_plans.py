"""Saved plans of a sharded stack through the real engine: `lakeform plan --save` saves every
shard's plan in one file, `lakeform up --plan` applies them in reference order (or, as GitOps
does, `--prepare` then one shard at a time), refuses a stale one before any write, and moves rows
that changed shard without recreating them."""

from __future__ import annotations

import json
import shutil
import subprocess

import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import Project
from tests.e2e.test_plan import contents
from tests.e2e.test_shards import job_settings, outputs, stack_rows

STACK = "e2e"


def edit(project: Project, folder: str, change: dict[str, object]) -> None:
    path = project.dir / "resources" / folder / "jobs.yaml"
    rows = yaml.safe_load(path.read_text())
    for key, fields in change.items():
        rows["jobs"][key].update(fields)  # type: ignore[union-attr]
    path.write_text(yaml.safe_dump(rows, sort_keys=False))


def save(project: Project, *extra: str) -> subprocess.CompletedProcess[str]:
    return project.lakeform("plan", "--stack", STACK, "--save", "plan.json", *extra)


def apply(project: Project, *extra: str) -> subprocess.CompletedProcess[str]:
    return project.lakeform("up", "--stack", STACK, "--plan", "plan.json", "--yes", *extra)


def test_a_saved_plan_of_a_sharded_stack_applies_each_shard_in_reference_order(
    sharded_deployed: Project,
) -> None:
    project, workspace = sharded_deployed, sharded_deployed.workspace
    edit(project, "finance", {"ledger": {"timeout_seconds": 600}})
    edit(project, "marketing", {"campaigns": {"timeout_seconds": 700}})
    made = save(project, "--format", "markdown", "-o", "plan.md")
    assert made.returncode == 0, made.stderr
    record = json.loads((project.dir / "plan.json").read_text())
    assert record["format"] == "lakeform-saved-environment/1"
    assert record["order"] == ["e2e.finance", "e2e.marketing"]  # marketing names finance
    assert set(record["shards"]) == {"e2e.finance", "e2e.marketing"}
    assert {(r["key"], r["action"]) for r in record["plan"]} == {
        ("ledger", "update"),
        ("campaigns", "update"),
    }
    # one plan for the environment, as reviewed
    assert "Lakeform plan: stack `e2e`" in (project.dir / "plan.md").read_text()

    workspace.requests.clear()
    applied = apply(project)
    assert applied.returncode == 0, applied.stderr
    deploying = [line for line in applied.stderr.splitlines() if "==> deploying stack" in line]
    assert deploying == ["==> deploying stack e2e.finance", "==> deploying stack e2e.marketing"]
    out = outputs(project)
    assert job_settings(workspace, out["jobs"]["ledger"]["id"])["timeout_seconds"] == 600
    assert job_settings(workspace, out["jobs"]["campaigns"]["id"])["timeout_seconds"] == 700
    again = project.lakeform("plan", "--stack", STACK, "--json")
    assert json.loads(again.stdout)["rows"] == []


def refused(project: Project, workspace: RunningWorkspace, *expected: str) -> None:
    """`up --plan` exits 1 naming each of `expected`, with no write to the workspace or any
    shard's stack: not one file of the backend the shards share is written (their checkpoints,
    histories, backups), which says more than the count of each shard's `pulumi stack history`
    gave, without two processes a shard."""
    workspace.requests.clear()
    backend = project.dir.parent / "state"
    before = contents(backend)
    result = apply(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lakeform up: error: refusing to apply the saved plan plan.json" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert sum(workspace.requests.writes().values()) == 0, workspace.requests.writes()
    after = contents(backend)
    assert sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)) == []


def test_a_stale_saved_plan_of_a_sharded_stack_is_refused_before_any_write(
    sharded_deployed: Project,
) -> None:
    """One saved plan refused for each reason in turn. `up --plan` checks the rows, then the
    stacks, then the workspace, so the workspace case comes before a shard is deployed (the
    hand edit stays: the stack check, first, names the deployed shard)."""
    project, workspace = sharded_deployed, sharded_deployed.workspace
    edit(project, "finance", {"ledger": {"timeout_seconds": 600}})
    assert save(project).returncode == 0
    marketing = project.dir / "resources" / "marketing" / "jobs.yaml"
    reviewed = marketing.read_text()

    edit(project, "marketing", {"campaigns": {"timeout_seconds": 5}})  # a row of the other shard
    refused(
        project,
        workspace,
        "the rows or settings changed since:\n  jobs.campaigns.timeout_seconds: changed\n",
    )
    marketing.write_text(reviewed)

    # the workspace edited by hand in the shard the plan does not change
    campaigns = int(outputs(project)["jobs"]["campaigns"]["id"])
    body = {"job_id": campaigns, "new_settings": {"name": "Campaigns (by hand)"}}
    workspace.client().api_client.do("POST", "/api/2.2/jobs/update", body=body)
    refused(project, workspace, "the workspace changed since:\n  jobs.campaigns.name: ")

    # one shard deployed in between (by hand: a shard is an ordinary stack)
    shard = project.lakeform("up", "--stack", "e2e.finance", "--yes")
    assert shard.returncode == 0, shard.stderr
    refused(project, workspace, "stacks of e2e were deployed since:\n  stack e2e.finance: ")


def test_a_saved_plan_moves_rows_between_shards_and_applies_shard_by_shard(
    sharded_deployed: Project,
) -> None:
    project, workspace = sharded_deployed, sharded_deployed.workspace
    before = outputs(project)
    resources = project.dir / "resources"
    shutil.move(resources / "marketing" / "jobs.yaml", resources / "finance" / "campaigns.yaml")
    made = save(project, "--json")
    assert made.returncode == 0, made.stderr
    rows = {(r["kind"], r["key"]): r for r in json.loads(made.stdout)["rows"]}
    assert {k: r["action"] for k, r in rows.items()} == {
        ("jobs", "campaigns"): "move",
        ("pipelines", "reports"): "move",
    }
    assert rows[("jobs", "campaigns")]["moved"] == ["e2e.marketing", "e2e.finance"]
    record = json.loads((project.dir / "plan.json").read_text())
    assert {(m["key"], m["source"], m["dest"]) for m in record["moves"]} == {
        ("campaigns", "e2e.marketing", "e2e.finance"),
        ("reports", "e2e.marketing", "e2e.finance"),
    }
    # saving moved nothing: the shards' states are as they were
    assert stack_rows(project, "e2e.marketing") == {"campaigns", "reports"}

    # GitOps: a shard's part before the moves is refused...
    early = project.lakeform("up", "--stack", "e2e.finance", "--plan", "plan.json", "--yes")
    assert early.returncode == 1
    assert "rows of e2e.finance are still to move" in early.stderr
    # ... so: every check, the guard and the moves first, then each shard in reference order
    workspace.requests.clear()
    prepared = apply(project, "--prepare")
    assert prepared.returncode == 0, prepared.stderr
    assert sum(workspace.requests.writes().values()) == 0  # moves write states only
    assert stack_rows(project, "e2e.finance") == {"ledger", "campaigns", "reports"}
    for stack in ("e2e.finance", "e2e.marketing"):
        part = project.lakeform("up", "--stack", stack, "--plan", "plan.json", "--yes")
        assert part.returncode == 0, part.stderr
    after = outputs(project)
    assert after["jobs"]["campaigns"]["id"] == before["jobs"]["campaigns"]["id"]
    assert after["pipelines"]["reports"]["id"] == before["pipelines"]["reports"]["id"]
    assert stack_rows(project, "e2e.marketing") == set()
    assert len(list(workspace.client().jobs.list())) == 2
    again = project.lakeform("plan", "--stack", STACK, "--json")
    assert json.loads(again.stdout)["rows"] == []
