"""The databricks provider through the real engine: one resource of each type (issue: a provider
plugin for local runs). Runs against whichever plugin `make toolchain` chose (see harness)."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import Project, detailed_diff, steps_by_op, up_steps

JOB = "databricks:index/job:Job"
PIPELINE = "databricks:index/pipeline:Pipeline"
NOTEBOOK = "databricks:index/notebook:Notebook"


def jobs(ws: RunningWorkspace) -> list[Any]:
    return list(ws.client().jobs.list())


def only_job(ws: RunningWorkspace) -> dict[str, Any]:
    listed = jobs(ws)
    assert len(listed) == 1, [j.settings.name for j in listed]
    return ws.client().api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": listed[0].job_id})


def test_up_creates_each_type_as_declared_then_a_second_up_writes_nothing(
    one_of_each: Project, workspace: RunningWorkspace
) -> None:
    one_of_each.up()
    out = one_of_each.outputs()
    api = workspace.client().api_client

    notebook = api.do(
        "GET",
        "/api/2.0/workspace/export",
        query={"path": "/Workspace/Shared/e2e/ingest", "format": "SOURCE"},
    )
    # A SOURCE export starts with the notebook header the service adds.
    assert base64.b64decode(notebook["content"]).splitlines()[-1] == b"print('ingest')"
    status = api.do(
        "GET", "/api/2.0/workspace/get-status", query={"path": "/Workspace/Shared/e2e/ingest"}
    )
    assert (status["object_type"], status["language"]) == ("NOTEBOOK", "PYTHON")
    sql = api.do(
        "GET",
        "/api/2.0/workspace/get-status",
        query={"path": "/Workspace/Shared/e2e/transform.sql"},
    )
    assert sql["object_type"] == "FILE"

    pipeline = api.do("GET", f"/api/2.0/pipelines/{out['pipeline_id']}")
    spec = {k: v for k, v in pipeline["spec"].items() if k != "id"}
    assert spec == {
        "name": "e2e pipeline",
        "catalog": "main",
        "schema": "e2e",
        "serverless": True,
        "configuration": {"comment": "first"},
        "libraries": [{"file": {"path": "/Workspace/Shared/e2e/transform.sql"}}],
        "edition": "ADVANCED",  # the provider's defaults
        "channel": "CURRENT",
    }

    job = only_job(workspace)
    assert str(job["job_id"]) == out["job_id"]
    assert job["settings"] == {
        "name": "e2e job",
        "timeout_seconds": 600,
        "max_concurrent_runs": 1,
        "queue": {"enabled": False},
        "tags": {"team": "data"},
        "schedule": {
            "quartz_cron_expression": "0 0 6 * * ?",
            "timezone_id": "UTC",
            "pause_status": "UNPAUSED",
        },
        "tasks": [
            {"task_key": "a_refresh", "pipeline_task": {"pipeline_id": out["pipeline_id"]}},
            {
                "task_key": "b_ingest",
                "depends_on": [{"task_key": "a_refresh"}],
                "notebook_task": {
                    "notebook_path": "/Workspace/Shared/e2e/ingest",
                    "base_parameters": {"mode": "full"},
                },
                "max_retries": 2,
            },
        ],
    }
    assert out["job_url"] == f"{workspace.url}/#job/{out['job_id']}"
    assert out["pipeline_url"] == f"{workspace.url}/#joblist/pipelines/{out['pipeline_id']}"

    monitor = api.do("GET", "/api/2.1/unity-catalog/tables/main.e2e.orders/monitor")
    assert monitor["status"] == "MONITOR_STATUS_ACTIVE"
    assert monitor["assets_dir"] == "/Workspace/Shared/e2e/monitoring"
    assert monitor["time_series"] == {"timestamp_col": "ts", "granularities": ["1 day"]}
    assert monitor["custom_metrics"] == [
        {
            "name": "total",
            "type": "CUSTOM_METRIC_TYPE_AGGREGATE",
            "definition": "sum(amount)",
            "input_columns": [":table"],
            "output_data_type": "double",
        }
    ]
    assert out["monitor_dashboard"] == monitor["dashboard_id"]

    workspace.requests.clear()
    one_of_each.up()
    assert one_of_each.changes() == {"same": 6}
    assert workspace.requests.writes() == {}


def test_one_changed_field_is_one_update_in_place(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    before = only_job(workspace)
    one_of_each.config("t:timeout", "900")
    workspace.requests.clear()
    steps = up_steps(one_of_each)  # the update's own steps: no preview run before it
    assert steps_by_op(steps) == {"update": ["job"]}
    assert detailed_diff(steps, "job") == {"timeoutSeconds": "update"}
    assert workspace.requests.writes() == {"jobs.reset": 1}
    after = only_job(workspace)
    assert after["job_id"] == before["job_id"]
    assert after["settings"]["timeout_seconds"] == 900


def test_a_monitor_update_keeps_the_monitor(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    path = "/api/2.1/unity-catalog/tables/main.e2e.orders/monitor"
    before = workspace.client().api_client.do("GET", path)
    one_of_each.config("t:granularity", "1 hour")
    workspace.requests.clear()
    one_of_each.up()
    assert workspace.requests.writes() == {"monitors.update": 1}
    after = workspace.client().api_client.do("GET", path)
    assert after["time_series"]["granularities"] == ["1 hour"]
    assert after["dashboard_id"] == before["dashboard_id"]


def test_a_notebook_path_change_replaces_it_and_the_job_follows(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    one_of_each.config("t:folder", "/Workspace/Shared/e2e2")
    steps = up_steps(one_of_each)  # the update's own steps: no preview run before it
    ops = steps_by_op(steps)
    assert ops["replace"] == ["notebook", "source"]
    assert detailed_diff(steps, "notebook") == {"path": "update-replace"}
    assert sorted(ops["update"]) == ["job", "pipeline"]
    api = workspace.client().api_client
    listing = api.do("GET", "/api/2.0/workspace/list", query={"path": "/Workspace/Shared/e2e2"})
    assert sorted(o["path"] for o in listing["objects"]) == [
        "/Workspace/Shared/e2e2/ingest",
        "/Workspace/Shared/e2e2/transform.sql",
    ]
    for gone in ("/Workspace/Shared/e2e/ingest", "/Workspace/Shared/e2e/transform.sql"):
        answer = api.do("GET", "/api/2.0/workspace/list", query={"path": "/Workspace/Shared/e2e"})
        assert gone not in [o["path"] for o in answer.get("objects", [])]
    task = only_job(workspace)["settings"]["tasks"][1]
    assert task["notebook_task"]["notebook_path"] == "/Workspace/Shared/e2e2/ingest"


def test_out_of_band_edits_show_in_a_refresh_preview_and_up_refresh_undoes_them(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    job = only_job(workspace)
    edited = {**job["settings"], "timeout_seconds": 42, "max_concurrent_runs": 3}
    api = workspace.client().api_client
    api.do("POST", "/api/2.2/jobs/reset", body={"job_id": job["job_id"], "new_settings": edited})

    assert steps_by_op(one_of_each.preview()) == {}, "a plain preview never reads the workspace"
    preview = one_of_each.preview(refresh=True)
    assert steps_by_op(preview) == {"update": ["job"]}
    assert detailed_diff(preview, "job") == {
        "maxConcurrentRuns": "update",
        "timeoutSeconds": "update",
    }

    one_of_each.up("--refresh")
    settings = only_job(workspace)["settings"]
    assert (settings["timeout_seconds"], settings["max_concurrent_runs"]) == (600, 1)
    assert steps_by_op(one_of_each.preview(refresh=True)) == {}


def test_a_job_deleted_by_hand_is_recreated(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    old = only_job(workspace)["job_id"]
    workspace.client().jobs.delete(old)
    steps = up_steps(one_of_each, "--refresh")  # the update's own steps: no preview before it
    assert steps_by_op(steps) == {"create": ["job"]}
    new = only_job(workspace)
    assert new["job_id"] != old
    assert one_of_each.outputs()["job_id"] == str(new["job_id"])


def test_tasks_out_of_task_key_order_never_settle_as_with_the_real_provider(
    one_of_each_deployed: Project,
) -> None:
    """The real provider sorts tasks when it sends and reads them, and compares the list by
    position: a program declaring tasks out of order gets a diff on every run (pulumi-databricks
    #49). Lakeform sorts them (see test_lifecycle); this plugin must not hide the problem.
    (Starts from the program deployed in order: the first up sends the reversed list.)"""
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    one_of_each.config("t:reverse", "true")
    one_of_each.up()
    assert [t["task_key"] for t in only_job(workspace)["settings"]["tasks"]] == [
        "a_refresh",
        "b_ingest",
    ]
    one_of_each.up()
    assert one_of_each.changes() == {"same": 5, "update": 1}


def test_destroy_leaves_the_workspace_empty(
    one_of_each_deployed: Project,
) -> None:
    one_of_each, workspace = one_of_each_deployed, one_of_each_deployed.workspace
    one_of_each.destroy()
    client = workspace.client()
    assert jobs(workspace) == []
    assert list(client.pipelines.list_pipelines()) == []
    api = client.api_client
    listing = api.do("GET", "/api/2.0/workspace/list", query={"path": "/Workspace/Shared/e2e"})
    assert listing.get("objects", []) == []
    with pytest.raises(Exception, match="does not exist"):
        api.do("GET", "/api/2.1/unity-catalog/tables/main.e2e.orders/monitor")


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def _any(self) -> None:
        type(self).seen.append(f"{self.command} {self.path}")
        self.send_response(502)
        self.end_headers()

    do_GET = do_POST = do_CONNECT = _any

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def proxy() -> Any:
    """An HTTP proxy on the loopback that records every request sent through it."""
    _Recorder.seen = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_host_off_the_loopback_is_refused_before_any_request(
    one_of_each: Project, proxy: Any
) -> None:
    if "local:" not in one_of_each.env["LAKEFORM_PROVIDER_USED"]:
        pytest.skip("the real provider talks to real hosts")
    address = f"http://127.0.0.1:{proxy.server_address[1]}"
    # Everything the plugin sends goes through the recording proxy, so nothing can leave.
    one_of_each.env.update(HTTP_PROXY=address, HTTPS_PROXY=address, NO_PROXY="")
    one_of_each.config("databricks:host", "https://workspace.example.invalid")
    result = one_of_each.pulumi("preview", check=False)
    assert result.returncode != 0
    assert "Lakeform's local Databricks provider" in result.stdout + result.stderr
    assert "pulumi plugin install resource databricks 1.106.0" in result.stdout + result.stderr
    assert _Recorder.seen == []


def test_the_recording_proxy_does_see_a_request_that_is_sent(proxy: Any) -> None:
    """The control for the test above: the same proxy set-up observes a request that is made."""
    address = f"http://127.0.0.1:{proxy.server_address[1]}"
    subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "--proxy", address, "http://workspace.example.invalid/x"],
        check=False,
        timeout=30,
    )
    assert _Recorder.seen == ["GET http://workspace.example.invalid/x"]


def test_the_provider_in_use_is_stated(one_of_each: Project) -> None:
    used = one_of_each.env["LAKEFORM_PROVIDER_USED"]
    assert used.startswith(("local: ", "real: ")), used
    if used.startswith("local: "):
        listed = json.loads(
            subprocess.run(
                ["pulumi", "plugin", "ls", "--json"],
                env=one_of_each.env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        assert [(p["name"], p["kind"], p["version"]) for p in listed] == [
            ("databricks", "resource", "1.106.0")
        ]
