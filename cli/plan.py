"""Engine steps -> a plan by row: what happens to each row key, in the row's own API field names.

Steps are cli/engine.py's records of Pulumi's structured events. Resources are named by row key
(children such as uploads `<key>/<path>`), and the component type says the kind (metadata.kinds);
provider property names become REST names through the names table (components/names.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cli.validate import policy_report
from components.names import inputs as names_inputs
from metadata.errors import Pos
from metadata.kinds import KINDS, Kind, Rows
from metadata.settings import StackSettings

ACTIONS: tuple[str, ...] = ("create", "update", "replace", "delete", "move")
"""Plan actions, in the order totals and sections list them (`move`: a row going to another
shard of a sharded environment, its resources moved between the stacks' states, not recreated)."""
DRIFT_ACTIONS: tuple[str, ...] = ("update", "delete")
"""What a refresh finds: a resource changed, or gone, in the workspace."""
_OPS = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "discard-replaced": "replace",
}
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's placeholder for a value known only after the deploy."""
SECRET_SIG = "4dabf18193072939515e22adb298388d"
MASKED = "(secret)"
LATER = "(known after deploy)"
ABSENT = "(none)"
PERMISSIONS = "databricks:index/permissions:Permissions"
"""A job's or pipeline's grants: shown as the row's `permissions` field, not as a file."""


@dataclass
class FieldChange:
    path: str
    """REST field path, tasks by key: `tasks[ingest].timeout_seconds`."""
    old: str
    new: str


@dataclass
class RowChange:
    kind: str
    key: str
    action: str
    """create, update, replace or delete."""
    fields: list[FieldChange] = field(default_factory=list[FieldChange])
    forced_by: list[str] = field(default_factory=list[str])
    """For a replace: the REST fields that force it."""
    files: dict[str, str] = field(default_factory=dict[str, str])
    """Uploaded repository file -> its action."""
    protected: bool = False
    """The resource is protected in the stack: deleting or replacing it fails the run."""
    old_tasks: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    """Jobs whose tasks change: task_key -> depends_on, before and after."""
    new_tasks: dict[str, list[str]] = field(default_factory=dict[str, list[str]])
    task_status: dict[str, str] = field(default_factory=dict[str, str])
    """task_key -> added, changed or removed (unchanged tasks left out)."""
    source: str = ""
    """Where the row is written, `file:line` (rows still in the metadata; see `for_review`)."""
    attention: str = ""
    """Why deleting or replacing this row of a protected kind deserves a careful look."""
    moved_from: str = ""
    """For a move: the stack whose state holds the row now (`pulumi state move` takes it to
    `moved_to`)."""
    moved_to: str = ""


@dataclass
class PolicyResult:
    """A policy pack violation on one row, as the engine reported it (README: Policies)."""

    rule: str
    level: str
    """`mandatory` (the run is refused) or `advisory` (a warning; the run goes on)."""
    kind: str
    key: str
    message: str
    source: str = ""
    """`file:line` of the field the rule reads (else of the row), set by `for_review`."""


@dataclass
class Plan:
    stack: str
    rows: list[RowChange]
    existing: int
    """Rows of the stack before the change (its state)."""
    drift: bool = False
    """A refresh's findings (the workspace against the stack), not a preview of the program."""
    policies: list[PolicyResult] = field(default_factory=list[PolicyResult])
    """What the stack's policies found, mandatory ones first."""

    @property
    def refused(self) -> bool:
        """A mandatory policy is broken: the engine refuses to deploy this plan."""
        return any(p.level == "mandatory" for p in self.policies)

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def of(self, action: str) -> list[RowChange]:
        return [r for r in self.rows if r.action == action]

    def attention(self) -> list[RowChange]:
        """Deletes and replaces of protected rows (set by `for_review`), in plan order."""
        return [r for r in self.rows if r.attention]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "kind": "drift" if self.drift else "plan",
            "totals": {a: n for a, n in self.totals().items() if a != "move" or n},
            "rows_before": self.existing,
            "rows": [
                {
                    "kind": r.kind,
                    "key": r.key,
                    "action": r.action,
                    "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in r.fields],
                    "forced_by": r.forced_by,
                    "files": r.files,
                    "protected": r.protected,
                    "tasks": r.task_status,
                    "source": r.source or None,
                    "attention": r.attention or None,
                    **({"moved": [r.moved_from, r.moved_to]} if r.action == "move" else {}),
                }
                for r in self.rows
            ],
            "policies": [
                {
                    "rule": p.rule,
                    "level": p.level,
                    "kind": p.kind,
                    "key": p.key,
                    "message": p.message,
                    "source": p.source or None,
                }
                for p in self.policies
            ],
        }


def kind_of(urn_types: list[str]) -> Kind | None:
    for kind in KINDS.values():
        if kind.component_type in urn_types:
            return kind
    return None


def urn_parts(urn: str) -> tuple[list[str], str]:
    """(type chain, name) of a URN `urn:pulumi:stack::project::parent$type::name`."""
    parts = urn.split("::", 3)
    return parts[2].split("$"), parts[3] if len(parts) > 3 else ""


def _state(step: Mapping[str, Any], which: str) -> Mapping[str, Any]:
    value = step.get(which)
    return value if isinstance(value, Mapping) else {}


def _row_key(name: str) -> str:
    """The row of a child resource: uploads (and other children) are named `<row key>/...`."""
    return name.split("/", 1)[0]


def rest_value(spec: Mapping[str, Any] | None, value: Any) -> Any:
    """A provider value with its property names as the REST API spells them."""
    if isinstance(value, Mapping):
        if SECRET_SIG in value:
            return MASKED
        fields = (spec or {}).get("fields")
        return rest_object(fields if isinstance(fields, Mapping) else None, value)
    if isinstance(value, list):
        items = (spec or {}).get("items")
        return [rest_value(items if isinstance(items, Mapping) else None, v) for v in value]
    if value == "[secret]":
        return MASKED
    return value


def rest_object(fields: Mapping[str, Any] | None, value: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name.startswith("__"):
            continue
        spec = (fields or {}).get(name)
        rest = spec["rest"] if isinstance(spec, Mapping) and "rest" in spec else _snake(name)
        out[rest] = rest_value(spec if isinstance(spec, Mapping) else None, item)
    return out


def rest_name(resource_type: str, wire: str) -> str:
    spec = _inputs(resource_type).get(wire)
    return spec["rest"] if isinstance(spec, Mapping) and "rest" in spec else _snake(wire)


def _inputs(resource_type: str) -> Mapping[str, Any]:
    return names_inputs(resource_type)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def show(value: Any) -> str:
    """A value as one short line: JSON, unknowns and secrets in words."""
    if value is _MISSING:
        return ABSENT
    if value == UNKNOWN:
        return LATER
    if value == MASKED:
        return MASKED
    text = json.dumps(value, sort_keys=True, separators=(", ", ": "))
    text = text.replace(json.dumps(UNKNOWN), LATER)
    return text if len(text) <= 160 else text[:157] + "..."


_MISSING: Any = object()


def diff(old: Any, new: Any, path: str) -> list[FieldChange]:
    """Leaf changes between two REST values; lists of tasks compared by task_key."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out: list[FieldChange] = []
        for name in sorted(set(old) | set(new)):
            out += diff(old.get(name, _MISSING), new.get(name, _MISSING), f"{path}.{name}")
        return out
    if _keyed(old) and _keyed(new):
        before = {t["task_key"]: t for t in old}
        after = {t["task_key"]: t for t in new}
        out = []
        for key in sorted(set(before) | set(after)):
            if key not in before or key not in after:
                task = after.get(key) or before[key]
                brief = f"{'added' if key in after else 'removed'}: {_brief(task)}"
                change = (ABSENT, brief) if key in after else (brief, ABSENT)
                out.append(FieldChange(path=f"{path}[{key}]", old=change[0], new=change[1]))
                continue
            out += diff(before[key], after[key], f"{path}[{key}]")
        return out
    return [FieldChange(path=path, old=show(old), new=show(new))]


def _brief(task: Mapping[str, Any]) -> str:
    """A task in a few words: its type, and what it depends on."""
    kinds = sorted(k for k in task if k.endswith("_task"))
    deps = _depends(task)
    after = f" after {', '.join(deps)}" if deps else ""
    return f"{', '.join(kinds) or 'task'}{after}"


def _keyed(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, Mapping) and "task_key" in v for v in value)
    )


def _tasks(inputs: Mapping[str, Any]) -> dict[str, Any]:
    tasks = inputs.get("tasks")
    if tasks is None or not _keyed(tasks):
        return {}
    return {t["task_key"]: t for t in tasks}


def _depends(task: Mapping[str, Any]) -> list[str]:
    return sorted(d.get("task_key", "?") for d in task.get("depends_on") or [])


def _field_changes(
    step: Mapping[str, Any], old: dict[str, Any], new: dict[str, Any]
) -> list[FieldChange]:
    diffs = [
        rest_name(str(step.get("type")), d.split(".")[0].split("[")[0])
        for d in step.get("diffs") or []
    ]
    names = sorted(set(diffs)) if diffs else sorted(set(old) | set(new))
    out: list[FieldChange] = []
    for name in names:
        found = diff(old.get(name, _MISSING), new.get(name, _MISSING), name)
        masked = MASKED in json.dumps([old.get(name), new.get(name)])
        if not found and name in diffs and masked:  # equal once masked: a secret changed
            found = [FieldChange(path=name, old=MASKED, new=MASKED)]
        out += found
    return out


def build_plan(stack: str, steps: Iterable[Mapping[str, Any]], *, drift: bool = False) -> Plan:
    """The plan of a preview's steps (or, with drift, a refresh's finished steps)."""
    rows: dict[tuple[str, str], RowChange] = {}
    existing: set[tuple[str, str]] = set()
    for step in steps:
        types, name = urn_parts(str(step.get("urn", "")))
        kind = kind_of(types)
        op = str(step.get("op"))
        if kind is None:
            continue
        resource_type = str(step.get("type"))
        if resource_type == kind.component_type:
            continue  # nothing in the workspace (one per kind; stacks before 2026-12 had one a row)
        if resource_type == kind.resource_type and op != "create":
            existing.add((kind.name, name))
        action = _OPS.get(op)
        if action is None:
            continue
        key = name if resource_type == kind.resource_type else _row_key(name)
        row = rows.setdefault((kind.name, key), RowChange(kind=kind.name, key=key, action=""))
        if resource_type == PERMISSIONS:
            if action != "replace":  # a replaced object's permissions follow its replacement
                row.fields.append(_permissions_change(step, action))
            row.action = row.action or "update"
            continue
        if resource_type != kind.resource_type:
            row.files[name.removeprefix(f"{key}/")] = action
            row.action = row.action or "update"
            continue
        if op in ("create-replacement", "delete-replaced", "discard-replaced"):
            row.action = "replace"
            continue
        row.action = action if row.action in ("", "update") else row.action
        row.protected = bool(_state(step, "old").get("protect"))
        if action in ("update", "replace"):
            spec = _inputs(resource_type)
            old = rest_object(spec, _state(step, "old").get("inputs") or {})
            new = rest_object(spec, _state(step, "new").get("inputs") or {})
            row.fields[:0] = _field_changes(step, old, new)
            row.forced_by = sorted({rest_name(resource_type, k) for k in step.get("keys") or []})
            _task_graph(row, old, new)
    ordered = sorted(rows.values(), key=lambda r: (list(KINDS).index(r.kind), r.key))
    return Plan(
        stack=stack, rows=[r for r in ordered if r.action], existing=len(existing), drift=drift
    )


def _grants(inputs: Mapping[str, Any]) -> Any:
    """A Permissions resource's grants as the row writes them: `{level, <principal>}`."""
    grants: list[dict[str, Any]] = []
    for entry in inputs.get("accessControls") or []:
        rest = rest_object(_inputs(PERMISSIONS)["accessControls"]["items"]["fields"], entry)
        level = rest.pop("permission_level", None)
        grants.append({"level": level, **rest})
    return grants or _MISSING


def _permissions_change(step: Mapping[str, Any], action: str) -> FieldChange:
    """The row's `permissions`, before and after (a set: compared without order)."""
    old = _MISSING if action == "create" else _grants(_state(step, "old").get("inputs") or {})
    new = _MISSING if action == "delete" else _grants(_state(step, "new").get("inputs") or {})
    return FieldChange(path="permissions", old=show(old), new=show(new))


def _task_graph(row: RowChange, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    before, after = _tasks(old), _tasks(new)
    status: dict[str, str] = {}
    for key in sorted(set(before) | set(after)):
        if key not in before:
            status[key] = "added"
        elif key not in after:
            status[key] = "removed"
        elif before[key] != after[key]:
            status[key] = "changed"
    if status:
        row.old_tasks = {k: _depends(t) for k, t in before.items()}
        row.new_tasks = {k: _depends(t) for k, t in after.items()}
        row.task_status = status


def with_policies(plan: Plan, violations: Iterable[Any]) -> Plan:
    """The plan with the policy pack's violations (cli/engine.py's PolicyViolation records), by
    row, mandatory ones first."""
    found: list[PolicyResult] = []
    for v in violations:
        types, name = urn_parts(v.urn) if v.urn else ([], "")
        kind = next((k for k in KINDS.values() if k.resource_type in types), None)
        key = _row_key(name)
        # The engine sends the rule's description, a newline, then the pack's message, which
        # starts `<kind>.<key>.<field>: `: the rule and the row are said apart.
        lines = v.message.strip().splitlines()
        message = lines[-1] if lines else ""
        message = re.sub(r"^[\w-]+\.[\w-]+(\.[\w\[\].-]+)?: ", "", message)
        found.append(PolicyResult(v.rule, v.level, kind.name if kind else "", key, message.strip()))
    order = {"mandatory": 0, "advisory": 1}
    plan.policies = sorted(found, key=lambda p: (order.get(p.level, 2), p.kind, p.key, p.rule))
    return plan


def for_review(plan: Plan, settings: StackSettings, rows: Rows | None) -> Plan:
    """The plan with what a reviewer needs besides the engine's steps: each row's `file:line`
    (from the rows as loaded for the stack; None when they could not be loaded) and, for a
    delete or replace of a protected row, why it deserves a careful look.

    A row is protected when the stack protects its kind (lakeform:settings.protect and the
    kind's `protected`, as stacks/guard.py) or the engine's state marks the resource protected."""
    for row in plan.rows:
        pos = None if rows is None else rows.where(row.kind, row.key)
        if pos is not None and row.action != "delete":
            row.source = pos.file if pos.line == 0 else f"{pos.file}:{pos.line}"
        kind = KINDS[row.kind]
        protects = settings.protect and kind.protected is not None
        if row.action not in ("delete", "replace") or not (protects or row.protected):
            continue
        why = [_replace_reason(row, kind) if row.action == "replace" else "its row is removed"]
        if kind.protected:
            why.append(kind.protected)
        if settings.released(row.kind, row.key):
            why.append(f"released on purpose (lakeform:settings.release: {row.kind}.{row.key})")
        elif row.protected:
            why.append("protected in the stack: the run is refused until it is released")
        row.attention = "; ".join(why)
    if rows is not None and plan.policies:
        where = policy_sources(rows, settings, plan.stack)
        for result in plan.policies:
            pos = where.get((result.rule, result.kind, result.key)) or rows.where(
                result.kind, result.key
            )
            if pos is not None:
                result.source = f"{pos.file}:{pos.line}"
    return plan


def policy_sources(
    rows: Rows, settings: StackSettings, stack: str
) -> dict[tuple[str, str, str], Pos]:
    """(rule, kind, key) -> where the field the rule reads is written: the same rules on the
    stack's final rows, as `lakeform validate --stack` runs them."""
    report = policy_report(rows, settings, stack)
    return {(r.rule, r.kind, r.key): r.problem.pos for r in report.results if r.problem.pos}


def _replace_reason(row: RowChange, kind: Kind) -> str:
    """What replaces the resource: the fields forcing it (the kind's `replaced_by`, or the
    provider's), else a bumped `reset`."""
    fields = [f for f in row.forced_by if not f.startswith("_")]  # `__...`: engine triggers
    if fields:
        return f"replaced because {', '.join(fields)} changed"
    if kind.reset is not None:
        return "replaced because reset changed"
    return "replaced"
