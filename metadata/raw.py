"""Reading metadata files, in any supported format, into raw rows (not yet resolved)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metadata.errors import Pos, Problem
from metadata.formats import lakeflow_jobs_meta as compat
from metadata.kinds import KINDS
from metadata.messages import suggest, yaml_type
from metadata.yamlsrc import Keep, LList, LMap, parse_text

ROW_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
KEY_VARIABLE = re.compile(r"\$\{var\.[A-Za-z0-9_-]+\}")
"""`${var.NAME}` in a row key (lakeflow-jobs-meta documents it): the stack's value is put in
before the key is used, and the result must be a row key."""


@dataclass
class RawRow:
    """One row as read from a file, before it is resolved."""

    kind: str
    key: str
    file: str
    key_pos: Pos | None
    data: Any
    reported: bool = False
    """Its problems were reported by a compatibility reader: known to exist, not checked again."""
    bare_refs: bool = False
    """Read from lakeflow-jobs-meta's formats, which pass `${name}` (no dot) through to the job
    as written (a SQL parameter, say): so does Lakeform, for these rows."""


def display_name(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def metadata_files(paths: Sequence[Path], root: Path) -> tuple[list[Path], list[Problem]]:
    """The YAML files under `paths` (folders recursively), in sorted path order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for given in paths:
        path = given if given.is_absolute() else root / given
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()]
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(None, "", f"{given}: no such file or folder"))
    seen: set[Path] = set()
    unique: list[Path] = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, problems


def read_file(
    path: Path, name: str, keep: Keep | None = None
) -> tuple[list[RawRow], list[Problem]]:
    """Rows of one metadata file in any supported format (`keep`: see `parse_text`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        return [], [Problem(Pos(name, 1, 1), "", f"not UTF-8 text ({err.reason})")]
    except OSError as err:
        return [], [Problem(Pos(name, 1, 1), "", f"cannot read: {err.strerror}")]
    return read_text(text, name, keep)


def read_text(text: str, name: str, keep: Keep | None = None) -> tuple[list[RawRow], list[Problem]]:
    """Rows of one metadata document; `name` is the file name used in messages."""
    data, problems = parse_text(text, name, keep)
    if problems:
        return [], problems
    if data is None:
        return [], []
    reported: set[str] = set()
    converted: compat.Converted | None = None
    if isinstance(data, LList) or (
        isinstance(data, LMap) and ("sources" in data or isinstance(data.get("modules"), LList))
    ):
        converted = compat.from_source_rows(data, name)
    elif isinstance(data, LMap) and (
        "metadata_version" in data or compat.looks_like_lakeflow_jobs_meta(data)
    ):
        converted = compat.from_lakeflow_jobs_meta(data, name)
    if converted is not None:
        # a problem in one job leaves the others to be read and checked, so one run shows all
        data, problems, reported = converted.data, converted.problems, converted.reported
        if data is None:
            return [], problems
    if not isinstance(data, LMap):
        return [], [
            Problem(
                Pos(name, 1, 1),
                "",
                f"expected a mapping with {', '.join(KINDS)}; got {yaml_type(data)}",
            )
        ]
    rows, more = split_rows(data, name, reported)
    for row in rows:
        row.bare_refs = converted is not None
    return rows, problems + more


BUNDLE_KEYS = frozenset(
    {
        "bundle",
        "targets",
        "variables",
        "include",
        "workspace",
        "sync",
        "artifacts",
        "presets",
        "permissions",
        "run_as",
        "experimental",
        "scripts",
    }
)
"""Top-level keys of a Databricks Asset Bundle file (databricks.yml) that are not Lakeform's."""


def _format_hint(top: str) -> str:
    """What to do with a top-level key that belongs to another format."""
    if top == "resources":
        return (
            "; this looks like a Databricks Asset Bundle file: Lakeform rows have jobs:, "
            "pipelines: and quality_monitors: at the top, without the resources: wrapper "
            "(and paths relative to the repository root, not to the file)"
        )
    if top in BUNDLE_KEYS:
        return (
            f"; '{top}' is a Databricks Asset Bundle setting: per-stack settings go in "
            "Pulumi.<stack>.yaml under lakeform:settings"
        )
    return ""


def split_rows(
    data: LMap, name: str, reported: set[str] | None = None
) -> tuple[list[RawRow], list[Problem]]:
    rows: list[RawRow] = []
    problems: list[Problem] = []
    for top, value in data.items():
        pos = data.key_pos.get(top)
        if top not in KINDS:
            hint = _format_hint(top) or suggest(top, KINDS)
            problems.append(Problem(pos, top, "unknown top-level key" + hint))
            continue
        if value is None:
            continue
        if not isinstance(value, LMap):
            hint = ""
            if isinstance(value, LList) and any(
                isinstance(job, LMap) and "job_name" in job for job in value
            ):
                hint = (
                    "; a list of jobs with job_name is lakeflow-jobs-meta's format: add "
                    'metadata_version: "2.0" at the top of the file'
                )
            problems.append(
                Problem(
                    pos,
                    top,
                    f"expected a mapping of row key -> row; got {yaml_type(value)}{hint}",
                )
            )
            continue
        for key, row in value.items():
            kpos = value.key_pos.get(key)
            if not ROW_KEY.match(KEY_VARIABLE.sub("v", key)):
                problems.append(
                    Problem(
                        kpos,
                        f"{top}.{key}",
                        "row keys may hold letters, digits, '_' and '-' only "
                        "(they name the deployed resource)",
                    )
                )
                continue
            rows.append(RawRow(top, key, name, kpos, row, key in (reported or set())))
    return rows, problems
