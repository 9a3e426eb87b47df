"""Which email lists `lakeform up` empties after the deploy (the provider keeps a list's last
address), the partial jobs/update it sends, what it tells the state, and which lists `lakeform
drift` reports the job still holds (cli/emails.py)."""

from __future__ import annotations

from typing import Any

from cli import drift
from cli.emails import LISTS, as_drifted, emptied, find, forget, in_workspace, update_body
from components.names import table
from metadata import KINDS

JOB = KINDS["jobs"].resource_type
LOOP = {"inputs": "[1]", "task": {"task_key": "inner", "email_notifications": {}}}
ROW: dict[str, Any] = {
    "name": "daily",
    "email_notifications": {"on_success": ["s@x"]},
    "tasks": [
        {"task_key": "a", "notebook_task": {"notebook_path": "/x"}},
        {"task_key": "b", "for_each_task": LOOP},
    ],
}
STATE: dict[str, Any] = {
    "name": "daily",
    "emailNotifications": {"onFailures": ["f@x"], "onSuccesses": ["s@x"]},
    "tasks": [
        {"taskKey": "a", "emailNotifications": {"onStarts": ["a@x"]}},
        {
            "taskKey": "b",
            "forEachTask": {
                "task": {"taskKey": "inner", "emailNotifications": {"onFailures": ["i@x"]}}
            },
        },
    ],
}


def _deployment(state: dict[str, Any], id_: str = "7") -> dict[str, Any]:
    return {
        "resources": [
            {
                "type": JOB,
                "urn": "urn:pulumi:e2e::p::lakeform:jobs:Job$databricks:index/job:Job::daily",
                "id": id_,
                "outputs": state,
                "inputs": {"name": "daily"},
            }
        ]
    }


def test_the_lists_are_the_providers_email_lists() -> None:
    job = table()["resources"][JOB]["inputs"]
    for block in (
        job["emailNotifications"],
        job["tasks"]["items"]["fields"]["emailNotifications"],
    ):
        lists = {f["rest"]: wire for wire, f in block["fields"].items() if f["type"] == "array"}
        assert lists == LISTS


def test_lists_the_row_empties_and_the_state_holds_at_every_level() -> None:
    assert emptied(ROW, STATE) == [
        ((None, False), "on_failure"),
        (("a", False), "on_start"),
        (("b", True), "on_failure"),
    ]


def test_a_list_the_row_still_sets_or_the_state_lacks_is_left_alone() -> None:
    row = {**ROW, "email_notifications": {"on_success": ["s@x"], "on_failure": ["g@x"]}}
    assert ((None, False), "on_failure") not in emptied(row, STATE)
    assert emptied(ROW, {"name": "daily", "tasks": [{"taskKey": "a"}]}) == []


def test_find_names_the_job_by_row_key_and_id() -> None:
    rows = {("jobs", "daily"): ("7", ROW)}
    (kept,) = find(_deployment(STATE), rows)
    assert (kept.key, kept.id) == ("daily", "7")
    assert kept.paths() == [
        "email_notifications.on_failure",
        "tasks[a].email_notifications.on_start",
        "tasks[b].for_each_task.task.email_notifications.on_failure",
    ]
    assert kept.held == [["f@x"], ["a@x"], ["i@x"]]
    assert find(_deployment(STATE, id_="8"), rows) == []  # another job under that name
    (drifted,) = as_drifted([kept])
    assert drifted.fields == ["email_notifications", "tasks"]


def test_the_update_sends_the_block_and_whole_tasks_less_the_lists() -> None:
    held: dict[str, Any] = {
        "name": "daily",
        "email_notifications": {"on_failure": ["f@x"], "on_success": ["s@x"]},
        "tasks": [
            {"task_key": "a", "email_notifications": {"on_start": ["a@x"]}, "timeout_seconds": 5},
            {
                "task_key": "b",
                "for_each_task": {
                    "inputs": "[1]",
                    "task": {"task_key": "inner", "email_notifications": {"on_failure": ["i@x"]}},
                },
            },
            {"task_key": "c"},
        ],
    }
    (kept,) = find(_deployment(STATE), {("jobs", "daily"): ("7", ROW)})
    assert update_body(held, kept.lists) == {
        "email_notifications": {"on_success": ["s@x"]},
        "tasks": [
            {"task_key": "a", "email_notifications": {}, "timeout_seconds": 5},
            {
                "task_key": "b",
                "for_each_task": {
                    "inputs": "[1]",
                    "task": {"task_key": "inner", "email_notifications": {}},
                },
            },
        ],
    }
    assert held["tasks"][0]["email_notifications"] == {"on_start": ["a@x"]}  # not edited


def test_nothing_is_sent_when_the_job_no_longer_holds_them() -> None:
    (kept,) = find(_deployment(STATE), {("jobs", "daily"): ("7", ROW)})
    assert update_body({"name": "daily", "tasks": [{"task_key": "a"}]}, kept.lists) == {}


def test_the_state_forgets_the_emptied_lists() -> None:
    deployment = _deployment(STATE)
    (kept,) = find(deployment, {("jobs", "daily"): ("7", ROW)})
    forget(deployment, [kept])
    state = deployment["resources"][0]["outputs"]
    assert state["emailNotifications"] == {"onSuccesses": ["s@x"]}
    assert state["tasks"][0]["emailNotifications"] == {}
    assert state["tasks"][1]["forEachTask"]["task"]["emailNotifications"] == {}
    assert find(deployment, {("jobs", "daily"): ("7", ROW)}) == []


HELD: dict[str, Any] = {  # jobs/get's settings: REST names
    "name": "daily",
    "email_notifications": {"on_failure": ["f@x"], "on_success": ["s@x"]},
    "tasks": [
        {
            "task_key": "a",
            "notebook_task": {"notebook_path": "/x"},
            "email_notifications": {"on_start": ["a@x"]},
        },
        {
            "task_key": "b",
            "for_each_task": {
                "inputs": "[1]",
                "task": {"task_key": "inner", "email_notifications": {"on_failure": ["i@x"]}},
            },
        },
    ],
}


def test_drift_names_each_list_the_row_empties_that_the_job_holds() -> None:
    assert in_workspace(ROW, HELD) == [
        ("email_notifications.on_failure", drift.MISSING, ["f@x"]),
        ("tasks[a].email_notifications.on_start", drift.MISSING, ["a@x"]),
        ("tasks[b].for_each_task.task.email_notifications.on_failure", drift.MISSING, ["i@x"]),
    ]
    row = {**ROW, "email_notifications": {"on_success": ["s@x"], "on_failure": ["f@x"]}}
    assert [path for path, _, _ in in_workspace(row, HELD)] == [
        "tasks[a].email_notifications.on_start",
        "tasks[b].for_each_task.task.email_notifications.on_failure",
    ]
    assert in_workspace(ROW, {"name": "daily", "tasks": [{"task_key": "a"}]}) == []


def test_drift_reports_them_only_where_asked_and_as_row_then_workspace() -> None:
    """`lakeform drift` asks (`jobs_also`); `up` and saved plans compare without them, as
    `up` finds the lists from the state (`pending`)."""
    specs = {("jobs", "daily"): ("7", ROW)}
    assert drift.find(specs, lambda _kind, _id: HELD) == []
    (found,) = drift.find(specs, lambda _kind, _id: HELD, jobs_also=in_workspace)
    assert found.fields == ["email_notifications", "tasks"]
    (reported,) = drift.as_rows([found], drift=True)
    assert [(f.path, f.old, f.new) for f in reported.fields] == [
        ("email_notifications.on_failure", "(none)", '["f@x"]'),
        ("tasks[a].email_notifications.on_start", "(none)", '["a@x"]'),
        ("tasks[b].for_each_task.task.email_notifications.on_failure", "(none)", '["i@x"]'),
    ]
