"""`lakeform plan`, `up`, `drift` and `outputs` through the real engine against a local workspace.

Each test starts from its own copy of tests/e2e/programs/lakeform's rows deployed as stack `e2e`
(conftest.lakeform_deployed), and makes few engine runs (each costs 10-15 s); the formatting itself
is tested on recorded steps in tests/cli/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import REPO, Project

GOLDEN = Path(__file__).resolve().parent / "golden" / "plan_every_change.md"
STACK = "e2e"


def edit_rows(project: Project) -> None:
    """One change of each kind: hourly created, weekly updated, sales replaced (storage, name),
    legacy deleted, daily's tasks changed (publish added, report removed, transform changed)."""
    path = project.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(path.read_text())
    jobs = rows["jobs"]
    jobs["hourly"] = {
        "name": "Hourly",
        "tasks": [{"task_key": "only", "notebook_task": {"notebook_path": "src/ingest.py"}}],
    }
    jobs["weekly"]["timeout_seconds"] = 900
    del jobs["legacy"]
    tasks = {t["task_key"]: t for t in jobs["daily"]["tasks"]}
    tasks["transform"]["timeout_seconds"] = 1200
    del tasks["report"]
    tasks["publish"] = {
        "task_key": "publish",
        "depends_on": ["transform", "ingest"],
        "notebook_task": {"notebook_path": "src/ingest.py"},
    }
    jobs["daily"]["tasks"] = list(tasks.values())
    # A new name too: the replacement is created before the old pipeline goes, and Databricks
    # refuses two pipelines of one name.
    rows["pipelines"]["sales"].update(storage="/mnt/sales/v2", name="Sales v2")
    path.write_text(yaml.safe_dump(rows, sort_keys=False))


def set_setting(project: Project, name: str, value: Any) -> None:
    path = project.dir / f"Pulumi.{STACK}.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["lakeform:settings"][name] = value
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def masked(text: str, workspace: RunningWorkspace) -> str:
    """Ids and the workspace's address (they differ per run) as placeholders."""
    text = text.replace(workspace.url, "http://WORKSPACE")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    return re.sub(r"\b\d{12,}\b", "<id>", text)


def job_names(workspace: RunningWorkspace) -> dict[str, int]:
    return {j.settings.name: j.job_id for j in workspace.client().jobs.list()}


def weekly_timeout(workspace: RunningWorkspace) -> Callable[[int], None]:
    """Sets the deployed Weekly job's timeout_seconds in the workspace (out of band)."""
    api = workspace.client().api_client
    weekly = job_names(workspace)["Weekly"]

    def timeout(value: int) -> None:
        body = {"job_id": weekly, "new_settings": {"timeout_seconds": value}}
        api.do("POST", "/api/2.2/jobs/update", body=body)

    return timeout


def test_plan_markdown_guard_refuses_then_allows_and_outputs_match(
    lakeform_deployed: Project,
) -> None:
    lakeform, workspace = lakeform_deployed, lakeform_deployed.workspace
    edit_rows(lakeform)

    planned = lakeform.lakeform("plan", "--stack", STACK, "--format", "markdown", "-o", "plan.md")
    assert planned.returncode == 0, planned.stderr
    markdown = masked((lakeform.dir / "plan.md").read_text(), workspace)
    if os.environ.get("LAKEFORM_UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown)
    assert markdown == GOLDEN.read_text()

    set_setting(lakeform, "max_deletes", 0)
    refused = lakeform.lakeform("up", "--stack", STACK, "--yes")
    assert refused.returncode == 1
    assert "it would delete 1 rows, more than the 0 allowed" in refused.stderr
    assert "  - jobs.legacy\n" in refused.stderr
    assert "--allow-deletes 1" in refused.stderr
    assert "Legacy" in job_names(workspace)  # nothing deleted, nothing deployed
    assert "Hourly" not in job_names(workspace)

    allowed = lakeform.lakeform("up", "--stack", STACK, "--yes", "--allow-deletes", "1")
    assert allowed.returncode == 0, allowed.stderr
    assert "jobs.legacy: deleted" in allowed.stderr
    assert "jobs.hourly: created" in allowed.stderr
    jobs = job_names(workspace)
    assert sorted(jobs) == ["Daily", "Hourly", "Weekly"]

    listed = lakeform.lakeform("outputs", "--stack", STACK, "--json")
    assert listed.returncode == 0, listed.stderr
    outputs = json.loads(listed.stdout)
    assert {o["name"]: int(o["id"]) for o in outputs["jobs"].values()} == jobs
    pipelines = {p.name: p.pipeline_id for p in workspace.client().pipelines.list_pipelines()}
    assert {o["name"]: o["id"] for o in outputs["pipelines"].values()} == pipelines
    assert outputs["jobs"]["hourly"]["url"] == f"{workspace.url}/jobs/{jobs['Hourly']}"


def read_only(project: Project, state: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`argv` run in the project with its file backend read-only: a private read-only bind mount
    when root (permissions do not stop root), else the folder's write bits cleared."""
    run = {"cwd": project.dir, "env": project.env, "capture_output": True, "text": True}
    if os.geteuid() != 0:
        tree = [state, *state.rglob("*")]
        for path in tree:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            return subprocess.run(argv, **run, timeout=900)
        finally:
            for path in tree:
                path.chmod(path.stat().st_mode | 0o200)
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is needed to make the backend read-only for root")
    remount = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    wrapped = ["unshare", "--mount", "--propagation", "private", "sh", "-c", remount, str(state)]
    return subprocess.run([*wrapped, *argv], **run, timeout=900)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_plan_and_drift_need_only_read_access_and_drift_exits_2_until_an_edit_is_put_back(
    lakeform_deployed: Project,
) -> None:
    """What lets pull-request plans and nightly drift run with read-only state credentials
    (.github/workflows/plan.yml): preview and refresh --preview-only take no lock and save
    nothing on a DIY backend. `pulumi up` fails on the same folder: it is read-only.
    Drift's exit codes on the same runs: 2 after an out-of-band edit, 0 once it is put back."""
    lakeform, workspace = lakeform_deployed, lakeform_deployed.workspace
    state = lakeform.dir.parent / "state"
    before = contents(state)
    cli = str(REPO / ".venv" / "bin" / "lakeform")
    timeout = weekly_timeout(workspace)

    timeout(42)
    drifted = read_only(lakeform, state, cli, "drift", "--stack", STACK)
    assert drifted.returncode == 2, drifted.stdout + drifted.stderr
    assert "drift in stack e2e: 1 changed in the workspace" in drifted.stdout
    assert "~ weekly\n        timeout_seconds: 600 -> 42\n" in drifted.stdout

    timeout(600)
    planned = read_only(lakeform, state, cli, "plan", "--stack", STACK, "--refresh")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    clean = read_only(lakeform, state, cli, "drift", "--stack", STACK)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "drift in stack e2e: none" in clean.stdout
    assert contents(state) == before
    up = read_only(lakeform, state, "pulumi", "up", "--yes", "--non-interactive", "--stack", STACK)
    assert up.returncode != 0
    assert re.search(r"read-only file system|permission denied", up.stdout + up.stderr, re.I), (
        up.stdout + up.stderr
    )
