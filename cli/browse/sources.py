""" "With sources": the notebooks and files a row names by workspace path, exported from the
workspace into the repository, and the row pointed at the copies (repository-relative paths,
which Lakeform uploads on deploy)."""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cli.adopt import Api
from metadata.formats.export import ExportedRow
from metadata.kinds import JOBS, PIPELINES

EXTENSIONS = {"PYTHON": ".py", "SQL": ".sql", "SCALA": ".scala", "R": ".r"}


@dataclass
class SourceRef:
    """One path field of a row that names a workspace notebook or file."""

    block: dict[str, Any]
    field: str
    path: str
    where: str
    """`tasks[0].notebook_task.notebook_path`: for messages."""


def _tasks(tasks: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, task in enumerate(tasks):
        yield f"tasks[{i}]", task
        inner = (task.get("for_each_task") or {}).get("task")
        if isinstance(inner, dict):
            yield f"tasks[{i}].for_each_task.task", inner  # pyright: ignore[reportUnknownArgumentType]


def _workspace_path(value: object) -> str | None:
    """An absolute workspace path (not dbfs:, not a volume, not a repository-relative path)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("/Volumes/"):
        return None
    return value


def source_refs(row: ExportedRow) -> list[SourceRef]:
    """The notebook and file paths of a job's tasks or a pipeline's libraries. A job with a
    git_source reads its tasks' files from Git: those are not the workspace's to export."""
    refs: list[SourceRef] = []
    if row.kind == JOBS.name and "git_source" not in row.row:
        for where, task in _tasks(row.row.get("tasks", [])):
            blocks = (
                ("notebook_task", task.get("notebook_task"), "notebook_path"),
                ("spark_python_task", task.get("spark_python_task"), "python_file"),
                ("sql_task.file", (task.get("sql_task") or {}).get("file"), "path"),
            )
            for name, block, key in blocks:
                if not isinstance(block, dict) or block.get("source") == "GIT":
                    continue
                path = _workspace_path(block.get(key))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
                if path is not None:
                    refs.append(SourceRef(block, key, path, f"{where}.{name}.{key}"))  # pyright: ignore[reportUnknownArgumentType]
    if row.kind == PIPELINES.name:
        for i, lib in enumerate(row.row.get("libraries", [])):
            for name in ("notebook", "file"):
                block = lib.get(name)
                path = _workspace_path((block or {}).get("path"))
                if path is not None:
                    refs.append(SourceRef(block, "path", path, f"libraries[{i}].{name}.path"))
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
