"""Wire final rows to components, in reference order, and export one output per kind."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pulumi
from pydantic import BaseModel

from components._convert import UnmappedFieldError
from components.files import RowFiles, upload_base
from components.group import RowGroup
from components.registry import COMPONENTS
from components.wiring import Component, Derived, Wiring
from metadata import KINDS, Rows, apply_stack_defaults
from metadata.kinds import Kind
from metadata.settings import StackSettings
from metadata.shards import (
    Layout,
    ShardError,
    ShardPart,
    layout,
    protected_view,
    record_reads,
    split_stack,
)
from stacks.config import LakeformError
from stacks.guard import guard_protected_rows
from stacks.repo import RepoFiles as RepoFiles
from stacks.repo import RepoGlobs as RepoGlobs

Built = dict[str, dict[str, Component]]
"""The components of one stack: kind -> row key -> component."""


class References(Mapping[str, pulumi.Input[Any]]):
    """Row key -> what a row naming it is given, for the rows of one kind built so far.

    A live view, not a copy (each of 1,000 jobs would copy the jobs built before it), read
    while a row is built, when exactly the rows it may name (those before it in `row_order`)
    exist. Lazy: a component's reference (for a job, an Output of its id as a number) is made
    only when a row names it, since every Output costs the Python SDK work until the program
    ends."""

    def __init__(
        self, built: Mapping[str, Component], foreign: Mapping[str, pulumi.Input[Any]] | None = None
    ) -> None:
        self._built = built
        self._foreign = foreign or {}

    def __getitem__(self, key: str) -> pulumi.Input[Any]:
        if key in self._built:
            return self._built[key].reference
        return self._foreign[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._built
        yield from (k for k in self._foreign if k not in self._built)

    def __len__(self) -> int:
        return len(set(self._built) | set(self._foreign))


class ShardOutputs:
    """Rows of other shards, read from their stacks' outputs: one StackReference per stack."""

    def __init__(self, env: str) -> None:
        self._env = env
        self._stacks: dict[str, pulumi.StackReference] = {}

    def reference(self, stack: str, kind: str, key: str) -> pulumi.Output[Any]:
        if stack not in self._stacks:
            name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack}"
            self._stacks[stack] = pulumi.StackReference(f"lakeform-shard-{stack}", stack_name=name)
        env = self._env

        def pick(rows: Any) -> Any:
            by_key: Mapping[str, Any] = (
                cast("Mapping[str, Any]", rows) if isinstance(rows, Mapping) else {}
            )
            row: Any = by_key.get(key)
            if isinstance(row, Mapping) and cast("Mapping[str, Any]", row).get("id") is not None:
                # What the row naming it is given (`Kind.foreign`: a job's id as a number).
                foreign = KINDS[kind].foreign
                assert foreign is not None, kind
                return foreign(cast("Mapping[str, Any]", row))
            if pulumi.runtime.is_dry_run():
                return _unknown()  # known once that shard is deployed (it deploys first)
            raise LakeformError(
                f"{kind}.{key}: deployed by stack {stack}, which has not deployed it yet; "
                f"deploy {stack} first (lakeform up --stack {env} deploys the shards in "
                "reference order)"
            )

        return self._stacks[stack].get_output(kind).apply(pick)


async def _value(value: Any) -> Any:
    return value


def _unknown() -> pulumi.Output[Any]:
    """A value known only after the deploy, as a preview shows an id not created yet."""
    return pulumi.Output(set(), _value(None), _value(False))


def _moved_alias(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    """A row's resources, under their kind's group, also answer to the URN they have at the
    stack's root: where `pulumi state move` puts a resource whose parent stays behind (its
    group belongs to the shard it came from). The next deploy puts it back under the group, the
    same resource (no replace)."""
    if not isinstance(args.opts.parent, RowGroup):
        return None
    root = pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
    return pulumi.ResourceTransformationResult(
        args.props, pulumi.ResourceOptions.merge(args.opts, root)
    )


def kind_order() -> list[Kind]:
    """Every kind after the kinds its rows name (pipelines before the jobs that run them)."""
    order: list[Kind] = []

    def visit(kind: Kind) -> None:
        if kind in order:
            return
        for other in kind.refers_to:
            if other != kind.name:
                visit(KINDS[other])
        order.append(kind)

    for kind in KINDS.values():
        visit(kind)
    return order


def row_order(kind: Kind, rows: Mapping[str, BaseModel]) -> list[str]:
    """Row keys, sorted, with every row of the same kind a row names before it."""
    order: list[str] = []
    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done or key not in rows:
            return
        if key in path:  # metadata rejects cycles; never loop if one slipped through
            raise LakeformError(f"{kind.name}.{key}: reference cycle: {' -> '.join((*path, key))}")
        refs = {r.key for r in kind.references(rows[key]) if r.kind == kind.name}
        for ref in sorted(refs):
            visit(ref, (*path, key))
        done.add(key)
        order.append(key)

    for key in sorted(rows):
        visit(key, ())
    return order


def check_not_empty(settings: StackSettings, total: int, stack: str) -> None:
    """Refuse a run that loads zero rows: it would delete every resource of the stack."""
    if total == 0 and not settings.allow_empty:
        raise LakeformError(f"stack {stack}: {settings.empty_refusal()}")


def check_release(settings: StackSettings, present: Mapping[str, Collection[str]]) -> None:
    """Warn about release entries, so a lifted protection is never forgotten (`present`: kind
    -> keys of the environment's rows)."""
    for entry in settings.release:
        kind, key = entry.split(".", 1)
        if key in present.get(kind, ()):
            pulumi.log.warn(
                f"lakeform:settings.release: {entry} is released (not protected): once this run "
                "is deployed its row can be removed, or a monitor reset; then take it out of "
                "release."
            )
        else:
            pulumi.log.warn(
                f"lakeform:settings.release: {entry} matches no row (already removed?); "
                "take it out of release."
            )


WiringFor = Callable[[str, str, Mapping[str, Mapping[str, pulumi.Input[Any]]]], Wiring]
"""(kind, row key, references) -> the row's wiring."""


def preflight(
    rows: Rows, wiring: WiringFor, foreign: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """Map every row to provider inputs before any resource exists; one clean error lists every
    row the provider cannot take (a field metadata accepts that the provider has no input for)."""
    problems: list[str] = []
    placeholders = {
        kind: {key: "0" for key in [*rows.of(kind), *(foreign or {}).get(kind, {})]}
        for kind in KINDS
    }
    for kind in KINDS:
        for key, row in sorted(rows.of(kind).items()):
            try:
                COMPONENTS[kind].inputs(key, row, wiring(kind, key, placeholders))
            except (UnmappedFieldError, LookupError) as err:
                problems.append(f"{kind}.{key}: {_reason(err)}")
    if problems:
        raise LakeformError("rows the Databricks provider cannot take:\n" + "\n".join(problems))


def _reason(err: Exception) -> str:
    if isinstance(err, UnmappedFieldError):
        return f"not supported by the Databricks provider: {err}"
    if isinstance(err, KeyError):
        return f"file not found in the repository: {err.args[0]}"
    return str(err)


def build(
    settings: StackSettings,
    rows: Rows,
    *,
    stack: str,
    root: Path,
    host: str | None = None,
    sources: Mapping[str, bytes] | None = None,
    glob_matches: Mapping[str, Sequence[str]] | None = None,
    part: ShardPart | None = None,
) -> Built:
    """Create the components for `rows` in this stack and export one output per kind (`jobs`,
    `pipelines`, `quality_monitors`) keyed by row key. Rows not yet final for the stack are made
    so by metadata (`apply_stack_defaults`); components only ever see final rows.

    A shard's stack (`prod.finance`, lakeform:settings.shards) builds only the rows of its
    shard, with the environment's defaults (rows, names, tags and uploads do not depend on the
    shard, so a row moved between shards is the same resource), and takes the rows of other
    shards that its rows name from those shards' outputs. Given its `part` of the environment
    (`load_stack_rows`), `rows` are the shard's own; else the environment's, split here."""
    pulumi_stack = stack
    stack, shard = split_stack(stack)
    rows = apply_stack_defaults(rows, settings, stack)
    if shard is not None and part is None:
        lay = _layout(rows, settings, stack)
        part = lay.part(rows, shard)
        rows = lay.rows(rows, shard)
    check_not_empty(settings, part.total if part else rows.total, stack)
    if settings.protect:
        # Against the whole environment: a row moved to another shard is not removed.
        check_release(settings, part.present if part else _keys(rows))
        view = part.protected if part else protected_view(rows)
        guard_protected_rows(settings, view, pulumi_stack)
    foreign: dict[str, dict[str, str]] = {}
    if part is not None:
        foreign = part.foreign
        pulumi.runtime.register_stack_transformation(_moved_alias)
    contents = sources if sources is not None else RepoFiles(root)
    globs = glob_matches if glob_matches is not None else RepoGlobs(root)

    groups: dict[str, RowGroup] = {}

    def wiring(
        kind: str, key: str, references: Mapping[str, Mapping[str, pulumi.Input[Any]]]
    ) -> Wiring:
        folder = upload_base(settings.workspace_root, stack, kind, key)
        protect = settings.protect and KINDS[kind].protected is not None
        return Wiring(
            files=RowFiles(folder=folder, contents=contents, globs=globs),
            # The rows built so far, of the kinds this kind names.
            references={k: references[k] for k in KINDS[kind].refers_to},
            protect=protect and not settings.released(kind, key),
            parent=groups.get(kind),
        )

    preflight(rows, wiring, foreign)
    built: Built = {kind: {} for kind in KINDS}
    outputs = ShardOutputs(stack)
    references = {
        kind: References(
            built[kind],
            {
                key: outputs.reference(there, kind, key)
                for key, there in foreign.get(kind, {}).items()
            },
        )
        for kind in KINDS
    }
    for kind in kind_order():
        of_kind = rows.of(kind.name)
        if of_kind:  # a kind without rows gets no component
            groups[kind.name] = RowGroup(kind)
        for key in row_order(kind, of_kind):
            component = COMPONENTS[kind.name].create(
                key, of_kind[key], wiring(kind.name, key, references)
            )
            built[kind.name][key] = component
    export(built, host)
    if shard is not None and sources is None and glob_matches is None:
        # what `lakeform plan --no-refresh` checks before trusting this shard's last result
        record_reads(root, pulumi_stack, contents, globs)
    return built


def _keys(rows: Rows) -> dict[str, list[str]]:
    return {kind: list(rows.of(kind)) for kind in KINDS}


def _layout(rows: Rows, settings: StackSettings, env: str) -> Layout:
    try:
        lay = layout(rows, settings, env)
    except ShardError as err:
        raise LakeformError(f"invalid shards:\n{err}") from None
    if lay is None:
        raise LakeformError(
            f"stack {env}.<shard>: Pulumi.{env}.yaml has no lakeform:settings.shards"
        )
    return lay


def export(built: Built, host: str | None) -> None:
    """One structured stack output per kind, keyed by row key."""
    for kind, components in built.items():
        outputs: dict[str, dict[str, Any]] = {
            key: component.stack_output(host) for key, component in sorted(components.items())
        }
        pulumi.export(kind, _as_one_output(outputs))


def _as_one_output(rows: dict[str, dict[str, Any]]) -> pulumi.Output[dict[str, dict[str, Any]]]:
    """Row key -> fields, as one Output, with `Derived` fields computed from the resolved ones.

    Exported as nested dicts, every field and dict is an Output of its own, and the Python SDK
    waits on all outstanding Outputs at the end of the program in a loop whose cost grows with
    their square (at 1,000 jobs: seconds). The value is the same; a preview with an unknown id
    shows the whole kind as unknown."""
    leaves: list[tuple[str, str, pulumi.Output[Any]]] = [
        (key, name, cast("pulumi.Output[Any]", value))
        for key, fields in rows.items()
        for name, value in fields.items()
        if isinstance(value, pulumi.Output)
    ]

    def rebuild(resolved: list[Any]) -> dict[str, dict[str, Any]]:
        out = {key: dict(fields) for key, fields in rows.items()}
        for (key, name, _), value in zip(leaves, resolved, strict=True):
            out[key][name] = value
        for fields in out.values():
            for name, value in fields.items():
                if isinstance(value, Derived):
                    fields[name] = value.compute(fields)
        return out

    values: list[pulumi.Output[Any]] = [value for _, _, value in leaves]
    return pulumi.Output.all(*values).apply(rebuild)
