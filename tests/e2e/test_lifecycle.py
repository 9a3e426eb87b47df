"""Lakeform's own program through the real engine and the local workspace: what a data team sees
when it deploys, changes, renames, removes and protects rows (issue: end to end on the real
engine). Each test has its own workspace and backend."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.files import RowFiles, upload_base
from components.jobs import JobArgs, job_spec
from components.monitors import QualityMonitorArgs, monitor_spec
from components.pipelines import PipelineArgs, pipeline_spec
from devtools.workspace.testing import RunningWorkspace
from metadata import apply_stack_defaults, load_rows
from metadata.settings import load_stack_settings
from stacks.build import RepoFiles, RepoGlobs
from tests.e2e.harness import Project, detailed_diff, lakeform_project, steps_by_op, up_steps

SAMPLE_RESOURCES = 41  # 8 jobs, 2 pipelines, 5 monitors, 23 uploads, a component per kind (3)


@pytest.fixture
def local(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    return lakeform_project(tmp_path, workspace=workspace, stack="local")


def edit_rows(project: Project, rel: str, edit: Any) -> None:
    """Load a YAML rows file of the project, let `edit` change it in place, write it back."""
    path = project.dir / rel
    doc = yaml.safe_load(path.read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def workspace_jobs(ws: RunningWorkspace) -> dict[str, dict[str, Any]]:
    """Jobs by their lakeform_key tag, as jobs/get answers them."""
    api = ws.client().api_client
    found: dict[str, dict[str, Any]] = {}
    for job in ws.client().jobs.list():
        full = api.do("GET", "/api/2.2/jobs/get", query={"job_id": job.job_id})
        found[full["settings"]["tags"]["lakeform_key"]] = full
    return found


def workspace_pipelines(ws: RunningWorkspace) -> dict[str, dict[str, Any]]:
    api = ws.client().api_client
    found: dict[str, dict[str, Any]] = {}
    for listed in ws.client().pipelines.list_pipelines():
        full = api.do("GET", f"/api/2.0/pipelines/{listed.pipeline_id}")
        found[full["spec"]["tags"]["lakeform_key"]] = full
    return found


def monitor(ws: RunningWorkspace, table: str) -> dict[str, Any]:
    return ws.client().api_client.do("GET", f"/api/2.1/unity-catalog/tables/{table}/monitor")


def provider_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    """What the provider adds to every job it sends (its schema defaults and queue)."""
    expected = {"max_concurrent_runs": 1, "queue": {"enabled": False}, **settings}
    for block in ("schedule", "continuous", "trigger"):
        if block in expected:
            expected[block] = {"pause_status": "UNPAUSED", **expected[block]}
    return expected


def test_first_deploy_holds_every_row_field_by_field_then_a_second_deploy_writes_nothing(
    local: Project, workspace: RunningWorkspace
) -> None:
    local.up()
    root = local.dir
    settings = load_stack_settings(root, "local")
    rows = apply_stack_defaults(
        load_rows(
            [root / p for p in settings.metadata_paths], root=root, stack="local", settings=settings
        ),
        settings,
        "local",
    )
    out = local.outputs()
    jobs, pipelines = workspace_jobs(workspace), workspace_pipelines(workspace)
    assert sorted(jobs) == sorted(rows.jobs) and sorted(pipelines) == sorted(rows.pipelines)
    pipeline_ids = {key: p["pipeline_id"] for key, p in pipelines.items()}
    job_ids = {key: j["job_id"] for key, j in jobs.items()}

    def files(kind: str, key: str) -> RowFiles:
        folder = upload_base(settings.workspace_root, "local", kind, key)
        return RowFiles(folder=folder, contents=RepoFiles(root), globs=RepoGlobs(root))

    api = workspace.client().api_client
    uploads = 0
    for key, row in rows.jobs.items():
        spec, files_of_job = job_spec(
            JobArgs(
                key=key,
                row=row,
                files=files("jobs", key),
                pipeline_ids=pipeline_ids,
                job_ids=job_ids,
            )
        )
        assert jobs[key]["settings"] == provider_defaults(spec), key
        assert out["jobs"][key]["id"] == str(jobs[key]["job_id"])
        for upload in files_of_job:
            exported = api.do(
                "GET", "/api/2.0/workspace/export", query={"path": upload.path, "format": "SOURCE"}
            )
            held = base64.b64decode(exported["content"]).rstrip()
            assert held.endswith(upload.content.rstrip()), upload.path
            uploads += 1
    for key, row in rows.pipelines.items():
        spec, files_of_pipeline = pipeline_spec(
            PipelineArgs(key=key, row=row, files=files("pipelines", key))
        )
        held = {k: v for k, v in pipelines[key]["spec"].items() if k != "id"}
        assert held == {"edition": "ADVANCED", "channel": "CURRENT", **spec}, key
        assert out["pipelines"][key]["id"] == pipelines[key]["pipeline_id"]
        uploads += len(files_of_pipeline)
    for key, row in rows.quality_monitors.items():
        spec = monitor_spec(QualityMonitorArgs(key=key, row=row))
        held = monitor(workspace, row.table_name)
        expected = dict(spec)
        if "schedule" in spec:  # the service fills the pause status of a schedule
            expected["schedule"] = {"pause_status": "UNPAUSED", **spec["schedule"]}
        for field, value in expected.items():  # the API answers neither of the last two
            if field not in ("table_name", "warehouse_id", "skip_builtin_dashboard"):
                assert held[field] == value, (key, field)
        assert out["quality_monitors"][key]["dashboard_id"] == held["dashboard_id"]
    # References between rows carry the deployed ids.
    daily = {t["task_key"]: t for t in jobs["olist_daily"]["settings"]["tasks"]}
    assert (
        daily["run_main_pipeline"]["pipeline_task"]["pipeline_id"]
        == pipeline_ids["olist_main_pipeline"]
    )

    workspace.requests.clear()
    local.up()
    assert local.changes() == {"same": SAMPLE_RESOURCES}
    assert workspace.requests.writes() == {}


def test_reordered_tasks_change_nothing_and_one_changed_field_is_one_write(
    sample_deployed: Project,
) -> None:
    """Both edits in one deploy: its own steps (`up --json`) show the changed field alone, so the
    reversed task list is no change (Lakeform sorts tasks), and one write is all it makes."""
    local, workspace = sample_deployed, sample_deployed.workspace
    before = workspace_jobs(workspace)["olist_daily"]

    def reverse_tasks_and_longer_timeout(doc: dict[str, Any]) -> None:
        doc["jobs"]["olist_daily"]["tasks"].reverse()
        doc["jobs"]["olist_daily"]["timeout_seconds"] = 12345

    edit_rows(local, "resources/olist/olist_jobs.yaml", reverse_tasks_and_longer_timeout)
    workspace.requests.clear()
    steps = up_steps(local)
    assert steps_by_op(steps) == {"update": ["olist_daily"]}
    assert detailed_diff(steps, "olist_daily") == {"timeoutSeconds": "update"}, (
        "Lakeform sorts tasks: their order is no change"
    )
    assert workspace.requests.writes() == {"jobs.reset": 1}
    after = workspace_jobs(workspace)["olist_daily"]
    assert after["job_id"] == before["job_id"]
    assert after["settings"]["timeout_seconds"] == 12345
    assert after["settings"]["tasks"] == before["settings"]["tasks"]


def test_a_row_renamed_with_previous_keys_keeps_its_resource(
    sample_deployed: Project,
) -> None:
    local, workspace = sample_deployed, sample_deployed.workspace
    old_id = workspace_jobs(workspace)["olist_weekly_refresh"]["job_id"]

    def rename(doc: dict[str, Any]) -> None:
        row = doc["jobs"].pop("olist_weekly_refresh")
        doc["jobs"]["weekly_refresh"] = {**row, "previous_keys": ["olist_weekly_refresh"]}

    edit_rows(local, "resources/olist/olist_jobs.yaml", rename)
    workspace.requests.clear()
    local.up()
    changes = local.changes()
    assert set(changes) <= {"same", "update"}, changes  # nothing created, deleted or replaced
    assert workspace.requests.writes() == {"jobs.reset": 1}  # the lakeform_key tag
    jobs = workspace_jobs(workspace)
    assert jobs["weekly_refresh"]["job_id"] == old_id
    assert "olist_weekly_refresh" not in jobs
    assert local.outputs()["jobs"]["weekly_refresh"]["id"] == str(old_id)


def test_a_removed_row_and_a_disabled_row_are_deleted_and_nothing_else_changes(
    sample_deployed: Project,
) -> None:
    local, workspace = sample_deployed, sample_deployed.workspace
    kept = {k: j["job_id"] for k, j in workspace_jobs(workspace).items()}

    edit_rows(
        local,
        "resources/wanderbricks/monitors.yaml",
        lambda doc: doc["quality_monitors"].pop("host_quality"),
    )

    def disable(doc: dict[str, Any]) -> None:
        doc["jobs"]["olist_weekly_refresh"]["disabled"] = True

    edit_rows(local, "resources/olist/olist_jobs.yaml", disable)
    workspace.requests.clear()
    local.up()
    assert workspace.requests.writes() == {"jobs.delete": 1, "monitors.delete": 1}
    jobs = workspace_jobs(workspace)
    assert "olist_weekly_refresh" not in jobs
    assert {k: j["job_id"] for k, j in jobs.items()} == {
        k: v for k, v in kept.items() if k != "olist_weekly_refresh"
    }
    with pytest.raises(Exception, match="does not exist"):
        monitor(workspace, "olist_local.wanderbricks_gold.dim_host")


def test_drift_is_shown_by_every_preview_and_put_back_by_the_next_deploy(
    sample_deployed: Project,
) -> None:
    """Lakeform stacks refresh on every preview and up (Pulumi.yaml `options.refresh: always`)."""
    local, workspace = sample_deployed, sample_deployed.workspace
    api = workspace.client().api_client
    job = workspace_jobs(workspace)["olist_daily"]
    api.do(
        "POST",
        "/api/2.2/jobs/reset",
        body={
            "job_id": job["job_id"],
            "new_settings": {**job["settings"], "timeout_seconds": 60},
        },
    )
    pipeline = workspace_pipelines(workspace)["olist_main_pipeline"]
    edited = {**pipeline["spec"], "development": True}
    api.do("PUT", f"/api/2.0/pipelines/{pipeline['pipeline_id']}", body=edited)
    gone = workspace_jobs(workspace)["customer_ingestion"]["job_id"]
    workspace.client().jobs.delete(gone)

    preview = local.preview()
    assert steps_by_op(preview) == {
        "create": ["customer_ingestion"],
        "update": ["olist_daily", "olist_main_pipeline"],
    }
    assert detailed_diff(preview, "olist_daily") == {"timeoutSeconds": "update"}
    assert detailed_diff(preview, "olist_main_pipeline") == {"development": "delete"}

    local.up()
    jobs = workspace_jobs(workspace)
    assert jobs["olist_daily"]["settings"]["timeout_seconds"] == 10800
    assert "development" not in workspace_pipelines(workspace)["olist_main_pipeline"]["spec"]
    assert jobs["customer_ingestion"]["job_id"] != gone
    assert steps_by_op(local.preview()) == {}


def test_lakeform_drift_sees_removals_the_provider_read_cannot_and_up_puts_them_back_in_place(
    sample_deployed: Project,
) -> None:
    """A schedule, tags and notifications removed in the UI: the provider's read keeps the state's
    values (StructToData, TF #5624), so a refresh shows nothing; `lakeform drift` compares each
    job and pipeline with its row and names them; `lakeform up` updates both in place."""
    local, workspace = sample_deployed, sample_deployed.workspace

    def notify(doc: dict[str, Any]) -> None:
        doc["pipelines"]["olist_main_pipeline"]["notifications"] = [
            {"email_recipients": ["data@example.com"], "alerts": ["on-update-failure"]}
        ]

    edit_rows(local, "resources/olist/olist_pipelines.yaml", notify)
    local.up()
    out = local.outputs()
    job_id = out["jobs"]["olist_daily"]["id"]
    pipeline_id = out["pipelines"]["olist_main_pipeline"]["id"]
    api = workspace.client().api_client
    job = api.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})["settings"]
    spec = api.do("GET", f"/api/2.0/pipelines/{pipeline_id}")["spec"]
    edited = {k: v for k, v in job.items() if k not in ("schedule", "tags")}
    api.do("POST", "/api/2.2/jobs/reset", body={"job_id": int(job_id), "new_settings": edited})
    bare = {k: v for k, v in spec.items() if k != "notifications"}
    api.do("PUT", f"/api/2.0/pipelines/{pipeline_id}", body=bare)

    # What the provider's read shows (the real one too): nothing.
    assert steps_by_op(local.preview(refresh=True)) == {}

    drift = local.lakeform("drift", "--stack", "local")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    lines = [line.split(": {", 1)[0].split(": [", 1)[0] for line in drift.stdout.splitlines()]
    assert lines[2:] == [
        "jobs",
        "    ~ olist_daily",
        "        schedule",
        "        tags",
        "",
        "pipelines",
        "    ~ olist_main_pipeline",
        "        notifications",
    ], drift.stdout
    fields = [line for line in drift.stdout.splitlines() if line.startswith("        ")]
    assert all(line.endswith(" -> (none)") for line in fields), drift.stdout

    workspace.requests.clear()
    up = local.lakeform("up", "--stack", "local", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert workspace.requests.writes() == {"jobs.reset": 1, "pipelines.edit": 1}
    out = local.outputs()
    assert out["jobs"]["olist_daily"]["id"] == job_id
    assert out["pipelines"]["olist_main_pipeline"]["id"] == pipeline_id
    after = api.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})["settings"]
    assert (after["schedule"], after["tags"]) == (job["schedule"], job["tags"])
    held = api.do("GET", f"/api/2.0/pipelines/{pipeline_id}")["spec"]
    assert held["notifications"] == spec["notifications"]

    again = local.lakeform("drift", "--stack", "local")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("drift in stack local: none")


def test_a_monitor_update_keeps_its_history_and_reset_replaces_it_on_purpose(
    sample_deployed: Project,
) -> None:
    local, workspace = sample_deployed, sample_deployed.workspace
    table = "olist_local.wanderbricks_gold.fact_booking_daily"
    first = monitor(workspace, table)

    def change_metric(doc: dict[str, Any]) -> None:
        doc["quality_monitors"]["booking_revenue"]["custom_metrics"][0]["definition"] = (
            "SUM(total_booking_value) * 1.0"
        )

    edit_rows(local, "resources/wanderbricks/monitors.yaml", change_metric)
    workspace.requests.clear()
    local.up()
    assert workspace.requests.writes() == {"monitors.update": 1}
    updated = monitor(workspace, table)
    assert updated["dashboard_id"] == first["dashboard_id"]
    assert updated["custom_metrics"][0]["definition"] == "SUM(total_booking_value) * 1.0"

    def reset(doc: dict[str, Any]) -> None:
        doc["quality_monitors"]["booking_revenue"]["reset"] = 1

    edit_rows(local, "resources/wanderbricks/monitors.yaml", reset)
    workspace.requests.clear()
    local.up()
    assert workspace.requests.writes() == {"monitors.delete": 1, "monitors.create": 1}
    assert monitor(workspace, table)["dashboard_id"] != first["dashboard_id"]
    assert local.outputs()["quality_monitors"]["booking_revenue"]["reset"] == 1


def test_bad_input_stops_the_deploy_with_file_and_line_and_changes_nothing(
    sample_deployed: Project,
) -> None:
    local, workspace = sample_deployed, sample_deployed.workspace
    rows = local.dir / "resources/olist/olist_jobs.yaml"
    good = rows.read_text()
    rows.write_text(good.replace("timeout_seconds: 10800", "timeot_seconds: 10800", 1))
    workspace.requests.clear()
    typo = local.up(check=False)
    assert typo.returncode != 0
    assert "resources/olist/olist_jobs.yaml:" in typo.stdout
    assert "unknown field 'timeot_seconds'; did you mean 'timeout_seconds'?" in typo.stdout
    assert workspace.requests.writes() == {}
    rows.write_text(good)

    (local.dir / "empty").mkdir()
    for path, message in (("nowhere", "nowhere"), ("empty", "no metadata rows")):
        local.config("lakeform:settings.metadata_paths[0]", path, path=True)
        refused = local.up(check=False)
        assert refused.returncode != 0, path
        assert message in refused.stdout, refused.stdout[-2000:]
    assert workspace.requests.writes() == {}
    assert len(workspace_jobs(workspace)) == 8
