"""The comparison of a deployed job or pipeline with its row (cli/drift.py), and how a finding
is written into the state so the next deploy updates it in place."""

from __future__ import annotations

from typing import Any

from cli.drift import Drifted, compare, find, merge, tell_state
from cli.plan import Plan
from cli.render import text

ROW: dict[str, Any] = {
    "name": "daily",
    "schedule": {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"},
    "tags": {"project": "olist", "lakeform_key": "daily"},
    "tasks": [
        {"task_key": "a", "notebook_task": {"notebook_path": "/x"}},
        {"task_key": "b", "depends_on": [{"task_key": "a"}]},
    ],
}
HELD: dict[str, Any] = {
    **ROW,
    "schedule": {**ROW["schedule"], "pause_status": "UNPAUSED"},  # filled by the service
    "queue": {"enabled": False},  # not set by the row
    "tasks": list(reversed(ROW["tasks"])),
}


def test_what_the_row_sets_and_the_workspace_holds_is_no_drift() -> None:
    assert compare("jobs", ROW, HELD) == []


def test_removed_blocks_a_removed_tag_and_a_changed_task_are_named_by_field() -> None:
    held = {k: v for k, v in HELD.items() if k != "schedule"}
    held["tags"] = {"project": "olist"}
    held["tasks"] = [
        {**HELD["tasks"][1], "notebook_task": {"notebook_path": "/y"}},
        HELD["tasks"][0],
    ]
    held["tasks"].append({"task_key": "c"})
    found = {path: (want, have) for path, want, have in compare("jobs", ROW, held)}
    assert set(found) == {"schedule", "tags", "tasks[a].notebook_task.notebook_path", "tasks[c]"}
    assert found["tags"] == (ROW["tags"], {"project": "olist"})
    assert found["tasks[a].notebook_task.notebook_path"] == ("/x", "/y")


def test_pipeline_notifications_removed_and_catalog_case() -> None:
    row = {
        "catalog": "Main",
        "notifications": [{"email_recipients": ["a@example.com"], "alerts": ["on-update-failure"]}],
        "allow_duplicate_names": True,  # never answered by the service
    }
    assert (
        compare("pipelines", row, {"catalog": "main", "notifications": row["notifications"]}) == []
    )
    found = compare("pipelines", row, {"catalog": "main"})
    assert [path for path, _, _ in found] == ["notifications"]


def test_drift_text_names_the_row_and_field_and_a_deleted_object() -> None:
    specs = {("jobs", "daily"): ("1", ROW), ("jobs", "gone"): ("2", ROW)}
    held = {k: v for k, v in HELD.items() if k != "schedule"}
    found = find(specs, lambda kind, id_: held if id_ == "1" else None)
    plan = merge(Plan(stack="local", rows=[], existing=2, drift=True), found)
    out = text(plan)
    assert "  ~ daily\n" in out and "  - gone\n" in out
    assert (
        '        schedule: {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"} '
        "-> (none)\n" in out
    )


def test_the_state_is_told_what_the_workspace_holds_for_the_drifted_fields_only() -> None:
    urn = "urn:pulumi:local::lakeform::lakeform:jobs:RowGroup$databricks:index/job:Job::daily"
    state = {"schedule": {"quartzCronExpression": "0 0 6 * * ?"}, "tags": {"a": "1"}, "name": "d"}
    deployment: dict[str, Any] = {
        "resources": [
            {
                "urn": urn,
                "type": "databricks:index/job:Job",
                "id": "1",
                "inputs": dict(state),
                "outputs": dict(state),
            },
            {
                "urn": urn.replace("::daily", "::other"),
                "type": "databricks:index/job:Job",
                "id": "9",
                "outputs": dict(state),
            },
        ]
    }
    drifted = Drifted(
        kind="jobs",
        key="daily",
        id="1",
        changes=[("schedule", ROW["schedule"], None), ("tags", {"a": "1"}, {"a": "2"})],
        held={"tags": {"a": "2"}, "name": "d"},
    )
    assert tell_state(deployment, [drifted]) == 1
    edited, other = deployment["resources"]
    for part in ("inputs", "outputs"):
        assert edited[part] == {"tags": {"a": "2"}, "name": "d"}
    assert other["outputs"] == state
