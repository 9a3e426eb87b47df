"""Jobs API 2.0/2.1/2.2: jobs stored as sent; runs go their course (devtools/workspace/runs.py)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from devtools.workspace import permissions, runs, schema
from devtools.workspace.app import Request, route
from devtools.workspace.errors import invalid, missing
from devtools.workspace.paging import offset as page_offset
from devtools.workspace.paging import token as page_token
from devtools.workspace.state import now_ms

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

# "more than 100 tasks needs API 2.2", which allows up to 1,000.
TASK_LIMITS = {"2.0": 100, "2.1": 100, "2.2": 1000}


# ---------------------------------------------------------------- validation


def _check_settings(settings: dict[str, Any], version: str, where: str) -> None:
    """The cross-field rules the real service enforces and that are cheap to know."""
    tasks = settings.get("tasks") or []
    limit = TASK_LIMITS.get(version, 100)
    if len(tasks) > limit:
        hint = "; use Jobs API 2.2 for up to 1,000 tasks" if limit == 100 else ""
        raise invalid(
            f"{where}tasks: a job can have at most {limit} tasks on Jobs API {version}, "
            f"got {len(tasks)}{hint}"
        )
    keys: list[str] = [str(t.get("task_key")) for t in tasks]
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise invalid(f"{where}tasks[{i}].task_key: duplicate task key {key!r}")
        seen.add(key)
    cluster_keys = [str(c.get("job_cluster_key")) for c in settings.get("job_clusters") or []]
    if len(set(cluster_keys)) != len(cluster_keys):
        dup = next(k for k in cluster_keys if cluster_keys.count(k) > 1)
        raise invalid(f"{where}job_clusters: duplicate job_cluster_key {dup!r}")
    env_keys = {str(e.get("environment_key")) for e in settings.get("environments") or []}
    for i, task in enumerate(tasks):
        at = f"{where}tasks[{i}]"
        for j, dep in enumerate(task.get("depends_on") or []):
            dep_key = dep.get("task_key")
            if dep_key not in seen:
                known = ", ".join(sorted(seen))
                raise invalid(
                    f"{at}.depends_on[{j}]: task {keys[i]!r} depends on unknown task "
                    f"{dep_key!r}; known tasks: {known}"
                )
        _check_task(task, at, set(cluster_keys), env_keys)
    _check_cycles(tasks, where)


def _check_task(
    task: dict[str, Any],
    at: str,
    cluster_keys: set[str],
    env_keys: set[str],
) -> None:
    prefix = f"{at}." if at else ""
    sql = task.get("sql_task")
    if isinstance(sql, dict) and not sql.get("warehouse_id"):
        raise invalid(f"{prefix}sql_task.warehouse_id: a SQL task needs a SQL warehouse id")
    cluster_key = task.get("job_cluster_key")
    if cluster_key and cluster_key not in cluster_keys:
        known = ", ".join(sorted(cluster_keys)) or "none"
        raise invalid(
            f"{prefix}job_cluster_key: job cluster {cluster_key!r} is not defined in "
            f"job_clusters (defined: {known})"
        )
    env_key = task.get("environment_key")
    if env_key and env_key not in env_keys:
        known = ", ".join(sorted(env_keys)) or "none"
        raise invalid(
            f"{prefix}environment_key: environment {env_key!r} is not defined in "
            f"environments (defined: {known})"
        )
    nested = (task.get("for_each_task") or {}).get("task")
    if isinstance(nested, dict):
        _check_task(nested, f"{prefix}for_each_task.task", cluster_keys, env_keys)


def _check_cycles(tasks: list[dict[str, Any]], where: str) -> None:
    """Depth-first, with an explicit stack: a 1,000-task chain would overflow Python's own."""
    graph = {
        str(t.get("task_key")): [str(d.get("task_key")) for d in t.get("depends_on") or []]
        for t in tasks
    }
    state: dict[str, int] = {}  # 1 on the trail, 2 done
    for root in graph:
        if root in state:
            continue
        state[root] = 1
        trail = [root]
        pending = [iter(graph[root])]
        while pending:
            dep = next(pending[-1], None)
            if dep is None:
                state[trail.pop()] = 2
                pending.pop()
            elif state.get(dep) == 1:
                cycle = [*trail[trail.index(dep) :], dep]
                raise invalid(f"{where}tasks: dependency cycle: {' -> '.join(cycle)}")
            elif dep not in state:
                state[dep] = 1
                trail.append(dep)
                pending.append(iter(graph.get(dep, [])))


def _job_id(value: Any, where: str = "job_id") -> int:
    if isinstance(value, bool) or value is None:
        raise invalid(f"{where}: a job id (integer) is required")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid(f"{where}: expected an integer job id, got {value!r}") from None


def _job(ws: Workspace, job_id: int) -> dict[str, Any]:
    job = ws.store.data["jobs"].get(str(job_id))
    if job is None:
        raise missing(f"Job {job_id} does not exist.")
    return job


def _run_as_user(settings: dict[str, Any], creator: str) -> str:
    run_as = settings.get("run_as") or {}
    return str(run_as.get("user_name") or run_as.get("service_principal_name") or creator)


def _job_view(job: dict[str, Any], *, expand_tasks: bool = True) -> dict[str, Any]:
    settings = copy.deepcopy(job["settings"])
    # Accepted, stored and never answered (databricks/cli #6315).
    table_update = (settings.get("trigger") or {}).get("table_update")
    if isinstance(table_update, dict):
        table_update.pop("condition", None)
    if not expand_tasks:
        settings.pop("tasks", None)
        settings.pop("job_clusters", None)
    return {
        "job_id": job["job_id"],
        "creator_user_name": job["creator_user_name"],
        "run_as_user_name": _run_as_user(job["settings"], job["creator_user_name"]),
        "settings": settings,
        "created_time": job["created_time"],
    }


# ---------------------------------------------------------------- jobs


def create(ws: Workspace, req: Request) -> dict[str, Any]:
    version = req.api_version
    body = req.json()
    schema.validate(body, schema.job_create(version == "2.0"), "")
    settings = {k: v for k, v in body.items() if k != "access_control_list"}
    _check_settings(settings, version, "")
    job_id = ws.store.new_job_id()
    job: dict[str, Any] = {
        "job_id": job_id,
        "creator_user_name": ws.user_name,
        "created_time": now_ms(),
        "settings": settings,
    }
    if body.get("access_control_list"):
        # Set with the job, as PUT /permissions/jobs/{id} would: the creator owns it unless
        # the list names another owner.
        granted = permissions.checked(
            permissions.TYPES["jobs"],
            {"access_control_list": body["access_control_list"]},
            "access_control_list",
        )
        job["access_control"] = permissions.with_owner(granted, permissions.direct(job))
    ws.store.data["jobs"][str(job_id)] = job
    return {"job_id": job_id}


def get(ws: Workspace, req: Request) -> dict[str, Any]:
    job = _job(ws, _job_id(req.arg("job_id")))
    # All tasks in one answer, and never a next_page_token: the Go SDK would page forever.
    return _job_view(job)


def list_jobs(ws: Workspace, req: Request) -> dict[str, Any]:
    limit = req.arg_int("limit", 20) or 20
    if not 1 <= limit <= 100:
        raise invalid(f"limit must be between 1 and 100, got {limit}")
    offset = page_offset(req)
    name = req.arg("name")
    expand = req.arg_bool("expand_tasks")
    # Most recently created first (`offset` counts "relative to the most recently created job");
    # the jobs dict keeps creation order, in memory and through the JSON state file.
    jobs = list(reversed(ws.store.data["jobs"].values()))
    if name is not None:
        jobs = [j for j in jobs if j["settings"].get("name") == name]
    page = jobs[offset : offset + limit]
    answer: dict[str, Any] = {"has_more": offset + limit < len(jobs)}
    if page:
        answer["jobs"] = [_job_view(j, expand_tasks=expand) for j in page]
    if answer["has_more"]:
        answer["next_page_token"] = page_token(offset + limit)
    return answer


def reset(ws: Workspace, req: Request) -> dict[str, Any]:
    version = req.api_version
    body = req.json()
    schema.validate(body, schema.job_reset(version == "2.0"), "")
    job = _job(ws, _job_id(body.get("job_id")))
    settings = body["new_settings"]
    _check_settings(settings, version, "new_settings.")
    job["settings"] = settings
    return {}


def update(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.job_update(), "")
    job = _job(ws, _job_id(body.get("job_id")))
    settings = copy.deepcopy(job["settings"])
    new = body.get("new_settings") or {}
    for key, value in new.items():
        if key in _KEYS and isinstance(value, list):
            keys = [item.get(_KEYS[key]) for item in value]
            for i, item_key in enumerate(keys):
                if item_key in keys[:i]:
                    label = "task key" if key == "tasks" else "job_cluster_key"
                    raise invalid(
                        f"new_settings.{key}[{i}].{_KEYS[key]}: duplicate {label} {item_key!r}"
                    )
            settings[key] = _merge_by_key(settings.get(key) or [], value, _KEYS[key])
        else:
            settings[key] = value
    for item in body.get("fields_to_remove") or []:
        top, _, key = item.partition("/")
        if key and top in _KEYS:
            kept = [x for x in settings.get(top) or [] if x.get(_KEYS[top]) != key]
            if len(kept) == len(settings.get(top) or []):
                raise invalid(f"fields_to_remove: no {top} entry with key {key!r}")
            settings[top] = kept
        elif top in settings:
            del settings[top]
    _check_settings(settings, req.api_version, "new_settings.")
    job["settings"] = settings
    return {}


_KEYS = {"tasks": "task_key", "job_clusters": "job_cluster_key"}


def _merge_by_key(old: list[Any], new: list[Any], key: str) -> list[Any]:
    merged = {item.get(key): item for item in old}
    for item in new:
        merged[item.get(key)] = item
    return list(merged.values())


def delete(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.job_delete(), "")
    job_id = _job_id(body.get("job_id"))
    _job(ws, job_id)
    del ws.store.data["jobs"][str(job_id)]
    runs = ws.store.data["runs"]
    for run_id in [r for r, run in runs.items() if run["job_id"] == job_id]:
        del runs[run_id]
    return {}


# ---------------------------------------------------------------- runs


def _course(ws: Workspace, run: dict[str, Any]) -> list[dict[str, Any]]:
    plan = run.get("plan")
    if plan is None:  # a run recorded by an older local workspace
        pending, running = int(ws.timings.pending * 1000), int(ws.timings.running * 1000)
        plan = runs.legacy_plan(run["task_keys"] or [""], pending, running)
    return plan


def _run_moment(ws: Workspace, run: dict[str, Any], at: int) -> dict[str, Any]:
    """The run's life_cycle_state, result_state, message and end time (ms) at time `at`."""
    if run.get("skipped"):
        return {
            "life": "SKIPPED",
            "result": None,
            "end": run["start_time"],
            "message": _SKIPPED_MESSAGE,
        }
    plan = _course(ws, run)
    elapsed = at - run["start_time"]
    cancelled = run.get("cancelled_at")
    course_end = max((p["end"] for p in plan), default=0)
    if cancelled is not None and cancelled <= at and cancelled - run["start_time"] < course_end:
        return {
            "life": "TERMINATED",
            "result": "CANCELED",
            "end": cancelled,
            "message": "Run cancelled.",
        }
    if elapsed >= course_end:
        result, message = runs.run_result(plan, run.get("depends") or {})
        return {
            "life": "TERMINATED",
            "result": result,
            "end": run["start_time"] + course_end,
            "message": message,
        }
    started = min((a["running"] for p in plan for a in p["attempts"]), default=course_end)
    if elapsed < started:
        return {
            "life": "PENDING",
            "result": None,
            "end": None,
            "message": "Waiting for cluster (local workspace: nothing runs)",
        }
    return {
        "life": "RUNNING",
        "result": None,
        "end": None,
        "message": "In run (local workspace: nothing runs)",
    }


_SKIPPED_MESSAGE = (
    "Skipping this run because the limit of maximum concurrent runs has been reached."
)


def _run_view(
    ws: Workspace, req: Request, run: dict[str, Any], *, expand_tasks: bool = True
) -> dict[str, Any]:
    at = now_ms()
    moment = _run_moment(ws, run, at)
    state, status = runs.state_and_status(moment)
    if moment["life"] == "SKIPPED":
        status["termination_details"] = {
            "code": "MAX_CONCURRENT_RUNS_EXCEEDED",
            "type": "CLIENT_ERROR",
            "message": _SKIPPED_MESSAGE,
        }
    base = _run_page(ws, req, run["job_id"])
    view: dict[str, Any] = {
        "job_id": run["job_id"],
        "run_id": run["run_id"],
        "number_in_job": run["run_id"],
        "original_attempt_run_id": run["run_id"],
        "creator_user_name": run["creator_user_name"],
        "run_name": run["run_name"],
        "state": state,
        "status": status,
        "start_time": run["start_time"],
        "setup_duration": 0,
        "cleanup_duration": 0,
        "trigger": "ONE_TIME",
        "run_type": "JOB_RUN",
        "format": "MULTI_TASK",
        "run_page_url": f"{base}/run/{run['run_id']}",
    }
    end = moment["end"]
    if end is not None:
        view["end_time"] = end
        view["run_duration"] = end - run["start_time"]
        view["execution_duration"] = end - run["start_time"]
    if run.get("job_parameters"):
        view["job_parameters"] = run["job_parameters"]
    if run.get("overriding_parameters"):
        view["overriding_parameters"] = run["overriding_parameters"]
    if expand_tasks and run.get("task_keys") and not run.get("skipped"):
        view["tasks"] = [
            _task_view(run, plan, i, at, base) for i, plan in enumerate(_course(ws, run))
        ]
    elif expand_tasks and run.get("task_keys"):
        view["tasks"] = [
            {
                "task_key": key,
                "run_id": run["run_id"] + 1 + i,
                "state": dict(state),
                "status": dict(status),
                "start_time": run["start_time"],
                "attempt_number": 0,
            }
            for i, key in enumerate(run["task_keys"])
        ]
    return view


def _task_view(
    run: dict[str, Any], plan: dict[str, Any], index: int, at: int, base: str
) -> dict[str, Any]:
    t0 = run["start_time"]
    cancelled = run.get("cancelled_at")
    moment = runs.task_moment(plan, at - t0, None if cancelled is None else cancelled - t0)
    state, status = runs.state_and_status(moment)
    task_run_id = run["run_id"] + 1 + index
    view: dict[str, Any] = {
        "task_key": plan["task_key"],
        "run_id": task_run_id,
        "state": state,
        "status": status,
        "attempt_number": moment["attempt"],
        "start_time": t0 + moment["start"] if moment["start"] is not None else 0,
        "setup_duration": 0,
        "cleanup_duration": 0,
        "run_page_url": f"{base}/run/{task_run_id}",
    }
    depends = (run.get("depends") or {}).get(plan["task_key"])
    if depends:
        view["depends_on"] = [{"task_key": d} for d in depends]
    if moment["end"] is not None:
        view["end_time"] = t0 + moment["end"]
        if moment["start"] is not None:
            view["execution_duration"] = moment["end"] - moment["start"]
            view["run_duration"] = moment["end"] - moment["start"]
    return view


def _run_page(ws: Workspace, req: Request, job_id: int) -> str:
    """The run page's address without the run, as the real service answers it (absolute, with
    the workspace id); the Host header was checked to name this workspace."""
    host = req.headers.get("host") or "127.0.0.1"
    return f"http://{host}/?o={ws.workspace_id}#job/{job_id}"


def _active(ws: Workspace, run: dict[str, Any], at: int) -> bool:
    return _run_moment(ws, run, at)["life"] in ("PENDING", "RUNNING")


def _job_parameters(settings: dict[str, Any], passed: dict[str, Any]) -> list[dict[str, Any]]:
    defined = {str(p.get("name")): p.get("default") for p in settings.get("parameters") or []}
    for name in passed:
        if name not in defined:
            known = ", ".join(sorted(defined)) or "none"
            raise invalid(
                f"job_parameters: the job defines no parameter {name!r}; defined: {known}"
            )
    return [
        {"name": name, "default": default, "value": passed.get(name, default)}
        for name, default in defined.items()
        if name in passed or default is not None
    ]


def run_now(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.run_now(), "")
    job_id = _job_id(body.get("job_id"))
    job = _job(ws, job_id)
    at = now_ms()
    settings = job["settings"]
    active = [r for r in ws.store.data["runs"].values() if r["job_id"] == job_id]
    active = [r for r in active if _active(ws, r, at)]
    max_runs = int(settings.get("max_concurrent_runs") or 1)
    queued = bool((settings.get("queue") or {}).get("enabled"))
    tasks = [t for t in settings.get("tasks") or [] if isinstance(t, dict)]
    all_keys = [str(t.get("task_key")) for t in tasks]
    only = [str(k) for k in body.get("only") or []]
    for i, key in enumerate(only):
        if key not in all_keys:
            raise invalid(
                f"only[{i}]: job {job_id} has no task {key!r}; known: {', '.join(all_keys)}"
            )
    parameters = _job_parameters(settings, body.get("job_parameters") or {})
    plan = (
        runs.plan_tasks(ws, job_id, tasks, only)
        if tasks
        else runs.legacy_plan([""], int(ws.timings.pending * 1000), int(ws.timings.running * 1000))
    )
    task_keys = [p["task_key"] for p in plan] if tasks else []
    depends = {
        str(t["task_key"]): [
            str(d["task_key"]) for d in t.get("depends_on") or [] if d["task_key"] in task_keys
        ]
        for t in tasks
        if t["task_key"] in task_keys
    }
    run_id = ws.store.new_run_id(reserve=len(all_keys))
    overriding = {
        k: v
        for k, v in body.items()
        if k not in ("job_id", "job_parameters", "idempotency_token", "queue", "only") and v
    }
    ws.store.data["runs"][str(run_id)] = {
        "run_id": run_id,
        "job_id": job_id,
        "creator_user_name": ws.user_name,
        "run_name": settings.get("name") or "Untitled",
        "start_time": at,
        # Without a queue, a run over the concurrency limit is skipped, as on the real service.
        # With a queue, the local workspace simply starts it.
        "skipped": len(active) >= max_runs and not queued,
        "task_keys": task_keys,
        "plan": plan,
        "depends": depends,
        "job_parameters": parameters,
        "overriding_parameters": overriding,
    }
    return {"run_id": run_id, "number_in_job": run_id}


def _run(ws: Workspace, run_id: int) -> dict[str, Any]:
    run = ws.store.data["runs"].get(str(run_id))
    if run is None:
        raise missing(f"Run {run_id} does not exist.")
    return run


def runs_get(ws: Workspace, req: Request) -> dict[str, Any]:
    run_id = _job_id(req.arg("run_id"), "run_id")
    return _run_view(ws, req, _run(ws, run_id))


def runs_list(ws: Workspace, req: Request) -> dict[str, Any]:
    active_only = req.arg_bool("active_only")
    completed_only = req.arg_bool("completed_only")
    if active_only and completed_only:
        raise invalid("active_only and completed_only cannot both be true")
    limit = req.arg_int("limit", 25) or 25
    if not 1 <= limit <= 25:
        raise invalid(f"limit must be between 1 and 25, got {limit}")
    offset = page_offset(req)
    job_id = req.arg_int("job_id")
    at = now_ms()
    runs = sorted(
        ws.store.data["runs"].values(), key=lambda r: (r["start_time"], r["run_id"]), reverse=True
    )
    if job_id is not None:
        runs = [r for r in runs if r["job_id"] == job_id]
    if active_only:
        runs = [r for r in runs if _active(ws, r, at)]
    if completed_only:
        runs = [r for r in runs if not _active(ws, r, at)]
    page = runs[offset : offset + limit]
    answer: dict[str, Any] = {"has_more": offset + limit < len(runs)}
    if page:
        expand = req.arg_bool("expand_tasks")
        answer["runs"] = [_run_view(ws, req, r, expand_tasks=expand) for r in page]
    if answer["has_more"]:
        answer["next_page_token"] = page_token(offset + limit)
    return answer


def runs_cancel(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.run_cancel(), "")
    run = _run(ws, _job_id(body.get("run_id"), "run_id"))
    at = now_ms()
    if _active(ws, run, at):
        run["cancelled_at"] = at
    return {}


_V = r"/api/2\.[012]/jobs"
ROUTES = [
    route("POST", _V + r"/create", "jobs.create", create),
    route("GET", _V + r"/get", "jobs.get", get),
    route("GET", _V + r"/list", "jobs.list", list_jobs),
    route("POST", _V + r"/reset", "jobs.reset", reset),
    route("POST", _V + r"/update", "jobs.update", update),
    route("POST", _V + r"/delete", "jobs.delete", delete),
    route("POST", _V + r"/run-now", "jobs.run_now", run_now),
    route("GET", _V + r"/runs/get", "jobs.runs_get", runs_get),
    route("GET", _V + r"/runs/list", "jobs.runs_list", runs_list),
    route("POST", _V + r"/runs/cancel", "jobs.runs_cancel", runs_cancel),
]
