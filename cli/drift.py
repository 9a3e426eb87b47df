"""Each deployed job and pipeline compared with its row, read through databricks-sdk (jobs/get,
pipelines/get) and not through the provider: its Read keeps the state's value of a block the
workspace answers empty, so a schedule, tags or notifications removed in the UI never show in a
refresh (terraform-provider-databricks #5624). Used by `lakeform drift` (reported), `plan` (shown
as updates) and `up` (the state is told what the workspace holds, so the deploy puts it back).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi.automation import Deployment

from cli import table as control_table
from cli.engine import Engine, EngineError
from cli.plan import ABSENT, FieldChange, Plan, RowChange, show
from cli.pulumienv import api_client
from components.names import from_rest
from components.names import inputs as names_inputs
from metadata import KINDS, MetadataError, apply_stack_defaults
from metadata.kinds import JOBS, PIPELINES
from metadata.settings import load_stack_settings
from metadata.shards import ShardError, layout, split_stack

DRIFTED: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.drift is not None)
"""Kinds `lakeform drift` compares (their plug-in's `Kind.drift`: which answer field holds the
row's fields, which fields the workspace never answers or compares without case)."""
MISSING: Any = object()
"""A field the workspace (or the row, for an extra task) does not hold."""


@dataclass
class Drifted:
    """One deployed job or pipeline that no longer holds what its row sets."""

    kind: str
    key: str
    id: str
    gone: bool = False
    """Deleted in the workspace."""
    changes: list[tuple[str, Any, Any]] = field(default_factory=list[tuple[str, Any, Any]])
    """(REST path, the row's value, the workspace's value), MISSING where one has none."""
    held: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """The workspace's settings (jobs) or spec (pipelines), REST names."""

    @property
    def fields(self) -> list[str]:
        """The top-level REST fields that drifted."""
        return sorted({_top(path) for path, _, _ in self.changes})


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


# -- what the rows expect -------------------------------------------------------------------
Expected = dict[tuple[str, str], tuple[str, dict[str, Any]]]
"""(kind, row key) -> (deployed id, the API-shaped settings the program sends for the row)."""


def expected(project: Path, stack: str, outputs: Mapping[str, Any]) -> Expected:
    """Every job and pipeline row that has a deployed id (the stack outputs), with its settings
    from the conversion the program uses (components.jobs.job_spec, pipeline_spec), references
    resolved to the deployed ids. A row not deployed yet, or naming one that is not, is left out:
    the plan creates or updates it anyway."""
    # The program's own conversion, from its modules that do not import pulumi_databricks (two
    # seconds of CPU): the comparison needs the settings, not the provider's types.
    from components.jobs_spec import JobArgs, UnknownRowReference, job_spec
    from components.pipelines_spec import PipelineArgs, pipeline_spec
    from components.uploads import RowFiles, upload_base
    from stacks.repo import RepoFiles, RepoGlobs

    stack, shard = split_stack(stack)  # a shard (prod.finance): its rows of prod's
    settings = load_stack_settings(project, stack)
    try:
        rows = control_table.stack_rows(project, stack, settings)
    except MetadataError as err:
        raise EngineError(f"invalid metadata:\n{err}") from None
    rows = apply_stack_defaults(rows, settings, stack)
    if shard is not None:
        try:
            lay = layout(rows, settings, stack)
        except ShardError as err:
            raise EngineError(f"invalid shards:\n{err}") from None
        rows = rows if lay is None else lay.rows(rows, shard)
    ids = {kind: _ids(outputs.get(kind)) for kind in DRIFTED}
    contents, globs = RepoFiles(project), RepoGlobs(project)

    def files(kind: str, key: str) -> RowFiles:
        folder = upload_base(settings.workspace_root, stack, kind, key)
        return RowFiles(folder=folder, contents=contents, globs=globs)

    found: Expected = {}
    for key, row in sorted(rows.jobs.items()):
        if key not in ids[JOBS.name]:
            continue
        args = JobArgs(
            key=key,
            row=row,
            files=files(JOBS.name, key),
            pipeline_ids=ids[PIPELINES.name],
            job_ids={k: int(v) for k, v in ids[JOBS.name].items() if v.isdigit()},
        )
        try:
            spec, _ = job_spec(args)
        except UnknownRowReference:
            continue
        found[(JOBS.name, key)] = (ids[JOBS.name][key], spec)
    for key, row in sorted(rows.pipelines.items()):
        if key in ids[PIPELINES.name]:
            spec, _ = pipeline_spec(
                PipelineArgs(key=key, row=row, files=files(PIPELINES.name, key))
            )
            found[(PIPELINES.name, key)] = (ids[PIPELINES.name][key], spec)
    return found


def _ids(output: Any) -> dict[str, str]:
    if not isinstance(output, Mapping):
        return {}
    return {
        str(key): str(value["id"])
        for key, value in output.items()  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, Mapping) and value.get("id")
    }


# -- the comparison ---------------------------------------------------------------------------
def _rest_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {node["rest"]: node for node in fields.values()}


def _inputs(kind: str) -> Mapping[str, Any]:
    token = KINDS[kind].resource_type
    return names_inputs(token)


def compare(
    kind: str, want: Mapping[str, Any], held: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """(path, row value, workspace value) for every field the row sets that the workspace does
    not hold. Blocks are compared on the fields the row sets (the service fills others, such as
    a schedule's pause_status); maps (tags, configuration) whole; tasks by task_key; other lists
    by position."""
    drift = KINDS[kind].drift
    assert drift is not None, kind
    walk = _Walk(drift.never_answered, drift.caseless)
    walk.object(_rest_fields(_inputs(kind)), want, held, "", "")
    return walk.out


@dataclass
class _Walk:
    skip: frozenset[str]
    caseless: frozenset[str]
    out: list[tuple[str, Any, Any]] = field(default_factory=list[tuple[str, Any, Any]])

    def object(
        self,
        fields: Mapping[str, Any] | None,
        want: Mapping[str, Any],
        held: Mapping[str, Any],
        path: str,
        plain: str,
    ) -> None:
        """`plain` is `path` without list indexes (what `Drift.never_answered` and `caseless`
        name)."""
        for name, value in sorted(want.items()):
            bare = f"{plain}.{name}" if plain else name
            if bare not in self.skip:
                here = f"{path}.{name}" if path else name
                self.value((fields or {}).get(name), value, held.get(name, MISSING), here, bare)

    def value(
        self, node: Mapping[str, Any] | None, want: Any, held: Any, path: str, plain: str
    ) -> None:
        kind = node.get("type") if node else None
        if isinstance(want, Mapping) and kind != "map" and isinstance(held, Mapping):
            sub = node.get("fields") if node else None
            fields = _rest_fields(sub) if isinstance(sub, Mapping) else None  # pyright: ignore[reportUnknownArgumentType]
            self.object(fields, want, held, path, plain)  # pyright: ignore[reportUnknownArgumentType]
            return
        if isinstance(want, list) and isinstance(held, list):
            items = node.get("items") if node else None
            if _keyed(want) and _keyed(held):  # pyright: ignore[reportUnknownArgumentType]
                self.tasks(items, want, held, path, plain)  # pyright: ignore[reportUnknownArgumentType]
                return
            if len(want) == len(held):  # pyright: ignore[reportUnknownArgumentType]
                for i, (w, h) in enumerate(zip(want, held, strict=True)):  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
                    self.value(items, w, h, f"{path}[{i}]", plain)  # pyright: ignore[reportUnknownArgumentType]
                return
        if not _same(want, held, plain in self.caseless):
            self.out.append((path, want, held))

    def tasks(
        self,
        node: Mapping[str, Any] | None,
        want: list[Any],
        held: list[Any],
        path: str,
        plain: str,
    ) -> None:
        have = {t["task_key"]: t for t in held}
        for task in want:
            key = task["task_key"]
            self.value(node, task, have.get(key, MISSING), f"{path}[{key}]", plain)
        for key in sorted(set(have) - {t["task_key"] for t in want}):
            self.out.append((f"{path}[{key}]", MISSING, have[key]))


def _keyed(value: list[Any]) -> bool:
    return bool(value) and all(isinstance(v, Mapping) and "task_key" in v for v in value)


def _same(want: Any, held: Any, caseless: bool) -> bool:
    if caseless and isinstance(want, str) and isinstance(held, str):
        return want.lower() == held.lower()
    if isinstance(want, bool) or isinstance(held, bool):
        return want is held
    return want == held


# -- the workspace ----------------------------------------------------------------------------
READERS = 8
"""jobs/get and pipelines/get calls at once while comparing rows with the workspace."""

Get = Callable[[str, str], Mapping[str, Any] | None]
"""(kind, id) -> the object's settings (jobs) or spec (pipelines), or None when it is gone."""


def sdk_reader(engine: Engine) -> Get:
    """GET each drifted kind's resource (`Kind.rest`) through databricks-sdk, on the stack's
    workspace as its provider reaches it (cli.pulumienv.api_client: databricks-sdk's client
    core, not its service modules)."""
    from cli.adopt import get_one

    config = {name: value.value for name, value in engine.stack().get_all_config().items()}
    api = api_client(engine.stack_name, lambda key: config.get(key) or None)
    if api is None:
        raise EngineError(f"no workspace host: set databricks:host for stack {engine.stack_name}")
    from databricks.sdk.errors import NotFound  # after api_client: its package __init__ deferred

    def get(kind: str, id_: str) -> Mapping[str, Any] | None:
        try:
            drift = KINDS[kind].drift
            assert drift is not None, kind
            # Every page of a job's tasks and clusters read (get_one), as the provider does.
            return dict(get_one(api.do, kind, id_).get(drift.body) or {})
        except NotFound:
            return None

    return get


JobCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], list[tuple[str, Any, Any]]]
"""(the row's job settings, the job's) -> more (path, row value, workspace value) findings."""


def find(rows: Expected, get: Get, *, jobs_also: JobCheck | None = None) -> list[Drifted]:
    """The rows whose job or pipeline no longer holds what the row sets (or is gone), with
    what `jobs_also` finds for each job (`lakeform drift`: cli.emails.in_workspace, the email
    lists a row leaves empty that the job holds, which `compare` cannot see)."""
    found: list[Drifted] = []
    ordered = sorted(rows.items())
    # One GET per row: a few at once, since each waits on the workspace (a round trip to a real
    # one; 11,000 of them one after another are minutes). The SDK retries a 429 with backoff.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        answers = pool.map(lambda item: get(item[0][0], item[1][0]), ordered)
        held_by = list(answers)
    for ((kind, key), (id_, spec)), held in zip(ordered, held_by, strict=True):
        if held is None:
            found.append(Drifted(kind=kind, key=key, id=id_, gone=True))
            continue
        changes = compare(kind, spec, held)
        drift = KINDS[kind].drift
        if jobs_also is not None and drift is not None and drift.kept_email_lists:
            changes += jobs_also(spec, held)
        if changes:
            found.append(Drifted(kind=kind, key=key, id=id_, changes=changes, held=held))
    return found


def check(
    engine: Engine, outputs: Mapping[str, Any] | None = None, *, jobs_also: JobCheck | None = None
) -> list[Drifted]:
    """Every deployed job and pipeline of the engine's stack compared with its row (`jobs_also`:
    see `find`)."""
    rows = expected(engine.project, engine.stack_name, outputs or engine.outputs())
    if not rows:
        return []
    engine.progress.say(f"==> comparing {len(rows)} jobs and pipelines with their rows")
    return find(rows, sdk_reader(engine), jobs_also=jobs_also)


# -- reporting --------------------------------------------------------------------------------
def _show(value: Any) -> str:
    return ABSENT if value is MISSING else show(value)


def as_rows(found: Iterable[Drifted], *, drift: bool) -> list[RowChange]:
    """Findings as plan rows: for drift, `row value -> workspace value` (what the stack has, what
    the workspace holds); for a plan, `workspace value -> row value` (what the deploy does)."""
    rows: list[RowChange] = []
    for d in found:
        if d.gone:
            rows.append(RowChange(kind=d.kind, key=d.key, action="delete" if drift else "create"))
            continue
        changes = [
            FieldChange(path=p, old=_show(w), new=_show(h))
            if drift
            else FieldChange(path=p, old=_show(h), new=_show(w))
            for p, w, h in d.changes
        ]
        rows.append(RowChange(kind=d.kind, key=d.key, action="update", fields=changes))
    return rows


def merge(plan: Plan, found: Iterable[Drifted]) -> Plan:
    """The plan with the findings added: a row already in it gets the fields it lacks."""
    rows = {(r.kind, r.key): r for r in plan.rows}
    for extra in as_rows(found, drift=plan.drift):
        row = rows.get((extra.kind, extra.key))
        if row is None:
            rows[(extra.kind, extra.key)] = extra
        elif row.action == "update":
            known = {f.path for f in row.fields}
            row.fields += [f for f in extra.fields if f.path not in known]
    order = list(KINDS)
    ordered = sorted(rows.values(), key=lambda r: (order.index(r.kind), r.key))
    return Plan(
        stack=plan.stack,
        rows=ordered,
        existing=plan.existing,
        drift=plan.drift,
        policies=plan.policies,
    )


# -- repair -----------------------------------------------------------------------------------
def tell_state(deployment: dict[str, Any], found: Iterable[Drifted]) -> int:
    """Write into an exported deployment what the workspace holds for each drifted field (a
    field it no longer holds is removed), as a refresh that saw it would have. The next deploy's
    diff then shows the row's values as changes and updates the job or pipeline in place (same
    id, history kept). Returns the resources edited."""
    edited = 0
    by_urn = {(d.kind, d.key): d for d in found if not d.gone}
    types = {KINDS[kind].resource_type: kind for kind in DRIFTED}
    for resource in deployment.get("resources") or []:
        kind = types.get(str(resource.get("type")))
        drifted = by_urn.get((kind or "", str(resource.get("urn", "")).rsplit("::", 1)[-1]))
        if kind is None or drifted is None or resource.get("id") != drifted.id:
            continue
        wires = {node["rest"]: wire for wire, node in _inputs(kind).items()}
        for rest in drifted.fields:
            wire = wires.get(rest)
            if wire is None:
                continue
            held = (
                from_rest(_inputs(kind), {rest: drifted.held[rest]}) if rest in drifted.held else {}
            )
            for part in ("outputs", "inputs"):
                values: dict[str, Any] = resource.setdefault(part, {})
                if wire in held:
                    values[wire] = held[wire]
                else:
                    values.pop(wire, None)
        edited += 1
    return edited


def repair(engine: Engine, found: list[Drifted]) -> Deployment:
    """Tell the stack's state what the workspace holds for the drifted fields; returns the
    deployment as it was, for `restore` when nothing is deployed after all."""
    stack = engine.stack()
    before = engine.deployment()
    deployment: dict[str, Any] = copy.deepcopy(dict(before.deployment or {}))
    count = tell_state(deployment, found)
    if count:
        stack.import_stack(Deployment(version=before.version, deployment=deployment))
        engine.progress.say(f"==> {count} drifted jobs and pipelines will be put back")
    return before


def restore(engine: Engine, before: Deployment) -> None:
    engine.stack().import_stack(before)
