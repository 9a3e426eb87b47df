"""Saved plans: `lakeform plan --save PLAN` writes one; `lakeform up --plan PLAN` applies it.

A saved plan holds the plan by row, the engine's update plan (`pulumi preview --save-plan`; `up
--plan` then lets the engine do nothing beyond it) and what Lakeform checks before any write: the
program's version and a hash of its sources, the stack's last update version, a hash of each stack
setting and of each field of each row, and the workspace (a refresh must find nothing, and each
deployed job and pipeline compared with its row must give what it gave when saved: a saved plan
cannot put drift back). `up --plan` refuses, naming the row key and field, when any of them
differs or a fresh preview differs from the saved one; only then does the engine run, stopping at
the first failure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from cli import drift as workspace_drift
from cli import table as control_table
from cli.drift import Drifted
from cli.engine import Engine
from cli.plan import Plan, build_plan, kind_of, rest_name, urn_parts
from cli.version import version
from metadata import KINDS, MetadataError
from metadata.settings import StackSettings

FORMAT = "lakeform-saved-plan/1"
PROGRAM_SOURCES = ("__main__.py", "Pulumi.yaml", "metadata", "stacks", "components", "policies")
"""What the program is made of, in the project, its policy pack included (as
tests/e2e/harness.py's LAKEFORM_PROGRAM)."""
REVIEW_ONLY = ("source", "attention")
"""Plan row entries that say where and why, not what the deploy does: not compared."""


class StalePlan(Exception):
    """The saved plan no longer describes what a deploy would do; the message says what changed."""


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def program_hash(project: Path) -> str:
    """sha256 over the program's files (paths and contents), Python caches left out."""
    h = hashlib.sha256()
    for name in PROGRAM_SOURCES:
        top = project / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(project)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def program_version(engine: Engine) -> dict[str, str]:
    """Lakeform and its pins, the program's sources, and the databricks provider the engine
    runs (devtools/toolchain/build.py's choice: the local one and the real one share a version)."""
    return {
        "lakeform": version(),
        "sources": program_hash(engine.project),
        "provider": engine.env.get("LAKEFORM_PROVIDER_USED", "unknown"),
    }


def row_fields(project: Path, stack: str, settings: StackSettings) -> dict[str, dict[str, str]]:
    """`kind.key` -> {field: hash} of every row of the stack, resolved as the program reads them."""
    try:
        rows = control_table.stack_rows(project, stack, settings)
    except MetadataError as err:
        raise StalePlan(f"the rows do not load:\n{err}") from None
    out: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        for key, model in rows.of(kind).items():
            out[f"{kind}.{key}"] = _field_digests(model.model_dump(mode="json"))
    return out


def _field_digests(row: Mapping[str, Any]) -> dict[str, str]:
    """{field: hash}; a job's tasks one by one, `tasks[<task_key>]`, so a change names its task."""
    out: dict[str, str] = {}
    for name, value in row.items():
        if name == "tasks" and isinstance(value, list):
            tasks: list[Any] = value
            keyed = [t for t in tasks if isinstance(t, dict) and "task_key" in t]
            if len(keyed) == len(tasks):
                out.update((f"tasks[{t['task_key']}]", _digest(t)) for t in keyed)
                continue
        out[name] = _digest(value)
    return out


def setting_fields(settings: StackSettings) -> dict[str, str]:
    return {name: _digest(v) for name, v in settings.model_dump(mode="json").items()}


def stack_version(engine: Engine) -> str:
    """The stack's last update: its version and start time (a DIY backend numbers every update
    0), or `never deployed`."""
    history = engine.stack().history(page_size=1, show_secrets=False)
    if not history:
        return "never deployed"
    last = history[0]
    return f"{last.kind} {last.version or 0} started {last.start_time.isoformat()}"


def update_number(engine: Engine, version: int | None = None) -> int:
    """The stack's last update's number: its version where the backend numbers updates, else
    (a DIY backend numbers every update 0) how many updates its history holds. `version`: the
    last update's, when known (`Run.version` of `Engine.up`): no history read for it, nor in
    a file backend, whose every update is 0 (Engine.checkpoint: one read of the history)."""
    stack = engine.stack()
    if version is None and engine.checkpoint() is not None:
        version = 0
    if version is None:
        last = stack.history(page_size=1, show_secrets=False)
        version = last[0].version if last else 0
    if version:
        return int(version)
    return len(stack.history(show_secrets=False))


def comparable(plan: Plan) -> list[dict[str, Any]]:
    """A plan's rows as the deploy sees them (where and why left out)."""
    rows: list[dict[str, Any]] = plan.to_json()["rows"]
    return [{k: v for k, v in row.items() if k not in REVIEW_ONLY} for row in rows]


@dataclass
class Saved:
    """A saved plan file, parsed."""

    stack: str
    program: dict[str, str]
    stack_version: str
    settings: dict[str, str]
    rows: dict[str, dict[str, str]]
    plan: list[dict[str, Any]]
    workspace: list[str]
    """The rows compared with the workspace (cli/drift.py) when saved, as `compared_lines`."""
    engine_plan: dict[str, Any]

    def to_json(self) -> str:
        body = {"format": FORMAT, **self.__dict__}
        return json.dumps(body, indent=1, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> Saved:
        found = read_any(path)
        if not isinstance(found, Saved):
            raise StalePlan(
                f"{path} is the saved plan of the sharded stack {found.stack}: apply it with "
                f"lakeform up --stack {found.stack} --plan {path}"
            )
        return found


@dataclass
class SavedShard:
    """One shard's part of a sharded stack's saved plan (a `Saved` without what the environment
    holds once for all shards)."""

    stack_version: str
    plan: list[dict[str, Any]]
    workspace: list[str]
    engine_plan: dict[str, Any]


@dataclass
class SavedEnvironment:
    """A sharded stack's saved plan: one engine plan per shard, the rows, settings and program
    once, the moves between the shards' states, and the environment's plan as reviewed."""

    stack: str
    program: dict[str, str]
    settings: dict[str, str]
    rows: dict[str, dict[str, str]]
    order: list[str]
    """The shards' stacks in reference order (each after those it names)."""
    moves: list[dict[str, str]]
    """{kind, key, source, dest}: rows `up --plan` moves between stacks' states first."""
    versions: dict[str, str]
    """The last update of every stack holding the environment's rows when saved."""
    plan: list[dict[str, Any]]
    """The environment's plan (moves once, as `move`), as `comparable`."""
    existing: int
    shards: dict[str, SavedShard]

    def to_json(self) -> str:
        body = {"format": ENVIRONMENT_FORMAT, **TypeAdapter(SavedEnvironment).dump_python(self)}
        return json.dumps(body, indent=1, sort_keys=True) + "\n"


ENVIRONMENT_FORMAT = "lakeform-saved-environment/1"


def read_any(path: Path) -> Saved | SavedEnvironment:
    """A saved plan file: one stack's (`Saved`) or a sharded stack's (`SavedEnvironment`)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise StalePlan(f"cannot read the saved plan {path}: {err}") from None
    kinds: dict[str, type[Saved] | type[SavedEnvironment]] = {
        FORMAT: Saved,
        ENVIRONMENT_FORMAT: SavedEnvironment,
    }
    if not isinstance(data, dict):
        data = {}
    fields = cast("dict[str, Any]", data)
    cls = kinds.get(str(fields.get("format")))
    if cls is None:
        raise StalePlan(f"{path} is not a Lakeform saved plan ({FORMAT})")
    body = {k: v for k, v in fields.items() if k != "format"}
    try:
        return TypeAdapter(cls).validate_python(body)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise StalePlan(f"{path} is not a Lakeform saved plan: {where}: {first['msg']}") from None


def changed_fields(
    before: Mapping[str, Mapping[str, str]], after: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """`kind.key: what` for every row added, removed, or with a field changed."""
    out: list[str] = []
    for entry in sorted(set(before) | set(after)):
        if entry not in after:
            out.append(f"{entry}: row removed")
        elif entry not in before:
            out.append(f"{entry}: row added")
        else:
            old, new = before[entry], after[entry]
            out += [
                f"{entry}.{name}: changed"
                for name in sorted(set(old) | set(new))
                if old.get(name) != new.get(name)
            ]
    return out


def plan_differences(
    saved: Iterable[Mapping[str, Any]], now: Iterable[Mapping[str, Any]]
) -> list[str]:
    """`kind.key[.field]: saved -> now` for every row whose planned change differs."""
    before = {f"{r['kind']}.{r['key']}": r for r in saved}
    after = {f"{r['kind']}.{r['key']}": r for r in now}
    out: list[str] = []
    for entry in sorted(set(before) | set(after)):
        old, new = before.get(entry), after.get(entry)
        if old is None or new is None or old["action"] != new["action"]:
            was = old["action"] if old else "no change"
            will = new["action"] if new else "no change"
            out.append(f"{entry}: planned {was}, now {will}")
            continue
        old_fields = {f["path"]: (f["old"], f["new"]) for f in old["fields"]}
        new_fields = {f["path"]: (f["old"], f["new"]) for f in new["fields"]}
        for path in sorted(set(old_fields) | set(new_fields)):
            if old_fields.get(path) != new_fields.get(path):
                was = " -> ".join(old_fields[path]) if path in old_fields else "no change"
                will = " -> ".join(new_fields[path]) if path in new_fields else "no change"
                out.append(f"{entry}.{path}: planned {was}, now {will}")
        for name in ("forced_by", "files", "tasks", "protected"):
            if old.get(name) != new.get(name):
                out.append(f"{entry}.{name}: planned {old.get(name)}, now {new.get(name)}")
    return out


def engine_differences(saved: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """Resources whose steps or goal (inputs, options) differ between two engine update plans,
    each as `kind.name: what`: what the row-level plan does not show (an uploaded file's content,
    an option), but `pulumi up --plan` would refuse in the middle of the deploy."""
    out = _engine_versions(saved.get("manifest") or {}, now.get("manifest") or {})
    before: Mapping[str, Any] = saved.get("resourcePlans") or {}
    after: Mapping[str, Any] = now.get("resourcePlans") or {}
    for urn in sorted(set(before) | set(after)):
        old: Mapping[str, Any] = before.get(urn) or {}
        new: Mapping[str, Any] = after.get(urn) or {}
        name = _resource(urn)
        if old.get("steps") != new.get("steps"):
            was, will = old.get("steps") or "nothing", new.get("steps") or "nothing"
            out.append(f"{name}: planned {was}, now {will}")
            continue
        goal_old: Mapping[str, Any] = old.get("goal") or {}
        goal_new: Mapping[str, Any] = new.get("goal") or {}
        resource_type = str(goal_new.get("type") or goal_old.get("type") or "")
        inputs = _input_names(goal_old.get("inputDiff") or {}, goal_new.get("inputDiff") or {})
        out += [f"{name}.{rest_name(resource_type, wire)}: planned otherwise" for wire in inputs]
        old_options, new_options = _unordered(goal_old), _unordered(goal_new)
        options = sorted(
            k
            for k in set(goal_old) | set(goal_new)
            if k != "inputDiff" and old_options.get(k) != new_options.get(k)
        )
        out += [f"{name}: option {k} planned otherwise" for k in options]
    return out


def _unordered(goal: Mapping[str, Any]) -> dict[str, Any]:
    """A resource goal with its dependency lists sorted: the Python SDK gathers a resource's
    dependencies in a set, so two previews of the same program list them in either order (seen
    with a job naming a job and a file: `dependencies` in another order, nothing else)."""
    out = dict(goal)
    if isinstance(out.get("dependencies"), list):
        out["dependencies"] = sorted(map(str, out["dependencies"]))
    by_property = out.get("propertyDependencies")
    if isinstance(by_property, Mapping):
        deps = cast("Mapping[str, Any]", by_property)
        out["propertyDependencies"] = {
            k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in deps.items()
        }
    return out


def _engine_versions(saved: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """The pulumi CLI of two plans' manifests, where it differs (their plugin lists are empty:
    the provider is in `program_version`)."""
    if saved.get("version") == now.get("version"):
        return []
    return [f"pulumi: {saved.get('version')} when saved, now {now.get('version')}"]


def _input_names(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    names: set[str] = set()
    for part in ("adds", "updates"):
        a: Mapping[str, Any] = old.get(part) or {}
        b: Mapping[str, Any] = new.get(part) or {}
        names |= {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
    names |= set(old.get("deletes") or []) ^ set(new.get("deletes") or [])
    return sorted(names)


def _resource(urn: str) -> str:
    """`kind.name` of a resource (children: `kind.<row key>/<file>`), else its URN name."""
    types, name = urn_parts(urn)
    kind = kind_of(types)
    return f"{kind.name}.{name}" if kind is not None else name


def drift_lines(plan: Plan) -> list[str]:
    """A drift plan's rows as `kind.key[.field]: row -> workspace`."""
    out: list[str] = []
    for row in plan.rows:
        if not row.fields:
            out.append(f"{row.kind}.{row.key}: {row.action} in the workspace")
        out += [f"{row.kind}.{row.key}.{f.path}: {f.old} -> {f.new}" for f in row.fields]
    return out


def refreshed(engine: Engine) -> list[str]:
    """What a refresh would find changed in the workspace since the last deploy (a refresh
    preview: nothing written)."""
    run = engine.preview_refresh()
    return drift_lines(build_plan(engine.stack_name, run.done, drift=True))


def compared(engine: Engine, outputs: Mapping[str, Any] | None = None) -> list[Drifted]:
    """Each deployed job and pipeline compared with its row (cli/drift.py): the row edits a
    deploy makes, and what the provider's read cannot see changed in the workspace. `outputs`:
    the stack's, when already read (else one `pulumi stack output`)."""
    return workspace_drift.check(engine, outputs)


def compared_lines(found: Iterable[Drifted]) -> list[str]:
    return drift_lines(Plan("", workspace_drift.as_rows(found, drift=True), 0, drift=True))


def unseen(plan: Plan, found: list[Drifted]) -> list[str]:
    """Findings the preview does not plan: changes in the workspace the provider cannot see, which
    a plain `lakeform up` puts back first (a saved plan cannot)."""
    merged = workspace_drift.merge(plan, found)
    return plan_differences(comparable(plan), comparable(merged))


def refusal(what: str, lines: list[str], fix: str) -> StalePlan:
    listed = "\n".join(f"  {line}" for line in lines)
    return StalePlan(f"{what}:\n{listed}\n{fix}")
