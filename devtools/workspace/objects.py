"""Workspace API 2.0: the directory tree of notebooks and files that uploads go to."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import json
import posixpath
from typing import TYPE_CHECKING, Any

from devtools.workspace.app import Request, Response, route
from devtools.workspace.errors import ApiError, invalid, missing
from devtools.workspace.state import now_ms

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

LANGUAGES = ("PYTHON", "SQL", "SCALA", "R")
EXTENSIONS = {".py": "PYTHON", ".sql": "SQL", ".scala": "SCALA", ".r": "R"}
FILE_TYPES = {"PYTHON": "py", "SQL": "sql", "SCALA": "scala", "R": "r"}
HEADERS = {
    "PYTHON": "# Databricks notebook source",
    "SQL": "-- Databricks notebook source",
    "SCALA": "// Databricks notebook source",
    "R": "# Databricks notebook source",
}
IMPORT_FORMATS = ("SOURCE", "AUTO", "RAW", "JUPYTER", "DBC", "HTML", "R_MARKDOWN")
UNSUPPORTED_FORMATS = ("DBC", "HTML", "R_MARKDOWN")


# ---------------------------------------------------------------- paths and nodes


def _path(value: Any, field: str = "path") -> str:
    if not isinstance(value, str) or not value:
        raise invalid(f"{field}: a workspace path is required")
    if not value.startswith("/"):
        raise invalid(f"Path ({value}) doesn't start with '/'")
    parts = [p for p in value.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise invalid(f"Path ({value}) must not contain '.' or '..' segments")
    return "/" + "/".join(parts)


def _node(ws: Workspace, path: str) -> dict[str, Any] | None:
    if path == "/":
        return {"object_type": "DIRECTORY", "path": "/", "object_id": 0}
    return ws.store.data["objects"].get(path)


def _existing(ws: Workspace, path: str) -> dict[str, Any]:
    node = _node(ws, path)
    if node is None:
        raise missing(f"Path ({path}) doesn't exist.")
    return node


def _status(node: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "object_type": node["object_type"],
        "path": node["path"],
        "object_id": node["object_id"],
        "resource_id": str(node["object_id"]),
    }
    if node["object_type"] == "NOTEBOOK":
        info["language"] = node["language"]
    if node["object_type"] in ("NOTEBOOK", "FILE"):
        info["created_at"] = node["created_at"]
        info["modified_at"] = node["modified_at"]
    if node["object_type"] == "FILE":
        info["size"] = len(base64.b64decode(node["content"]))
    return info


def _make_dirs(ws: Workspace, path: str) -> None:
    objects = ws.store.data["objects"]
    current = ""
    for part in [p for p in path.split("/") if p]:
        current = f"{current}/{part}"
        node = objects.get(current)
        if node is None:
            objects[current] = {
                "object_type": "DIRECTORY",
                "path": current,
                "object_id": ws.store.new_object_id(),
            }
        elif node["object_type"] != "DIRECTORY":
            raise ApiError(
                400,
                "RESOURCE_ALREADY_EXISTS",
                f"Cannot create directory {path}: a {node['object_type'].lower()} "
                f"exists at {current}",
            )


# ---------------------------------------------------------------- calls


def mkdirs(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    _known(body, {"path"})
    _make_dirs(ws, _path(body.get("path")))
    return {}


def get_status(ws: Workspace, req: Request) -> dict[str, Any]:
    return _status(_existing(ws, _path(req.arg("path"))))


def list_objects(ws: Workspace, req: Request) -> dict[str, Any]:
    path = _path(req.arg("path"))
    node = _existing(ws, path)
    if node["object_type"] != "DIRECTORY":
        return {"objects": [_status(node)]}
    prefix = path.rstrip("/") + "/"
    children = [
        n
        for p, n in sorted(ws.store.data["objects"].items())
        if p.startswith(prefix) and "/" not in p[len(prefix) :]
    ]
    return {"objects": [_status(n) for n in children]} if children else {}


def delete(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    _known(body, {"path", "recursive"})
    path = _path(body.get("path"))
    if path == "/":
        raise invalid("The workspace root cannot be deleted")
    node = _existing(ws, path)
    objects = ws.store.data["objects"]
    below = [p for p in objects if p.startswith(path + "/")]
    if node["object_type"] == "DIRECTORY" and below and not body.get("recursive"):
        raise ApiError(400, "DIRECTORY_NOT_EMPTY", f"Folder ({path}) is not empty")
    for p in [path, *below]:
        del objects[p]
    return {}


def import_object(ws: Workspace, req: Request) -> dict[str, Any]:
    fields = _import_fields(req)
    path = _path(fields.get("path"))
    fmt = str(fields.get("format") or "SOURCE").upper()
    if fmt not in IMPORT_FORMATS:
        raise invalid(
            f"format: unknown import format {fmt!r}; allowed: {', '.join(IMPORT_FORMATS)}"
        )
    if fmt in UNSUPPORTED_FORMATS:
        raise invalid(f"format: the local workspace does not support {fmt} imports")
    language = fields.get("language")
    if language is not None and language not in LANGUAGES:
        raise invalid(f"language: unknown language {language!r}; allowed: {', '.join(LANGUAGES)}")
    content: bytes = fields["content"]
    object_type, language, path = _classify(fmt, language, path, content)
    parent = posixpath.dirname(path)
    parent_node = _node(ws, parent)
    if parent_node is None or parent_node["object_type"] != "DIRECTORY":
        raise missing(f"The parent folder ({parent}) does not exist.")
    objects = ws.store.data["objects"]
    old = objects.get(path)
    if old is not None and (old["object_type"] == "DIRECTORY" or not fields.get("overwrite")):
        raise ApiError(400, "RESOURCE_ALREADY_EXISTS", f"Path ({path}) already exists.")
    at = now_ms()
    node: dict[str, Any] = {
        "object_type": object_type,
        "path": path,
        "object_id": old["object_id"] if old else ws.store.new_object_id(),
        "created_at": old["created_at"] if old else at,
        "modified_at": at,
        "content": base64.b64encode(content).decode(),
    }
    if object_type == "NOTEBOOK":
        node["language"] = language
    objects[path] = node
    return {"object_id": node["object_id"]}


def _classify(
    fmt: str, language: str | None, path: str, content: bytes
) -> tuple[str, str | None, str]:
    """(object_type, language, final path) of an import, as the real service decides them."""
    if fmt == "RAW":
        return "FILE", None, path
    if fmt == "SOURCE":
        if language is None:
            raise invalid("language: a SOURCE import needs a language (PYTHON, SQL, SCALA or R)")
        return "NOTEBOOK", language, path
    if fmt == "JUPYTER":
        return "NOTEBOOK", language or _jupyter_language(content), path
    # AUTO: a notebook if the extension and the first line say so (the extension is dropped).
    stem, ext = posixpath.splitext(path)
    if ext.lower() == ".ipynb":
        return "NOTEBOOK", _jupyter_language(content), stem
    lang = EXTENSIONS.get(ext.lower())
    if lang is not None:
        first = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode(errors="replace")
        if first == HEADERS[lang]:
            return "NOTEBOOK", lang, stem
    return "FILE", None, path


def _jupyter_language(content: bytes) -> str:
    try:
        meta = json.loads(content).get("metadata") or {}
        name = str((meta.get("language_info") or {}).get("name") or "python").upper()
    except (ValueError, AttributeError):
        raise invalid("content: not a valid Jupyter notebook (JSON expected)") from None
    return name if name in LANGUAGES else "PYTHON"


def _import_fields(req: Request) -> dict[str, Any]:
    """The import request, sent as JSON (base64 content) or as multipart/form-data (raw bytes)."""
    content_type = req.headers.get("content-type") or ""
    if content_type.lower().startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + req.body
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(data, bytes):
                continue
            fields[name] = data if name == "content" else data.decode()
        _known(fields, {"path", "content", "format", "language", "overwrite"})
        fields["overwrite"] = str(fields.get("overwrite", "")).lower() == "true"
        fields.setdefault("content", b"")
        return fields
    body = req.json()
    _known(body, {"path", "content", "format", "language", "overwrite"})
    for key in ("path", "format", "language", "content"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise invalid(f"{key}: expected a string")
    if body.get("overwrite") is not None and not isinstance(body["overwrite"], bool):
        raise invalid("overwrite: expected a boolean")
    try:
        body["content"] = base64.b64decode(body.get("content") or "", validate=True)
    except (binascii.Error, ValueError):
        raise invalid("content: not valid base64") from None
    return body


def export(ws: Workspace, req: Request) -> Response:
    path = _path(req.arg("path"))
    node = _existing(ws, path)
    fmt = (req.arg("format") or "SOURCE").upper()
    if node["object_type"] == "DIRECTORY":
        raise invalid(f"Path ({path}) is a directory; the local workspace exports only files")
    content = base64.b64decode(node["content"])
    file_type = ""
    if node["object_type"] == "NOTEBOOK":
        if fmt not in ("SOURCE", "AUTO", "JUPYTER"):
            raise invalid(f"format: the local workspace does not export notebooks as {fmt}")
        header = HEADERS[node["language"]].encode()
        if fmt != "JUPYTER" and not content.lstrip().startswith(header):
            content = header + b"\n" + content
        file_type = FILE_TYPES[node["language"]]
    if req.arg_bool("direct_download"):
        return Response(raw=content, content_type="application/octet-stream")
    answer = {"content": base64.b64encode(content).decode()}
    if file_type:
        answer["file_type"] = file_type
    return Response(body=answer)


def _known(body: dict[str, Any], allowed: set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise invalid(f"unknown field {key!r}; allowed: {', '.join(sorted(allowed))}")


_W = r"/api/2\.0/workspace"
ROUTES = [
    route("POST", _W + r"/mkdirs", "workspace.mkdirs", mkdirs),
    route("GET", _W + r"/get-status", "workspace.get_status", get_status),
    route("GET", _W + r"/list", "workspace.list", list_objects),
    route("POST", _W + r"/delete", "workspace.delete", delete),
    route("POST", _W + r"/import", "workspace.import", import_object),
    route("GET", _W + r"/export", "workspace.export", export),
]
