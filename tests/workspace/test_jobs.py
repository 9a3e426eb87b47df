"""Jobs API through databricks-sdk: echo, versions, update semantics, runs, rejections."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service import jobs

from devtools.workspace.testing import RunningWorkspace, RunTimings, running_workspace
from tests.workspace.helpers import call
from tests.workspace.specs import rich_job, trigger_job


def create(w: WorkspaceClient, body: dict[str, Any], version: str = "2.2") -> int:
    return int(call(w, "POST", f"/api/{version}/jobs/create", body=body)["job_id"])


def get(w: WorkspaceClient, job_id: int, version: str = "2.2") -> dict[str, Any]:
    return call(w, "GET", f"/api/{version}/jobs/get", query={"job_id": job_id})


def test_rich_job_settings_are_echoed_verbatim(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    spec = rich_job()
    job_id = create(w, spec)
    answer = get(w, job_id)
    assert answer["settings"] == spec
    assert answer["job_id"] == job_id
    assert job_id > 10**14  # int64 ids that look like the real service's
    assert answer["creator_user_name"] == ws.user_name
    assert answer["run_as_user_name"] == "etl@example.com"
    assert abs(answer["created_time"] - time.time() * 1000) < 60_000
    assert "next_page_token" not in answer
    # The SDK knows every field: its typed view round-trips to the same JSON.
    assert w.jobs.get(job_id).settings.as_dict() == spec  # type: ignore[union-attr]


def test_trigger_job_echo_and_typed_create(w: WorkspaceClient) -> None:
    job_id = create(w, trigger_job())
    assert get(w, job_id)["settings"] == trigger_job()
    typed = w.jobs.create(
        name="typed",
        tasks=[jobs.Task(task_key="a", notebook_task=jobs.NotebookTask(notebook_path="/x"))],
        queue=jobs.QueueSettings(enabled=False),
    )
    assert w.jobs.get(typed.job_id).settings.name == "typed"  # type: ignore[union-attr,arg-type]


def test_run_as_user_name_defaults_to_the_creator(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    job_id = create(w, {"name": "plain"})
    assert get(w, job_id)["run_as_user_name"] == ws.user_name


def test_api_2_0_task_less_job_create_get_reset(w: WorkspaceClient) -> None:
    legacy = {
        "name": "legacy",
        "max_concurrent_runs": 1,
        "new_cluster": {
            "spark_version": "15.4.x-scala2.12",
            "node_type_id": "i3.xlarge",
            "num_workers": 1,
        },
        "notebook_task": {"notebook_path": "/Shared/legacy"},
        "max_retries": 2,
        "retry_on_timeout": True,
        "libraries": [{"pypi": {"package": "requests"}}],
    }
    job_id = create(w, legacy, "2.0")
    assert get(w, job_id, "2.0")["settings"] == legacy
    changed = {**legacy, "max_retries": 3}
    call(w, "POST", "/api/2.0/jobs/reset", body={"job_id": job_id, "new_settings": changed})
    assert get(w, job_id, "2.1")["settings"] == changed
    # Top-level single-task fields are a Jobs API 2.0 shape only.
    with pytest.raises(InvalidParameterValue, match="unknown field 'new_cluster' in CreateJob"):
        create(w, legacy, "2.2")


def test_reset_replaces_the_settings(w: WorkspaceClient) -> None:
    job_id = create(w, rich_job())
    new = {
        "name": "renamed",
        "tasks": [{"task_key": "only", "notebook_task": {"notebook_path": "/x"}}],
    }
    w.jobs.reset(job_id, jobs.JobSettings.from_dict(new))
    assert get(w, job_id)["settings"] == new


def test_update_merges_tasks_by_key_and_removes_fields(w: WorkspaceClient) -> None:
    job_id = create(w, rich_job())
    replacement = {"task_key": "is_weekend", "notebook_task": {"notebook_path": "/weekend"}}
    call(
        w,
        "POST",
        "/api/2.2/jobs/update",
        body={
            "job_id": job_id,
            "new_settings": {"name": "updated", "tasks": [replacement]},
            "fields_to_remove": ["schedule", "tasks/fan_out"],
        },
    )
    settings = get(w, job_id)["settings"]
    assert settings["name"] == "updated"
    assert "schedule" not in settings
    by_key = {t["task_key"]: t for t in settings["tasks"]}
    assert "fan_out" not in by_key
    assert by_key["is_weekend"] == replacement
    assert by_key["generate_data"] == rich_job()["tasks"][2]


def test_list_pages_filters_by_name_and_hides_tasks(w: WorkspaceClient) -> None:
    ids = [create(w, {**rich_job(), "name": f"job-{i}"}) for i in range(3)]
    create(w, {"name": "other"})
    listed = list(w.jobs.list(limit=2))
    assert [j.job_id for j in listed][1:] == ids[::-1]  # newest first
    assert len(listed) == 4
    assert not any(j.settings.tasks for j in listed)  # type: ignore[union-attr]
    named = list(w.jobs.list(name="job-1", expand_tasks=True))
    assert [j.job_id for j in named] == [ids[1]]
    assert len(named[0].settings.tasks or []) == 7  # type: ignore[union-attr]


def test_delete_then_get_is_404_resource_does_not_exist(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "doomed"})
    w.jobs.delete(job_id)
    with pytest.raises(NotFound) as err:
        w.jobs.get(job_id)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert str(job_id) in str(err.value)
    with pytest.raises(NotFound):
        w.jobs.delete(job_id)
    with pytest.raises(NotFound):
        w.jobs.reset(job_id, jobs.JobSettings(name="x"))


def test_run_goes_pending_running_terminated_success() -> None:
    # Phases long enough that polling every 20 ms sees each of them, even on a busy machine.
    with running_workspace(timings=RunTimings(pending=0.5, running=0.5)) as ws:
        _run_phases(ws.client())


def _run_phases(w: WorkspaceClient) -> None:
    job_id = create(w, rich_job())
    run_id = w.jobs.run_now(job_id).run_id
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        state = w.jobs.get_run(run_id).state
        assert state is not None
        life = state.life_cycle_state.value  # type: ignore[union-attr]
        if not seen or seen[-1] != life:
            seen.append(life)
        if life == "TERMINATED":
            assert state.result_state == jobs.RunResultState.SUCCESS
            break
        time.sleep(0.02)
    assert seen == ["PENDING", "RUNNING", "TERMINATED"]
    run = w.jobs.get_run(run_id)
    assert run.job_id == job_id
    assert sorted(t.task_key for t in run.tasks or []) == sorted(  # type: ignore[misc]
        t["task_key"] for t in rich_job()["tasks"]
    )
    # The SDK's waiter ends too.
    done = w.jobs.run_now_and_wait(job_id, timeout=timedelta(seconds=30))
    assert done.state.result_state == jobs.RunResultState.SUCCESS  # type: ignore[union-attr]


def test_runs_list_active_only_and_cancel(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "long", "max_concurrent_runs": 1})
    run_id = w.jobs.run_now(job_id).run_id
    active = list(w.jobs.list_runs(job_id=job_id, active_only=True))
    assert [r.run_id for r in active] == [run_id]
    cancelled = w.jobs.cancel_run_and_wait(run_id, timeout=timedelta(seconds=30))
    assert cancelled.state.result_state == jobs.RunResultState.CANCELED  # type: ignore[union-attr]
    details = cancelled.status.termination_details  # type: ignore[union-attr]
    assert details.code == jobs.TerminationCodeCode.USER_CANCELED  # type: ignore[union-attr]
    assert list(w.jobs.list_runs(job_id=job_id, active_only=True)) == []
    assert [r.run_id for r in w.jobs.list_runs(job_id=job_id)] == [run_id]


def test_run_over_the_concurrency_limit_is_skipped(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "one at a time", "max_concurrent_runs": 1})
    w.jobs.run_now(job_id)
    second = w.jobs.get_run(w.jobs.run_now(job_id).run_id)
    assert second.state.life_cycle_state == jobs.RunLifeCycleState.SKIPPED  # type: ignore[union-attr]
    details = second.status.termination_details  # type: ignore[union-attr]
    assert details.code == jobs.TerminationCodeCode.MAX_CONCURRENT_RUNS_EXCEEDED  # type: ignore[union-attr]


def test_run_now_of_a_missing_job_is_404(w: WorkspaceClient) -> None:
    with pytest.raises(NotFound):
        w.jobs.run_now(123456789)
    with pytest.raises(NotFound):
        w.jobs.get_run(987654321)


def _tasks(n: int) -> list[dict[str, Any]]:
    return [{"task_key": f"t{i:04d}", "notebook_task": {"notebook_path": "/x"}} for i in range(n)]


def test_task_limits_per_api_version(w: WorkspaceClient) -> None:
    create(w, {"name": "100", "tasks": _tasks(100)}, "2.1")
    with pytest.raises(InvalidParameterValue, match=r"at most 100 tasks on Jobs API 2\.1"):
        create(w, {"name": "101", "tasks": _tasks(101)}, "2.1")
    job_id = create(w, {"name": "1000", "tasks": _tasks(1000)}, "2.2")
    assert len(get(w, job_id)["settings"]["tasks"]) == 1000
    with pytest.raises(InvalidParameterValue, match=r"at most 1000 tasks on Jobs API 2\.2"):
        create(w, {"name": "1001", "tasks": _tasks(1001)}, "2.2")


NOTEBOOK = {"notebook_path": "/x"}
REJECTIONS: list[tuple[str, dict[str, Any], str]] = [
    (
        "duplicate task key",
        {"tasks": [{"task_key": "a", "notebook_task": NOTEBOOK}] * 2},
        r"tasks\[1\]\.task_key: duplicate task key 'a'",
    ),
    (
        "depends_on an unknown task",
        {
            "tasks": [
                {"task_key": "a", "depends_on": [{"task_key": "zz"}], "notebook_task": NOTEBOOK}
            ]
        },
        r"tasks\[0\]\.depends_on\[0\]: task 'a' depends on unknown task 'zz'; known tasks: a",
    ),
    (
        "dependency cycle",
        {
            "tasks": [
                {"task_key": "a", "depends_on": [{"task_key": "b"}]},
                {"task_key": "b", "depends_on": [{"task_key": "a"}]},
            ]
        },
        r"dependency cycle: a -> b -> a",
    ),
    (
        "SQL task without a warehouse",
        {"tasks": [{"task_key": "q", "sql_task": {"query": {"query_id": "1"}}}]},
        r"tasks\[0\]\.sql_task: missing required field 'warehouse_id' in SqlTask",
    ),
    (
        "SQL task with an empty warehouse",
        {
            "tasks": [
                {"task_key": "q", "sql_task": {"warehouse_id": "", "query": {"query_id": "1"}}}
            ]
        },
        r"a SQL task needs a SQL warehouse id",
    ),
    (
        "nested SQL task without a warehouse",
        {
            "tasks": [
                {
                    "task_key": "loop",
                    "for_each_task": {
                        "inputs": "[1]",
                        "task": {"task_key": "q", "sql_task": {"query": {"query_id": "1"}}},
                    },
                }
            ]
        },
        r"for_each_task\.task\.sql_task: missing required field 'warehouse_id'",
    ),
    (
        "unknown top-level field",
        {"nmae": "x"},
        r"unknown field 'nmae' in CreateJob; did you mean 'name'",
    ),
    (
        "unknown nested field",
        {"tasks": [{"task_key": "a", "notebook_task": {"path": "/x", "notebook_path": "/x"}}]},
        r"tasks\[0\]\.notebook_task: unknown field 'path' in NotebookTask",
    ),
    (
        "string for an integer",
        {"max_concurrent_runs": "1"},
        r"max_concurrent_runs: expected an integer",
    ),
    ("boolean for an integer", {"timeout_seconds": True}, r"timeout_seconds: expected an integer"),
    ("number for a string", {"name": 5}, r"name: expected a string, got number 5"),
    ("object for a list", {"tasks": {}}, r"tasks: expected an array"),
    (
        "unknown enum value",
        {"tasks": [{"task_key": "a", "run_if": "SOMETIMES"}]},
        r"tasks\[0\]\.run_if: invalid RunIf value 'SOMETIMES'",
    ),
    (
        "missing required field",
        {"schedule": {"quartz_cron_expression": "0 0 6 * * ?"}},
        r"schedule: missing required field 'timezone_id' in CronSchedule",
    ),
    (
        "unknown job cluster",
        {"tasks": [{"task_key": "a", "job_cluster_key": "nope", "notebook_task": NOTEBOOK}]},
        r"job cluster 'nope' is not defined in job_clusters",
    ),
    (
        "unknown environment",
        {"tasks": [{"task_key": "a", "environment_key": "gpu"}]},
        r"environment 'gpu' is not defined in environments",
    ),
]


@pytest.mark.parametrize(("case", "body", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_create_rejections(
    w: WorkspaceClient, case: str, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message) as err:
        create(w, {"name": case, **body})
    assert err.value.error_code == "INVALID_PARAMETER_VALUE"


def test_reset_and_update_reject_like_create(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "ok"})
    bad = {"name": "x", "tasks": [{"task_key": "a"}, {"task_key": "a"}]}
    with pytest.raises(InvalidParameterValue, match=r"new_settings\.tasks\[1\]\.task_key"):
        call(w, "POST", "/api/2.2/jobs/reset", body={"job_id": job_id, "new_settings": bad})
    with pytest.raises(InvalidParameterValue, match="unknown field 'bogus'"):
        call(
            w, "POST", "/api/2.2/jobs/reset", body={"job_id": job_id, "new_settings": {"bogus": 1}}
        )
    with pytest.raises(InvalidParameterValue, match="duplicate task key"):
        call(w, "POST", "/api/2.2/jobs/update", body={"job_id": job_id, "new_settings": bad})
    assert get(w, job_id)["settings"] == {"name": "ok"}


def test_malformed_json_is_a_400(w: WorkspaceClient) -> None:
    with pytest.raises(DatabricksError) as err:
        call(
            w,
            "POST",
            "/api/2.2/jobs/create",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert err.value.error_code == "MALFORMED_REQUEST"


def test_delete_and_cancel_bodies_are_checked(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "x"})
    with pytest.raises(InvalidParameterValue, match="unknown field 'jobid' in DeleteJob"):
        call(w, "POST", "/api/2.2/jobs/delete", body={"job_id": job_id, "jobid": 1})
    with pytest.raises(InvalidParameterValue, match="missing required field 'run_id'"):
        call(w, "POST", "/api/2.2/jobs/runs/cancel", body={})
    assert get(w, job_id)["settings"] == {"name": "x"}


def _chain(n: int, *, closed: bool) -> list[dict[str, Any]]:
    """t0000 -> t0001 -> ... -> t{n-1} (each depends on the next, so a depth-first walk from the
    first task goes n deep); `closed`: the last task also depends on the first."""
    tasks = _tasks(n)
    for i, task in enumerate(tasks):
        after = i + 1 if i + 1 < n else (0 if closed else None)
        if after is not None:
            task["depends_on"] = [{"task_key": f"t{after:04d}"}]
    return tasks


def test_a_1000_task_chain_is_accepted(w: WorkspaceClient) -> None:
    job_id = create(w, {"name": "chain", "tasks": _chain(1000, closed=False)})
    tasks = get(w, job_id)["settings"]["tasks"]
    assert (tasks[0]["depends_on"], "depends_on" in tasks[-1]) == ([{"task_key": "t0001"}], False)


def test_a_1000_task_cycle_is_refused_naming_it(w: WorkspaceClient) -> None:
    cycle = " -> ".join([*(f"t{i:04d}" for i in range(1000)), "t0000"])
    with pytest.raises(InvalidParameterValue) as refused:
        create(w, {"name": "cycle", "tasks": _chain(1000, closed=True)})
    assert str(refused.value) == f"tasks: dependency cycle: {cycle}"
    assert list(w.jobs.list()) == []
