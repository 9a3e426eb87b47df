"""`lakeform run` against the local workspace: jobs, pipelines and monitors followed to a result.

Rows are created through the REST API and named by stack outputs of the shape the program
exports (`{"jobs": {key: {"id": ...}}}`): the engine itself is covered by tests/e2e."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.run import Console, Options, RunError, Target, check_options, execute, resolve
from devtools.workspace.testing import RunningWorkspace, RunTimings, running_workspace

REPO = Path(__file__).resolve().parents[2]
FAST = Options(poll_seconds=0.02)


@pytest.fixture
def ws(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    with running_workspace(timings=RunTimings.steps(0.05)) as running:
        yield running


def make_job(ws: RunningWorkspace, tasks: list[dict[str, Any]], **settings: Any) -> int:
    body = {"name": "daily", "tasks": tasks, **settings}
    return int(ws.client().api_client.do("POST", "/api/2.2/jobs/create", body=body)["job_id"])


def task(key: str, *after: str, **fields: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"task_key": key, "notebook_task": {"notebook_path": f"/x/{key}"}}
    if after:
        spec["depends_on"] = [{"task_key": a} for a in after]
    return {**spec, **fields}


def run(ws: RunningWorkspace, target: Target, opts: Options = FAST) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = execute(ws.client(), target, opts, Console(out=out, err=err, ask=None))
    return code, out.getvalue(), err.getvalue()


def job_target(job_id: int) -> Target:
    return resolve({"jobs": {"daily": {"id": str(job_id), "name": "daily"}}}, "daily", "local")


def final_states(err: str) -> dict[str, str]:
    states: dict[str, str] = {}
    for line in err.splitlines():
        if line.startswith("  ") and ": " in line:
            name, _, state = line.strip().partition(": ")
            states[name] = state
    return states


def first_line_with(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


def test_a_multi_task_run_succeeds_with_each_task_shown_in_order(ws: RunningWorkspace) -> None:
    job_id = make_job(
        ws, [task("extract"), task("transform", "extract"), task("load", "transform")]
    )
    code, out, err = run(ws, job_target(job_id))
    assert code == 0, err
    first = err.splitlines()[0]
    assert first.startswith("==> jobs.daily: run ") and f"#job/{job_id}/run/" in first
    assert first.split(": ")[-1].startswith(ws.url)  # the run's URL, absolute, before any state
    done = [first_line_with(err, f"  {key}: SUCCESS") for key in ("extract", "transform", "load")]
    assert done == sorted(done)
    # transform waited for extract
    assert first_line_with(err, "  transform: BLOCKED") < first_line_with(err, "  extract: SUCCESS")
    assert [line.split()[:2] for line in out.splitlines()[:3]] == [
        ["extract", "SUCCESS"],
        ["transform", "SUCCESS"],
        ["load", "SUCCESS"],
    ]
    assert "jobs.daily run" in out and "succeeded" in out


def test_a_failing_task_exits_1_with_its_message_and_dependents_follow_run_if(
    ws: RunningWorkspace,
) -> None:
    job_id = make_job(
        ws,
        [
            task("extract"),
            task("transform", "extract"),
            task("load", "transform"),
            task("cleanup", "transform", run_if="ALL_DONE"),
            task("alert", "transform", run_if="AT_LEAST_ONE_FAILED"),
        ],
    )
    ws.outcome(job_id=job_id, task_key="transform", message="table olist.orders not found")
    code, out, err = run(ws, job_target(job_id))
    assert code == 1
    assert final_states(err) == {
        "extract": "SUCCESS",
        "transform": "FAILED",
        "load": "UPSTREAM_FAILED",
        "cleanup": "SUCCESS",
        "alert": "SUCCESS",
    }
    assert err.splitlines()[-1] == (
        "lakeform run: jobs.daily: task transform FAILED: table olist.orders not found"
    )
    assert "did not succeed" in out


def test_json_gives_ids_per_task_results_and_durations(ws: RunningWorkspace) -> None:
    job_id = make_job(ws, [task("a"), task("b", "a")])
    code, out, _ = run(ws, job_target(job_id), Options(poll_seconds=0.02, as_json=True))
    assert code == 0
    result = json.loads(out)
    assert result["job_id"] == job_id and result["result_state"] == "SUCCESS"
    assert [(t["task_key"], t["result_state"]) for t in result["tasks"]] == [
        ("a", "SUCCESS"),
        ("b", "SUCCESS"),
    ]
    assert all(t["duration_seconds"] > 0 for t in result["tasks"])
    assert result["duration_seconds"] >= sum(t["duration_seconds"] for t in result["tasks"])
    run_state = ws.client().jobs.get_run(result["run_id"])
    assert run_state.job_id == job_id


def test_only_runs_the_named_tasks(ws: RunningWorkspace) -> None:
    job_id = make_job(ws, [task("a"), task("b", "a"), task("c", "b")])
    code, out, err = run(ws, job_target(job_id), Options(poll_seconds=0.02, only=["a", "c"]))
    assert code == 0, err
    assert set(final_states(err)) == {"a", "c"}
    assert [line.split()[0] for line in out.splitlines()[:2]] == ["a", "c"]


def test_only_naming_an_unknown_task_is_refused(ws: RunningWorkspace) -> None:
    from databricks.sdk.errors import InvalidParameterValue

    job_id = make_job(ws, [task("a")])
    with pytest.raises(
        InvalidParameterValue, match=r"only\[0\]: job \d+ has no task 'z'; known: a"
    ):
        run(ws, job_target(job_id), Options(poll_seconds=0.02, only=["z"]))


def test_parameters_reach_the_run(ws: RunningWorkspace) -> None:
    job_id = make_job(
        ws,
        [task("a")],
        parameters=[{"name": "day", "default": "today"}, {"name": "n", "default": "1"}],
    )
    opts = Options(poll_seconds=0.02, params={"day": "2024-05-01"}, as_json=True)
    code, out, _ = run(ws, job_target(job_id), opts)
    assert code == 0
    got = ws.client().jobs.get_run(json.loads(out)["run_id"]).job_parameters
    assert {(p.name, p.value) for p in got} == {("day", "2024-05-01"), ("n", "1")}


def test_an_undefined_parameter_is_refused(ws: RunningWorkspace) -> None:
    from databricks.sdk.errors import InvalidParameterValue

    job_id = make_job(ws, [task("a")], parameters=[{"name": "day", "default": "today"}])
    with pytest.raises(InvalidParameterValue, match="no parameter 'dya'; defined: day"):
        run(ws, job_target(job_id), Options(poll_seconds=0.02, params={"dya": "x"}))


@pytest.fixture
def slow_ws(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    """A workspace whose every run state lasts a minute: a run is still going when looked at
    again, however loaded the machine."""
    with running_workspace(timings=RunTimings.steps(60)) as running:
        yield running


def test_no_wait_prints_the_run_id_and_url_and_leaves_it_running(slow_ws: RunningWorkspace) -> None:
    ws = slow_ws
    job_id = make_job(ws, [task("a")])
    code, out, _ = run(ws, job_target(job_id), Options(wait=False))
    assert code == 0
    word, number, url = out.split()
    assert word == "run"
    run_id = int(number)
    assert url.endswith(f"#job/{job_id}/run/{run_id}")
    state = ws.client().jobs.get_run(run_id).state
    assert state.life_cycle_state.value in ("PENDING", "RUNNING")


def make_pipeline(ws: RunningWorkspace) -> str:
    body = {"name": "orders", "libraries": [{"notebook": {"path": "/x/dlt"}}]}
    return str(ws.client().api_client.do("POST", "/api/2.0/pipelines", body=body)["pipeline_id"])


def pipeline_target(pipeline_id: str) -> Target:
    return resolve({"pipelines": {"orders": {"id": pipeline_id}}}, "orders", "local")


def test_a_pipeline_full_refresh(clean_databricks_env: None) -> None:
    # Each state before RUNNING lasts a second: a poll every 0.02 s sees RESETTING even when a
    # loaded machine answers one in a few tenths (ws's 0.05 s steps could be skipped over).
    with running_workspace(timings=RunTimings(pending=1.0, running=0.05)) as ws:
        full_refresh(ws)


def full_refresh(ws: RunningWorkspace) -> None:
    pipeline_id = make_pipeline(ws)
    opts = Options(poll_seconds=0.02, full_refresh=True, as_json=True)
    code, out, err = run(ws, pipeline_target(pipeline_id), opts)
    assert code == 0, err
    shown = [line.strip() for line in err.splitlines()[1:]]
    assert "update: RESETTING" in shown and shown[-1] == "update: COMPLETED"
    result = json.loads(out)
    assert result["full_refresh"] is True and result["state"] == "COMPLETED"
    update = ws.client().pipelines.get_update(pipeline_id, result["update_id"]).update
    assert update.full_refresh is True


def test_a_pipeline_refresh_of_some_tables(ws: RunningWorkspace) -> None:
    pipeline_id = make_pipeline(ws)
    opts = Options(poll_seconds=0.02, refresh=["orders", "items"], as_json=True)
    code, out, _ = run(ws, pipeline_target(pipeline_id), opts)
    assert code == 0
    assert json.loads(out)["refresh_selection"] == ["orders", "items"]


def test_a_failed_pipeline_update_exits_1_with_its_error(ws: RunningWorkspace) -> None:
    pipeline_id = make_pipeline(ws)
    ws.outcome(pipeline_id=pipeline_id, message="Table 'raw.orders' does not exist")
    code, _, err = run(ws, pipeline_target(pipeline_id))
    assert code == 1
    assert err.splitlines()[-1] == (
        "lakeform run: pipelines.orders: update FAILED: Table 'raw.orders' does not exist"
    )


def make_monitor(ws: RunningWorkspace) -> str:
    table = "olist.gold.orders"
    body = {
        "table_name": table,
        "assets_dir": "/Workspace/Shared/monitors",
        "output_schema_name": "olist.monitoring",
        "snapshot": {},
    }
    ws.client().api_client.do("POST", f"/api/2.1/unity-catalog/tables/{table}/monitor", body=body)
    return table


def test_a_monitor_refresh(ws: RunningWorkspace) -> None:
    table = make_monitor(ws)
    target = resolve(
        {"quality_monitors": {"orders_quality": {"table_name": table}}}, "orders_quality", "local"
    )
    code, out, err = run(ws, target)
    assert code == 0, err
    assert final_states(err) == {"refresh": "SUCCESS"}
    assert out.splitlines()[0].split()[:2] == ["refresh", "SUCCESS"]


def test_a_failed_monitor_refresh_exits_1_with_its_message(ws: RunningWorkspace) -> None:
    table = make_monitor(ws)
    ws.outcome(table_name=table, message="warehouse stopped")
    target = resolve({"quality_monitors": {"q": {"table_name": table}}}, "q", "local")
    code, _, err = run(ws, target)
    assert code == 1
    assert (
        err.splitlines()[-1]
        == "lakeform run: quality_monitors.q: refresh FAILED: warehouse stopped"
    )


OUTPUTS = {
    "jobs": {"daily": {"id": "1"}, "weekly": {"id": "2"}},
    "pipelines": {"orders": {"id": "p"}, "daily": {"id": "q"}},
    "quality_monitors": {},
}


def test_an_unknown_key_is_refused_with_the_known_keys() -> None:
    with pytest.raises(RunError) as caught:
        resolve(OUTPUTS, "wekly", "dev")
    assert str(caught.value) == (
        "stack dev has no row 'wekly' (did you mean weekly, jobs.weekly?); known: jobs.daily, "
        "jobs.weekly, pipelines.daily, pipelines.orders"
    )


def test_a_key_two_kinds_share_must_be_qualified() -> None:
    with pytest.raises(
        RunError,
        match=r"'daily' names 2 rows of stack dev; say which: jobs\.daily or pipelines\.daily",
    ):
        resolve(OUTPUTS, "daily", "dev")
    assert resolve(OUTPUTS, "pipelines.daily", "dev").output == {"id": "q"}
    assert resolve(OUTPUTS, "weekly", "dev").output == {"id": "2"}


def test_no_outputs_says_to_deploy_first() -> None:
    with pytest.raises(RunError, match=r"stack dev has no deployed rows .*lakeform up --stack dev"):
        resolve({}, "daily", "dev")


def test_options_of_another_kind_are_refused() -> None:
    target = resolve(OUTPUTS, "orders", "dev")
    with pytest.raises(
        RunError,
        match=r"--only does not apply to pipelines\.orders "
        r"\(pipelines: only --full-refresh, --refresh\)",
    ):
        check_options(target, Options(only=["a"]))
    check_options(target, Options(full_refresh=True))


# ---------------------------------------------------------------- Ctrl-C

DRIVER = """
import sys, json
from cli.run import Console, Options, execute, resolve
from devtools.workspace.testing import RunningWorkspace
from databricks.sdk import WorkspaceClient
url, token, job_id, cancel = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
w = WorkspaceClient(host=url, token=token, auth_type="pat")
target = resolve({"jobs": {"daily": {"id": job_id}}}, "daily", "local")
sys.exit(execute(w, target, Options(poll_seconds=0.05, cancel_on_interrupt=cancel), Console()))
"""


def interrupt(ws: RunningWorkspace, job_id: int, *, cancel: bool) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, ws.url, ws.token, str(job_id), "1" if cancel else "0"],
        cwd=REPO,
        env={**env, "DATABRICKS_CONFIG_FILE": os.devnull},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "slow: RUNNING" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, rest = proc.communicate(timeout=60)
    return proc.returncode, "".join(seen) + rest + out


def test_cancel_on_interrupt_cancels_the_run_on_sigint(ws: RunningWorkspace) -> None:
    job_id = make_job(ws, [task("slow"), task("after", "slow")])
    ws.outcome(job_id=job_id, task_key="slow", result="SUCCESS", running_seconds=60)
    code, text = interrupt(ws, job_id, cancel=True)
    assert code == 130, text
    assert "==> cancelling jobs.daily run" in text
    assert re.search(r"^slow +CANCELED", text, re.MULTILINE)
    assert re.search(r"^after +UPSTREAM_CANCELED", text, re.MULTILINE)
    runs = list(ws.client().jobs.list_runs(job_id=job_id))
    assert runs[0].state.result_state.value == "CANCELED"


def test_interrupt_without_a_terminal_leaves_the_run_going_and_says_where(
    ws: RunningWorkspace,
) -> None:
    job_id = make_job(ws, [task("slow")])
    ws.outcome(job_id=job_id, task_key="slow", result="SUCCESS", running_seconds=60)
    code, text = interrupt(ws, job_id, cancel=False)
    assert code == 130, text
    runs = list(ws.client().jobs.list_runs(job_id=job_id))
    assert f"jobs.daily run {runs[0].run_id} goes on: {runs[0].run_page_url}" in text
    assert runs[0].state.life_cycle_state.value == "RUNNING"
