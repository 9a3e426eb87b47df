"""What jobs and pipelines upload: repository files and inline SQL as workspace files and
notebooks (plain data, no resources: `lakeform drift` converts rows without the provider SDK)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from metadata.folders import UPLOAD_GLOB, UPLOAD_REF, is_notebook
from metadata.notebooks import jupyter_language

NOTEBOOK_LANGUAGES: dict[str, str | None] = {
    ".py": "PYTHON",
    ".sql": "SQL",
    ".scala": "SCALA",
    ".r": "R",
    ".ipynb": None,
}
"""Notebook file extensions and the language they import as (None: a Jupyter notebook, whose
language its metadata names)."""


@dataclass(frozen=True, kw_only=True)
class Upload:
    """One file written to the workspace: a notebook or a plain workspace file."""

    kind: Literal["notebook", "file"]
    name: str
    """Logical resource name: row key + path in the row's folder (stable, never an index)."""
    path: str
    """Absolute workspace path the task or library refers to."""
    content: bytes
    language: str | None = None
    """Notebooks: PYTHON, SQL, SCALA or R (the provider requires one with the content)."""
    format: Literal["SOURCE", "JUPYTER"] = "SOURCE"
    """Notebooks: SOURCE, or JUPYTER for a .ipynb."""


@dataclass(frozen=True, kw_only=True)
class RowFiles:
    """What a component needs to upload the repository files its row names."""

    folder: str
    """Workspace folder of this row's uploads (`upload_base`)."""
    contents: Mapping[str, bytes] = field(default_factory=dict[str, bytes])
    """Repository-relative path -> contents, for every repository file the row uses."""
    globs: Mapping[str, Sequence[str]] = field(default_factory=dict[str, Sequence[str]])
    """Repository-relative glob pattern -> the repository files it matches."""


def upload_base(workspace_root: str, stack: str, kind: str, key: str) -> str:
    """The workspace folder of one row's uploads: `<root>/<stack>/<kind>/<key>`.

    One folder per row, so no two resources ever manage the same workspace path (a file shared by
    two jobs is uploaded once for each; removing one job cannot delete the other's copy)."""
    return f"{workspace_root}/{stack}/{kind}/{key}"


def notebook_upload(base: str, key: str, rel: str, sources: Mapping[str, bytes]) -> Upload:
    """A repository notebook; Databricks notebooks live at their path without the extension. A
    Jupyter notebook's language is read from its metadata (metadata validation has refused one
    that names none)."""
    stem, language, jupyter = rel, "PYTHON", False
    for ext, lang in NOTEBOOK_LANGUAGES.items():
        if rel.lower().endswith(ext):
            stem, jupyter = rel[: -len(ext)], lang is None
            language = jupyter_language(sources[rel]) if jupyter else lang
            break
    return Upload(
        kind="notebook",
        name=f"{key}/{stem}",
        path=f"{base}/{stem}",
        content=sources[rel],
        language=language,
        format="JUPYTER" if jupyter else "SOURCE",
    )


def file_upload(base: str, key: str, rel: str, content: bytes) -> Upload:
    """A plain workspace file (SQL file, Python file, pipeline source) at its relative path."""
    return Upload(kind="file", name=f"{key}/{rel}", path=f"{base}/{rel}", content=content)


def dedupe(uploads: Sequence[Upload]) -> list[Upload]:
    """Uploads by name, first one wins, sorted by name (deterministic registration order)."""
    seen: dict[str, Upload] = {}
    for upload in uploads:
        seen.setdefault(upload.name, upload)
    return [seen[name] for name in sorted(seen)]


def upload_references(value: Any, files: RowFiles, key: str, uploads: list[Upload]) -> Any:
    """`value` (an API-shaped spec) with each `${upload:PATH}` replaced by the workspace path of
    PATH in the row's folder, and the files it uploads appended to `uploads` (notebooks as
    notebooks, without their extension, as the Databricks CLI syncs them; metadata.folders)."""
    if isinstance(value, str):
        if "${upload:" not in value:
            return value

        def repl(m: re.Match[str]) -> str:
            path = m.group(1)
            for rel in files.globs[UPLOAD_GLOB + path]:
                content = files.contents[rel]
                if rel != path and is_notebook(rel, content):
                    uploads.append(notebook_upload(files.folder, key, rel, files.contents))
                else:
                    uploads.append(file_upload(files.folder, key, rel, content))
            return f"{files.folder}/{path}"

        return UPLOAD_REF.sub(repl, value)
    if isinstance(value, dict):
        return {
            k: upload_references(v, files, key, uploads)
            for k, v in cast("dict[str, Any]", value).items()
        }
    if isinstance(value, list):
        return [upload_references(v, files, key, uploads) for v in cast("list[Any]", value)]
    return value
