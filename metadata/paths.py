"""Which paths in a row name files of this repository (uploaded by Lakeform)."""

from __future__ import annotations

import posixpath
import re


def is_repo_relative(path: str) -> bool:
    """Whether a path in a row is repository-relative (uploaded by Lakeform): not absolute, not a
    URI (`s3://`, `dbfs:/`, `abfss://`...), not a `{{...}}` reference."""
    if not path or path.startswith("/") or path.startswith("{{"):
        return False
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path) is None


def uploads_from_repository(path: str, source: str | None, job_has_git_source: bool) -> bool:
    """Whether a task's path names a file of this repository that Lakeform uploads. A task whose
    source is GIT, or unset in a job with `git_source` (the Jobs API then defaults it to GIT),
    reads the path from that Git repository instead."""
    from_git = source == "GIT" or (source is None and job_has_git_source)
    return not from_git and is_repo_relative(path)


def clean_path(path: str) -> str:
    """`path` as Go's `filepath.Clean` writes it (the Databricks provider refuses a workspace
    path that differs): no `.` segment, no `//`, `..` resolved, no trailing `/`."""
    cleaned = posixpath.normpath(path) if path else "."
    # POSIX keeps a leading `//`; Go does not.
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned
