""" "With sources": the notebooks and files a row names by workspace path, exported from the
workspace into the repository, and the row pointed at the copies (repository-relative paths,
which Lakeform uploads on deploy)."""

from __future__ import annotations

import base64
import posixpath
from dataclasses import dataclass
from typing import Any

from cli.adopt import Api
from metadata.formats.export import ExportedRow
from metadata.kinds import KINDS

EXTENSIONS = {"PYTHON": ".py", "SQL": ".sql", "SCALA": ".scala", "R": ".r"}


@dataclass
class SourceRef:
    """One path field of a row that names a workspace notebook or file."""

    block: dict[str, Any]
    field: str
    path: str
    where: str
    """`tasks[0].notebook_task.notebook_path`: for messages."""


def _workspace_path(value: object) -> str | None:
    """An absolute workspace path (not dbfs:, not a volume, not a repository-relative path)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("/Volumes/"):
        return None
    return value


def source_refs(row: ExportedRow) -> list[SourceRef]:
    """The workspace notebooks and files a row names: of the path fields its kind's plug-in
    lists (`Browse.sources`: a job's tasks, a pipeline's libraries), those holding an absolute
    workspace path."""
    browse = KINDS[row.kind].browse
    fields = browse.sources if browse is not None else None
    refs: list[SourceRef] = []
    for where, block, key in fields(row.row) if fields is not None else ():
        path = _workspace_path(block.get(key))
        if path is not None:
            refs.append(SourceRef(block, key, path, f"{where}.{key}"))
    return refs


def repo_path(sources_dir: str, workspace_path: str, language: str | None) -> str:
    """Where a workspace object lands in the repository: under `sources_dir`, by its workspace
    path (without /Workspace), with the language's extension for a notebook that has none."""
    relative = workspace_path.removeprefix("/Workspace").lstrip("/")
    relative = posixpath.normpath(relative).lstrip("./") or "untitled"
    ext = EXTENSIONS.get(language or "", "")
    if ext and not relative.lower().endswith(ext):
        relative += ext
    return posixpath.join(sources_dir.strip("/"), relative)


def export_source(api: Api, path: str) -> tuple[bytes, str | None]:
    """(content, notebook language or None) of a workspace notebook or file."""
    quoted = {"path": path}
    status = api("GET", "/api/2.0/workspace/get-status", query=quoted)
    answer = api("GET", "/api/2.0/workspace/export", query={**quoted, "format": "SOURCE"})
    content = base64.b64decode(answer.get("content") or "")
    language = status.get("language") if status.get("object_type") == "NOTEBOOK" else None
    return content, language


__all__ = ["SourceRef", "export_source", "repo_path", "source_refs"]
