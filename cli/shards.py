"""An environment split into shards (lakeform:settings.shards): `lakeform plan/up/drift/outputs
--stack prod` run every shard's stack (`prod.finance`, ...), `-j N` at once, each in its own
engine process, as one environment: one plan, one mass-delete guard, outputs merged by row key.
Rows that changed shard move between the stacks' states (`pulumi state move`), never recreated.
`lakeform shards --stack prod` lists the shards and writes their stack files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cli.engine import Engine, EngineError, outputs_of
from cli.files import write_atomic
from cli.plan import Plan, RowChange, for_review, kind_of, urn_parts
from cli.pulumienv import file_backend
from metadata import KINDS, MetadataError, Rows, apply_stack_defaults, load_rows
from metadata.settings import SettingsError, StackSettings, load_stack_settings
from metadata.shards import (
    INDEX,
    Layout,
    ShardError,
    inputs_digest,
    layout,
    same_config,
    shard_config,
)

T = TypeVar("T")

SETUP_WORKERS = 4
"""`pulumi stack select` and `stack export` of the shards' stacks at once (short CLI processes;
one after another they cost seconds per shard before any preview starts)."""

Row = tuple[str, str]
"""(kind, key)."""


@dataclass
class Environment:
    """A sharded stack: its settings, rows (final for it) and which shard deploys each."""

    root: Path
    name: str
    settings: StackSettings
    rows: Rows
    layout: Layout
    digest: str | None = None
    """What the rows were read from (metadata/shards.py `inputs_digest`); None: not digested."""
    tables: str | None = None
    """The control tables as read for the rows (metadata/load.py `table_rows`); None: none."""

    def stacks(self) -> list[str]:
        return self.layout.stacks()

    def needs(self, stack: str) -> list[str]:
        shard = stack.split(".", 1)[1]
        return [self.layout.stack(s) for s in sorted(self.layout.needs.get(shard, {}))]


def environment(root: Path, stack: str) -> Environment | None:
    """The environment of `stack` when its settings shard it, else None (an ordinary stack, or a
    shard's own stack run by itself)."""
    if "." in stack:
        return None
    settings = load_stack_settings(root, stack)
    if settings.shards is None:
        return None
    digest = inputs_digest(root, settings, stack)  # before reading: an edit meanwhile is missed
    try:
        rows = load_rows(
            [root / p for p in settings.metadata_paths], root=root, stack=stack, settings=settings
        )
    except MetadataError as err:
        raise EngineError(f"invalid metadata:\n{err}") from None
    tables = rows.table_digest
    rows = apply_stack_defaults(rows, settings, stack)
    try:
        lay = layout(rows, settings, stack)
    except ShardError as err:
        raise EngineError(f"invalid shards:\n{err}") from None
    assert lay is not None
    return Environment(
        root=root,
        name=stack,
        settings=settings,
        rows=rows,
        layout=lay,
        digest=digest,
        tables=tables,
    )


def shard_files(env: Environment) -> dict[Path, str]:
    """Each shard's `Pulumi.<stack>.<shard>.yaml` that is missing or out of date, with its text,
    and the index of the shards' rows their programs read (metadata/shards.py `INDEX`)."""
    env_text = (env.root / f"Pulumi.{env.name}.yaml").read_text(encoding="utf-8")
    out: dict[Path, str] = {}
    if env.digest is not None:
        index = env.root / INDEX.format(env=env.name)
        text = env.layout.index(env.rows, env.digest, env.tables)
        if not index.is_file() or index.read_text(encoding="utf-8") != text:
            out[index] = text
    for shard in env.layout.shards:
        path = env.root / f"Pulumi.{env.layout.stack(shard)}.yaml"
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        text = shard_config(env.name, env_text, shard, old)
        if old is None or not same_config(text, old):
            out[path] = text
    return out


def write_shard_files(env: Environment) -> None:
    files = shard_files(env)
    if files:
        write_atomic(files)
        for path in files:
            if path.suffix == ".yaml":  # the index is the CLI's own business
                print(f"wrote {path.name}", file=sys.stderr)


# --- what each stack's state holds, and what moves ---------------------------------------------


def held(resources: Sequence[Mapping[str, Any]]) -> dict[Row, list[str]]:
    """(kind, key) -> the URNs of the row's resources in one stack's state (its export).

    A row's resources are children of its kind's group; one that `pulumi state move` brought in
    sits at the stack's root until the next deploy: known by its resource type (the row's own
    resource) or its name (`<key>/...`, the row's uploads and grants)."""
    rows: dict[Row, list[str]] = {}
    loose: list[tuple[str, str]] = []
    by_type = {k.resource_type: k for k in KINDS.values()}
    for res in resources:
        urn = str(res.get("urn", ""))
        if "::" not in urn:
            continue
        types, name = urn_parts(urn)
        kind = kind_of(types)
        if kind is not None:
            if types[-1] != kind.component_type:
                rows.setdefault((kind.name, name.split("/", 1)[0]), []).append(urn)
            continue
        if len(types) == 1 and types[0] in by_type:
            rows.setdefault((by_type[types[0]].name, name), []).append(urn)
        elif len(types) == 1 and not types[0].startswith("pulumi:"):
            loose.append((name.split("/", 1)[0], urn))
    for key, urn in loose:
        owners = [row for row in rows if row[1] == key]
        if len(owners) == 1:
            rows[owners[0]].append(urn)
    return rows


@dataclass
class Move:
    kind: str
    key: str
    source: str
    dest: str
    urns: list[str] = field(default_factory=list[str])


def planned_moves(env: Environment, states: Mapping[str, dict[Row, list[str]]]) -> list[Move]:
    """Rows whose resources are in another stack's state than their shard's (a row moved to
    another folder or tag, a changed shard count, or the environment's stack from before it was
    sharded). A row gone from the metadata stays: its stack deletes it."""
    moves: list[Move] = []
    for source, rows in sorted(states.items()):
        for (kind, key), urns in sorted(rows.items()):
            shard = env.layout.of.get((kind, key))
            if shard is None:
                continue
            dest = env.layout.stack(shard)
            if dest != source:
                moves.append(Move(kind=kind, key=key, source=source, dest=dest, urns=urns))
    return moves


@dataclass(frozen=True)
class Exported:
    """What one export of a stack gave (cli/engine.py `Engine.deployment`, secrets encrypted):
    the rows its state holds, a digest of its whole deployment (any update, state edit or
    import changes it: cli/unchanged.py) and its outputs (cli/engine.py `outputs_of`; None: a
    secret, left to `pulumi stack output --show-secrets`)."""

    rows: dict[Row, list[str]]
    digest: str
    outputs: dict[str, Any] | None


def export(engine: Engine) -> Exported:
    deployment = dict(engine.deployment().deployment or {})
    digest = hashlib.sha256(json.dumps(deployment, sort_keys=True).encode()).hexdigest()
    rows = held(list(deployment.get("resources") or []))
    return Exported(rows=rows, digest=digest, outputs=outputs_of(deployment))


def exports(engines: Mapping[str, Engine]) -> dict[str, Exported]:
    """Stack -> what its export gave (`Exported`), for each of `engines`."""
    # Each export is a `pulumi` process (but a file backend's, read from its file): side by side,
    # as the shards' stacks are independent.
    with ThreadPoolExecutor(max_workers=SETUP_WORKERS) as pool:
        return dict(zip(engines, pool.map(export, engines.values()), strict=True))


def states(
    env: Environment,
    engines: Mapping[str, Engine],
    seen: dict[str, Exported] | None = None,
) -> dict[str, dict[Row, list[str]]]:
    """What each shard's stack holds, and the environment's own stack when it still exists;
    with `seen`, what each shard's export gave is added to it (for a command that needs its
    digest or outputs too: no second export)."""
    found = exports(engines)
    out = {stack: e.rows for stack, e in found.items()}
    if seen is not None:
        seen.update(found)
    first = next(iter(engines.values()))
    if first.exists(env.name):
        out[env.name] = export(Engine(env.root, env.name, first.progress)).rows
    return out


def move(engine: Engine, moves: list[Move]) -> None:
    """`pulumi state move` per source and destination, with the pinned engine: the resources go
    to the destination's state, with their ids; nothing in the workspace changes."""
    groups: dict[tuple[str, str], list[Move]] = {}
    for m in moves:
        groups.setdefault((m.source, m.dest), []).append(m)
    env = {k: v for k, v in {**os.environ, **engine.env}.items() if v != ""}
    for (source, dest), of_pair in sorted(groups.items()):
        urns = [u for m in of_pair for u in m.urns]
        engine.progress.say(f"==> moving {len(of_pair)} rows from stack {source} to {dest}")
        done = subprocess.run(
            ["pulumi", "state", "move", "--source", source, "--dest", dest, "--yes", *urns],
            cwd=engine.project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()
            raise EngineError(f"pulumi state move from {source} to {dest} failed: {detail}")


@contextmanager
def scratch(
    env: Environment, by_stack: Mapping[str, Engine], moves: list[Move]
) -> Iterator[dict[str, Engine]]:
    """Engines for the shards as they will be once `moves` are made, nothing written to the
    stacks: with moves, copies of every stack holding the environment's rows (`pulumi stack
    export`, then import) in a scratch `file://` backend, the moves made there. A saved plan is
    previewed there, so it is the plan `up --plan` applies after making the same moves."""
    if not moves:
        yield dict(by_stack)
        return
    first = next(iter(by_stack.values()))
    first.progress.say("==> the moves below are made in a scratch copy of the states, to plan")
    with tempfile.TemporaryDirectory(prefix="lakeform-moves-") as tmp:
        backend = file_backend(Path(tmp))
        copies: dict[str, Engine] = {}
        for stack in sorted(set(by_stack) | {m.source for m in moves}):
            real = by_stack.get(stack) or Engine(env.root, stack)
            deployment = real.deployment()
            copy = Engine(env.root, stack, real.progress)
            copy.env = {**copy.env, "PULUMI_BACKEND_URL": backend}
            copy.stack().import_stack(deployment)
            copies[stack] = copy
        move(next(iter(copies.values())), moves)
        yield {stack: copies[stack] for stack in by_stack}


# --- running shards side by side ----------------------------------------------------------------


def side_by_side(
    stacks: list[str],
    work: Callable[[str], T],
    jobs: int,
    needs: Callable[[str], list[str]] = lambda stack: [],
) -> tuple[dict[str, T], dict[str, str]]:
    """Run `work` for every stack, `jobs` at once, each after the stacks it needs; returns
    (results, errors by stack). A stack whose needed stack failed is not run."""
    results: dict[str, T] = {}
    errors: dict[str, str] = {}
    lock = threading.Lock()
    pending = list(stacks)
    running: dict[Future[T], str] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while pending or running:
            for stack in list(pending):
                if len(running) >= max(1, jobs):
                    break
                blocked = [n for n in needs(stack) if n in errors]
                if blocked:
                    pending.remove(stack)
                    errors[stack] = f"not run: stack {', '.join(blocked)} it names failed"
                    continue
                if all(n in results for n in needs(stack) if n in stacks):
                    pending.remove(stack)
                    running[pool.submit(work, stack)] = stack
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                stack = running.pop(future)
                try:
                    value = future.result()
                except (EngineError, SettingsError) as err:
                    with lock:
                        errors[stack] = str(err)
                else:
                    results[stack] = value
    return results, errors


def failure(errors: Mapping[str, str]) -> EngineError:
    lines = [f"stack {stack}: {err}" for stack, err in sorted(errors.items())]
    return EngineError("\n".join(lines))


# --- one plan, one guard, one set of outputs -----------------------------------------------------


def combined(env: Environment, plans: Mapping[str, Plan], moves: list[Move]) -> Plan:
    """The environment's plan: every shard's rows, a moved row once (as `move`, not a delete in
    one stack and a create in another), with file:line and protection notes."""
    moved = {(m.kind, m.key): m for m in moves}
    rows: list[RowChange] = []
    for stack in env.stacks():
        plan = plans.get(stack)
        for row in plan.rows if plan else []:
            m = moved.get((row.kind, row.key))
            if m is not None and (
                (row.action == "delete" and stack == m.source)
                or (row.action == "create" and stack == m.dest)
            ):
                continue
            rows.append(row)
    rows += [
        RowChange(kind=m.kind, key=m.key, action="move", moved_from=m.source, moved_to=m.dest)
        for m in moves
    ]
    order = list(KINDS)
    rows.sort(key=lambda r: (order.index(r.kind), r.key))
    existing = sum(p.existing for p in plans.values())
    existing += len([m for m in moves if m.source not in plans])  # held by the old stack
    plan = Plan(stack=env.name, rows=rows, existing=existing, drift=False)
    levels = {"mandatory": 0, "advisory": 1}
    plan.policies = sorted(
        (p for stack in env.stacks() if stack in plans for p in plans[stack].policies),
        key=lambda p: (levels.get(p.level, 2), p.kind, p.key, p.rule),
    )
    return for_review(plan, env.settings, env.rows)


def merged_outputs(outputs: Mapping[str, Mapping[str, Any]], stacks: list[str]) -> dict[str, Any]:
    """One output per kind, keyed by row key, over every shard (each row is in one shard)."""
    out: dict[str, dict[str, Any]] = {}
    for stack in stacks:
        for kind, value in (outputs.get(stack) or {}).items():
            if isinstance(value, Mapping):
                out.setdefault(kind, {}).update(value)  # pyright: ignore[reportUnknownArgumentType]
    return out


def engines(env: Environment) -> dict[str, Engine]:
    """One engine per shard stack, each stack created when new (its file written first)."""
    write_shard_files(env)
    out = {stack: Engine(env.root, stack) for stack in env.stacks()}
    with ThreadPoolExecutor(max_workers=SETUP_WORKERS) as pool:
        list(pool.map(lambda engine: engine.stack(), out.values()))
    return out


# --- `lakeform shards` --------------------------------------------------------------------------


def run_shards(args: argparse.Namespace) -> int:
    root = Path.cwd()
    try:
        env = environment(root, args.stack)
        if env is None:
            load_stack_settings(root, args.stack)  # an ordinary stack: one entry, itself
            waves = [[{"stack": args.stack, "shard": None, "needs": []}]]
            if args.json:
                print(json.dumps({"include": waves[0], "waves": waves}))
            else:
                print(f"{args.stack}: not sharded (no lakeform:settings.shards)")
            return 0
        if args.write or args.move:
            write_shard_files(env)
        if args.move:
            by_stack = engines(env)
            moves = planned_moves(env, states(env, by_stack))
            if moves:
                move(next(iter(by_stack.values())), moves)
    except (EngineError, SettingsError) as err:
        print(f"lakeform shards: error: {err}", file=sys.stderr)
        return 1
    counts = dict.fromkeys(env.layout.shards, 0)
    for shard in env.layout.of.values():
        counts[shard] += 1

    def entry(shard: str) -> dict[str, Any]:
        stack = env.layout.stack(shard)
        return {"stack": stack, "shard": shard, "rows": counts[shard], "needs": env.needs(stack)}

    waves = [[entry(s) for s in wave] for wave in env.layout.waves()]
    if args.json:
        print(json.dumps({"include": [e for wave in waves for e in wave], "waves": waves}))
        return 0
    for n, wave in enumerate(waves):
        for item in wave:
            needs = f", after {', '.join(item['needs'])}" if item["needs"] else ""
            print(f"{item['stack']}: {item['rows']} rows (wave {n}{needs})")
    return 0
