"""Pipelines API 2.0: specs stored as sent; IDLE at once, RUNNING if continuous (nothing runs)."""

from __future__ import annotations

import fnmatch
import re
import uuid
from typing import TYPE_CHECKING, Any

from workspace import schema
from workspace.app import Request, route
from workspace.errors import ApiError, invalid, missing
from workspace.paging import offset as page_offset
from workspace.paging import token as page_token
from workspace.state import now_ms

if TYPE_CHECKING:
    from workspace.app import Workspace

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


def _state(pipeline: dict[str, Any]) -> str:
    return "RUNNING" if pipeline["spec"].get("continuous") else "IDLE"


def _run_as_user(pipeline: dict[str, Any]) -> str:
    run_as = pipeline["extra"].get("run_as") or {}
    return str(
        run_as.get("user_name")
        or run_as.get("service_principal_name")
        or run_as.get("group_name")
        or pipeline["creator_user_name"]
    )


def _view(pipeline: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "pipeline_id": pipeline["pipeline_id"],
        "spec": pipeline["spec"],
        "state": _state(pipeline),
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
    return _view(_pipeline(ws, req.params["pipeline_id"]))


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
                "state": _state(p),
                "creator_user_name": p["creator_user_name"],
                "run_as_user_name": _run_as_user(p),
                "health": "HEALTHY",
            }
            for p in page
        ]
    if offset + limit < len(items):
        answer["next_page_token"] = page_token(offset + limit)
    return answer


_ID = r"/api/2\.0/pipelines/(?P<pipeline_id>[^/]+)"
ROUTES = [
    route("POST", r"/api/2\.0/pipelines", "pipelines.create", create),
    route("GET", r"/api/2\.0/pipelines", "pipelines.list", list_pipelines),
    route("GET", _ID, "pipelines.get", get),
    route("PUT", _ID, "pipelines.edit", edit),
    route("DELETE", _ID, "pipelines.delete", delete),
]
