"""Pipelines API 2.0: specs stored as sent; IDLE, or RUNNING if continuous or updating."""

from __future__ import annotations

import fnmatch
import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from devtools.workspace import runs, schema
from devtools.workspace.app import Request, route
from devtools.workspace.errors import ApiError, invalid, missing
from devtools.workspace.paging import offset as page_offset
from devtools.workspace.paging import token as page_token
from devtools.workspace.state import now_ms

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

# Create/edit fields that are not part of the spec but are answered at the top level of GET.
TOP_LEVEL_FIELDS = ("run_as", "parameters")


def _split(body: dict[str, Any], pipeline_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    known = schema.pipeline_spec_fields()
    spec = {k: v for k, v in body.items() if k in known and k != "id"}
    spec["id"] = pipeline_id
    extra = {k: body[k] for k in TOP_LEVEL_FIELDS if body.get(k) is not None}
    return spec, extra


def _check_name(ws: Workspace, body: dict[str, Any], pipeline_id: str | None) -> None:
    name = body.get("name")
    if not name or body.get("allow_duplicate_names"):
        return
    for other in ws.store.data["pipelines"].values():
        if other["pipeline_id"] != pipeline_id and other["spec"].get("name") == name:
            raise ApiError(
                409,
                "RESOURCE_CONFLICT",
                f"Pipeline with name '{name}' already exists (pipeline {other['pipeline_id']}); "
                "choose another name or set allow_duplicate_names",
            )


def _pipeline(ws: Workspace, pipeline_id: str) -> dict[str, Any]:
    pipeline = ws.store.data["pipelines"].get(pipeline_id)
    if pipeline is None:
        raise missing(f"Pipeline {pipeline_id} does not exist.")
    return pipeline


def _state(ws: Workspace, pipeline: dict[str, Any]) -> str:
    if pipeline["spec"].get("continuous") or _active_update(ws, pipeline) is not None:
        return "RUNNING"
    return "IDLE"


def _run_as_user(pipeline: dict[str, Any]) -> str:
    run_as = pipeline["extra"].get("run_as") or {}
    return str(
        run_as.get("user_name")
        or run_as.get("service_principal_name")
        or run_as.get("group_name")
        or pipeline["creator_user_name"]
    )


def _view(ws: Workspace, pipeline: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "pipeline_id": pipeline["pipeline_id"],
        "spec": pipeline["spec"],
        "state": _state(ws, pipeline),
        "name": pipeline["spec"].get("name", ""),
        "creator_user_name": pipeline["creator_user_name"],
        "run_as_user_name": _run_as_user(pipeline),
        "last_modified": pipeline["last_modified"],
        "health": "HEALTHY",
    }
    view.update(pipeline["extra"])
    return view


def create(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.pipeline_create(), "")
    pipeline_id = str(uuid.uuid4())
    spec, extra = _split(body, pipeline_id)
    if body.get("dry_run"):
        return {"effective_settings": spec}
    _check_name(ws, body, None)
    ws.store.data["pipelines"][pipeline_id] = {
        "pipeline_id": pipeline_id,
        "spec": spec,
        "extra": extra,
        "creator_user_name": ws.user_name,
        "last_modified": now_ms(),
    }
    return {"pipeline_id": pipeline_id}


def get(ws: Workspace, req: Request) -> dict[str, Any]:
    return _view(ws, _pipeline(ws, req.params["pipeline_id"]))


def edit(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline_id = req.params["pipeline_id"]
    body = req.json()
    schema.validate(body, schema.pipeline_edit(), "")
    pipeline = _pipeline(ws, pipeline_id)
    if body.get("pipeline_id") not in (None, pipeline_id):
        raise invalid(
            f"pipeline_id {body['pipeline_id']!r} in the body does not match {pipeline_id!r} "
            "in the path"
        )
    expected = body.get("expected_last_modified")
    if expected is not None and expected != pipeline["last_modified"]:
        raise ApiError(
            409,
            "RESOURCE_CONFLICT",
            f"Pipeline {pipeline_id} was modified at {pipeline['last_modified']}, "
            f"not at the expected {expected}",
        )
    _check_name(ws, body, pipeline_id)
    pipeline["spec"], pipeline["extra"] = _split(body, pipeline_id)
    pipeline["last_modified"] = now_ms()
    return {}


def delete(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline_id = req.params["pipeline_id"]
    _pipeline(ws, pipeline_id)
    # Gone at once, so the provider's wait-for-deletion ends on its first read.
    del ws.store.data["pipelines"][pipeline_id]
    return {}


_FILTER = re.compile(r"\s*name\s*(LIKE|=)\s*'((?:[^']|'')*)'\s*\Z", re.IGNORECASE)


def list_pipelines(ws: Workspace, req: Request) -> dict[str, Any]:
    limit = req.arg_int("max_results", 25) or 25
    if not 1 <= limit <= 1000:
        raise invalid(f"max_results must be between 1 and 1000, got {limit}")
    offset = page_offset(req)
    items = sorted(
        ws.store.data["pipelines"].values(),
        key=lambda p: (p["spec"].get("name", ""), p["pipeline_id"]),
    )
    text = req.arg("filter")
    if text:
        match = _FILTER.match(text)
        if not match:
            raise invalid(
                f"Unsupported filter {text!r}: the local workspace understands "
                "name LIKE '<pattern>' and name = '<name>'"
            )
        op, value = match.group(1).upper(), match.group(2).replace("''", "'")
        if op == "=":
            items = [p for p in items if p["spec"].get("name") == value]
        else:
            pattern = value.replace("%", "*").replace("_", "?")
            items = [p for p in items if fnmatch.fnmatchcase(p["spec"].get("name", ""), pattern)]
    page = items[offset : offset + limit]
    answer: dict[str, Any] = {}
    if page:
        answer["statuses"] = [
            {
                "pipeline_id": p["pipeline_id"],
                "name": p["spec"].get("name", ""),
                "state": _state(ws, p),
                "creator_user_name": p["creator_user_name"],
                "run_as_user_name": _run_as_user(p),
                "health": "HEALTHY",
            }
            for p in page
        ]
    if offset + limit < len(items):
        answer["next_page_token"] = page_token(offset + limit)
    return answer


# ---------------------------------------------------------------- updates


def _update_course(ws: Workspace, pipeline_id: str, full_refresh: bool) -> dict[str, Any]:
    """An update's states with their start (ms from its creation), its end and its result."""
    pending, running = int(ws.timings.pending * 1000), int(ws.timings.running * 1000)
    names = ["WAITING_FOR_RESOURCES", "INITIALIZING", *(["RESETTING"] if full_refresh else [])]
    phases = [[name, i * pending] for i, name in enumerate(names)]
    outcome = runs.outcome_for(ws, pipeline_id=pipeline_id)
    if outcome is not None and "running_seconds" in outcome:
        running = int(outcome["running_seconds"] * 1000)
    phases.append(["RUNNING", len(names) * pending])
    course: dict[str, Any] = {"phases": phases, "end": len(names) * pending + running}
    if outcome is not None and outcome["result"] == "FAILED":
        course.update(
            result="FAILED",
            message=outcome.get("message") or "The update failed (local workspace).",
        )
    else:
        course.update(result="COMPLETED", message="")
    return course


def _update_state(update: dict[str, Any], at: int) -> tuple[str, int | None]:
    """(state, end time in ms or None) of an update at time `at`."""
    course = update["course"]
    created = update["creation_time"]
    cancelled = update.get("cancelled_at")
    if cancelled is not None and cancelled <= at and cancelled < created + course["end"]:
        return "CANCELED", cancelled
    if at >= created + course["end"]:
        return course["result"], created + course["end"]
    state = course["phases"][0][0]
    for name, start in course["phases"]:
        if at >= created + start:
            state = name
    return state, None


def _active_update(ws: Workspace, pipeline: dict[str, Any]) -> dict[str, Any] | None:
    del ws
    at = now_ms()
    for update in pipeline.get("updates") or []:
        if _update_state(update, at)[1] is None:
            return update
    return None


def start_update(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline_id = req.params["pipeline_id"]
    pipeline = _pipeline(ws, pipeline_id)
    body = req.json()
    schema.validate(body, schema.pipeline_start_update(), "")
    active = _active_update(ws, pipeline)
    if active is not None:
        raise ApiError(
            409,
            "RESOURCE_CONFLICT",
            f"Pipeline {pipeline_id} already has an active update {active['update_id']}; "
            "wait for it to end or stop it",
        )
    full_refresh = bool(body.get("full_refresh")) or bool(body.get("full_refresh_selection"))
    update: dict[str, Any] = {
        "update_id": str(uuid.uuid4()),
        "creation_time": now_ms(),
        "cause": body.get("cause") or "API_CALL",
        "course": _update_course(ws, pipeline_id, full_refresh),
    }
    for key in ("full_refresh", "refresh_selection", "full_refresh_selection", "validate_only"):
        if body.get(key):
            update[key] = body[key]
    pipeline.setdefault("updates", []).append(update)
    return {"update_id": update["update_id"]}


def _update(pipeline: dict[str, Any], update_id: str) -> dict[str, Any]:
    for update in pipeline.get("updates") or []:
        if update["update_id"] == update_id:
            return update
    raise missing(f"Update {update_id} of pipeline {pipeline['pipeline_id']} does not exist.")


def _update_view(pipeline: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    state, _ = _update_state(update, now_ms())
    view: dict[str, Any] = {
        "pipeline_id": pipeline["pipeline_id"],
        "update_id": update["update_id"],
        "state": state,
        "cause": update["cause"],
        "creation_time": update["creation_time"],
        "full_refresh": bool(update.get("full_refresh")),
        "config": pipeline["spec"],
    }
    for key in ("refresh_selection", "full_refresh_selection", "validate_only"):
        if key in update:
            view[key] = update[key]
    return view


def get_update(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline = _pipeline(ws, req.params["pipeline_id"])
    return {"update": _update_view(pipeline, _update(pipeline, req.params["update_id"]))}


def list_updates(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline = _pipeline(ws, req.params["pipeline_id"])
    views = [_update_view(pipeline, u) for u in reversed(pipeline.get("updates") or [])]
    return {"updates": views} if views else {}


def stop(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline = _pipeline(ws, req.params["pipeline_id"])
    active = _active_update(ws, pipeline)
    if active is not None:
        active["cancelled_at"] = now_ms()
    return {}


def _timestamp(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _events(pipeline: dict[str, Any], at: int) -> list[dict[str, Any]]:
    """The update_progress events so far (and an ERROR event for a failed update), newest
    first."""
    events: list[dict[str, Any]] = []
    for update in pipeline.get("updates") or []:
        origin = {
            "pipeline_id": pipeline["pipeline_id"],
            "pipeline_name": pipeline["spec"].get("name", ""),
            "update_id": update["update_id"],
        }
        created = update["creation_time"]
        reached = [(name, created + start) for name, start in update["course"]["phases"]]
        state, end = _update_state(update, at)
        if end is not None:
            reached.append((state, end))
        for n, (name, when) in enumerate(r for r in reached if r[1] <= at):
            events.append(
                {
                    "id": f"{update['update_id']}-{n}",
                    "event_type": "update_progress",
                    "level": "INFO",
                    "maturity_level": "STABLE",
                    "message": f"Update {update['update_id'][:6]} is {name}.",
                    "origin": origin,
                    "timestamp": _timestamp(when),
                    "details": {"update_progress": {"state": name}},
                }
            )
        if state == "FAILED" and end is not None:
            message = update["course"]["message"]
            events.append(
                {
                    "id": f"{update['update_id']}-error",
                    "event_type": "update_progress",
                    "level": "ERROR",
                    "maturity_level": "STABLE",
                    "message": f"Update {update['update_id'][:6]} is FAILED: {message}",
                    "origin": origin,
                    "timestamp": _timestamp(end),
                    "error": {
                        "fatal": True,
                        "exceptions": [{"class_name": "LocalWorkspaceFailure", "message": message}],
                    },
                }
            )
    return sorted(events, key=lambda e: (e["timestamp"], e["id"]), reverse=True)


_LEVEL = re.compile(r"\s*level\s*=\s*'(INFO|WARN|ERROR|METRICS)'\s*\Z", re.IGNORECASE)


def list_events(ws: Workspace, req: Request) -> dict[str, Any]:
    pipeline = _pipeline(ws, req.params["pipeline_id"])
    events = _events(pipeline, now_ms())
    text = req.arg("filter")
    if text:
        match = _LEVEL.match(text)
        if not match:
            raise invalid(
                f"Unsupported filter {text!r}: the local workspace understands level='<LEVEL>'"
            )
        events = [e for e in events if e["level"] == match.group(1).upper()]
    if "timestamp asc" in (req.query.get("order_by") or []):
        events.reverse()
    limit = req.arg_int("max_results", 25) or 25
    offset = page_offset(req)
    answer: dict[str, Any] = {"events": events[offset : offset + limit]}
    if offset + limit < len(events):
        answer["next_page_token"] = page_token(offset + limit)
    return answer


_ID = r"/api/2\.0/pipelines/(?P<pipeline_id>[^/]+)"
ROUTES = [
    route("POST", r"/api/2\.0/pipelines", "pipelines.create", create),
    route("GET", r"/api/2\.0/pipelines", "pipelines.list", list_pipelines),
    route("GET", _ID, "pipelines.get", get),
    route("PUT", _ID, "pipelines.edit", edit),
    route("DELETE", _ID, "pipelines.delete", delete),
    route("POST", _ID + r"/updates", "pipelines.start_update", start_update),
    route("GET", _ID + r"/updates", "pipelines.list_updates", list_updates),
    route("GET", _ID + r"/updates/(?P<update_id>[^/]+)", "pipelines.get_update", get_update),
    route("POST", _ID + r"/stop", "pipelines.stop", stop),
    route("GET", _ID + r"/events", "pipelines.list_events", list_events),
]
