"""`lakeform up` runs no update when its preview changes nothing, and deploys when it does."""

from __future__ import annotations

import json
from dataclasses import replace

import yaml

from tests.e2e.harness import Project


def history(project: Project) -> list[dict[str, object]]:
    return json.loads(project.pulumi("stack", "history", "--json").stdout)


def test_a_no_change_up_runs_no_update_and_a_changed_row_still_deploys(
    lakeform_deployed: Project,
) -> None:
    """One test, two `lakeform up`s: the second starts where the first left the stack, which
    is the point (a skipped update must leave the stack deployable)."""
    project, workspace = lakeform_deployed, lakeform_deployed.workspace
    updates = len(history(project))
    state = project.pulumi("stack", "export").stdout
    outputs = project.outputs()

    workspace.requests.clear()
    same = project.lakeform("up", "--stack", project.stack, "--yes")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "nothing to deploy" in same.stdout
    assert "stack e2e is up to date: no update runs" in same.stdout
    assert "deploying stack" not in same.stderr
    # The outputs are printed as after a deploy.
    daily = outputs["jobs"]["daily"]
    assert f"jobs.daily  id={daily['id']}  url={daily['url']}" in same.stdout
    assert len(history(project)) == updates
    assert project.pulumi("stack", "export").stdout == state
    assert workspace.requests.writes() == {}

    rows_file = project.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    rows["jobs"]["daily"]["timeout_seconds"] = 7200
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    workspace.requests.clear()
    changed = project.lakeform("up", "--stack", project.stack, "--yes")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "up to date" not in changed.stdout
    assert "jobs.daily: updated" in changed.stderr
    assert len(history(project)) == updates + 1
    assert workspace.requests.writes() == {"jobs.reset": 1}
    job = workspace.client().jobs.get(int(daily["id"]))
    assert job.settings is not None and job.settings.timeout_seconds == 7200


def test_a_no_change_sharded_up_updates_no_shard_and_a_changed_row_only_its_own(
    sharded_deployed: Project,
) -> None:
    """Shard e2e.marketing reads e2e.finance's outputs (a StackReference, which the engine reads
    at every preview): with nothing changed, neither shard runs an update; a row of finance
    changed deploys finance alone (its outputs, which marketing reads, stay as they were), and
    neither is previewed again by a plan without refresh."""
    project, workspace = sharded_deployed, sharded_deployed.workspace
    shards = {stack: replace(project, stack=stack) for stack in ("e2e.finance", "e2e.marketing")}
    updates = {stack: len(history(shard)) for stack, shard in shards.items()}
    states = {stack: shard.pulumi("stack", "export").stdout for stack, shard in shards.items()}

    workspace.requests.clear()
    same = project.lakeform("up", "--stack", "e2e", "--yes", "-j", "2")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "nothing to deploy" in same.stdout
    for stack, shard in shards.items():
        assert f"stack {stack} is up to date: no update runs" in same.stderr
        assert f"deploying stack {stack}" not in same.stderr
        assert len(history(shard)) == updates[stack]
        assert shard.pulumi("stack", "export").stdout == states[stack]
    assert workspace.requests.writes() == {}

    rows_file = project.dir / "resources" / "finance" / "jobs.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    rows["jobs"]["ledger"]["timeout_seconds"] = 60
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    workspace.requests.clear()
    changed = project.lakeform("up", "--stack", "e2e", "--yes", "-j", "2")
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "jobs.ledger: updated" in changed.stderr
    assert "stack e2e.marketing is up to date: no update runs" in changed.stderr
    assert len(history(shards["e2e.finance"])) == updates["e2e.finance"] + 1
    assert len(history(shards["e2e.marketing"])) == updates["e2e.marketing"]
    assert workspace.requests.writes() == {"jobs.reset": 1}

    # Both shards are as that up left them, marketing found up to date included: a plan without
    # refresh runs neither's engine (cli/unchanged.py).
    quiet = project.lakeform("plan", "--stack", "e2e", "--no-refresh", "--json")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert json.loads(quiet.stdout)["rows"] == []
    for stack in shards:
        assert f"stack {stack}: unchanged since its last up at" in quiet.stderr
    assert "planning stack" not in quiet.stderr
