"""What a user of the real provider sees on the second deploy (issue 19): fields the provider reads
back differently from how they were sent must settle. One stack with a row per case, one first
deploy, one refreshed deploy that writes nothing (tests/e2e/programs/settling)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.conftest import PROGRAMS
from tests.e2e.harness import LAKEFORM_PROGRAM, Project, steps_by_op

JOB = "databricks:index/job:Job"
PIPELINE = "databricks:index/pipeline:Pipeline"
MONITOR = "databricks:index/qualityMonitor:QualityMonitor"
FAILING = "main.e2e.sellers"
FAILURE = "Table main.e2e.sellers does not exist."


@pytest.fixture
def settling(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    return Project.copy_of(
        PROGRAMS / "settling", tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )


def jobs_by_name(ws: RunningWorkspace) -> dict[str, dict[str, Any]]:
    api = ws.client().api_client
    return {
        j.settings.name: api.do("GET", "/api/2.2/jobs/get", query={"job_id": j.job_id})["settings"]
        for j in ws.client().jobs.list()
    }


def monitor(ws: RunningWorkspace, table: str) -> dict[str, Any]:
    return ws.client().api_client.do("GET", f"/api/2.1/unity-catalog/tables/{table}/monitor")


def report_a_failed_refresh(ws: RunningWorkspace) -> None:
    """Make the service report a failure on the `failing` monitor, as after a failed refresh."""
    ws.fail_monitor_refreshes(FAILING, FAILURE)
    refresh = ws.client().quality_monitors.run_refresh(FAILING)
    deadline = time.monotonic() + 30
    while monitor(ws, FAILING).get("latest_monitor_failure_msg") != FAILURE:
        assert time.monotonic() < deadline, "the refresh never failed"
        time.sleep(0.1)
    state = ws.client().quality_monitors.get_refresh(FAILING, refresh.refresh_id or 0).state
    assert state is not None and state.value == "FAILED"


def test_every_field_read_back_differently_settles_on_a_refreshed_second_deploy(
    settling: Project, workspace: RunningWorkspace
) -> None:
    settling.up()
    created = settling.changes()
    assert set(created) == {"create"}, created

    # Each row deployed the field it is about.
    jobs = jobs_by_name(workspace)
    table_update = jobs["Table trigger"]["trigger"]["table_update"]
    assert table_update == {"table_names": ["main.e2e.orders", "main.e2e.items"]}
    hooks = jobs["Webhooks"]["webhook_notifications"]
    assert hooks == {  # Lakeform sends them in id order, as the provider reads them back
        "on_failure": [
            {"id": "alpha-destination"},
            {"id": "mu-destination"},
            {"id": "zeta-destination"},
        ],
        "on_start": [{"id": "a-destination"}, {"id": "b-destination"}],
    }
    task_hooks = jobs["Webhooks"]["tasks"][0]["webhook_notifications"]
    assert task_hooks == {"on_success": [{"id": "x-destination"}, {"id": "y-destination"}]}
    emails = jobs["Emails"]
    assert emails["email_notifications"] == {
        "on_failure": ["oncall@example.com", "data-team@example.com"]
    }
    assert emails["tasks"][0]["email_notifications"] == {"on_failure": ["owner@example.com"]}
    names_false = settling.resource(PIPELINE, "names_false")
    assert names_false["inputs"]["allowDuplicateNames"] is False
    assert "allowDuplicateNames" not in settling.resource(PIPELINE, "names_unset")["inputs"]
    kept = settling.resource(MONITOR, "dashboard_kept")
    assert kept["inputs"]["warehouseId"] == "warehouse-one"
    assert "skipBuiltinDashboard" not in kept["inputs"]  # false is not sent: read back as null
    assert monitor(workspace, "main.e2e.orders")["dashboard_id"]
    skipped = settling.resource(MONITOR, "dashboard_skipped")
    assert (skipped["inputs"]["warehouseId"], skipped["inputs"]["skipBuiltinDashboard"]) == (
        "warehouse-two",
        True,
    )
    assert "dashboard_id" not in monitor(workspace, "main.e2e.items")

    report_a_failed_refresh(workspace)
    workspace.requests.clear()
    settling.up("--refresh")
    assert settling.changes() == {"same": sum(created.values())}
    assert workspace.requests.writes() == {}
    # The refresh did read the failure: the monitor settled with it, not without it.
    failing = settling.resource(MONITOR, "failing")
    assert failing["outputs"]["latestMonitorFailureMsg"] == FAILURE
    assert failing["inputs"]["latestMonitorFailureMsg"] == FAILURE


def test_the_fields_that_never_settle_are_refused_by_validate(settling: Project) -> None:
    rows_file = settling.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    rows["pipelines"]["names_false"]["allow_duplicate_names"] = True
    rows["jobs"]["table_trigger"]["trigger"]["table_update"]["condition"] = "ALL_UPDATED"
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    result = settling.lakeform("validate")
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert re.search(
        r"resources/rows\.yaml:\d+:\d+: pipelines\.names_false\.allow_duplicate_names: the "
        r"Pipelines API never returns allow_duplicate_names",
        said,
    ), said
    assert re.search(
        r"resources/rows\.yaml:\d+:\d+: jobs\.table_trigger\.trigger\.table_update\.condition: "
        r"the Jobs API accepts condition but never returns it",
        said,
    ), said


def test_lakeform_up_empties_the_email_lists_a_row_emptied_which_the_provider_keeps(
    settling_deployed: Project,
) -> None:
    """The provider suppresses an email list's count going to 0 (conditionalDiffSuppressor), so
    removing the last addresses deploys nothing and the job keeps them; `lakeform up` empties
    them with one jobs/update and tells the state, and the next `up` writes nothing. Starts from
    a copy of the program deployed by `lakeform up` (conftest.settling_once)."""
    settling, workspace = settling_deployed, settling_deployed.workspace
    rows_file = settling.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    del rows["jobs"]["emails"]["email_notifications"]["on_failure"]
    rows["jobs"]["emails"]["email_notifications"]["on_success"] = ["done@example.com"]
    del rows["jobs"]["emails"]["tasks"][0]["email_notifications"]
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))

    # What the provider alone plans (the real one too): on_success added; nothing removed.
    diff = settling.preview()
    assert steps_by_op(diff) == {"update": ["emails"]}
    plan = settling.lakeform("plan", "--stack", "e2e")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    for path in ("email_notifications.on_failure", "tasks[only].email_notifications.on_failure"):
        assert re.search(rf"^\s+{re.escape(path)}: \[.+\] -> \(none\)$", plan.stdout, re.M), (
            plan.stdout
        )

    workspace.requests.clear()
    up = settling.lakeform("up", "--stack", "e2e", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "jobs.emails: emptied email_notifications.on_failure, " in up.stdout + up.stderr
    assert workspace.requests.writes() == {"jobs.reset": 1, "jobs.update": 1}
    job = jobs_by_name(workspace)["Emails"]
    assert job["email_notifications"] == {"on_success": ["done@example.com"]}
    assert not job["tasks"][0].get("email_notifications")
    state = settling.resource(JOB, "emails")
    assert state["outputs"]["emailNotifications"] == {"onSuccesses": ["done@example.com"]}
    assert not state["outputs"]["tasks"][0].get("emailNotifications")

    workspace.requests.clear()
    again = settling.lakeform("up", "--stack", "e2e", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert workspace.requests.writes() == {}
    assert "emptied" not in again.stdout + again.stderr
