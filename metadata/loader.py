"""Reading metadata files into resolved rows for one stack, collecting every problem."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from metadata.errors import MetadataError, Pos, Problem
from metadata.located import Locator, Part
from metadata.models import ROW_MODELS, JobRow, PipelineRow, QualityMonitorRow
from metadata.yamlsrc import LList, LMap, parse_text
from stacks.settings import STACKS, StackSettings

KINDS = tuple(ROW_MODELS)
ROW_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
VAR_REF = re.compile(r"\$\{var\.([^}]*)\}")
VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Lists whose items are merged by this key when a stack override is applied (as bundles do).
MERGE_KEYS = ("task_key", "job_cluster_key", "environment_key", "name", "label")


@dataclass(frozen=True)
class Rows:
    """Resolved rows of one stack, keyed by row key."""

    jobs: dict[str, JobRow] = field(default_factory=dict[str, JobRow])
    pipelines: dict[str, PipelineRow] = field(default_factory=dict[str, PipelineRow])
    quality_monitors: dict[str, QualityMonitorRow] = field(
        default_factory=dict[str, QualityMonitorRow]
    )

    @property
    def total(self) -> int:
        """Number of rows of every kind."""
        return len(self.jobs) + len(self.pipelines) + len(self.quality_monitors)


@dataclass
class RawRow:
    """One row as read from a file, before it is resolved."""

    kind: str
    key: str
    file: str
    key_pos: Pos | None
    data: Any


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


def suggest(word: str, choices: Collection[str]) -> str:
    """`; did you mean 'x'?` or `; allowed: a, b, c` for a misspelt name."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; allowed: {', '.join(sorted(choices))}" if choices else ""


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


def read_file(path: Path, name: str) -> tuple[list[RawRow], list[Problem]]:
    """Rows of one metadata file in any supported format."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        return [], [Problem(Pos(name, 1, 1), "", f"not UTF-8 text ({err.reason})")]
    except OSError as err:
        return [], [Problem(Pos(name, 1, 1), "", f"cannot read: {err.strerror}")]
    return read_text(text, name)


def read_text(text: str, name: str) -> tuple[list[RawRow], list[Problem]]:
    """Rows of one metadata document; `name` is the file name used in messages."""
    from metadata import compat  # late: compat builds on this module

    data, problems = parse_text(text, name)
    if problems:
        return [], problems
    if data is None:
        return [], []
    if isinstance(data, LList) or (isinstance(data, LMap) and "sources" in data):
        data, problems = compat.from_source_rows(data, name)
    elif isinstance(data, LMap) and "metadata_version" in data:
        data, problems = compat.from_lakeflow_jobs_meta(data, name)
    if problems:
        return [], problems
    if not isinstance(data, LMap):
        return [], [
            Problem(
                Pos(name, 1, 1),
                "",
                f"expected a mapping with {', '.join(KINDS)}; got {yaml_type(data)}",
            )
        ]
    return split_rows(data, name)


def split_rows(data: LMap, name: str) -> tuple[list[RawRow], list[Problem]]:
    rows: list[RawRow] = []
    problems: list[Problem] = []
    for top, value in data.items():
        pos = data.key_pos.get(top)
        if top not in ROW_MODELS:
            problems.append(Problem(pos, top, "unknown top-level key" + suggest(top, KINDS)))
            continue
        if value is None:
            continue
        if not isinstance(value, LMap):
            problems.append(
                Problem(pos, top, f"expected a mapping of row key -> row; got {yaml_type(value)}")
            )
            continue
        for key, row in value.items():
            kpos = value.key_pos.get(key)
            if not ROW_KEY.match(key):
                problems.append(
                    Problem(
                        kpos,
                        f"{top}.{key}",
                        "row keys may hold letters, digits, '_' and '-' only "
                        "(they name the deployed resource)",
                    )
                )
                continue
            rows.append(RawRow(top, key, name, kpos, row))
    return rows, problems


def yaml_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


# --- per-stack resolution ------------------------------------------------------------------------


def merge(base: Any, over: Any) -> Any:
    """Deep-merge a stack override over a row: mappings merge, lists of mappings merge by their
    key (task_key, ...), anything else is replaced; `null` removes a field."""
    if isinstance(base, LMap) and isinstance(over, LMap):
        out = LMap(base.pos)
        for k, v in base.items():
            out.put(k, v, base.key_pos.get(k))
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
                out.key_pos.pop(k, None)
            elif k in out:
                out.put(k, merge(out[k], v), over.key_pos.get(k))
            else:
                out.put(k, v, over.key_pos.get(k))
        return out
    if isinstance(base, LList) and isinstance(over, LList):
        ident = _list_ident(base, over)
        if ident is None:
            return over
        out_list = LList(base.pos)
        index: dict[object, int] = {}
        for item, pos in zip(base, base.item_pos, strict=True):
            index[item[ident]] = len(out_list)
            out_list.put(item, pos)
        for item, pos in zip(over, over.item_pos, strict=True):
            at = index.get(item[ident])
            if at is None:
                out_list.put(item, pos)
            else:
                out_list[at] = merge(out_list[at], item)
                out_list.item_pos[at] = pos
        return out_list
    return over


def _list_ident(base: LList, over: LList) -> str | None:
    items = [*base, *over]
    if not items or not all(isinstance(i, LMap) for i in items):
        return None
    for key in MERGE_KEYS:
        if all(isinstance(i, LMap) and isinstance(i.get(key), str) for i in items):
            return key
    return None


def substitute(
    value: Any,
    variables: dict[str, str] | None,
    loc: Locator,
    parts: tuple[Part, ...],
    problems: list[Problem],
) -> Any:
    """Replace `${var.NAME}` in every string; unknown names are problems."""
    if isinstance(value, str):
        if "${var." not in value or variables is None:
            return value

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if not VAR_NAME.match(name):
                problems.append(loc.problem(parts, f"invalid variable reference '{m.group(0)}'"))
                return m.group(0)
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none"
                hint = suggest(name, variables) if variables else ""
                hint = f" ({hint.removeprefix('; ')})" if hint.startswith("; did") else ""
                problems.append(
                    loc.problem(
                        parts,
                        f"unknown variable '${{var.{name}}}'{hint}; known: {known} "
                        "(define it in the stack's lakeform:settings.variables)",
                    )
                )
                return m.group(0)
            return variables[name]

        return VAR_REF.sub(repl, value)
    if isinstance(value, LMap):
        for k in list(value):
            value[k] = substitute(value[k], variables, loc, (*parts, k), problems)
        return value
    if isinstance(value, LList):
        for i, item in enumerate(value):
            value[i] = substitute(item, variables, loc, (*parts, i), problems)
        return value
    return value


def plain(value: Any) -> Any:
    """LMap/LList -> dict/list, for pydantic's strict mode."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, list):
        return [plain(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


# --- pydantic errors -> problems -----------------------------------------------------------------

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "null",
}


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _unwrap(annotation: Any) -> list[Any]:
    """Candidate inner types of an annotation (Optional/list/dict peeled)."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args


def model_at(model: type[BaseModel], parts: tuple[Part, ...]) -> type[BaseModel] | None:
    """The model class that holds the value at `parts` inside `model`, if any."""
    current: Any = model
    for part in parts:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str):
                return None
            fields = {f.alias or n: f for n, f in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        else:
            # peel Optional / list / dict until a model or a scalar is left
            current = _peel(current)
            if current is None:
                return None
            if isinstance(current, type) and issubclass(current, BaseModel):
                if isinstance(part, int):
                    continue
                fields = {f.alias or n: f for n, f in current.model_fields.items()}
                if part not in fields:
                    return None
                current = fields[part].annotation
    current = (
        _peel(current)
        if not (isinstance(current, type) and issubclass(current, BaseModel))
        else current
    )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _peel(annotation: Any) -> Any:
    seen = 0
    while get_origin(annotation) is not None and seen < 5:
        inner = _unwrap(annotation)
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        annotation = inner[-1] if inner else None
        seen += 1
    return annotation


def validation_problems(
    err: ValidationError, model: type[BaseModel], loc: Locator, skip: Collection[tuple[Part, ...]]
) -> list[Problem]:
    """One problem per pydantic error, pointing at the file position of the field."""
    errors = [e for e in err.errors(include_url=False) if not _skipped(tuple(e["loc"]), skip)]
    # A misspelt field is reported once, as unknown with its suggestion, not also as missing.
    suggested: set[tuple[Part, ...]] = set()
    messages: dict[int, str] = {}
    for i, e in enumerate(errors):
        parts: tuple[Part, ...] = tuple(e["loc"])
        if e["type"] == "extra_forbidden" and parts:
            owner = model_at(model, parts[:-1])
            allowed = _field_names(owner) if owner else []
            hint = suggest(str(parts[-1]), allowed)
            messages[i] = f"unknown field '{parts[-1]}'" + hint
            if hint.startswith("; did you mean '"):
                suggested.add((*parts[:-1], hint.split("'")[1]))
    out: list[Problem] = []
    for i, e in enumerate(errors):
        parts = tuple(e["loc"])
        kind = e["type"]
        given = e.get("input")
        if i in messages:
            msg = messages[i]
        elif kind == "missing":
            if parts in suggested:
                continue
            msg = "required field missing"
        elif kind in _TYPE_WORDS:
            msg = f"expected {_TYPE_WORDS[kind]}, got {yaml_type(given)}" + _show(given)
        elif kind == "literal_error":
            expected = str(e.get("ctx", {}).get("expected", ""))
            msg = f"must be one of {expected}; got {yaml_type(given)}" + _show(given)
            if isinstance(given, str):
                close = suggest(given, re.findall(r"'([^']*)'", expected))
                msg += f" ({close.removeprefix('; ')})" if close.startswith("; did") else ""
        elif kind in ("value_error", "assertion_error"):
            msg = str(e["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        else:
            msg = str(e["msg"])
        out.append(loc.problem(parts, msg))
    return out


def _skipped(parts: tuple[Part, ...], skip: Collection[tuple[Part, ...]]) -> bool:
    return any(parts[: len(s)] == s for s in skip)


def _show(value: object) -> str:
    if isinstance(value, str | int | float | bool):
        text = repr(value)
        return f" {text[:60]}" if len(text) <= 60 else f" {text[:57]}..."
    return ""


__all__ = [
    "KINDS",
    "STACKS",
    "MetadataError",
    "RawRow",
    "Rows",
    "StackSettings",
    "is_repo_relative",
    "metadata_files",
    "read_file",
    "read_text",
    "uploads_from_repository",
]
