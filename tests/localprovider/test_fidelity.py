"""Where the real provider never settles or replaces, the local provider does the same against
the local workspace (issue 19; devtools/localprovider/README.md's contract table names the
sources)."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.localprovider.client import Client, NotFound
from devtools.localprovider.resources import Job, Pipeline, QualityMonitor
from devtools.workspace.testing import RunningWorkspace

NB = {"taskKey": "t", "notebookTask": {"notebookPath": "/abs/nb"}}
MONITOR = {
    "tableName": "main.s.orders",
    "assetsDir": "/Workspace/m",
    "outputSchemaName": "main.s",
    "snapshot": {},
}


def _job(client: Client, **fields: Any) -> tuple[Job, dict[str, Any], str, dict[str, Any]]:
    kind = Job()
    news = kind.check({"name": "j", "tasks": [NB], **fields})
    id_, _ = kind.create(client, news)
    state = kind.read(client, id_, news)
    assert state is not None
    return kind, news, id_, state


def test_allow_duplicate_names_reads_back_false_and_never_settles(client: Client) -> None:
    kind = Pipeline()
    news = kind.check({"name": "p", "serverless": True, "allowDuplicateNames": True})
    id_, _ = kind.create(client, news)
    state = kind.read(client, id_, news)
    assert state is not None and state["allowDuplicateNames"] is False
    assert kind.diff(state, news) == {"allowDuplicateNames": "UPDATE"}
    unset = kind.check({"name": "p", "serverless": True})
    assert kind.diff(state, unset) == {}


def test_a_table_update_condition_is_never_returned_and_never_settles(
    ws: RunningWorkspace, client: Client
) -> None:
    trigger = {"tableUpdate": {"tableNames": ["main.s.t"], "condition": "ALL_UPDATED"}}
    kind, news, id_, state = _job(client, trigger=trigger)
    settings = ws.client().api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": id_})
    assert "condition" not in settings["settings"]["trigger"]["table_update"]
    assert kind.diff(state, news) == {"trigger.tableUpdate.condition": "ADD"}
    plain = {"tableUpdate": {"tableNames": ["main.s.t"]}}
    without = kind.check({"name": "j", "tasks": [NB], "trigger": plain})
    assert kind.diff(state, without) == {}


def test_webhooks_are_sorted_by_id_on_create_and_read_and_compared_by_position(
    client: Client,
) -> None:
    unsorted = {"onFailures": [{"id": "b"}, {"id": "a"}]}
    kind, news, _, state = _job(client, webhookNotifications=unsorted)
    assert state["webhookNotifications"] == {"onFailures": [{"id": "a"}, {"id": "b"}]}
    assert kind.diff(state, news) == {
        "webhookNotifications.onFailures[0].id": "UPDATE",
        "webhookNotifications.onFailures[1].id": "UPDATE",
    }
    hooks = {"onFailures": [{"id": "a"}, {"id": "b"}]}
    ordered = kind.check({"name": "j", "tasks": [NB], "webhookNotifications": hooks})
    assert kind.diff(state, ordered) == {}


def test_removing_the_last_email_address_is_suppressed_and_the_job_keeps_it(
    client: Client,
) -> None:
    kind, _, _, state = _job(client, emailNotifications={"onFailures": ["a@example.com"]})
    removed = kind.check({"name": "j", "tasks": [NB], "emailNotifications": {}})
    assert kind.diff(state, removed) == {}
    other = kind.check({"name": "j", "tasks": [NB], "emailNotifications": {"onFailures": ["b@x"]}})
    assert kind.diff(state, other) == {"emailNotifications.onFailures[0]": "UPDATE"}


def test_an_update_for_another_field_still_sends_the_emptied_email_lists(
    ws: RunningWorkspace, client: Client
) -> None:
    """The suppressed list keeps the state's value in the plan, and the reset body is built from
    the plan (TF jobs/resource_job.go Update, DataToStructPointer(d, ...)): the job keeps it."""
    task = {**NB, "emailNotifications": {"onFailures": ["owner@example.com"]}}
    emails = {"onFailures": ["a@example.com"], "onSuccesses": ["s@example.com"]}
    kind, _, id_, state = _job(client, tasks=[task], emailNotifications=emails)
    renamed = kind.check(
        {
            "name": "renamed",
            "tasks": [{**NB, "emailNotifications": {}}],
            "emailNotifications": {"onSuccesses": ["s@example.com"]},
        }
    )
    assert kind.diff(state, renamed) == {"name": "UPDATE"}
    updated = kind.update(client, id_, state, renamed)
    held = ws.client().api_client.do("GET", "/api/2.2/jobs/get", query={"job_id": id_})
    assert held["settings"]["name"] == "renamed"
    assert held["settings"]["email_notifications"] == {
        "on_failure": ["a@example.com"],
        "on_success": ["s@example.com"],
    }
    assert held["settings"]["tasks"][0]["email_notifications"] == {
        "on_failure": ["owner@example.com"]
    }
    assert updated["emailNotifications"]["onFailures"] == ["a@example.com"]
    assert kind.diff(updated, renamed) == {}
    block_removed = kind.check({"name": "renamed", "tasks": [NB]})
    assert kind.diff(updated, block_removed) == {}


def test_a_monitor_update_keeps_warehouse_and_dashboard_flag_from_the_state(
    client: Client,
) -> None:
    kind = QualityMonitor()
    news = kind.check({**MONITOR, "warehouseId": "w1", "skipBuiltinDashboard": False})
    id_, created = kind.create(client, news)
    assert created["warehouseId"] == "w1" and created["skipBuiltinDashboard"] is False
    state = kind.read(client, id_, created)
    assert state is not None and state["warehouseId"] == "w1"
    assert "skipBuiltinDashboard" not in state  # read back only when true
    assert kind.diff(state, news) == {"skipBuiltinDashboard": "ADD"}
    moved = kind.check({**MONITOR, "warehouseId": "w2"})
    updated = kind.update(client, id_, state, moved)
    assert updated["warehouseId"] == "w1"
    assert kind.diff(updated, moved) == {"warehouseId": "UPDATE"}


def test_a_reported_monitor_failure_is_a_diff_unless_its_input_is_kept(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = QualityMonitor()
    news = kind.check(dict(MONITOR))
    id_, created = kind.create(client, news)
    info = ws.server.workspace.store.data["monitors"][id_]["info"]
    info["latest_monitor_failure_msg"] = "refresh failed"
    state = kind.read(client, id_, created)
    assert state is not None and state["latestMonitorFailureMsg"] == "refresh failed"
    assert kind.diff(state, news) == {"latestMonitorFailureMsg": "DELETE"}
    # Optional, not computed: the inputs a refresh records hold it, so the engine's
    # ignore_changes copies it into the news and nothing differs.
    inputs = kind.inputs_of(state)
    assert inputs["latestMonitorFailureMsg"] == "refresh failed"
    kept = kind.check({**news, "latestMonitorFailureMsg": inputs["latestMonitorFailureMsg"]})
    assert kind.diff(state, kept) == {}


def test_a_monitor_table_name_change_is_a_put_to_the_other_table(client: Client) -> None:
    kind = QualityMonitor()
    news = kind.check(dict(MONITOR))
    id_, state = kind.create(client, news)
    moved = kind.check({**MONITOR, "tableName": "main.s.other"})
    assert kind.diff(state, moved) == {"tableName": "UPDATE"}  # nothing forces a replacement
    with pytest.raises(NotFound):
        kind.update(client, id_, state, moved)


def test_removing_a_custom_storage_replaces_the_pipeline(client: Client) -> None:
    kind = Pipeline()
    news = kind.check({"name": "p", "storage": "dbfs:/custom", "libraries": []})
    id_, _ = kind.create(client, news)
    state = kind.read(client, id_, news)
    assert state is not None
    without = kind.check({"name": "p", "libraries": []})
    assert kind.diff(state, without) == {"storage": "DELETE_REPLACE"}
    default = {**state, "storage": "dbfs:/pipelines/0f0e0d0c-0b0a-0908-0706-050403020100"}
    assert kind.diff(default, without) == {}
