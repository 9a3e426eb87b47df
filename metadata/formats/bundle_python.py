"""A bundle's resources defined in Python, loaded by running its loaders as the CLI does."""

# The CLI (bundle/config/mutator/python/python_mutator.go, phase load_resources) runs
# `<python> -m databricks.bundles.build --phase load_resources --input ... --output ...
# --diagnostics ... --locations ...` in the bundle folder, with the bundle's configuration for
# the selected target as input, and merges the output's resources; paths in them are relative to
# the bundle folder (its virtual `__generated_by_python__.yml` there), and locations.json says
# which Python line defined each value (python_locations.go). This runs the bundle's own code,
# as `databricks bundle deploy` does: import only bundles whose code you would deploy.

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

from metadata.errors import Pos
from metadata.yamlsrc import LList, LMap

GENERATED = "__generated_by_python__.yml"
"""The CLI's virtual file for Python-defined resources, in the bundle folder (relative paths in
them are relative to that folder)."""
TIMEOUT_SECONDS = 300
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class PythonLoadError(Exception):
    """The bundle's Python loaders failed: the message says which and why."""


def interpreter(bundle: Path, venv_path: str | None) -> tuple[str, str | None]:
    """The Python the CLI would run (the bundle's `venv_path`, as detectExecutable does), else
    Lakeform's own, which has databricks-bundles; with a note when it is Lakeform's."""
    if venv_path:
        venv = bundle / venv_path
        for candidate in (
            venv / "bin" / "python3",
            venv / "bin" / "python",
            venv / "Scripts" / "python.exe",
        ):
            if candidate.is_file():
                return str(candidate), None
        return sys.executable, (
            f"python.venv_path: '{venv_path}' does not exist in the bundle folder: its Python "
            "code ran in Lakeform's own Python (which has databricks-bundles); create the venv "
            "(e.g. uv sync) if the code needs the bundle's own dependencies"
        )
    return sys.executable, None


def load(
    bundle: Path,
    python: dict[str, Any],
    bundle_name: str,
    target: str,
    variables: dict[str, Any],
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], tuple[str, int, int]], list[str]]:
    """The resources the bundle's Python loaders return for `target` (kind -> key -> resource),
    each value's location (path -> file relative to the bundle, line, column), and warnings."""
    conf = {"resources": list(cast("list[str]", python.get("resources") or []))}
    return _run("load_resources", bundle, python, conf, bundle_name, target, variables, {})


def mutate(
    bundle: Path,
    python: dict[str, Any],
    bundle_name: str,
    target: str,
    variables: dict[str, Any],
    resources: dict[str, Any],
    mutators: list[str],
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], tuple[str, int, int]], list[str]]:
    """`resources` (the target's, YAML and Python ones) after the bundle's `mutators` ran over
    them, as the CLI's apply_mutators phase runs them; with no mutators, the same resources as
    the package reads and writes them back (to tell the mutators' changes from that)."""
    conf = {"mutators": mutators}
    return _run("apply_mutators", bundle, python, conf, bundle_name, target, variables, resources)


def _run(
    phase: str,
    bundle: Path,
    python: dict[str, Any],
    conf: dict[str, Any],
    bundle_name: str,
    target: str,
    variables: dict[str, Any],
    resources: dict[str, Any],
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], tuple[str, int, int]], list[str]]:
    python_exe, _ = interpreter(bundle, cast("str | None", python.get("venv_path")))
    given = {
        "bundle": {"name": bundle_name, "target": target},
        "python": conf,
        "variables": {k: {"value": v, "default": v} for k, v in variables.items()},
        "resources": resources,
    }
    with tempfile.TemporaryDirectory(prefix="lakeform-python-") as tmp:
        files = {
            name: Path(tmp) / f"{name}.json"
            for name in ("input", "output", "diagnostics", "locations")
        }
        files["input"].write_text(json.dumps(given), encoding="utf-8")
        # absolute: the code runs in the bundle folder (cwd), where a venv path relative to the
        # current directory names nothing; not resolved, which would leave the venv
        args = [os.path.abspath(python_exe), "-m", "databricks.bundles.build", "--phase", phase]
        for name, path in files.items():
            args += [f"--{name}", str(path)]
        try:
            proc = subprocess.run(
                args,
                cwd=bundle,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise PythonLoadError(f"could not run {python_exe}: {err}") from None
        diagnostics = _diagnostics(files["diagnostics"])
        errors = [d for d in diagnostics if d.get("severity") == "error"]
        if errors:
            raise PythonLoadError("; ".join(_describe(d) for d in errors))
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            if "databricks.bundles.build" in proc.stderr:
                tail = [f"{python_exe} has no databricks-bundles: pip install databricks-bundles"]
            raise PythonLoadError(tail[0])
        output = json.loads(files["output"].read_text(encoding="utf-8"))
        locations = _locations(files["locations"])
    warnings = [_describe(d) for d in diagnostics if d.get("severity") != "error"]
    return cast("dict[str, Any]", output.get("resources") or {}), locations, warnings


def _diagnostics(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [cast("dict[str, Any]", json.loads(line)) for line in lines if line.strip()]


def _describe(diagnostic: dict[str, Any]) -> str:
    """A diagnostic in one line: summary, the exception's last line, where."""
    summary = str(diagnostic.get("summary", "error"))
    detail = str(diagnostic.get("detail") or "").strip().splitlines()
    if detail:
        summary += f": {detail[-1]}"
    location = cast("dict[str, Any]", diagnostic.get("location") or {})
    if location.get("file"):
        summary = f"{location['file']}:{location.get('line', 1)}: {summary}"
    return summary


def _locations(path: Path) -> dict[tuple[str | int, ...], tuple[str, int, int]]:
    found: dict[tuple[str | int, ...], tuple[str, int, int]] = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = cast("dict[str, Any]", json.loads(line))
            found[parse_path(str(entry["path"]))] = (
                str(entry["file"]),
                int(entry.get("line") or 1),
                int(entry.get("column") or 1),
            )
    return found


def parse_path(text: str) -> tuple[str | int, ...]:
    """`resources.jobs.a.tasks[0].key` -> ("resources", "jobs", "a", "tasks", 0, "key")."""
    return tuple(
        m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(text)
    )


def located(
    value: Any,
    locations: dict[tuple[str | int, ...], tuple[str, int, int]],
    file_of: Any,
    top: Pos,
    parts: tuple[str | int, ...] = (),
) -> Any:
    """`value` as LMap/LList whose every key and item has the position of the closest location
    at or above it (as the CLI's findPythonLocation), else `top`; `file_of` makes a location's
    file repository-relative."""

    def pos(path: tuple[str | int, ...]) -> Pos:
        for n in range(len(path), 0, -1):
            hit = locations.get(path[:n])
            if hit is not None:
                return Pos(file_of(hit[0]), hit[1], hit[2])
        return top

    if isinstance(value, dict):
        node = LMap(pos(parts))
        for k, v in cast("dict[str, Any]", value).items():
            node.put(k, located(v, locations, file_of, top, (*parts, k)), pos((*parts, k)))
        return node
    if isinstance(value, list):
        items = LList(pos(parts))
        for i, v in enumerate(cast("list[Any]", value)):
            items.put(located(v, locations, file_of, top, (*parts, i)), pos((*parts, i)))
        return items
    return value
