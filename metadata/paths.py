"""Which paths in a row name files of this repository (uploaded), and where they lead."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from metadata.folders import UPLOAD_GLOB, upload_files


def is_repo_relative(path: str) -> bool:
    """Whether a path in a row is repository-relative (uploaded by Lakeform): not absolute, not a
    URI (`s3://`, `dbfs:/`, `abfss://`...), not a `{{...}}` reference."""
    if not path or path.startswith("/") or path.startswith("{{"):
        return False
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path) is None


LIBRARY_FILES = ("whl", "jar")
"""A task library's kinds that name one file: a repository-relative one is uploaded."""
LIBRARY_SUFFIXES = (".whl", ".jar")


def is_uploaded_library(path: str) -> bool:
    """Whether a task library path, or a serverless environment dependency, names a wheel or JAR
    of this repository, which Lakeform uploads with the row's other files (a pip requirement such
    as `pandas>=2` never ends in .whl)."""
    return is_repo_relative(path) and path.endswith(LIBRARY_SUFFIXES) and " " not in path


def uploads_from_repository(path: str, source: str | None, job_has_git_source: bool) -> bool:
    """Whether a task's path names a file of this repository that Lakeform uploads. A task whose
    source is GIT, or unset in a job with `git_source` (the Jobs API then defaults it to GIT),
    reads the path from that Git repository instead."""
    from_git = source == "GIT" or (source is None and job_has_git_source)
    return not from_git and is_repo_relative(path)


def resolve_within(root: Path, path: Path) -> tuple[Path, bool]:
    """`path` with every symlink followed, and whether that lies inside `root` (resolved too):
    the one test of every path Lakeform reads to upload, and of every file it writes."""
    target = path.resolve()
    return target, target.is_relative_to(root.resolve())


class LeavesRepository(ValueError):
    """A path read for upload that is not inside the repository once every symlink is followed."""


def inside_repository(root: Path, rel: str) -> Path:
    """`root / rel` with every symlink followed: the one path Lakeform may read for `rel`.

    The validation and the read that uploads both call this, so a symlink changed after
    `lakeform validate` is caught when the file is read. Raises LeavesRepository when the path is
    not inside `root` (resolved too), by `..` or through a symlink; ValueError or OSError for a
    path the file system cannot take (a NUL byte, a name too long)."""
    target, inside = resolve_within(root, root / rel)
    if inside:
        return target
    normal = posixpath.normpath(rel)
    if posixpath.isabs(normal) or normal == ".." or normal.startswith("../"):
        raise LeavesRepository(
            f"'{rel}' leaves the repository; paths are repository-relative (to the project "
            "root, not to this file): write it from the root, e.g. 'src/...'"
        )
    raise LeavesRepository(
        f"'{rel}' resolves through a symlink to '{target}', outside the repository; Lakeform "
        "uploads only files inside it: copy the file in, or point the symlink inside"
    )


def repo_glob(root: Path, pattern: str) -> list[str]:
    """The files a repository-relative glob matches, as sorted repository-relative paths
    (`dir/**` means every file below `dir`). A glob never follows a symlinked file or folder out
    of the repository: LeavesRepository names the first match that would (nothing is read);
    symlinks that stay inside are followed. `upload:PATH` (metadata.folders) is what
    `${upload:PATH}` uploads."""
    if pattern.startswith(UPLOAD_GLOB):
        return upload_files(root, pattern.removeprefix(UPLOAD_GLOB))
    expanded = pattern + "/*" if pattern.endswith("**") else pattern
    found: list[str] = []
    for match in sorted(root.glob(expanded)):
        rel = match.relative_to(root).as_posix()
        target, inside = resolve_within(root, match)
        if not inside:
            raise LeavesRepository(
                f"'{pattern}' matches '{rel}', which resolves to '{target}', outside the "
                "repository; a glob never follows a symlink out of it: remove the symlink or "
                "narrow the pattern"
            )
        if match.is_file():
            found.append(rel)
    return found


def clean_path(path: str) -> str:
    """`path` as Go's `filepath.Clean` writes it (the Databricks provider refuses a workspace
    path that differs): no `.` segment, no `//`, `..` resolved, no trailing `/`."""
    cleaned = posixpath.normpath(path) if path else "."
    # POSIX keeps a leading `//`; Go does not.
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned
