"""Email lists a row emptied, which the provider keeps on the job (it suppresses a list's count
going to 0; cli/emails.py): `lakeform up --plan` empties them as `lakeform up` does, and
`lakeform drift` reports a list the job still holds (tests/e2e/programs/settling's `emails` row;
`lakeform up` itself: tests/e2e/test_settling.py)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.e2e.harness import Project, steps_by_op
from tests.e2e.test_settling import JOB, jobs_by_name

LISTS = ("email_notifications.on_failure", "tasks[only].email_notifications.on_failure")


@pytest.fixture
def emptied(settling_deployed: Project) -> Project:
    """The settling program deployed by `lakeform up` (a copy of conftest.settling_once), then
    its `emails` row's failure lists removed (and an on_success list added, so the deploy has
    something to write)."""
    project = settling_deployed
    rows_file = project.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    del rows["jobs"]["emails"]["email_notifications"]["on_failure"]
    rows["jobs"]["emails"]["email_notifications"]["on_success"] = ["done@example.com"]
    del rows["jobs"]["emails"]["tasks"][0]["email_notifications"]
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    return project


def test_up_with_a_saved_plan_empties_the_lists_the_plan_shows(emptied: Project) -> None:
    workspace = emptied.workspace
    made = emptied.lakeform("plan", "--stack", "e2e", "--save", "plan.json")
    assert made.returncode == 0, made.stdout + made.stderr
    for path in LISTS:
        assert re.search(rf"^\s+{re.escape(path)}: \[.+\] -> \(none\)$", made.stdout, re.M), (
            made.stdout
        )
    planned = json.loads((emptied.dir / "plan.json").read_text())["plan"]
    (row,) = planned
    assert {f["path"] for f in row["fields"]} >= set(LISTS)

    workspace.requests.clear()
    applied = emptied.lakeform("up", "--stack", "e2e", "--plan", "plan.json", "--yes")
    said = applied.stdout + applied.stderr
    assert applied.returncode == 0, said
    assert "jobs.emails: emptied email_notifications.on_failure, " in said
    assert workspace.requests.writes() == {"jobs.reset": 1, "jobs.update": 1}
    job = jobs_by_name(workspace)["Emails"]
    assert job["email_notifications"] == {"on_success": ["done@example.com"]}
    assert not job["tasks"][0].get("email_notifications")
    state = emptied.resource(JOB, "emails")
    assert state["outputs"]["emailNotifications"] == {"onSuccesses": ["done@example.com"]}
    assert not state["outputs"]["tasks"][0].get("emailNotifications")

    workspace.requests.clear()
    again = emptied.lakeform("up", "--stack", "e2e", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert workspace.requests.writes() == {}
    assert "emptied" not in again.stdout + again.stderr


def test_drift_reports_the_lists_the_job_still_holds_until_up_empties_them(
    emptied: Project,
) -> None:
    workspace = emptied.workspace
    # A plain deploy (the real provider alike): on_success added, the failure lists kept.
    emptied.up()
    job = jobs_by_name(workspace)["Emails"]
    assert job["email_notifications"]["on_failure"] == [
        "oncall@example.com",
        "data-team@example.com",
    ]
    assert steps_by_op(emptied.preview(refresh=True)) == {}  # what the provider's read shows

    drift = emptied.lakeform("drift", "--stack", "e2e")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    for path, held in zip(
        LISTS,
        ('["oncall@example.com", "data-team@example.com"]', '["owner@example.com"]'),
        strict=True,
    ):
        assert re.search(
            rf"^\s+{re.escape(path)}: \(none\) -> {re.escape(held)}$", drift.stdout, re.M
        ), drift.stdout

    up = emptied.lakeform("up", "--stack", "e2e", "--yes")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "jobs.emails: emptied email_notifications.on_failure, " in up.stdout + up.stderr
    clean = emptied.lakeform("drift", "--stack", "e2e")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.startswith("drift in stack e2e: none"), clean.stdout
