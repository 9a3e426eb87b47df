"""`lakeform plan/up/drift/outputs --stack <stack>` for a sharded stack: the same commands, run
over every shard's stack (cli/shards.py), `-j N` at once; an ordinary stack runs as before
(cli/deploy.py)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import deploy, saved
from cli.engine import Engine, EngineError, Run
from cli.files import write_atomic
from cli.plan import Plan, RowChange, build_plan
from cli.render import FORMATS, text
from cli.shards import (
    Environment,
    Exported,
    Move,
    combined,
    engines,
    environment,
    exports,
    failure,
    merged_outputs,
    move,
    planned_moves,
    scratch,
    side_by_side,
    states,
    write_shard_files,
)
from cli.unchanged import Book, Stacks, for_up_to_date, quiet, up_to_date
from metadata import KINDS
from metadata.settings import load_stack_settings
from metadata.shards import READS, split_stack

Command = Callable[[argparse.Namespace], int]


def command(name: str) -> Command:
    """`plan`, `up`, `drift` or `outputs` (their options: cli/commands.py): every shard of a
    sharded stack, an ordinary stack as cli/deploy.py runs it."""
    sharded: dict[str, Callable[[Environment, argparse.Namespace], int]] = {
        "plan": run_plan,
        "up": run_up,
        "drift": run_drift,
        "outputs": run_outputs,
    }
    return _either(deploy.ORDINARY[name], sharded[name])


def _either(
    ordinary: Command, sharded: Callable[[Environment, argparse.Namespace], int]
) -> Command:
    def run(args: argparse.Namespace) -> int:
        try:
            env = environment(Path.cwd(), args.stack)
        except EngineError as err:
            print(f"lakeform {args.command}: error: {err}", file=sys.stderr)
            return 1
        if env is None and getattr(args, "plan", None) is not None and "." in args.stack:
            # A shard's part of its sharded stack's saved plan; a shard's own saved plan (plan
            # --stack prod.finance --save) is an ordinary one.
            return deploy.guarded(lambda a: up_shard_saved(a, ordinary), args)
        if env is None:
            return ordinary(args)
        return deploy.guarded(lambda a: sharded(env, a), args)

    return run


# --- plan, up, drift and outputs of a sharded stack ---


def named_by(env: Environment, stacks: set[str]) -> set[str]:
    """The stacks whose outputs rows of `stacks` read."""
    shards = [split_stack(stack)[1] for stack in stacks]
    return {
        there
        for shard in shards
        if shard is not None
        for named in env.layout.foreign(env.rows, shard).values()
        for there in named.values()
    }


def run_plan(env: Environment, args: argparse.Namespace) -> int:
    if args.save is not None:
        return save_plan(env, args)
    by_stack = engines(env)
    found: dict[str, Exported] = {}
    moves = planned_moves(env, states(env, by_stack, found))
    # Without a refresh, a shard whose inputs and state are as at its last up (or last
    # no-change preview) is not previewed (cli/unchanged.py); a refreshing plan reads them all.
    trusted = args.refresh is False and Book.applies(env)
    book = Book(env, by_stack[env.stacks()[0]]) if trusted else None
    moved = {m.source for m in moves} | {m.dest for m in moves}
    skipped: dict[str, str] = {}
    if book is not None:
        among = [s for s in env.stacks() if s not in moved]
        skipped = book.unchanged(Stacks.of(found), among)
    previewed: dict[str, bool] = {}  # stack -> its preview was quiet (not the run: memory)

    def preview(stack: str) -> Plan:
        if stack in skipped:
            by_stack[stack].progress.say(
                f"  stack {stack}: unchanged since {skipped[stack]}, not previewed"
            )
            return Plan(stack=stack, rows=[], existing=len(found[stack].rows))
        if book is not None:
            book.forget_reads(stack)
        # With the policy pack's findings; one a mandatory rule refuses comes back too.
        run = deploy.preview_run(by_stack[stack], refresh=args.refresh)
        previewed[stack] = quiet(run)
        return deploy.plan_of(by_stack[stack], run)

    plans, errors = side_by_side(env.stacks(), preview, args.jobs)
    if book is not None:
        found_quiet = [s for s, q in previewed.items() if q and s not in {*errors, *moved}]
        book.record(Stacks.of(found), found_quiet, "plan")
    if errors:
        raise failure(errors)
    plan = combined(env, plans, moves)
    deploy.write_output(FORMATS[args.format](plan), args.output)
    if plan.refused:
        return deploy.policies_refuse("plan", env.name)
    return 0


def run_up(env: Environment, args: argparse.Namespace) -> int:
    if args.plan is not None:
        return up_saved(env, args)
    if args.prepare:
        raise EngineError("--prepare takes the saved plan of the sharded stack: add --plan PLAN")
    by_stack = engines(env)
    seen: dict[str, Exported] = {}
    moves = planned_moves(env, states(env, by_stack, seen))
    runs: dict[str, Run] = {}

    def preview(stack: str) -> Plan:
        # What its program reads is this run's (a shard found up to date is recorded below).
        (env.root / READS.format(stack=stack)).unlink(missing_ok=True)
        run = deploy.preview_run(by_stack[stack])  # as run_plan's
        runs[stack] = for_up_to_date(run)  # not every step's inputs and outputs until the up
        return deploy.plan_of(by_stack[stack], run)

    plans, errors = side_by_side(env.stacks(), preview, args.jobs)
    if errors:
        raise failure(errors)
    plan = combined(env, plans, moves)
    sys.stdout.write(text(plan))
    if plan.refused:
        return deploy.policies_refuse("up", env.name)
    refusal = deploy.guard_deletes(plan, env.settings, args.allow_deletes)
    if refusal is not None:
        print(f"lakeform up: {refusal}", file=sys.stderr)
        return 1
    if not plan.rows:
        print("nothing to deploy")
    elif not args.yes and not deploy.confirmed(env.name):
        return 1
    if moves:
        move(next(iter(by_stack.values())), moves)

    moved = {m.source for m in moves} | {m.dest for m in moves}

    def up(stack: str) -> dict[str, Any]:
        engine = by_stack[stack]
        # As cli/deploy.run_up; the stacks it names are deployed before it (env.needs).
        if stack not in moved and up_to_date(runs[stack], after):
            engine.progress.say(f"  stack {stack} is up to date: no update runs")
            current.add(stack)
            # Its state is as exported before the previews (not moved, not deployed).
            kept = seen[stack].outputs
            return engine.outputs() if kept is None else kept
        (env.root / READS.format(stack=stack)).unlink(missing_ok=True)  # this run's anew
        done = engine.up(hook=deploy.row_progress(engine.progress))
        outputs = done.outputs if done.outputs is not None else engine.outputs()
        after[stack] = outputs
        deployed.add(stack)
        return outputs

    deployed: set[str] = set()
    current: set[str] = set()  # found up to date: no update ran
    after: dict[str, dict[str, Any]] = {}  # stack -> its outputs, once this run deployed it
    outputs, errors = side_by_side(env.stacks(), up, args.jobs, env.needs)
    if (deployed or current) and Book.applies(env):
        # What `plan --no-refresh` trusts of the shards deployed or up to date (cli/unchanged.py):
        # their states now, and those of the stacks they name; exported again only where this
        # run changed them (an update, a move), else as exported before the previews.
        done = deployed | current
        changed = deployed | ({m.source for m in moves} | {m.dest for m in moves})
        again = {s: by_stack[s] for s in sorted((done | named_by(env, done)) & changed)}
        book = Book(env, by_stack[env.stacks()[0]])
        book.record(Stacks.of({**seen, **exports(again)}), sorted(done), "up")
    # What deployed is shown even when a shard failed; the next run finishes the others.
    deploy.print_outputs(merged_outputs(outputs, env.stacks()), as_json=False)
    if errors:
        raise failure(errors)
    if args.run_keys:
        return deploy.run_after(
            by_stack[env.stacks()[0]], merged_outputs(outputs, env.stacks()), args
        )
    return 0


def run_drift(env: Environment, args: argparse.Namespace) -> int:
    by_stack = engines(env)

    def refresh(stack: str) -> Plan:
        return build_plan(stack, by_stack[stack].preview_refresh().done, drift=True)

    plans, errors = side_by_side(env.stacks(), refresh, args.jobs)
    if errors:
        raise failure(errors)
    rows = sorted(
        (r for p in plans.values() for r in p.rows),
        key=lambda r: (list(KINDS).index(r.kind), r.key),
    )
    existing = sum(p.existing for p in plans.values())
    plan = Plan(stack=env.name, rows=rows, existing=existing, drift=True)
    deploy.write_output(FORMATS[args.format](plan), args.output)
    return deploy.DRIFTED if plan.rows else 0


def run_outputs(env: Environment, args: argparse.Namespace) -> int:
    by_stack = {stack: Engine(env.root, stack) for stack in env.stacks()}
    outputs, errors = side_by_side(env.stacks(), lambda s: by_stack[s].outputs(), args.jobs)
    if errors:
        raise failure(errors)
    deploy.print_outputs(merged_outputs(outputs, env.stacks()), as_json=args.json)
    return 0


# --- saved plans of a sharded stack ---
#
# `plan --save` saves one engine plan per shard in one file, with the environment's plan (moves
# once) as reviewed; `up --plan` checks every shard as the ordinary path checks its stack
# (cli/deploy.py's _check_saved) before any write, applies the one mass-delete guard to the
# environment's plan, makes the moves, then applies each shard's plan in reference order.
# GitOps runs the same in two steps (deploy-stack.yml): `up --plan --prepare` (every check, the
# guard, the moves), then `up --stack <stack>.<shard> --plan` per shard, a matrix per wave.


def _held_stacks(env: Environment, by_stack: dict[str, Engine]) -> dict[str, Engine]:
    """Every stack holding the environment's rows: the shards, and the environment's own stack
    while it still exists (rows from before it was sharded)."""
    first = next(iter(by_stack.values()))
    there = first.exists(env.name)
    extra = {env.name: Engine(env.root, env.name, first.progress)} if there else {}
    return {**by_stack, **extra}


def _moves_json(moves: list[Move]) -> list[dict[str, str]]:
    return [{"kind": m.kind, "key": m.key, "source": m.source, "dest": m.dest} for m in moves]


def _previews(
    env: Environment, by_stack: dict[str, Engine], moves: list[Move], jobs: int, into: Path
) -> dict[str, Plan]:
    """Each shard's plan as it will be once `moves` are made, its engine plan saved in `into`."""
    with scratch(env, by_stack, moves) as planned:

        def preview(stack: str) -> Plan:
            return deploy.preview_plan(planned[stack], save=into / f"{stack}.json")

        plans, errors = side_by_side(env.stacks(), preview, jobs)
    if errors:
        raise failure(errors)
    return plans


def _late_references(env: Environment, plans: dict[str, Plan]) -> list[str]:
    """Rows naming a row of another shard that this plan replaces: its new id is known only
    once that shard is deployed, after the plan of the rows naming it was saved."""
    out: list[str] = []
    for shard in env.layout.shards:
        for kind, named in env.layout.foreign(env.rows, shard).items():
            for key, there in sorted(named.items()):
                change = next(
                    (r for r in plans[there].rows if (r.kind, r.key) == (kind, key)), None
                )
                if change is not None and change.action == "replace":
                    out.append(
                        f"{kind}.{key} (stack {there}): replaced, and rows of stack "
                        f"{env.layout.stack(shard)} name it"
                    )
    return out


def save_plan(env: Environment, args: argparse.Namespace) -> int:
    """`plan --save` of a sharded stack: every shard's plan, and what `up --plan` checks."""
    if args.refresh is not None:
        raise saved.StalePlan(
            "--save does not take --refresh or --no-refresh: a saved plan needs a workspace "
            "that matches the stack, which it checks itself"
        )
    by_stack = engines(env)
    held = _held_stacks(env, by_stack)
    versions = {stack: saved.stack_version(engine) for stack, engine in held.items()}
    drifted = [line for engine in held.values() for line in saved.refreshed(engine)]
    if drifted:
        raise saved.refusal(
            f"not saving a plan: the workspace differs from stack {env.name}",
            drifted,
            "A saved plan is applied as it is and cannot put drift back: deploy without a saved "
            "plan (lakeform up) or undo the change in the workspace, then save the plan again.",
        )
    rows = saved.row_fields(env.root, env.name, env.settings)
    seen: dict[str, Exported] = {}
    moves = planned_moves(env, states(env, by_stack, seen))
    found = {stack: saved.compared(e, seen[stack].outputs) for stack, e in by_stack.items()}
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        plans = _previews(env, by_stack, moves, args.jobs, Path(tmp))
        engine_plans = {s: json.loads((Path(tmp) / f"{s}.json").read_text()) for s in plans}
    plan = combined(env, plans, moves)
    if plan.refused:
        deploy.write_output(FORMATS[args.format](plan), args.output)
        raise saved.StalePlan(
            f"not saving a plan: stack {env.name} is refused by its policies "
            "(lakeform:settings.policies); the plan above lists each mandatory rule broken"
        )
    unseen = [line for stack in plans for line in saved.unseen(plans[stack], found[stack])]
    if unseen:
        raise saved.refusal(
            f"not saving a plan: stack {env.name} drifted where a refresh cannot see it",
            unseen,
            "A saved plan cannot put that back: deploy without a saved plan (lakeform up), "
            "then save the plan again.",
        )
    late = _late_references(env, plans)
    if late:
        raise saved.refusal(
            f"not saving a plan: stack {env.name} replaces rows that rows of other shards name",
            late,
            "Their plans would hold the old id: deploy without a saved plan (lakeform up), or "
            "deploy the replaced rows' shard first, then save the plan again.",
        )
    record = saved.SavedEnvironment(
        stack=env.name,
        program=saved.program_version(by_stack[env.stacks()[0]]),
        settings=saved.setting_fields(env.settings),
        rows=rows,
        order=env.stacks(),
        moves=_moves_json(moves),
        versions=versions,
        plan=saved.comparable(plan),
        existing=plan.existing,
        shards={
            stack: saved.SavedShard(
                stack_version=versions[stack],
                plan=saved.comparable(plans[stack]),
                workspace=saved.compared_lines(found[stack]),
                engine_plan=engine_plans[stack],
            )
            for stack in env.stacks()
        },
    )
    write_atomic({args.save: record.to_json()})
    print(f"saved the plan of {len(plans)} shards to {args.save}", file=sys.stderr)
    deploy.write_output(FORMATS[args.format](plan), args.output)
    return 0


def _record(path: Path, stack: str) -> saved.SavedEnvironment:
    record = saved.read_any(path)
    what, _ = deploy.refused_words(path, stack)
    if not isinstance(record, saved.SavedEnvironment) or record.stack != split_stack(stack)[0]:
        raise saved.StalePlan(
            f"{what}: it is a plan of stack {record.stack}, not of the sharded stack "
            f"{split_stack(stack)[0]}"
        )
    return record


def _same_inputs(env: Environment, record: saved.SavedEnvironment, path: Path) -> None:
    """StalePlan unless the program, the settings and the rows are as when saved."""
    what, again = deploy.refused_words(path, env.name)
    program = saved.program_version(Engine(env.root, env.stacks()[0]))
    if program != record.program:
        lines = [
            f"{name}: {record.program.get(name)} when saved, now {program[name]}"
            for name in program
            if program[name] != record.program.get(name)
        ]
        raise saved.refusal(f"{what}: the program changed since", lines, again)
    settings = load_stack_settings(env.root, env.name)
    changed = saved.changed_fields(
        {"lakeform:settings": record.settings},
        {"lakeform:settings": saved.setting_fields(settings)},
    )
    changed += saved.changed_fields(record.rows, saved.row_fields(env.root, env.name, settings))
    if changed:
        raise saved.refusal(f"{what}: the rows or settings changed since", changed, again)


def _same_stacks(
    env: Environment, record: saved.SavedEnvironment, path: Path, held: dict[str, Engine]
) -> None:
    """StalePlan unless every stack holding the rows had no update since the plan was saved."""
    what, again = deploy.refused_words(path, env.name)
    lines: list[str] = []
    for stack in sorted(set(held) | set(record.versions)):
        now = saved.stack_version(held[stack]) if stack in held else "gone"
        was = record.versions.get(stack, "not there")
        if now != was:
            lines.append(f"stack {stack}: last update when saved: {was}; now: {now}")
    if lines:
        raise saved.refusal(f"{what}: stacks of {env.name} were deployed since", lines, again)


def _check_environment(
    env: Environment,
    record: saved.SavedEnvironment,
    path: Path,
    by_stack: dict[str, Engine],
    jobs: int,
) -> tuple[Plan, list[Move]]:
    """The environment's fresh plan and moves, when every shard's is exactly the saved one and
    nothing it depends on changed; else StalePlan naming what changed (nothing is written)."""
    what, again = deploy.refused_words(path, env.name)
    _same_inputs(env, record, path)
    held = _held_stacks(env, by_stack)
    _same_stacks(env, record, path, held)
    seen: dict[str, Exported] = {}
    moves = planned_moves(env, states(env, by_stack, seen))
    if _moves_json(moves) != record.moves:
        lines = [f"{m['kind']}.{m['key']}: {m['source']} -> {m['dest']}" for m in record.moves]
        lines = [f"saved: {line}" for line in lines] or ["saved: no moves"]
        lines += [f"now: {m.kind}.{m.key}: {m.source} -> {m.dest}" for m in moves]
        raise saved.refusal(f"{what}: the rows to move between shards changed", lines, again)
    drifted = [line for engine in held.values() for line in saved.refreshed(engine)]
    for stack, engine in by_stack.items():
        now = saved.compared_lines(saved.compared(engine, seen[stack].outputs))
        was = record.shards[stack].workspace if stack in record.shards else []
        drifted += [f"{line} (no longer)" for line in was if line not in now]
        drifted += [line for line in now if line not in was]
    if drifted:
        raise saved.refusal(f"{what}: the workspace changed since", drifted, again)
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        plans = _previews(env, by_stack, moves, jobs, Path(tmp))
        fresh = {s: json.loads((Path(tmp) / f"{s}.json").read_text()) for s in plans}
    plan = combined(env, plans, moves)
    if plan.refused:
        lines = [f"[{p.level}] {p.rule}: {p.kind}.{p.key}: {p.message}" for p in plan.policies]
        raise saved.refusal(f"{what}: the stack's policies refuse it now", lines, again)
    differences = saved.plan_differences(record.plan, saved.comparable(plan))
    for stack in env.stacks():
        if not differences and stack in record.shards:
            differences = [
                f"stack {stack}: {line}"
                for line in saved.engine_differences(record.shards[stack].engine_plan, fresh[stack])
            ]
    if sorted(record.shards) != sorted(env.stacks()):
        differences.append(f"shards: {sorted(record.shards)} when saved, now {env.stacks()}")
    if differences:
        raise saved.refusal(f"{what}: a deploy now would do otherwise", differences, again)
    return plan, moves


def _saved_guard(record: saved.SavedEnvironment, env: Environment, allow: int | None) -> str | None:
    """The mass-delete guard over the environment's saved plan (every shard at once)."""
    deletes = [
        RowChange(kind=r["kind"], key=r["key"], action="delete")
        for r in record.plan
        if r["action"] == "delete"
    ]
    whole = Plan(stack=env.name, rows=deletes, existing=record.existing)
    return deploy.guard_deletes(whole, env.settings, allow)


def _apply_shard(engine: Engine, part: saved.SavedShard) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        engine_plan = Path(tmp) / "update-plan.json"
        engine_plan.write_text(json.dumps(part.engine_plan))
        done = engine.up(hook=deploy.row_progress(engine.progress), plan=engine_plan)
    return done.outputs if done.outputs is not None else engine.outputs()


def up_saved(env: Environment, args: argparse.Namespace) -> int:
    """`up --plan` of a sharded stack: every check, the guard, the moves, then each shard's
    saved plan in reference order (`--prepare`: all but the last)."""
    record = _record(args.plan, env.name)
    by_stack = engines(env)
    plan, moves = _check_environment(env, record, args.plan, by_stack, args.jobs)
    refusal = _saved_guard(record, env, args.allow_deletes)
    stop = deploy.saved_gate(plan, refusal, env.name, args.yes)
    if stop is not None:
        return stop
    # Again, just before anything is written (as the ordinary path does).
    _same_inputs(env, record, args.plan)
    _same_stacks(env, record, args.plan, _held_stacks(env, by_stack))
    if moves:
        move(next(iter(by_stack.values())), moves)
    if args.prepare:
        print(
            f"checked; {len(moves)} rows moved; deploy each shard: lakeform up --stack "
            f"{env.name}.<shard> --plan {args.plan}"
        )
        return 0

    def up(stack: str) -> dict[str, Any]:
        return _apply_shard(by_stack[stack], record.shards[stack])

    outputs, errors = side_by_side(env.stacks(), up, args.jobs, env.needs)
    deploy.print_outputs(merged_outputs(outputs, env.stacks()), as_json=False)
    if errors:
        raise failure(errors)
    return 0


def up_shard_saved(args: argparse.Namespace, ordinary: Command) -> int:
    """`up --stack <stack>.<shard> --plan`: one shard's part of a sharded stack's saved plan,
    after `up --stack <stack> --plan --prepare` checked every shard, applied the guard and made
    the moves (GitOps: one matrix job per shard, each wave after the one before)."""
    if isinstance(saved.read_any(args.plan), saved.Saved):
        return ordinary(args)
    name, shard = split_stack(args.stack)
    env = environment(Path.cwd(), name)
    if env is None or shard not in env.layout.shards:
        raise EngineError(f"stack {args.stack} is not a shard of a sharded stack {name}")
    record = _record(args.plan, args.stack)
    what, again = deploy.refused_words(args.plan, name)
    _same_inputs(env, record, args.plan)
    write_shard_files(env)  # a fresh checkout (a GitOps runner) may not have them
    shards = {stack: Engine(env.root, stack) for stack in env.stacks()}
    engine = shards[args.stack]
    pending = [
        m for m in planned_moves(env, states(env, shards)) if args.stack in (m.source, m.dest)
    ]
    if pending:
        lines = [f"{m.kind}.{m.key}: {m.source} -> {m.dest}" for m in pending]
        raise saved.refusal(
            f"{what}: rows of {args.stack} are still to move (run lakeform up --stack {name} "
            f"--plan {args.plan} --prepare first)",
            lines,
            again,
        )
    # A stack the moves changed has a new last update; the engine plan checks its state.
    touched = {m["source"] for m in record.moves} | {m["dest"] for m in record.moves}
    version = saved.stack_version(engine)
    if args.stack not in touched and version != record.versions.get(args.stack):
        raise saved.StalePlan(
            f"{what}: stack {args.stack} was deployed since (last update when saved: "
            f"{record.versions.get(args.stack)}; now: {version}). {again}"
        )
    refusal = _saved_guard(record, env, args.allow_deletes)
    if refusal is not None:
        print(f"lakeform up: {refusal}", file=sys.stderr)
        return 1
    part = record.shards[args.stack]
    deploy.print_outputs(_apply_shard(engine, part), as_json=False)
    return 0
