"""`lakeform plan/up/drift/outputs --stack <stack>` for a sharded stack: the same commands, run
over every shard's stack (cli/shards.py), `-j N` at once; an ordinary stack runs as before
(cli/deploy.py)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import deploy
from cli.engine import Engine, EngineError
from cli.plan import Plan, build_plan
from cli.render import FORMATS, text
from cli.shards import (
    Environment,
    combined,
    engines,
    environment,
    failure,
    merged_outputs,
    move,
    planned_moves,
    side_by_side,
    states,
)
from metadata import KINDS

Command = Callable[[argparse.Namespace], int]


def register(sub: Any) -> None:
    """Make `plan`, `up`, `drift` and `outputs` (registered by cli/deploy.py) run every shard of
    a sharded stack."""
    runners: dict[str, Callable[[Environment, argparse.Namespace], int]] = {
        "plan": run_plan,
        "up": run_up,
        "drift": run_drift,
        "outputs": run_outputs,
    }
    for name, sharded in runners.items():
        parser = sub.choices[name]
        parser.set_defaults(run=_either(parser.get_default("run"), sharded))


def _either(
    ordinary: Command, sharded: Callable[[Environment, argparse.Namespace], int]
) -> Command:
    def run(args: argparse.Namespace) -> int:
        try:
            env = environment(Path.cwd(), args.stack)
        except EngineError as err:
            print(f"lakeform {args.command}: error: {err}", file=sys.stderr)
            return 1
        if env is None:
            return ordinary(args)
        return deploy.guarded(lambda a: sharded(env, a), args)

    return run


# --- plan, up, drift and outputs of a sharded stack ---


def run_plan(env: Environment, args: argparse.Namespace) -> int:
    if args.save is not None:
        raise EngineError("plan --save does not take a sharded stack yet: run plan, then up")
    by_stack = engines(env)
    moves = planned_moves(env, states(env, by_stack))

    def preview(stack: str) -> Plan:
        return build_plan(stack, by_stack[stack].preview(refresh=args.refresh).steps)

    plans, errors = side_by_side(env.stacks(), preview, args.jobs)
    if errors:
        raise failure(errors)
    deploy.write_output(FORMATS[args.format](combined(env, plans, moves)), args.output)
    return 0


def run_up(env: Environment, args: argparse.Namespace) -> int:
    if args.plan is not None:
        raise EngineError("up --plan does not take a sharded stack yet: run up without it")
    by_stack = engines(env)
    moves = planned_moves(env, states(env, by_stack))

    def preview(stack: str) -> Plan:
        return build_plan(stack, by_stack[stack].preview().steps)

    plans, errors = side_by_side(env.stacks(), preview, args.jobs)
    if errors:
        raise failure(errors)
    plan = combined(env, plans, moves)
    sys.stdout.write(text(plan))
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

    def up(stack: str) -> dict[str, Any]:
        engine = by_stack[stack]
        engine.up(hook=deploy.row_progress(engine.progress))
        return engine.outputs()

    outputs, errors = side_by_side(env.stacks(), up, args.jobs, env.needs)
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
