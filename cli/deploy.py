"""`lakeform plan`, `up`, `drift` and `outputs`: the Pulumi program of a stack, summarized by row.

All run the project in the current directory through the Automation API (cli/engine.py) with the
environment of cli/pulumienv.py; errors are one line with the fix, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli import drift as workspace_drift
from cli import emails, saved
from cli import run as runner
from cli import table as control_table
from cli.engine import Engine, EngineError, PolicyRefused, Progress, Run, Step
from cli.files import write_atomic
from cli.plan import Plan, build_plan, for_review, with_policies
from cli.render import FORMATS, text
from metadata import MetadataError
from metadata.kinds import KINDS
from metadata.settings import SettingsError, StackSettings, load_stack_settings

DRIFTED = 2


ORDINARY: dict[str, Callable[[argparse.Namespace], int]] = {}
"""`plan`, `up`, `drift` and `outputs` of an ordinary stack (filled in below)."""


def _guarded(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command; an error is one line on stderr and exit 1 (Ctrl-C and internal errors:
    cli/main.py)."""
    try:
        return command(args)
    except (EngineError, SettingsError, runner.RunError, saved.StalePlan) as err:
        print(f"lakeform {args.command}: error: {err}", file=sys.stderr)
    return 1


def _write(content: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(content)
        sys.stdout.flush()
    else:
        write_atomic({output: content})
        print(f"wrote {output}", file=sys.stderr)


def _engine(args: argparse.Namespace) -> Engine:
    return Engine(Path.cwd(), args.stack)


def _preview(engine: Engine, *, refresh: bool | None = None, save: Path | None = None) -> Run:
    """The engine's preview; one a mandatory policy refuses comes back too (`run.refused`), so
    its plan can be shown: nothing was written."""
    try:
        return engine.preview(refresh=refresh, save=save)
    except PolicyRefused as err:
        return err.run


def _plan_of(engine: Engine, run: Run) -> Plan:
    """A preview's plan with the policy pack's findings."""
    return with_policies(build_plan(engine.stack_name, run.steps), run.policies)


def _plan(engine: Engine, *, refresh: bool | None = None, save: Path | None = None) -> Plan:
    """The engine's plan with the policy pack's findings (`_preview`, `_plan_of`)."""
    return _plan_of(engine, _preview(engine, refresh=refresh, save=save))


def _for_review(plan: Plan, stack: str) -> Plan:
    """The plan with each row's file:line and why a protected row's delete or replace matters."""
    root = Path.cwd()
    settings = load_stack_settings(root, stack)
    try:
        rows = control_table.stack_rows(root, stack, settings)
    except MetadataError:  # the preview's program reads the same rows: it would have failed
        rows = None
    return for_review(plan, settings, rows)


def run_plan(args: argparse.Namespace) -> int:
    if args.save is not None:
        return _save_plan(args)
    engine = _engine(args)
    plan = _plan(engine, refresh=args.refresh)
    outputs, deployment = engine.exported()
    if args.refresh is not False:  # --no-refresh reads nothing from the workspace
        # What `up` will put back although the provider's read cannot see it (nothing written).
        plan = workspace_drift.merge(plan, workspace_drift.check(engine, outputs))
    kept = emails.pending(engine, outputs, deployment)
    plan = workspace_drift.merge(plan, emails.as_drifted(kept))
    plan = _for_review(plan, args.stack)
    _write(FORMATS[args.format](plan), args.output)
    if plan.refused:
        return _policies_refuse("plan", args.stack)
    return 0


def _policies_refuse(command: str, stack: str) -> int:
    """Say that the stack's policies refuse its plan (shown above), for `lakeform plan` or `up`
    of one stack or a sharded one; the exit code."""
    if command == "plan":
        said = (
            f"lakeform plan: error: stack {stack}: refused by its policies "
            "(lakeform:settings.policies); the plan above lists each mandatory rule broken"
        )
    else:
        said = (
            f"lakeform up: refusing to deploy stack {stack}: its policies "
            "(lakeform:settings.policies) refuse the rows above; nothing was written"
        )
    print(said, file=sys.stderr)
    return 1


def _save_plan(args: argparse.Namespace) -> int:
    """`plan --save`: the plan, and what `up --plan` checks before applying it."""
    if args.refresh is not None:
        raise saved.StalePlan(
            "--save does not take --refresh or --no-refresh: a saved plan needs a workspace "
            "that matches the stack, which it checks itself"
        )
    root = Path.cwd()
    settings = load_stack_settings(root, args.stack)
    engine = _engine(args)
    version = saved.stack_version(engine)
    drifted = saved.refreshed(engine)
    if drifted:
        raise saved.refusal(
            f"not saving a plan: the workspace differs from stack {args.stack}",
            drifted,
            "A saved plan is applied as it is and cannot put drift back: deploy without a saved "
            "plan (lakeform up) or undo the change in the workspace, then save the plan again.",
        )
    rows = saved.row_fields(root, args.stack, settings)
    found = saved.compared(engine)
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        engine_plan = Path(tmp) / "update-plan.json"
        plan = _plan(engine, save=engine_plan)
        # The email lists `up --plan` empties after the deploy, as `up` does (cli/emails.py).
        plan = workspace_drift.merge(
            plan, emails.as_drifted(emails.pending(engine, *engine.exported()))
        )
        if plan.refused:
            plan = _for_review(plan, args.stack)
            _write(FORMATS[args.format](plan), args.output)
            raise saved.StalePlan(
                f"not saving a plan: stack {args.stack} is refused by its policies "
                "(lakeform:settings.policies); the plan above lists each mandatory rule broken"
            )
        update_plan = json.loads(engine_plan.read_text())
    unseen = saved.unseen(plan, found)
    if unseen:
        raise saved.refusal(
            f"not saving a plan: stack {args.stack} drifted where a refresh cannot see it",
            unseen,
            "A saved plan cannot put that back: deploy without a saved plan (lakeform up), "
            "then save the plan again.",
        )
    plan = _for_review(plan, args.stack)
    record = saved.Saved(
        stack=args.stack,
        program=saved.program_version(engine),
        stack_version=version,
        settings=saved.setting_fields(settings),
        rows=rows,
        plan=saved.comparable(plan),
        workspace=saved.compared_lines(found),
        engine_plan=update_plan,
    )
    write_atomic({args.save: record.to_json()})
    print(f"saved the plan to {args.save}", file=sys.stderr)
    _write(FORMATS[args.format](plan), args.output)
    return 0


def _refused(path: Path, stack: str) -> tuple[str, str]:
    """The start of a refusal of the saved plan at `path`, and its fix."""
    again = f"Save a new plan (lakeform plan --stack {stack} --save {path}) and review it."
    return f"refusing to apply the saved plan {path}", again


def _same_inputs(engine: Engine, record: saved.Saved, path: Path, settings: StackSettings) -> None:
    """StalePlan unless the program, the stack settings and the rows are as when saved."""
    root, stack = engine.project, engine.stack_name
    what, again = _refused(path, stack)
    if record.stack != stack:
        raise saved.StalePlan(f"{what}: it is a plan of stack {record.stack}, not {stack}")
    program = saved.program_version(engine)
    if program != record.program:
        lines = [
            f"{name}: {record.program.get(name)} when saved, now {program[name]}"
            for name in program
            if program[name] != record.program.get(name)
        ]
        raise saved.refusal(f"{what}: the program changed since", lines, again)
    changed = saved.changed_fields(
        {"lakeform:settings": record.settings},
        {"lakeform:settings": saved.setting_fields(settings)},
    )
    changed += saved.changed_fields(record.rows, saved.row_fields(root, stack, settings))
    if changed:
        raise saved.refusal(f"{what}: the rows or settings changed since", changed, again)


def _same_stack(engine: Engine, record: saved.Saved, path: Path) -> None:
    """StalePlan unless the stack's last update is the one the plan was saved after."""
    what, again = _refused(path, engine.stack_name)
    version = saved.stack_version(engine)
    if version != record.stack_version:
        raise saved.StalePlan(
            f"{what}: stack {engine.stack_name} was deployed since (last update when saved: "
            f"{record.stack_version}; now: {version}). {again}"
        )


def _check_saved(engine: Engine, record: saved.Saved, path: Path, settings: StackSettings) -> Plan:
    """The fresh plan, when it is exactly the saved one and nothing it depends on changed;
    else StalePlan naming what changed (nothing is written until this returns)."""
    stack = engine.stack_name
    what, again = _refused(path, stack)
    _same_inputs(engine, record, path, settings)
    _same_stack(engine, record, path)
    drifted = saved.refreshed(engine)
    now = saved.compared_lines(saved.compared(engine))
    drifted += [f"{line} (no longer)" for line in record.workspace if line not in now]
    drifted += [line for line in now if line not in record.workspace]
    if drifted:
        raise saved.refusal(f"{what}: the workspace changed since", drifted, again)
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        engine_plan = Path(tmp) / "update-plan.json"
        plan = _plan(engine, save=engine_plan)
        plan = workspace_drift.merge(
            plan, emails.as_drifted(emails.pending(engine, *engine.exported()))
        )
        plan = _for_review(plan, stack)
        fresh = json.loads(engine_plan.read_text())
    if plan.refused:
        lines = [f"[{p.level}] {p.rule}: {p.kind}.{p.key}: {p.message}" for p in plan.policies]
        raise saved.refusal(f"{what}: the stack's policies refuse it now", lines, again)
    differences = saved.plan_differences(record.plan, saved.comparable(plan))
    differences = differences or saved.engine_differences(record.engine_plan, fresh)
    if differences:
        raise saved.refusal(f"{what}: a deploy now would do otherwise", differences, again)
    return plan


def _up_saved(args: argparse.Namespace, settings: StackSettings) -> int:
    """`up --plan`: every check before any write, then the engine bound to the saved plan."""
    record = saved.Saved.read(args.plan)
    engine = _engine(args)
    plan = _check_saved(engine, record, args.plan, settings)
    refusal = guard_deletes(plan, settings, args.allow_deletes)
    stop = _saved_gate(plan, refusal, args.stack, args.yes)
    if stop is not None:
        return stop
    # Again, just before the engine reads them: what changed while the workspace was compared
    # (or the question was asked) would otherwise stop the deploy in the middle.
    _same_inputs(engine, record, args.plan, load_stack_settings(Path.cwd(), args.stack))
    _same_stack(engine, record, args.plan)
    # The stack and rows are as when checked, so these are the lists the plan shows.
    kept = emails.pending(engine, *engine.exported())
    with tempfile.TemporaryDirectory(prefix="lakeform-plan-") as tmp:
        engine_plan = Path(tmp) / "update-plan.json"
        engine_plan.write_text(json.dumps(record.engine_plan))
        done = engine.up(hook=_row_progress(engine.progress), plan=engine_plan)
    emails.clear(engine, kept)
    return _after_up(engine, args, done.outputs, done.version)


def _saved_gate(plan: Plan, refusal: str | None, stack: str, yes: bool) -> int | None:
    """Before a saved plan is applied (one stack or a sharded one): the plan shown, then the
    exit code when it is not to be (the mass-delete guard's `refusal`, nothing to deploy, not
    confirmed), or None to go on."""
    sys.stdout.write(text(plan))
    if refusal is not None:
        print(f"lakeform up: {refusal}", file=sys.stderr)
        return 1
    if not plan.rows:
        print("nothing to deploy")
        return 0
    if not yes and not _confirmed(stack):
        return 1
    return None


def _confirmed(stack: str) -> bool:
    if not sys.stdin.isatty():
        print("lakeform up: error: not a terminal; pass --yes to deploy", file=sys.stderr)
        return False
    answer = input(f"deploy these changes to stack {stack}? [y/N] ")
    if answer.strip().lower() != "y":
        print("nothing deployed")
        return False
    return True


def delete_limit(settings: StackSettings, rows: int) -> int:
    """Row deletes a run may make without --allow-deletes."""
    if settings.max_deletes is not None:
        return settings.max_deletes
    return max(5, math.ceil(rows / 10))


def guard_deletes(plan: Plan, settings: StackSettings, allow: int | None) -> str | None:
    """Why the deploy is refused (too many deletes), or None."""
    deletes = plan.of("delete")
    limit = max(delete_limit(settings, plan.existing), allow or 0)
    if len(deletes) <= limit:
        return None
    listed = "\n".join(f"  - {r.kind}.{r.key}" for r in deletes)
    return (
        f"refusing to deploy stack {plan.stack}: it would delete {len(deletes)} rows, more than "
        f"the {limit} allowed (lakeform:settings.max_deletes in Pulumi.{plan.stack}.yaml, else "
        f"5 or 10% of the stack's {plan.existing} rows):\n{listed}\n"
        f"If that is intended, run again with --allow-deletes {len(deletes)}; if not, restore "
        "the rows (or check lakeform:settings.metadata_paths)."
    )


def run_up(args: argparse.Namespace, engine: Engine | None = None) -> int:
    """`lakeform up`; `engine`: one already set up for the stack (`lakeform watch` keeps one)."""
    settings = load_stack_settings(Path.cwd(), args.stack)
    if getattr(args, "prepare", False):
        raise EngineError(
            f"--prepare takes the saved plan (--plan) of a sharded stack; stack {args.stack} "
            "is not sharded (lakeform:settings.shards)"
        )
    if args.plan is not None:
        return _up_saved(args, settings)
    engine = engine or _engine(args)
    outputs, deployment = engine.exported()
    # Drift the provider's read cannot see goes into the state first, so the plan updates it.
    drifted = workspace_drift.check(engine, outputs)
    before = workspace_drift.repair(engine, drifted) if drifted else None
    try:
        # Email lists the row emptied that the provider keeps on the job: emptied after the deploy
        # (from the state as repaired, when it was).
        kept = emails.pending(engine, outputs, deployment if before is None else None)
        preview = _preview(engine)
        plan = workspace_drift.merge(_plan_of(engine, preview), emails.as_drifted(kept))
        plan = _for_review(plan, args.stack)
        sys.stdout.write(text(plan))
        if plan.refused:
            return _undo(engine, before, _policies_refuse("up", args.stack))
        refusal = guard_deletes(plan, settings, args.allow_deletes)
        if refusal is not None:
            print(f"lakeform up: {refusal}", file=sys.stderr)
            return _undo(engine, before, 1)
        if not plan.rows:
            print("nothing to deploy")
        elif not args.yes and not _confirmed(args.stack):
            return _undo(engine, before, 1)
    except BaseException:
        _undo(engine, before, 1)
        raise
    version: int | None = None
    if before is None and preview.changes_nothing:
        # `pulumi up` would change no resource and no output: the update is skipped (no entry
        # in the stack's history, no write to the workspace or the state); see
        # docs/performance.md.
        print(f"stack {args.stack} is up to date: no update runs (its history stays as it is)")
    else:
        done = engine.up(hook=_row_progress(engine.progress))
        outputs = done.outputs if done.outputs is not None else engine.outputs()
        version = done.version
    emails.clear(engine, kept)
    return _after_up(engine, args, outputs, version)


def _after_up(
    engine: Engine,
    args: argparse.Namespace,
    outputs: dict[str, Any] | None = None,
    version: int | None = None,
) -> int:
    """The outputs (`outputs`: the stack's, when already read), the deployments table, then the
    rows `--run` names."""
    if outputs is None:
        outputs = engine.outputs()
    _print_outputs(outputs, as_json=False)
    recorded = control_table.after_up(
        engine.project, engine.stack_name, outputs, lambda: saved.update_number(engine, version)
    )
    if recorded != 0:
        return recorded
    return run_after(engine, outputs, args)


def run_after(engine: Engine, outputs: dict[str, Any], args: argparse.Namespace) -> int:
    """The rows `--run` names, one by one, after a deploy."""
    if args.run_keys:
        opts = runner.Options(
            cancel_on_interrupt=args.cancel_on_interrupt, poll_seconds=args.poll_seconds
        )
        w = runner.stack_client(engine)
        return runner.run_rows(
            w, outputs, args.run_keys, args.stack, opts, runner.default_console()
        )
    return 0


def _undo(engine: Engine, before: Any, code: int) -> int:
    """Nothing is deployed after all: the state as it was before the drift was recorded."""
    if before is not None:
        workspace_drift.restore(engine, before)
    return code


def _row_progress(progress: Progress) -> Callable[[str, Step], None]:
    """One line per row resource as the engine finishes it."""
    words = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced"}
    kinds = {k.resource_type: k for k in KINDS.values()}

    def hook(event: str, step: Step) -> None:
        kind = kinds.get(str(step.get("type")))
        word = words.get(str(step.get("op")))
        if event == "outputs" and kind is not None and word is not None:
            key = str(step.get("urn", "")).rsplit("::", 1)[-1]
            progress.say(f"  {kind.name}.{key}: {word}")

    return hook


def run_drift(args: argparse.Namespace) -> int:
    engine = _engine(args)
    run = engine.preview_refresh()
    plan = build_plan(engine.stack_name, run.done, drift=True)
    # With the email lists a row emptied that the job still holds (the provider keeps them).
    plan = workspace_drift.merge(plan, workspace_drift.check(engine, jobs_also=emails.in_workspace))
    _write(FORMATS[args.format](plan), args.output)
    return DRIFTED if plan.rows else 0


def run_outputs(args: argparse.Namespace) -> int:
    _print_outputs(_engine(args).outputs(), as_json=args.json)
    return 0


def _print_outputs(outputs: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(outputs, indent=2, sort_keys=True))
        return
    for kind, entry in KINDS.items():
        for key, value in sorted((outputs.get(kind) or {}).items()):
            # A monitor's id is the object it watches (Kind.output_id): its table, its schema.
            fields = [f"id={value[entry.output_id]}"] if value.get(entry.output_id) else []
            fields += [f"url={value['url']}"] if value.get("url") else []
            print(f"{kind}.{key}  {'  '.join(fields)}".rstrip())


# For cli/shards.py, which runs these over every shard of a sharded stack.
guarded = _guarded
ORDINARY.update(
    plan=lambda a: _guarded(run_plan, a),
    up=lambda a: _guarded(run_up, a),
    drift=lambda a: _guarded(run_drift, a),
    outputs=lambda a: _guarded(run_outputs, a),
)
write_output = _write
confirmed = _confirmed
saved_gate = _saved_gate
row_progress = _row_progress
print_outputs = _print_outputs
preview_plan = _plan
preview_run = _preview
plan_of = _plan_of
policies_refuse = _policies_refuse
refused_words = _refused
