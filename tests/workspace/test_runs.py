"""Job runs go their course: retries, timeouts, disabled tasks, outcomes refused when wrong."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue

from devtools.workspace.testing import RunningWorkspace, RunTimings, running_workspace
from tests.workspace.helpers import call


@pytest.fixture
def ws() -> Iterator[RunningWorkspace]:
    with running_workspace(timings=RunTimings.steps(0.05)) as running:
        yield running


def run_to_end(w: WorkspaceClient, job_id: int) -> Any:
    return w.jobs.run_now_and_wait(job_id, timeout=timedelta(seconds=60))


def create(w: WorkspaceClient, tasks: list[dict[str, Any]]) -> int:
    return int(
        call(w, "POST", "/api/2.2/jobs/create", body={"name": "j", "tasks": tasks})["job_id"]
    )


def nb(key: str, **fields: Any) -> dict[str, Any]:
    return {"task_key": key, "notebook_task": {"notebook_path": f"/x/{key}"}, **fields}


def results(run: Any) -> dict[str, tuple[str, int]]:
    return {t.task_key: (t.state.result_state.value, t.attempt_number) for t in run.tasks}


def test_a_task_failing_once_succeeds_on_its_retry(ws: RunningWorkspace) -> None:
    w = ws.client()
    job_id = create(w, [nb("a", max_retries=2)])
    ws.outcome(job_id=job_id, task_key="a", message="flaky", attempts=1)
    run = run_to_end(w, job_id)
    assert results(run) == {"a": ("SUCCESS", 1)}
    assert run.state.result_state.value == "SUCCESS"


def test_retries_run_out_and_the_run_fails_with_the_message(ws: RunningWorkspace) -> None:
    w = ws.client()
    job_id = create(w, [nb("a", max_retries=1)])
    ws.outcome(job_id=job_id, task_key="a", message="always broken")
    run = run_to_end(w, job_id)
    assert results(run) == {"a": ("FAILED", 1)}
    assert run.state.state_message == "Task a failed with message: always broken"
    assert run.status.termination_details.code.value == "RUN_EXECUTION_ERROR"


def test_a_task_over_its_timeout_times_out(ws: RunningWorkspace) -> None:
    w = ws.client()
    job_id = create(
        w, [nb("slow", timeout_seconds=1), nb("next", depends_on=[{"task_key": "slow"}])]
    )
    ws.outcome(job_id=job_id, task_key="slow", result="SUCCESS", running_seconds=3)
    run = run_to_end(w, job_id)
    assert results(run) == {"slow": ("TIMEDOUT", 0), "next": ("UPSTREAM_FAILED", 0)}
    assert run.state.result_state.value == "FAILED"


def test_a_disabled_task_is_skipped_and_its_dependents_run(ws: RunningWorkspace) -> None:
    w = ws.client()
    job_id = create(w, [nb("off", disabled=True), nb("b", depends_on=[{"task_key": "off"}])])
    run = run_to_end(w, job_id)
    assert results(run) == {"off": ("DISABLED", 0), "b": ("SUCCESS", 0)}
    off = run.tasks[0]
    assert off.state.life_cycle_state.value == "SKIPPED"
    assert run.state.result_state.value == "SUCCESS"


def test_an_outcome_for_an_unknown_task_is_refused(ws: RunningWorkspace) -> None:
    w = ws.client()
    job_id = create(w, [nb("a")])
    with pytest.raises(
        InvalidParameterValue, match=rf"task_key: job {job_id} has no task 'b'; known: a"
    ):
        ws.outcome(job_id=job_id, task_key="b")
    with pytest.raises(InvalidParameterValue, match="exactly one of job_id"):
        ws.outcome(message="x")
