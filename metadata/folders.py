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


def _rule(pattern: str) -> tuple[re.Pattern[str], bool, bool] | None:
    """A .gitignore line as (regex over the path relative to its folder, negated, dirs only)."""
    line = pattern.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        return None
    line = line.rstrip(" ") if not line.endswith("\\ ") else line
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    line = line.removeprefix("\\")
    dirs_only = line.endswith("/")
    line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/")
    out = ""
    i = 0
    while i < len(line):
        if line.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif line.startswith("/**", i) and i + 3 == len(line):
            out += "/.*"
            i += 3
        elif line[i] == "*":
            out += "[^/]*"
            i += 1
        elif line[i] == "?":
            out += "[^/]"
            i += 1
        elif line[i] == "[":
            end = line.find("]", i + 1)
            if end == -1:
                out += re.escape(line[i])
                i += 1
            else:
                out += "[" + line[i + 1 : end].replace("!", "^", 1) + "]"
                i = end + 1
        else:
            out += re.escape(line[i])
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{out}$"), negated, dirs_only


@cache
def _rules(gitignore: Path, _mtime: float) -> list[tuple[re.Pattern[str], bool, bool]]:
    try:
        text = gitignore.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [r for line in text.splitlines() if (r := _rule(line)) is not None]


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
        below = "/".join(parts[depth:])
        for regex, negated, dirs_only in _rules(gitignore, gitignore.stat().st_mtime):
            if dirs_only and not is_dir:
                continue
            if regex.match(below):
                ignored = not negated
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
