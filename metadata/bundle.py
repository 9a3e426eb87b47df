"""A Databricks Asset Bundle (databricks.yml and its includes) -> rows and stack settings."""

# Bundle paths are relative to the YAML file that holds them, Lakeform's to the repository
# root; bundles refer to resources by `${resources.jobs.X.id}`, Lakeform by row key; bundle
# targets are Lakeform stacks. Whatever has no place in Lakeform is listed in `skipped`.

from __future__ import annotations

import copy
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from metadata.kinds import KINDS
from metadata.models.jobs import Task
from metadata.paths import is_repo_relative

ID_REF = re.compile(r"^\$\{resources\.(jobs|pipelines)\.([A-Za-z0-9_-]+)\.id\}$")
FILE_PATH = re.compile(r"\$\{workspace\.file_path\}/?")
TARGET_REF = "${bundle.target}"
TARGET_VARIABLE = "bundle_target"
"""The stack variable `${bundle.target}` becomes: each stack's settings define it."""

ROW_FIELDS = {k: {f.alias or n for n, f in KINDS[k].row_model.model_fields.items()} for k in KINDS}
TASK_FIELDS = set(Task.model_fields)
PERMISSION_LEVELS = {"jobs": {"CAN_RUN": "CAN_MANAGE_RUN"}, "pipelines": {}}
"""Bundle-wide permission levels that a kind spells differently."""


@dataclass
class Imported:
    """The rows, the stack settings per target, and what could not be carried over."""

    name: str = "bundle"
    """The bundle's name (`bundle.name`), for the rows file."""
    rows: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    """kind -> row key -> row, as written to the rows file."""
    settings: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    """target (stack) -> `lakeform:settings` for it."""
    skipped: list[str] = field(default_factory=list[str])
    """`where: what` for each thing left out, and why."""


class BundleError(Exception):
    """The bundle cannot be read at all (no databricks.yml, YAML errors)."""


def import_bundle(bundle: Path, root: Path) -> Imported:
    """Read the bundle at `bundle` (its folder or databricks.yml) for a project rooted at `root`."""
    main = bundle / "databricks.yml" if bundle.is_dir() else bundle
    if not main.is_file():
        raise BundleError(f"{main}: no databricks.yml here")
    out = Imported()
    documents = [(main, _read(main))]
    out.name = str(_map(documents[0][1].get("bundle")).get("name") or "bundle")
    for pattern in _items(documents[0][1].get("include")):
        for name in sorted(glob.glob(str(main.parent / pattern), recursive=True)):
            documents.append((Path(name), _read(Path(name))))
    variables: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    permissions: list[dict[str, Any]] = []
    for path, doc in documents:
        where = _rel(path, root)
        for key in doc:
            if key not in ("bundle", "include", "variables", "targets", "resources", "permissions"):
                out.skipped.append(f"{where}: {key} (no Lakeform equivalent)")
        for name, spec in _map(doc.get("variables")).items():
            variables[name] = _map(spec).get("default") if isinstance(spec, dict) else spec
        targets.update(_map(doc.get("targets")))
        permissions.extend(_map(p) for p in _items(doc.get("permissions")))
        for kind, rows in _map(doc.get("resources")).items():
            if kind not in KINDS:
                out.skipped.append(f"{where}: resources.{kind} (a kind Lakeform does not deploy)")
                continue
            for key, row in _map(rows).items():
                converted = _row(kind, key, row, path.parent, root, out, f"{where}: {kind}.{key}")
                out.rows.setdefault(kind, {})[key] = converted
    for kind, rows in out.rows.items():
        for row in rows.values():
            if permissions and kind in PERMISSION_LEVELS:
                row.setdefault("permissions", []).extend(
                    {**p, "level": PERMISSION_LEVELS[kind].get(p["level"], p["level"])}
                    for p in permissions
                )
    uses_target = "${var." + TARGET_VARIABLE + "}" in repr(out.rows) or TARGET_REF in repr(targets)
    for name, target_any in targets.items():
        target = _map(target_any)
        stack_vars = {k: v for k, v in variables.items() if v is not None}
        stack_vars.update(_map(target.get("variables")))
        if uses_target:
            stack_vars[TARGET_VARIABLE] = name
        out.settings[name] = {"variables": {k: str(v) for k, v in stack_vars.items()}}
        for key in target:
            if key not in ("variables", "resources", "default"):
                out.skipped.append(
                    f"targets.{name}.{key} (no Lakeform equivalent: the stack's "
                    "lakeform:settings do this, see the README)"
                )
        for kind, rows in _map(target.get("resources")).items():
            for key, partial_any in _map(rows).items():
                row = out.rows.get(kind, {}).get(key)
                if row is None:
                    out.skipped.append(f"targets.{name}.resources.{kind}.{key} (no such row)")
                    continue
                partial = _row(
                    kind, key, partial_any, main.parent, root, out, f"targets.{name}.{kind}.{key}"
                )
                row.setdefault("stack_overrides", {})[name] = partial
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise BundleError(f"{path}: {err}") from None
    if not isinstance(data, dict):
        raise BundleError(f"{path}: expected a mapping")
    return _map(data)


def _map(value: Any) -> dict[str, Any]:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return cast("list[Any]", value) if isinstance(value, list) else []


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _row(
    kind: str, key: str, row: Any, folder: Path, root: Path, out: Imported, where: str
) -> dict[str, Any]:
    """The bundle row with its paths repository-relative, references by key and fields
    Lakeform has no place for listed and left out."""
    row = copy.deepcopy(_map(row))
    for name in list(row):
        if name not in ROW_FIELDS[kind]:
            out.skipped.append(f"{where}.{name} (no Lakeform field)")
            del row[name]
    for i, task_any in enumerate(_items(row.get("tasks"))):
        task = _map(task_any)
        for name in list(task):
            if name not in TASK_FIELDS:
                out.skipped.append(f"{where}.tasks[{i}].{name} (no Lakeform field)")
                del task[name]
    return cast("dict[str, Any]", _convert(row, folder, root))


PATH_KEYS = {"notebook_path", "python_file", "path", "include", "root_path"}


def _convert(value: Any, folder: Path, root: Path, key: str = "") -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in cast("dict[str, Any]", value).items():
            ref = ID_REF.match(v) if isinstance(v, str) else None
            if ref and k in ("job_id", "pipeline_id"):
                out[k.removesuffix("_id")] = ref.group(2)  # a reference by row key
            else:
                out[k] = _convert(v, folder, root, k)
        return out
    if isinstance(value, list):
        return [_convert(v, folder, root, key) for v in cast("list[Any]", value)]
    if isinstance(value, str):
        value = value.replace(TARGET_REF, "${var." + TARGET_VARIABLE + "}")
        if key in PATH_KEYS:
            if FILE_PATH.match(value):  # the bundle root, synced to the workspace
                return FILE_PATH.sub("", value, count=1)
            if is_repo_relative(value) and "${" not in value:
                return _rel(folder / value, root)
    return value
