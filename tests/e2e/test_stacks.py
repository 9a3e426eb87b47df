"""Stacks side by side, protection in prod, faults and a killed deploy: Lakeform's program through
the real engine against the local workspace."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import RATE_LIMIT_OFF, REPO, Project, lakeform_project, processes_in
from tests.e2e.test_lifecycle import (
    SAMPLE_RESOURCES,
    edit_rows,
    monitor,
    workspace_jobs,
    workspace_pipelines,
)


def test_dev_and_prod_side_by_side_apply_their_settings(
    prod_deployed: Project, tmp_path: Path
) -> None:
    prod, workspace = prod_deployed, prod_deployed.workspace
    dev = lakeform_project(tmp_path / "dev", workspace=workspace, stack="dev")
    dev.up()
    jobs = {j.settings.name: j.job_id for j in workspace.client().jobs.list()}
    assert len(jobs) == 16
    api = workspace.client().api_client
    dev_daily = api.do(
        "GET",
        "/api/2.2/jobs/get",
        query={"job_id": jobs["[DEV] Olist Lakehouse - Daily Orchestration"]},
    )
    prod_daily = api.do(
        "GET", "/api/2.2/jobs/get", query={"job_id": jobs["Olist Lakehouse - Daily Orchestration"]}
    )
    assert dev_daily["settings"]["schedule"]["pause_status"] == "PAUSED"
    assert prod_daily["settings"]["schedule"]["pause_status"] == "UNPAUSED"
    assert dev_daily["settings"]["tags"]["lakeform_stack"] == "dev"
    pipelines = {p.name: p.pipeline_id for p in workspace.client().pipelines.list_pipelines()}
    dev_main = api.do("GET", f"/api/2.0/pipelines/{pipelines['[DEV] Olist Lakehouse - Main ETL']}")
    prod_main = api.do("GET", f"/api/2.0/pipelines/{pipelines['Olist Lakehouse - Main ETL']}")
    assert dev_main["spec"]["development"] is True
    assert "development" not in prod_main["spec"]
    assert dev_main["spec"]["catalog"] == "olist_dev" and prod_main["spec"]["catalog"] == "olist"
    protected = {
        r["urn"].split("::")[-1]
        for r in prod.state()
        if r.get("protect") and r["type"].startswith("databricks:")
    }
    assert protected == {
        "olist_main_pipeline", "olist_cdc_pipeline", "booking_revenue", "customer_profile",
        "host_quality", "property_engagement", "property_inventory",
    }  # fmt: skip
    assert not any(r.get("protect") for r in dev.state())
    # The prod guard reads prod's own state while the engine writes it: no sidecar files to
    # read half written (cli.pulumienv.file_backend).
    state = prod.dir.parent / "state"
    assert list(state.rglob("*.json")) and not list(state.rglob("*.attrs"))


def test_prod_refuses_to_drop_a_protected_row_until_it_is_released(
    prod_deployed: Project,
) -> None:
    prod, workspace = prod_deployed, prod_deployed.workspace
    edit_rows(
        prod,
        "resources/wanderbricks/monitors.yaml",
        lambda doc: doc["quality_monitors"].pop("host_quality"),
    )
    workspace.requests.clear()
    refused = prod.up(check=False)
    assert refused.returncode != 0
    assert "quality_monitors.host_quality" in refused.stdout
    assert "release" in refused.stdout
    assert workspace.requests.writes() == {}
    monitor(workspace, "olist.wanderbricks_gold.dim_host")  # still there

    # The documented way out: release, deploy, remove the row, deploy, un-release.
    (prod.dir / "resources/wanderbricks/monitors.yaml").write_text(
        (REPO / "resources/wanderbricks/monitors.yaml").read_text()
    )
    prod.config("lakeform:settings.release[0]", "quality_monitors.host_quality", path=True)
    prod.up()
    edit_rows(
        prod,
        "resources/wanderbricks/monitors.yaml",
        lambda doc: doc["quality_monitors"].pop("host_quality"),
    )
    workspace.requests.clear()
    prod.up()
    # Released, the row is no longer protected nor retained: removing it deletes the monitor.
    assert workspace.requests.writes() == {"monitors.delete": 1}
    assert "host_quality" not in prod.outputs()["quality_monitors"]
    with pytest.raises(Exception, match="does not exist"):
        monitor(workspace, "olist.wanderbricks_gold.dim_host")


def test_throttling_and_unavailability_are_retried_and_a_500_fails_only_its_resource(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    # The real provider's default rate limit: this test is about timing and retries.
    local = lakeform_project(tmp_path, workspace=workspace, stack="local", rate_limit=None)
    workspace.faults.throttle("POST", "/api/2.2/jobs/create", times=2)
    workspace.faults.unavailable("GET", "/api/2.0/pipelines/*", times=2)
    table = "olist_local.wanderbricks_gold.dim_host"
    workspace.faults.error("POST", f"/api/2.1/unity-catalog/tables/{table}/monitor", times=1)
    # --continue-on-error, as make demo runs it: one failing resource does not stop the others.
    failed = local.up("--continue-on-error", check=False)
    assert failed.returncode != 0
    assert "host_quality" in failed.stdout
    assert workspace.faults.pending == []
    assert len(workspace_jobs(workspace)) == 8  # the throttled creates went through
    assert len(workspace_pipelines(workspace)) == 2
    with pytest.raises(Exception, match="does not exist"):
        monitor(workspace, table)

    workspace.requests.clear()
    local.up()
    assert workspace.requests.writes() == {"monitors.create": 1}
    assert monitor(workspace, table)["status"] == "MONITOR_STATUS_ACTIVE"


def test_a_killed_deploy_is_recovered_without_duplicates(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    # The real provider's default rate limit: this test is about timing and retries.
    local = lakeform_project(tmp_path, workspace=workspace, stack="local", rate_limit=None)
    # Slow job creates down so the kill lands while creates are under way.
    workspace.faults.delay("POST", "/api/2.2/jobs/create", 1.5, times=7)
    proc = subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "local"],
        cwd=local.dir,
        env=local.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while workspace.requests.count("POST", "/api/2.2/jobs/create", status=200) < 2:
        assert proc.poll() is None, "pulumi up ended before the kill"
        assert time.monotonic() < deadline, "no job was created in time"
        time.sleep(0.1)
    # The engine starts its language host and plugins in process groups of their own, so the
    # kill below does not reach them: they must see their engine gone and exit by themselves.
    plugins = [
        p
        for p in processes_in(local.dir)
        if ("localprovider" in p or "pulumi-language-python " in p)
        and os.getpgid(int(p.split()[0])) != proc.pid
    ]
    assert {"localprovider" in p for p in plugins} == {True, False}, plugins
    os.killpg(proc.pid, signal.SIGKILL)  # pulumi and the program
    proc.wait()
    workspace.faults.clear()
    local.config("databricks:rateLimit", str(RATE_LIMIT_OFF))  # what follows is not about timing
    created_before = workspace.requests.count("POST", "/api/2.2/jobs/create", status=200)
    assert 2 <= created_before < 7
    deadline = time.monotonic() + 60
    while (left := [p for p in plugins if p in processes_in(local.dir)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.5)
    assert not left, f"still running 60 s after their engine was killed: {left}"

    recover = subprocess.run(
        [str(REPO / ".venv/bin/lakeform"), "recover", "--stack", "local", "--yes"],
        cwd=local.dir,
        env=local.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert recover.returncode == 0, recover.stdout + recover.stderr
    local.up()
    jobs = [j.settings.tags["lakeform_key"] for j in workspace.client().jobs.list()]
    assert sorted(jobs) == sorted(set(jobs)) and len(jobs) == 8, jobs
    assert len(workspace_pipelines(workspace)) == 2
    local.up()
    assert local.changes() == {"same": SAMPLE_RESOURCES}


def test_outputs_give_ids_and_urls_by_row_key_matching_the_workspace(
    sample_deployed: Project,
) -> None:
    local, workspace = sample_deployed, sample_deployed.workspace
    out: dict[str, Any] = local.outputs()
    jobs, pipelines = workspace_jobs(workspace), workspace_pipelines(workspace)
    assert {k: v["id"] for k, v in out["jobs"].items()} == {
        k: str(j["job_id"]) for k, j in jobs.items()
    }
    assert {k: v["name"] for k, v in out["jobs"].items()} == {
        k: j["settings"]["name"] for k, j in jobs.items()
    }
    for entry in out["jobs"].values():
        assert entry["url"].endswith(f"/jobs/{entry['id']}"), entry
    assert {k: v["id"] for k, v in out["pipelines"].items()} == {
        k: p["pipeline_id"] for k, p in pipelines.items()
    }
    for key, entry in out["quality_monitors"].items():
        held = monitor(workspace, entry["table_name"])
        assert entry["dashboard_id"] == held["dashboard_id"], key
        assert entry["profile_metrics_table_name"] == held["profile_metrics_table_name"], key
