"""Quality monitors (the legacy Lakehouse Monitoring API): ACTIVE at once; refreshes end."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from devtools.workspace import runs, schema
from devtools.workspace.app import Request, route
from devtools.workspace.errors import ApiError, invalid, missing
from devtools.workspace.state import now_ms

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

PROFILE_TYPES = ("snapshot", "time_series", "inference_log")
# Filled by the server; a client cannot set them.
SERVER_FIELDS = (
    "status",
    "monitor_version",
    "profile_metrics_table_name",
    "drift_metrics_table_name",
    "table_name",
)

REPORTED = ("latest_monitor_failure_msg",)
"""Accepted in a create or update body (the SDK has it) and ignored: the monitor reports the
failure of its latest refresh (`get`)."""


def _check_profile(body: dict[str, Any]) -> None:
    given = [k for k in PROFILE_TYPES if body.get(k) is not None]
    if len(given) != 1:
        found = ", ".join(given) if given else "none"
        raise invalid(
            "A monitor needs exactly one of snapshot, time_series and inference_log "
            f"(found: {found})"
        )


def _check_table(req: Request, body: dict[str, Any]) -> str:
    table = req.params["table_name"]
    if body.get("table_name") not in (None, table):
        raise invalid(
            f"table_name {body['table_name']!r} in the body does not match {table!r} in the path"
        )
    if len(table.split(".")) != 3:
        raise invalid(f"table_name must be a three-part name catalog.schema.table, got {table!r}")
    return table


def _monitor(ws: Workspace, table: str) -> dict[str, Any]:
    monitor = ws.store.data["monitors"].get(table)
    if monitor is None:
        raise missing(f"Monitor for table '{table}' does not exist.")
    return monitor


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    info = {
        k: v
        for k, v in body.items()
        if k in schema.monitor_info_fields() and k not in (*SERVER_FIELDS, *REPORTED)
    }
    schedule = info.get("schedule")
    if isinstance(schedule, dict) and not schedule.get("pause_status"):
        info["schedule"] = {**schedule, "pause_status": "UNPAUSED"}
    return info


def create(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.monitor_create(), "")
    table = _check_table(req, body)
    _check_profile(body)
    if table in ws.store.data["monitors"]:
        raise ApiError(
            409, "RESOURCE_ALREADY_EXISTS", f"Monitor already exists for table '{table}'."
        )
    short = table.split(".")[-1]
    output = body["output_schema_name"]
    info = _fields(body)
    info.update(
        table_name=table,
        status="MONITOR_STATUS_ACTIVE",
        monitor_version=1,
        profile_metrics_table_name=f"{output}.{short}_profile_metrics",
        drift_metrics_table_name=f"{output}.{short}_drift_metrics",
    )
    if not body.get("skip_builtin_dashboard") and "dashboard_id" not in info:
        info["dashboard_id"] = uuid.uuid4().hex
    ws.store.data["monitors"][table] = {"info": info, "refreshes": []}
    return info


def get(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req.params["table_name"])
    info = monitor["info"]
    # The service reports the failure of the latest refresh that ended, until one succeeds.
    for refresh in reversed(monitor["refreshes"]):
        state = _refresh_view(ws, refresh)["state"]
        if state == "FAILED":
            return {**info, "latest_monitor_failure_msg": refresh["message"]}
        if state == "SUCCESS":
            break
    return info


def update(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    schema.validate(body, schema.monitor_update(), "")
    table = _check_table(req, body)
    monitor = _monitor(ws, table)
    _check_profile(body)
    old = monitor["info"]
    info = _fields(body)
    # Output asset identifiers cannot be updated: the metric tables keep their names.
    for key in SERVER_FIELDS:
        info[key] = old[key]
    if "dashboard_id" not in info and "dashboard_id" in old:
        info["dashboard_id"] = old["dashboard_id"]
    if "assets_dir" in old:
        info["assets_dir"] = old["assets_dir"]
    info["monitor_version"] = int(old["monitor_version"]) + 1
    monitor["info"] = info
    return info


def delete(ws: Workspace, req: Request) -> dict[str, Any]:
    table = req.params["table_name"]
    _monitor(ws, table)
    # The metric tables and the dashboard stay behind on the real service; nothing to keep here.
    del ws.store.data["monitors"][table]
    return {}


def _refresh_view(ws: Workspace, refresh: dict[str, Any]) -> dict[str, Any]:
    at = now_ms()
    pending_ms = int(ws.timings.pending * 1000)
    running_ms = int(refresh.get("running_ms", ws.timings.running * 1000))
    view = {
        "refresh_id": refresh["refresh_id"],
        "start_time_ms": refresh["start_time_ms"],
        "trigger": refresh["trigger"],
    }
    elapsed = at - refresh["start_time_ms"]
    cancelled = refresh.get("cancelled_at")
    end = refresh["start_time_ms"] + pending_ms + running_ms
    if cancelled is not None and cancelled < end:
        view.update(state="CANCELED", end_time_ms=cancelled, message="Refresh cancelled.")
    elif elapsed < pending_ms:
        view["state"] = "PENDING"
    elif elapsed < pending_ms + running_ms:
        view["state"] = "RUNNING"
    elif refresh.get("result") == "FAILED":
        view.update(state="FAILED", end_time_ms=end, message=refresh["message"])
    else:
        view.update(state="SUCCESS", end_time_ms=end)
    return view


def run_refresh(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req.params["table_name"])
    refreshes = monitor["refreshes"]
    refresh = {
        "refresh_id": (refreshes[-1]["refresh_id"] + 1) if refreshes else 1,
        "start_time_ms": now_ms(),
        "trigger": "MANUAL",
    }
    failure = ws.monitor_failures.get(req.params["table_name"])
    if failure:  # ws.fail_monitor_refreshes: this table's refreshes end FAILED with it
        refresh["result"] = "FAILED"
        refresh["message"] = failure
    outcome = runs.outcome_for(ws, table_name=req.params["table_name"])
    if outcome is not None:
        refresh["result"] = outcome["result"]
        refresh["message"] = outcome.get("message") or "The refresh failed (local workspace)."
        if "running_seconds" in outcome:
            refresh["running_ms"] = int(outcome["running_seconds"] * 1000)
    refreshes.append(refresh)
    return _refresh_view(ws, refresh)


def _refresh(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req.params["table_name"])
    raw = req.params["refresh_id"]
    for refresh in monitor["refreshes"]:
        if str(refresh["refresh_id"]) == raw:
            return refresh
    raise missing(f"Refresh {raw} of the monitor on '{req.params['table_name']}' does not exist.")


def get_refresh(ws: Workspace, req: Request) -> dict[str, Any]:
    return _refresh_view(ws, _refresh(ws, req))


def list_refreshes(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req.params["table_name"])
    views = [_refresh_view(ws, r) for r in reversed(monitor["refreshes"])]
    return {"refreshes": views} if views else {}


def cancel_refresh(ws: Workspace, req: Request) -> dict[str, Any]:
    refresh = _refresh(ws, req)
    if _refresh_view(ws, refresh)["state"] in ("PENDING", "RUNNING"):
        refresh["cancelled_at"] = now_ms()
    return {}


_T = r"/api/2\.1/unity-catalog/tables/(?P<table_name>[^/]+)/monitor"
ROUTES = [
    route("POST", _T, "monitors.create", create),
    route("GET", _T, "monitors.get", get),
    route("PUT", _T, "monitors.update", update),
    route("DELETE", _T, "monitors.delete", delete),
    route("POST", _T + r"/refreshes", "monitors.run_refresh", run_refresh),
    route("GET", _T + r"/refreshes", "monitors.list_refreshes", list_refreshes),
    route("GET", _T + r"/refreshes/(?P<refresh_id>\d+)", "monitors.get_refresh", get_refresh),
    route(
        "POST",
        _T + r"/refreshes/(?P<refresh_id>\d+)/cancel",
        "monitors.cancel_refresh",
        cancel_refresh,
    ),
]
