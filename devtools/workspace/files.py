"""Files API 2.0 on Unity Catalog volumes: `/api/2.0/fs/files{path}` and `/fs/directories{path}`.

What the service answers, as databricks-sdk's `files.FilesAPI` (service/files.py, 0.x in .venv)
and the API reference (docs.databricks.com/api/workspace/files: "List directory contents",
"Download a file", "Upload a file", "Create a directory") describe it:

- a file is raw bytes: PUT uploads the request body as is (`overwrite=false` refuses an existing
  file), GET answers it as `application/octet-stream` with `Content-Length` and `Last-Modified`
  headers, HEAD the same headers without a body; parent directories are created by an upload;
- a directory listing is `{"contents": [{path, name, is_directory, file_size, last_modified}],
  "next_page_token"}`, direct children only, at most `page_size` (default and maximum 1000)
  entries a page; files carry `file_size` and `last_modified` (ms), directories only
  `is_directory`; PUT on a directory is `mkdir -p` and idempotent; DELETE only an empty one;
- a path that does not exist is 404 `NOT_FOUND`.

Paths must lie in a volume, `/Volumes/<catalog>/<schema>/<volume>/...`. The local workspace has no
Unity Catalog: a volume exists once something was created in it (a directory or a file).
"""

from __future__ import annotations

import base64
import email.utils
import posixpath
from typing import TYPE_CHECKING, Any

from devtools.workspace.app import Request, Response, route
from devtools.workspace.errors import ApiError
from devtools.workspace.state import now_ms

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

PAGE_SIZE = 1000
"""Default and maximum entries of one listing page (files.FilesAPI.list_directory_contents)."""


def _not_found(path: str, what: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"The {what} being accessed is not found: {path}")


def _volume_path(raw: str) -> str:
    parts = [p for p in raw.split("/") if p]
    if any(p in (".", "..") for p in parts) or raw.startswith("//"):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Invalid path: {raw}")
    if len(parts) < 4 or parts[0] != "Volumes":
        raise ApiError(
            400,
            "INVALID_PARAMETER_VALUE",
            f"Invalid path: {raw}. Paths must be of the form "
            "/Volumes/<catalog>/<schema>/<volume>/<path>",
        )
    return "/" + "/".join(parts)


def _store(ws: Workspace) -> dict[str, Any]:
    """{"files": {path: {content, modified}}, "dirs": [path, ...]} of every volume."""
    return ws.store.data.setdefault("volume_files", {"files": {}, "dirs": []})


def _make_dirs(ws: Workspace, path: str) -> None:
    store = _store(ws)
    dirs: list[str] = store["dirs"]
    parts = path.strip("/").split("/")
    for end in range(4, len(parts) + 1):  # the volume itself and each folder below it
        current = "/" + "/".join(parts[:end])
        if current in store["files"]:
            raise ApiError(409, "ALREADY_EXISTS", f"A file exists at {current}")
        if current not in dirs:
            dirs.append(current)


def _is_dir(ws: Workspace, path: str) -> bool:
    return path in _store(ws)["dirs"]


def _headers(entry: dict[str, Any]) -> dict[str, str]:
    stamp = email.utils.formatdate(entry["modified"] / 1000, usegmt=True)
    return {"Last-Modified": stamp}


def _file(ws: Workspace, path: str) -> dict[str, Any]:
    entry = _store(ws)["files"].get(path)
    if entry is None:
        raise _not_found(path, "file")
    return entry


# ---------------------------------------------------------------- files


def upload(ws: Workspace, req: Request) -> Response:
    path = _volume_path(req.params["path"])
    if _is_dir(ws, path):
        raise ApiError(409, "ALREADY_EXISTS", f"A directory exists at {path}")
    files = _store(ws)["files"]
    if path in files and req.arg("overwrite") == "false":
        raise ApiError(409, "ALREADY_EXISTS", f"The file being created already exists: {path}")
    _make_dirs(ws, posixpath.dirname(path))
    files[path] = {"content": base64.b64encode(req.body).decode(), "modified": now_ms()}
    return Response(204, raw=b"")


def download(ws: Workspace, req: Request) -> Response:
    path = _volume_path(req.params["path"])
    entry = _file(ws, path)
    return Response(
        raw=base64.b64decode(entry["content"]),
        content_type="application/octet-stream",
        headers=_headers(entry),
    )


def delete_file(ws: Workspace, req: Request) -> Response:
    path = _volume_path(req.params["path"])
    _file(ws, path)
    del _store(ws)["files"][path]
    return Response(204, raw=b"")


# ---------------------------------------------------------------- directories


def create_directory(ws: Workspace, req: Request) -> Response:
    _make_dirs(ws, _volume_path(req.params["path"]))
    return Response(204, raw=b"")


def directory_metadata(ws: Workspace, req: Request) -> Response:
    path = _volume_path(req.params["path"])
    if not _is_dir(ws, path):
        raise _not_found(path, "directory")
    return Response(200, raw=b"")


def list_directory(ws: Workspace, req: Request) -> dict[str, Any]:
    path = _volume_path(req.params["path"])
    if not _is_dir(ws, path):
        raise _not_found(path, "directory")
    store = _store(ws)
    entries: list[dict[str, Any]] = []
    for child in store["dirs"]:
        if posixpath.dirname(child) == path:
            name = posixpath.basename(child)
            entries.append({"path": child + "/", "name": name, "is_directory": True})
    for child, entry in store["files"].items():
        if posixpath.dirname(child) == path:
            entries.append(
                {
                    "path": child,
                    "name": posixpath.basename(child),
                    "is_directory": False,
                    "file_size": len(base64.b64decode(entry["content"])),
                    "last_modified": entry["modified"],
                }
            )
    entries.sort(key=lambda e: e["name"])
    size = min(req.arg_int("page_size", PAGE_SIZE) or PAGE_SIZE, PAGE_SIZE)
    start = int(req.arg("page_token") or 0)
    page = entries[start : start + size]
    answer: dict[str, Any] = {"contents": page} if page else {}
    if start + size < len(entries):
        answer["next_page_token"] = str(start + size)
    return answer


def delete_directory(ws: Workspace, req: Request) -> Response:
    path = _volume_path(req.params["path"])
    if not _is_dir(ws, path):
        raise _not_found(path, "directory")
    store = _store(ws)
    inside = [p for p in [*store["dirs"], *store["files"]] if p.startswith(path + "/")]
    if inside:
        raise ApiError(
            409, "DIRECTORY_NOT_EMPTY", f"The directory being deleted is not empty: {path}"
        )
    store["dirs"].remove(path)
    return Response(204, raw=b"")


_F = r"/api/2\.0/fs/files(?P<path>/.+?)"
_D = r"/api/2\.0/fs/directories(?P<path>/.+?)"

ROUTES = [
    route("PUT", _F, "files.upload", upload),
    route("GET", _F, "files.download", download),
    route("HEAD", _F, "files.get_metadata", download),
    route("DELETE", _F, "files.delete", delete_file),
    route("PUT", _D, "files.create_directory", create_directory),
    route("GET", _D, "files.list_directory_contents", list_directory),
    route("HEAD", _D, "files.get_directory_metadata", directory_metadata),
    route("DELETE", _D, "files.delete_directory", delete_directory),
]
