"""`lakeform plan --no-refresh`: a plan that trusts the state. It reads nothing from the workspace,
so a change made there by hand (drift) is not in it, where a plain `lakeform plan` (Pulumi.yaml's
`refresh: always`) shows it; a change of the rows is in both. For an ordinary stack and for a
sharded one (the shards it previews read nothing either)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.harness import Project

HAND = "Renamed by hand"


def plan(project: Project, *extra: str) -> dict[tuple[str, str], list[str]]:
    """(kind, key) -> the field paths `lakeform plan --json` changes for that row."""
    done = project.lakeform("plan", "--stack", project.stack, "--json", "-j", "2", *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)["rows"]
    return {(r["kind"], r["key"]): [f["path"] for f in r["fields"]] for r in rows}


def job_id(project: Project, key: str) -> int:
    done = project.lakeform("outputs", "--stack", project.stack, "--json")
    assert done.returncode == 0, done.stderr
    return int(json.loads(done.stdout)["jobs"][key]["id"])


DISCOVERY = "/.well-known/databricks-config"
"""databricks-sdk's host discovery when a client is configured (databricks/sdk/config.py, oauth.py
`get_host_metadata`): no resource read."""


def reads(project: Project) -> list[str]:
    """Every request but the SDK's host discovery (each provider process makes one)."""
    return [
        f"{r.method} {r.path}" for r in project.workspace.requests.records if r.path != DISCOVERY
    ]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def drift_not_seen_row_change_seen(
    project: Project, key: str, rows: Path, old: str, new: str
) -> None:
    """Both changes at once, then one plan of each kind: the job renamed in the workspace (drift)
    and a field of its row changed. A plain plan shows both; `--no-refresh` shows the row's change
    alone, so not the drift, and reads nothing. (One pair of plans where there were two, one pair
    a change: each of those plans' answers is a part of these two's.)"""
    # drift: the job renamed in the workspace, not through Lakeform
    client = project.workspace.client()
    job = job_id(project, key)
    body = {"job_id": job, "new_settings": {"name": HAND}}
    client.api_client.do("POST", "/api/2.2/jobs/update", body=body)
    assert client.jobs.get(job).settings.name == HAND  # pyright: ignore[reportOptionalMemberAccess]
    # and a change of the rows
    replace_in(rows, old, new)

    # a plain plan reads every resource first and puts the name back; the row's change is in it
    assert {"name", "timeout_seconds"} <= set(plan(project).get(("jobs", key), []))

    # --no-refresh trusts the state: the row's change only, and not one read of the workspace
    project.workspace.requests.clear()
    assert plan(project, "--no-refresh") == {("jobs", key): ["timeout_seconds"]}
    assert reads(project) == []


def test_an_ordinary_stack_plan_without_refresh_shows_the_row_change_not_the_drift(
    lakeform_deployed: Project,
) -> None:
    rows = lakeform_deployed.dir / "resources" / "rows.yaml"
    drift_not_seen_row_change_seen(
        lakeform_deployed, "daily", rows, "timeout_seconds: 3600", "timeout_seconds: 7200"
    )


def test_a_sharded_stack_plan_without_refresh_shows_the_row_change_not_the_drift(
    sharded_deployed: Project,
) -> None:
    # ledger is in shard finance; campaigns (shard marketing) runs it
    rows = sharded_deployed.dir / "resources" / "finance" / "jobs.yaml"
    drift_not_seen_row_change_seen(
        sharded_deployed,
        "ledger",
        rows,
        "name: Ledger\n",
        "name: Ledger\n    timeout_seconds: 60\n",
    )
