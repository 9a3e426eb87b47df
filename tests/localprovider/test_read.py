"""What a job or pipeline Read of the local provider keeps, as the real provider's StructToData
does (devtools/localprovider/README.md, "Read / refresh"): removals in the UI of optional blocks
are not seen, values of fields absent from the state are ignored, scalars and booleans are seen."""

from __future__ import annotations

from typing import Any

from devtools.localprovider.client import Client
from devtools.localprovider.resources import Job, Pipeline
from devtools.workspace.testing import RunningWorkspace

JOB_INPUTS: dict[str, Any] = {
    "name": "daily",
    "schedule": {"quartzCronExpression": "0 0 6 * * ?", "timezoneId": "UTC"},
    "tags": {"project": "olist"},
    "timeoutSeconds": 600,
    "tasks": [{"taskKey": "a", "notebookTask": {"notebookPath": "/Shared/a"}}],
}
PIPELINE_INPUTS: dict[str, Any] = {
    "name": "etl",
    "catalog": "main",
    "schema": "olist",
    "notifications": [{"emailRecipients": ["a@example.com"], "alerts": ["on-update-failure"]}],
    "libraries": [{"file": {"path": "/Shared/bronze.py"}}],
}


def reset_job(ws: RunningWorkspace, job_id: str, **changes: Any) -> None:
    """Edit the job as the UI would: the whole settings, some fields changed or dropped (None)."""
    api = ws.client().api_client
    settings = api.do("GET", "/api/2.2/jobs/get", query={"job_id": job_id})["settings"]
    for name, value in changes.items():
        if value is None:
            settings.pop(name, None)
        else:
            settings[name] = value
    api.do("POST", "/api/2.2/jobs/reset", body={"job_id": int(job_id), "new_settings": settings})


def test_a_schedule_and_tags_removed_by_hand_stay_in_the_state_as_with_the_real_provider(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = Job()
    news = kind.check(JOB_INPUTS)
    job_id, state = kind.create(client, news)
    reset_job(ws, job_id, schedule=None, tags=None)

    read = kind.read(client, job_id, state)
    assert read is not None
    assert read["schedule"] == state["schedule"]
    assert read["tags"] == {"project": "olist"}
    assert kind.diff(read, news) == {}  # so a refresh plans nothing: TF #5624


def test_a_changed_or_removed_scalar_is_seen_and_a_field_not_in_the_state_is_ignored(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = Job()
    news = kind.check(JOB_INPUTS)
    job_id, state = kind.create(client, news)
    reset_job(ws, job_id, timeout_seconds=None, description="set in the UI", max_concurrent_runs=4)

    read = kind.read(client, job_id, state)
    assert read is not None
    assert read["timeoutSeconds"] == 0  # the Go zero value: the removal is seen
    assert read["maxConcurrentRuns"] == 4
    assert "description" not in read  # not in the state: the server's value is dropped
    assert kind.diff(read, news) == {"maxConcurrentRuns": "UPDATE", "timeoutSeconds": "UPDATE"}


def test_an_import_reads_everything_the_workspace_holds(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = Job()
    job_id, _ = kind.create(client, kind.check(JOB_INPUTS))
    reset_job(ws, job_id, schedule=None, description="set in the UI")

    imported = kind.read(client, job_id, {})
    assert imported is not None
    assert "schedule" not in imported
    assert imported["description"] == "set in the UI"


def test_pipeline_notifications_removed_by_hand_stay_and_a_flipped_boolean_is_seen(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = Pipeline()
    news = kind.check(PIPELINE_INPUTS)
    pipeline_id, state = kind.create(client, news)
    api = ws.client().api_client
    spec = api.do("GET", f"/api/2.0/pipelines/{pipeline_id}")["spec"]
    spec.pop("notifications")
    api.do("PUT", f"/api/2.0/pipelines/{pipeline_id}", body={**spec, "development": True})

    read = kind.read(client, pipeline_id, state)
    assert read is not None
    assert read["notifications"] == state["notifications"]
    assert read["development"] is True  # booleans are always read (TF #4018)
    assert kind.diff(read, news) == {"development": "DELETE"}


def test_an_update_reads_back_what_it_sent_and_keeps_suppressed_fields(
    ws: RunningWorkspace, client: Client
) -> None:
    kind = Job()
    news = kind.check(JOB_INPUTS)
    job_id, state = kind.create(client, news)
    changed = {**news, "timeoutSeconds": 900}
    after = kind.update(client, job_id, state, changed)
    assert after["timeoutSeconds"] == 900
    assert after["queue"] == {"enabled": False}  # suppressed: kept, and read from the server
    assert kind.diff(after, changed) == {}
