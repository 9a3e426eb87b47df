"""Job runs with a life: each task PENDING, RUNNING, then a result, in dependency order.

Nothing runs. When a run starts, its whole course is worked out from the job's tasks
(`depends_on`, `run_if`, `max_retries`, `retry_on_timeout`, `timeout_seconds`, `disabled`), the
run timings and the outcomes a test asked for (`outcomes`, below); a read at time T answers what
that course says at T, and a cancel at T cuts it there. The course is kept with the run, so runs
read back from the state file end as they would have.

Outcomes are the local workspace's own, test-only API (`POST /api/2.0/lakeform-local/outcomes`):
make a job task, a pipeline update or a monitor refresh fail (with a message, for the first N
attempts) or run for a given time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from devtools.workspace.app import Request, route
from devtools.workspace.errors import invalid, missing

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

FAILED_MESSAGE = "Workload failed, see run output for details"
UNLIMITED_RETRIES = 10
"""`max_retries: -1` retries without end on the real service; a local failure stops after this."""

_SUCCESS_LIKE = {"SUCCESS", "SUCCESS_WITH_FAILURES", "EXCLUDED", "DISABLED"}
_FAILED_LIKE = {"FAILED", "TIMEDOUT", "UPSTREAM_FAILED"}


# ---------------------------------------------------------------- outcomes (test-only API)


def outcome_for(ws: Workspace, **match: Any) -> dict[str, Any] | None:
    """The most recent outcome set for this task, pipeline or table, if any."""
    for outcome in reversed(ws.store.data["outcomes"]):
        if all(outcome.get(k) == v for k, v in match.items()):
            return outcome
    return None


def _check_outcome(ws: Workspace, body: dict[str, Any]) -> dict[str, Any]:
    targets = [k for k in ("job_id", "pipeline_id", "table_name") if body.get(k) is not None]
    if len(targets) != 1:
        raise invalid(
            "an outcome names exactly one of job_id (with task_key), pipeline_id and "
            f"table_name (found: {', '.join(targets) or 'none'})"
        )
    allowed = {
        "job_id",
        "task_key",
        "pipeline_id",
        "table_name",
        "result",
        "message",
        "attempts",
        "running_seconds",
    }
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid(f"unknown outcome field {unknown[0]!r}; known: {', '.join(sorted(allowed))}")
    outcome: dict[str, Any] = {}
    if targets == ["job_id"]:
        job = ws.store.data["jobs"].get(str(body["job_id"]))
        if job is None:
            raise missing(f"Job {body['job_id']} does not exist.")
        keys = [t.get("task_key") for t in job["settings"].get("tasks") or []]
        if body.get("task_key") not in keys:
            raise invalid(
                f"task_key: job {body['job_id']} has no task {body.get('task_key')!r}; "
                f"known: {', '.join(map(str, keys)) or 'none'}"
            )
        outcome.update(job_id=int(body["job_id"]), task_key=body["task_key"])
    elif targets == ["pipeline_id"]:
        if body["pipeline_id"] not in ws.store.data["pipelines"]:
            raise missing(f"Pipeline {body['pipeline_id']} does not exist.")
        outcome["pipeline_id"] = body["pipeline_id"]
    else:
        if body["table_name"] not in ws.store.data["monitors"]:
            raise missing(f"Monitor for table '{body['table_name']}' does not exist.")
        outcome["table_name"] = body["table_name"]
    result = body.get("result", "FAILED")
    if result not in ("FAILED", "SUCCESS"):
        raise invalid(f"result: expected FAILED or SUCCESS, got {result!r}")
    outcome["result"] = result
    if body.get("message") is not None:
        outcome["message"] = str(body["message"])
    attempts = body.get("attempts")
    if attempts is not None and (type(attempts) is not int or attempts < 1):
        raise invalid(f"attempts: expected a positive integer, got {attempts!r}")
    if attempts is not None:
        outcome["attempts"] = attempts
    seconds = body.get("running_seconds")
    if seconds is not None:
        if type(seconds) not in (int, float) or not 0 <= seconds <= 3600:
            raise invalid(f"running_seconds: expected 0 to 3600 seconds, got {seconds!r}")
        outcome["running_seconds"] = float(seconds)
    return outcome


def add_outcome(ws: Workspace, req: Request) -> dict[str, Any]:
    ws.store.data["outcomes"].append(_check_outcome(ws, req.json()))
    return {}


def clear_outcomes(ws: Workspace, req: Request) -> dict[str, Any]:
    ws.store.data["outcomes"] = []
    return {}


def list_outcomes(ws: Workspace, req: Request) -> dict[str, Any]:
    return {"outcomes": list(ws.store.data["outcomes"])}


# ---------------------------------------------------------------- a run's course


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _ordered(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks after their dependencies, otherwise in the job's order (jobs/create refused cycles)."""
    done: set[str] = set()
    left = list(tasks)
    ordered: list[dict[str, Any]] = []
    keys = {t["task_key"] for t in tasks}
    while left:
        for task in left:
            deps = [d["task_key"] for d in task.get("depends_on") or [] if d["task_key"] in keys]
            if all(d in done for d in deps):
                ordered.append(task)
                done.add(task["task_key"])
                left.remove(task)
                break
    return ordered


def _run_if_met(run_if: str, results: list[str]) -> bool:
    ok = [r in _SUCCESS_LIKE for r in results]
    failed = [r in _FAILED_LIKE for r in results]
    if not results or run_if == "ALL_DONE":
        return True
    return {
        "ALL_SUCCESS": all(ok),
        "AT_LEAST_ONE_SUCCESS": any(ok),
        "NONE_FAILED": not any(failed),
        "AT_LEAST_ONE_FAILED": any(failed),
        "ALL_FAILED": all(failed),
    }.get(run_if, all(ok))


def plan_tasks(
    ws: Workspace, job_id: int, tasks: list[dict[str, Any]], only: Iterable[str] | None
) -> list[dict[str, Any]]:
    """Each selected task's course, in ms from the run's start: when its dependencies were done
    (`ready`), and its attempts (start, running, end, result, message) or why it was skipped."""
    pending, running = _ms(ws.timings.pending), _ms(ws.timings.running)
    selected = set(only) if only else {t["task_key"] for t in tasks}
    chosen = [t for t in tasks if t["task_key"] in selected]
    by_key: dict[str, dict[str, Any]] = {}
    for task in _ordered(chosen):
        key = task["task_key"]
        deps = [d["task_key"] for d in task.get("depends_on") or [] if d["task_key"] in selected]
        ready = max((by_key[d]["end"] for d in deps), default=0)
        plan: dict[str, Any] = {"task_key": key, "ready": ready, "attempts": [], "end": ready}
        results = [by_key[d]["result"] for d in deps]
        run_if = str(task.get("run_if") or "ALL_SUCCESS")
        if task.get("disabled"):
            plan.update(result="DISABLED", message="This task is disabled.")
        elif not _run_if_met(run_if, results):
            upstream = [d for d in deps if by_key[d]["result"] in _FAILED_LIKE]
            if upstream and run_if in ("ALL_SUCCESS", "NONE_FAILED"):
                plan.update(
                    result="UPSTREAM_FAILED",
                    message=f"Upstream task(s) failed: {', '.join(upstream)}.",
                )
            else:
                plan.update(
                    result="EXCLUDED", message=f"The run_if condition {run_if} was not met."
                )
        else:
            _attempts(plan, task, outcome_for(ws, job_id=job_id, task_key=key), pending, running)
        by_key[key] = plan
    return [by_key[t["task_key"]] for t in chosen]


def _attempts(
    plan: dict[str, Any],
    task: Mapping[str, Any],
    outcome: Mapping[str, Any] | None,
    pending: int,
    running: int,
) -> None:
    retries = int(task.get("max_retries") or 0)
    retries = UNLIMITED_RETRIES if retries < 0 else retries
    timeout = _ms(float(task.get("timeout_seconds") or 0))
    failing = outcome is not None and outcome["result"] == "FAILED"
    failing_attempts = (outcome or {}).get("attempts", math.inf) if failing else 0
    if outcome is not None and "running_seconds" in outcome:
        running = _ms(outcome["running_seconds"])
    start = plan["ready"]
    for number in range(retries + 1):
        attempt: dict[str, Any] = {"start": start, "running": start + pending}
        if timeout and running > timeout:
            attempt.update(
                end=attempt["running"] + timeout,
                result="TIMEDOUT",
                message=f"Task {plan['task_key']} timed out after {timeout / 1000:g} seconds "
                "(timeout_seconds).",
            )
            retry = bool(task.get("retry_on_timeout"))
        elif number < failing_attempts:
            message = (outcome or {}).get("message") or FAILED_MESSAGE
            attempt.update(end=attempt["running"] + running, result="FAILED", message=message)
            retry = True
        else:
            attempt.update(end=attempt["running"] + running, result="SUCCESS", message="")
            retry = False
        plan["attempts"].append(attempt)
        if not retry or number == retries:
            break
        start = attempt["end"] + pending  # WAITING_FOR_RETRY meanwhile
    last = plan["attempts"][-1]
    plan.update(end=last["end"], result=last["result"], message=last["message"])


def legacy_plan(task_keys: list[str], pending: int, running: int) -> list[dict[str, Any]]:
    """The course of a run recorded before runs had one (every task succeeds at once)."""
    attempt = {
        "start": 0,
        "running": pending,
        "end": pending + running,
        "result": "SUCCESS",
        "message": "",
    }
    return [
        {
            "task_key": k,
            "ready": 0,
            "attempts": [dict(attempt)],
            "end": attempt["end"],
            "result": "SUCCESS",
            "message": "",
        }
        for k in task_keys
    ]


def run_result(plan: list[dict[str, Any]], depends: Mapping[str, list[str]]) -> tuple[str, str]:
    """(result, message) of a run that went its course: its leaf tasks decide it."""
    needed = {d for deps in depends.values() for d in deps}
    leaves = [p for p in plan if p["task_key"] not in needed]
    failed = [p for p in plan if p["result"] in _FAILED_LIKE and p["attempts"]]
    if not failed:
        return "SUCCESS", ""
    first = failed[0]
    message = f"Task {first['task_key']} failed with message: {first['message']}"
    if all(p["result"] in _SUCCESS_LIKE for p in leaves):
        return "SUCCESS_WITH_FAILURES", message
    skipped = any(p["result"] == "UPSTREAM_FAILED" for p in plan)
    return "FAILED", message + (
        " This caused all downstream tasks to get skipped." if skipped else ""
    )


# ---------------------------------------------------------------- a task's state at a time


_STATUS = {
    "PENDING": "PENDING",
    "BLOCKED": "BLOCKED",
    "RUNNING": "RUNNING",
    "WAITING_FOR_RETRY": "WAITING",
    "TERMINATED": "TERMINATED",
    "SKIPPED": "TERMINATED",
}
TERMINATION = {
    "SUCCESS": ("SUCCESS", "SUCCESS"),
    "SUCCESS_WITH_FAILURES": ("SUCCESS_WITH_FAILURES", "SUCCESS"),
    "FAILED": ("RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "TIMEDOUT": ("CANCELED", "CLIENT_ERROR"),
    "CANCELED": ("USER_CANCELED", "SUCCESS"),
    "UPSTREAM_FAILED": ("SKIPPED", "SUCCESS"),
    "UPSTREAM_CANCELED": ("SKIPPED", "SUCCESS"),
    "EXCLUDED": ("SKIPPED", "SUCCESS"),
    "DISABLED": ("DISABLED", "SUCCESS"),
}
_SKIPS = ("UPSTREAM_FAILED", "UPSTREAM_CANCELED", "EXCLUDED", "DISABLED")


def task_moment(plan: Mapping[str, Any], elapsed: int, cancelled: int | None) -> dict[str, Any]:
    """A task's life_cycle_state, result_state, message, attempt and start/end (ms from the run's
    start; None when not reached) `elapsed` ms into the run, cancelled `cancelled` ms in, if."""
    attempts: list[dict[str, Any]] = plan["attempts"]
    if cancelled is not None and cancelled <= elapsed and plan["end"] > cancelled:
        started = [a for a in attempts if a["start"] <= cancelled]
        if started:
            return _moment(
                "TERMINATED",
                "CANCELED",
                "Run cancelled.",
                len(started) - 1,
                started[0]["start"],
                cancelled,
            )
        return _moment(
            "SKIPPED", "UPSTREAM_CANCELED", "An upstream task was cancelled.", 0, None, cancelled
        )
    if not attempts:
        if elapsed < plan["end"]:
            return _moment("BLOCKED", None, "Waiting for upstream tasks.", 0, None, None)
        return _moment("SKIPPED", plan["result"], plan["message"], 0, None, plan["end"])
    first = attempts[0]["start"]
    if elapsed < first:
        return _moment("BLOCKED", None, "Waiting for upstream tasks.", 0, None, None)
    for number, attempt in enumerate(attempts):
        if elapsed < attempt["start"]:
            return _moment("WAITING_FOR_RETRY", None, "Waiting to retry.", number - 1, first, None)
        if elapsed < attempt["running"]:
            return _moment(
                "PENDING",
                None,
                "Waiting for compute (local workspace: nothing runs).",
                number,
                first,
                None,
            )
        if elapsed < attempt["end"]:
            return _moment(
                "RUNNING", None, "In run (local workspace: nothing runs).", number, first, None
            )
    return _moment(
        "TERMINATED", plan["result"], plan["message"], len(attempts) - 1, first, plan["end"]
    )


def _moment(
    life: str, result: str | None, message: str, attempt: int, start: int | None, end: int | None
) -> dict[str, Any]:
    return {
        "life": life,
        "result": result,
        "message": message,
        "attempt": attempt,
        "start": start,
        "end": end,
    }


def state_and_status(moment: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `state` (RunState) and `status` (RunStatus) of a run or task at a moment."""
    life, result, message = moment["life"], moment["result"], moment["message"]
    state: dict[str, Any] = {
        "life_cycle_state": life,
        "state_message": message,
        "user_cancelled_or_timedout": result in ("CANCELED", "TIMEDOUT"),
    }
    if result:
        state["result_state"] = result
    status: dict[str, Any] = {"state": _STATUS.get(life, life)}
    if result:
        code, kind = TERMINATION.get(result, ("INTERNAL_ERROR", "INTERNAL_ERROR"))
        status["termination_details"] = {"code": code, "type": kind, "message": message}
    return state, status


_O = r"/api/2\.0/lakeform-local/outcomes"
ROUTES = [
    route("POST", _O, "local.add_outcome", add_outcome),
    route("GET", _O, "local.list_outcomes", list_outcomes),
    route("DELETE", _O, "local.clear_outcomes", clear_outcomes),
]
