"""A stack split into shards (lakeform:settings.shards), deployed by `lakeform up` against a local
workspace: each shard its own Pulumi stack, references across shards, rows moving between shards
without being recreated, and a failed shard finished by the next run."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import LAKEFORM_PROGRAM, Project

PROGRAM = Path(__file__).parent / "programs" / "sharded"
SHARDS = ("e2e.finance", "e2e.marketing")


def sharded(workspace: RunningWorkspace, tmp: Path) -> Project:
    return Project.copy_of(
        PROGRAM, tmp, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM, init=False
    )


def up(project: Project, *extra: str) -> Any:
    result = project.lakeform("up", "--stack", "e2e", "--yes", "-j", "2", *extra)
    return result


def outputs(project: Project) -> dict[str, Any]:
    result = project.lakeform("outputs", "--stack", "e2e", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def job_settings(ws: RunningWorkspace, job_id: str | int) -> dict[str, Any]:
    answer = ws.client().api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    return dict(answer["settings"])  # pyright: ignore[reportArgumentType,reportCallIssue,reportIndexIssue]


def run_job_id(ws: RunningWorkspace, job_id: str | int) -> int:
    tasks = {t["task_key"]: t for t in job_settings(ws, job_id)["tasks"]}
    return int(tasks["ledger_first"]["run_job_task"]["job_id"])


def stack_rows(project: Project, stack: str) -> set[str]:
    """The row resources (jobs, pipelines) in one shard's own state."""
    exported = replace(project, stack=stack).pulumi("stack", "export").stdout
    resources = json.loads(exported)["deployment"].get("resources") or []
    return {
        r["urn"].rsplit("::", 1)[-1]
        for r in resources
        if r["type"] in ("databricks:index/job:Job", "databricks:index/pipeline:Pipeline")
    }


def test_a_sharded_stack_deploys_each_shard_as_its_own_stack(sharded_deployed: Project) -> None:
    # deployed by `lakeform up` (conftest.sharded_once); a first deploy with a failed shard is
    # the last test's
    project, workspace = sharded_deployed, sharded_deployed.workspace
    assert stack_rows(project, "e2e.finance") == {"ledger"}
    assert stack_rows(project, "e2e.marketing") == {"campaigns", "reports"}
    out = outputs(project)
    assert set(out["jobs"]) == {"ledger", "campaigns"}
    assert set(out["pipelines"]) == {"reports"}
    # campaigns (shard marketing) runs ledger (shard finance) by its deployed id
    assert run_job_id(workspace, out["jobs"]["campaigns"]["id"]) == int(out["jobs"]["ledger"]["id"])
    # a shard is an ordinary stack: a preview by hand changes nothing
    marketing = replace(project, stack="e2e.marketing")
    preview = marketing.pulumi("preview", "--json", "--refresh=false")
    steps = json.loads(preview.stdout).get("steps") or []
    assert {s["op"] for s in steps} <= {"same", "read"}  # read: the StackReference

    # ledger is deleted in the workspace: the next up recreates it (refresh: always), and
    # campaigns, in the other shard, is updated to run the new one.
    old_ledger = out["jobs"]["ledger"]["id"]
    workspace.client().jobs.delete(int(old_ledger))
    result = up(project)
    assert result.returncode == 0, result.stderr
    out = outputs(project)
    assert out["jobs"]["ledger"]["id"] != old_ledger
    assert run_job_id(workspace, out["jobs"]["campaigns"]["id"]) == int(out["jobs"]["ledger"]["id"])


def test_a_row_moved_to_another_shard_keeps_its_resources(sharded_deployed: Project) -> None:
    project, workspace = sharded_deployed, sharded_deployed.workspace
    before = outputs(project)
    # campaigns moves to shard finance: its file moves to that folder
    resources = project.dir / "resources"
    shutil.move(resources / "marketing" / "jobs.yaml", resources / "finance" / "campaigns.yaml")
    plan = project.lakeform("plan", "--stack", "e2e", "--json")
    assert plan.returncode == 0, plan.stderr
    actions = {(r["kind"], r["key"]): r["action"] for r in json.loads(plan.stdout)["rows"]}
    assert actions == {("jobs", "campaigns"): "move", ("pipelines", "reports"): "move"}

    # `up` shows the plan it deploys in `lakeform plan`'s text (cli/render.py text(), of the
    # same plan): the text a second `lakeform plan` would print, without its two previews
    result = up(project)
    assert result.returncode == 0, result.stderr
    assert "moved from e2e.marketing to e2e.finance, not recreated" in result.stdout
    after = outputs(project)
    assert after["jobs"]["campaigns"]["id"] == before["jobs"]["campaigns"]["id"]
    assert after["pipelines"]["reports"]["id"] == before["pipelines"]["reports"]["id"]
    assert stack_rows(project, "e2e.finance") == {"ledger", "campaigns", "reports"}
    assert stack_rows(project, "e2e.marketing") == set()
    assert len(list(workspace.client().jobs.list())) == 2
    # nothing left to do: no create or delete of the moved rows
    again = project.lakeform("plan", "--stack", "e2e", "--json")
    assert json.loads(again.stdout)["rows"] == []


def test_a_failed_shard_leaves_the_others_deployed_and_the_next_run_finishes_it(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    project = sharded(workspace, tmp_path)
    workspace.faults.error("POST", "/api/2.0/pipelines", times=50)
    result = up(project)
    assert result.returncode == 1
    assert "stack e2e.marketing:" in result.stderr
    assert stack_rows(project, "e2e.finance") == {"ledger"}
    assert "reports" not in stack_rows(project, "e2e.marketing")
    workspace.faults.clear()
    result = up(project)
    assert result.returncode == 0, result.stderr
    assert set(outputs(project)["pipelines"]) == {"reports"}
