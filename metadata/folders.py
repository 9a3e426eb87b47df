"""`${upload:PATH}` in a job or pipeline row: the repository file or folder PATH, uploaded with
the row's other files, and its workspace path in its place (what a bundle's
`${workspace.file_path}/PATH` becomes: the folder the Databricks CLI syncs the bundle to).

A folder uploads the files the CLI's sync would: every file below it that the repository's
`.gitignore` files do not ignore, never `.git` or `.databricks` (databricks/cli libs/git/view.go
`SetupDefaults`, libs/git/repository.go), notebooks as notebooks (libs/sync/snapshot_state.go:
a file whose first line is the notebook header, or a `.ipynb`, under its name without the
extension; libs/notebook/detect.go names the headers)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pathspec import GitIgnoreSpec

UPLOAD_REF = re.compile(r"\$\{upload:([^}]*)\}")
"""`${upload:PATH}`: PATH repository-relative (to the project root)."""
UPLOAD_GLOB = "upload:"
"""The prefix of an upload's key among a row's glob matches (`RowFiles.globs`)."""
ALWAYS_IGNORED = (".git", ".databricks")

NOTEBOOK_HEADERS = {
    ".py": b"# Databricks notebook source",
    ".r": b"# Databricks notebook source",
    ".scala": b"// Databricks notebook source",
    ".sql": b"-- Databricks notebook source",
}
"""databricks/cli libs/notebook/detect.go `Detect`: the first line a notebook source file has."""


def is_notebook(rel: str, content: bytes) -> bool:
    """Whether the CLI's sync uploads this file as a notebook (libs/notebook/detect.go)."""
    ext = Path(rel).suffix.lower()
    if ext == ".ipynb":
        return True
    header = NOTEBOOK_HEADERS.get(ext)
    return header is not None and content.split(b"\n", 1)[0].rstrip(b"\r ") == header


@cache
def _spec(gitignore: Path, _mtime: float) -> GitIgnoreSpec:
    """A .gitignore file's rules, read as git reads them (pathspec's GitIgnoreSpec)."""
    try:
        text = gitignore.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return GitIgnoreSpec.from_lines([])
    return GitIgnoreSpec.from_lines(text.splitlines())


def _ignored_here(root: Path, rel: str, is_dir: bool) -> bool:
    """Whether the .gitignore files from the root down to `rel`'s folder ignore `rel` itself
    (the last matching rule wins, a deeper file's rules after a shallower one's)."""
    parts = rel.split("/")
    if parts[-1] in ALWAYS_IGNORED:
        return True
    ignored = False
    for depth in range(len(parts)):
        folder = root.joinpath(*parts[:depth])
        gitignore = folder / ".gitignore"
        if not gitignore.is_file():
            continue
        below = "/".join(parts[depth:]) + ("/" if is_dir else "")
        # the last rule that matches decides, a deeper file's rules after a shallower one's
        verdict = _spec(gitignore, gitignore.stat().st_mtime).check_file(below).include
        if verdict is not None:
            ignored = verdict
    return ignored


def git_ignored(root: Path, rel: str) -> bool:
    """Whether git ignores the repository file `rel`: it, or a folder above it, is ignored
    (git never looks inside an ignored folder, so no rule re-includes a file there)."""
    parts = rel.split("/")
    for depth in range(1, len(parts)):
        if _ignored_here(root, "/".join(parts[:depth]), is_dir=True):
            return True
    return _ignored_here(root, rel, is_dir=False)


def upload_files(root: Path, path: str) -> list[str]:
    """The repository files `${upload:PATH}` uploads, sorted: PATH itself when a file; every file
    below the folder PATH that git does not ignore otherwise (a symlink leading out of the
    repository is refused by the reader, as for every upload)."""
    base = root / path
    if base.is_file():
        return [path]
    found: list[str] = []
    for match in sorted(base.rglob("*")):
        rel = match.relative_to(root).as_posix()
        if match.is_file() and not git_ignored(root, rel):
            found.append(rel)
    return found
