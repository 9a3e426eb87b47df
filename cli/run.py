"""`lakeform run KEY`: start a deployed row's job run, pipeline update or monitor refresh, and
follow it to its result.

The row is found through the stack's outputs (the ids Lakeform exported for it), never by name.
The calls are databricks-sdk's, so the same code runs against a real workspace and the local one.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import itertools
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from cli.follow import add_follow_args, names
from cli.pulumienv import workspace_client
from metadata.kinds import KINDS

INTERRUPTED = 130


class RunError(Exception):
    """A user-facing reason the row cannot be run (one line, no traceback)."""


# ---------------------------------------------------------------- arguments


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "run",
        help="run a deployed job, pipeline update or monitor refresh and follow it",
        description="Start the row KEY of the stack (a job: run-now; a pipeline: an update; a "
        "quality monitor: a refresh), found through the stack's outputs, and follow it: its URL "
        "and each task's state as it changes on stderr, the result per task at the end. Exit 0 "
        "when it succeeded, 1 when it did not (with the failed task's message), 130 when "
        "interrupted. KEY may be qualified by kind (jobs.KEY) when two kinds share it.",
    )
    p.add_argument("key", metavar="KEY", help="the row key, e.g. olist_daily or jobs.olist_daily")
    p.add_argument(
        "--stack", default="local", help="the stack (Pulumi.<stack>.yaml); default local"
    )
    add_follow_args(p)
    # Each kind's options (its plug-in's `Kind.run.options`) under its name.
    added: set[str] = set()
    for kind in KINDS.values():
        flags = [f for f in (kind.run.options if kind.run else ()) if f not in added]
        if flags:
            group = p.add_argument_group(kind.name)
            for flag in flags:
                group.add_argument(flag, **RUN_OPTIONS[flag])
            added.update(flags)
    p.add_argument("--no-wait", action="store_true", help="print the run id and URL, and exit")
    p.add_argument("--json", action="store_true", help="the final state as JSON on stdout")
    p.set_defaults(run=run_command)


def _param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


RUN_OPTIONS: dict[str, dict[str, Any]] = {
    "--param": {
        "action": "append",
        "default": [],
        "type": _param,
        "metavar": "NAME=VALUE",
        "help": "a job parameter for this run (repeatable)",
    },
    "--only": {
        "type": names,
        "metavar": "TASK,...",
        "help": "run only these tasks of the job",
    },
    "--full-refresh": {
        "action": "store_true",
        "help": "reset the tables before the update (with --refresh: only those tables)",
    },
    "--refresh": {
        "type": names,
        "metavar": "TABLE,...",
        "help": "update only these tables",
    },
}
"""Every option a kind's `Kind.run.options` may name: how `lakeform run` takes it."""


@dataclass(frozen=True)
class Options:
    """How to start and follow one run."""

    params: dict[str, str] = field(default_factory=dict[str, str])
    only: list[str] | None = None
    full_refresh: bool = False
    refresh: list[str] | None = None
    wait: bool = True
    as_json: bool = False
    cancel_on_interrupt: bool = False
    poll_seconds: float = 2.0


def options(args: argparse.Namespace) -> Options:
    params = dict(args.param)
    if len(params) != len(args.param):
        dup = next(n for n, _ in args.param if [m for m, _ in args.param].count(n) > 1)
        raise RunError(f"--param {dup} given twice")
    return Options(
        params=params,
        only=args.only,
        full_refresh=args.full_refresh,
        refresh=args.refresh,
        wait=not args.no_wait,
        as_json=args.json,
        cancel_on_interrupt=args.cancel_on_interrupt,
        poll_seconds=max(0.01, args.poll_seconds),
    )


# ---------------------------------------------------------------- the row, by the stack outputs


@dataclass(frozen=True)
class Target:
    kind: str
    key: str
    output: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.key}"


def resolve(outputs: Mapping[str, Any], key: str, stack: str) -> Target:
    """The row `key` (or `kind.key`) in the stack's outputs; a RunError listing the known keys."""
    known = [
        Target(kind, k, v)
        for kind in STARTERS
        for k, v in sorted((outputs.get(kind) or {}).items())
        if isinstance(v, Mapping)
    ]
    found = [t for t in known if key in (t.key, t.name)]
    if len(found) == 1:
        return found[0]
    if found:
        names = " or ".join(t.name for t in found)
        raise RunError(f"{key!r} names {len(found)} rows of stack {stack}; say which: {names}")
    if not known:
        raise RunError(
            f"stack {stack} has no deployed rows (no stack outputs); deploy it first: "
            f"lakeform up --stack {stack}"
        )
    names = [t.name for t in known]
    close = difflib.get_close_matches(key, [*names, *(t.key for t in known)], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    shown = ", ".join(names[:30]) + (f", ... ({len(names) - 30} more)" if len(names) > 30 else "")
    raise RunError(f"stack {stack} has no row {key!r}{hint}; known: {shown}")


def check_options(target: Target, opts: Options) -> None:
    """Refuse options that do not apply to the row's kind."""
    given = {
        "--param": bool(opts.params),
        "--only": opts.only is not None,
        "--full-refresh": opts.full_refresh,
        "--refresh": opts.refresh is not None,
    }
    run = KINDS[target.kind].run
    allowed = () if run is None else run.options
    wrong = [flag for flag, on in given.items() if on and flag not in allowed]
    if wrong:
        what = f"only {', '.join(allowed)}" if allowed else "none of them"
        raise RunError(f"{wrong[0]} does not apply to {target.name} ({target.kind}: {what})")


# ---------------------------------------------------------------- following a run


@dataclass
class Snapshot:
    """What one look at the run showed."""

    done: bool
    states: list[tuple[str, str]]
    """(task or step, its state) in the run's order."""
    ok: bool = False
    failure: str = ""
    result: dict[str, Any] = field(default_factory=dict[str, Any])
    """The JSON answer (ids, state, per-task results, durations)."""
    rows: list[tuple[str, str, str]] = field(default_factory=list[tuple[str, str, str]])
    """(name, result, duration) per task, for the final table."""


class Follow(Protocol):
    """One started run of a row."""

    title: str
    url: str

    def look(self) -> Snapshot: ...

    def cancel(self) -> None: ...


def _seconds(start: int | None, end: int | None) -> float | None:
    if not start or not end:
        return None
    return round((end - start) / 1000, 3)


def _value(enum: Any) -> str | None:
    return None if enum is None else str(enum.value)


class JobRun:
    def __init__(self, w: Any, target: Target, opts: Options) -> None:
        self.w = w
        self.target = target
        self.job_id = int(target.output["id"])
        started = w.jobs.run_now(
            job_id=self.job_id, job_parameters=opts.params or None, only=opts.only
        )
        self.run_id = int(started.run_id)
        self.title = f"run {self.run_id}"
        self.url = str(w.jobs.get_run(self.run_id).run_page_url or "")

    def cancel(self) -> None:
        self.w.jobs.cancel_run(self.run_id)

    def look(self) -> Snapshot:
        run = self.w.jobs.get_run(self.run_id)
        state = run.state
        life = _value(state.life_cycle_state) if state else None
        result = _value(state.result_state) if state else None
        tasks: list[dict[str, Any]] = []
        states: list[tuple[str, str]] = []
        for task in run.tasks or []:
            t_life = _value(task.state.life_cycle_state) if task.state else None
            t_result = _value(task.state.result_state) if task.state else None
            shown = t_result or t_life or "UNKNOWN"
            if task.attempt_number and not t_result:
                shown += f" (retry {task.attempt_number})"
            states.append((task.task_key, shown))
            tasks.append(
                {
                    "task_key": task.task_key,
                    "run_id": task.run_id,
                    "life_cycle_state": t_life,
                    "result_state": t_result,
                    "state_message": (task.state.state_message if task.state else None) or "",
                    "attempt_number": task.attempt_number or 0,
                    "duration_seconds": _seconds(task.start_time, task.end_time),
                }
            )
        done = life in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")
        message = (state.state_message if state else None) or ""
        failed = [t for t in tasks if t["result_state"] in ("FAILED", "TIMEDOUT", "CANCELED")]
        failure = ""
        if done and result != "SUCCESS":
            if failed:
                first = failed[0]
                failure = f"task {first['task_key']} {first['result_state']}: "
                failure += first["state_message"] or message
            else:
                failure = f"{result or life}: {message}"
        return Snapshot(
            done=done,
            states=states if tasks else [("run", result or life or "UNKNOWN")],
            ok=done and result == "SUCCESS",
            failure=failure,
            result={
                "kind": self.target.kind,
                "key": self.target.key,
                "job_id": self.job_id,
                "run_id": self.run_id,
                "url": self.url,
                "life_cycle_state": life,
                "result_state": result,
                "state_message": message,
                "duration_seconds": _seconds(run.start_time, run.end_time),
                "tasks": tasks,
            },
            rows=[
                (t["task_key"], t["result_state"] or t["life_cycle_state"] or "", _dur(t))
                for t in tasks
            ],
        )


def _dur(item: Mapping[str, Any]) -> str:
    seconds = item.get("duration_seconds")
    return "" if seconds is None else f"{seconds:.1f}s"


class PipelineUpdate:
    def __init__(self, w: Any, target: Target, opts: Options) -> None:
        self.w = w
        self.target = target
        self.pipeline_id = str(target.output["id"])
        tables = opts.refresh
        started = w.pipelines.start_update(
            self.pipeline_id,
            full_refresh=True if opts.full_refresh and not tables else None,
            refresh_selection=tables if tables and not opts.full_refresh else None,
            full_refresh_selection=tables if tables and opts.full_refresh else None,
        )
        self.update_id = str(started.update_id)
        self.title = f"update {self.update_id}"
        host = str(w.config.host).rstrip("/")
        self.url = f"{host}/pipelines/{self.pipeline_id}/updates/{self.update_id}"

    def cancel(self) -> None:
        self.w.pipelines.stop(self.pipeline_id)

    def look(self) -> Snapshot:
        update = self.w.pipelines.get_update(self.pipeline_id, self.update_id).update
        state = _value(update.state) if update else None
        done = state in ("COMPLETED", "FAILED", "CANCELED")
        failure = ""
        if done and state != "COMPLETED":
            failure = f"update {state}: {self._error() or 'no error event'}"
        seconds = None
        return Snapshot(
            done=done,
            states=[("update", state or "UNKNOWN")],
            ok=state == "COMPLETED",
            failure=failure,
            result={
                "kind": self.target.kind,
                "key": self.target.key,
                "pipeline_id": self.pipeline_id,
                "update_id": self.update_id,
                "url": self.url,
                "state": state,
                "full_refresh": bool(update.full_refresh) if update else False,
                "refresh_selection": (update.refresh_selection if update else None) or [],
                "full_refresh_selection": (update.full_refresh_selection if update else None) or [],
                "message": failure,
                "duration_seconds": seconds,
            },
            rows=[("update", state or "UNKNOWN", "")],
        )

    def _error(self) -> str:
        events = self.w.pipelines.list_pipeline_events(
            self.pipeline_id, filter="level='ERROR'", max_results=25
        )
        for event in itertools.islice(events, 100):
            if event.origin is None or event.origin.update_id != self.update_id:
                continue
            exceptions = (event.error.exceptions if event.error else None) or []
            messages = [e.message for e in exceptions if e.message]
            return "; ".join(messages) or str(event.message or "")
        return ""


class MonitorRefresh:
    def __init__(self, w: Any, target: Target, opts: Options) -> None:
        del opts
        self.w = w
        self.target = target
        self.table = str(target.output["table_name"])
        self.refresh_id = int(w.quality_monitors.run_refresh(self.table).refresh_id)
        self.title = f"refresh {self.refresh_id}"
        host = str(w.config.host).rstrip("/")
        self.url = f"{host}/explore/data/{self.table.replace('.', '/')}?activeTab=quality"

    def cancel(self) -> None:
        self.w.quality_monitors.cancel_refresh(self.table, self.refresh_id)

    def look(self) -> Snapshot:
        info = self.w.quality_monitors.get_refresh(self.table, self.refresh_id)
        state = _value(info.state)
        done = state in ("SUCCESS", "FAILED", "CANCELED", "UNKNOWN")
        seconds = _seconds(info.start_time_ms, info.end_time_ms)
        return Snapshot(
            done=done,
            states=[("refresh", state or "UNKNOWN")],
            ok=state == "SUCCESS",
            failure=f"refresh {state}: {info.message or 'no message'}" if done else "",
            result={
                "kind": self.target.kind,
                "key": self.target.key,
                "table_name": self.table,
                "refresh_id": self.refresh_id,
                "url": self.url,
                "state": state,
                "message": info.message or "",
                "duration_seconds": seconds,
            },
            rows=[("refresh", state or "UNKNOWN", _dur({"duration_seconds": seconds}))],
        )


STARTERS: tuple[str, ...] = tuple(name for name, kind in KINDS.items() if kind.run is not None)
"""Kinds whose rows `lakeform run` starts (their plug-in's `Kind.run`)."""


def starter(kind: str) -> Callable[[Any, Target, Options], Follow]:
    """The class that starts and follows a run of a row of `kind` (`Kind.run.starter`,
    `module:Class`)."""
    run = KINDS[kind].run
    assert run is not None, kind
    module, name = run.starter.split(":")
    found: Callable[[Any, Target, Options], Follow] = getattr(importlib.import_module(module), name)
    return found


@dataclass
class Console:
    """Where a run speaks: results on `out`, progress on `err`, questions on `ask`."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    ask: Callable[[str], str] | None = None
    """Asks the user a question (None: no terminal to ask on)."""


def default_console() -> Console:
    return Console(ask=input if sys.stdin.isatty() else None)


def execute(w: Any, target: Target, opts: Options, console: Console) -> int:
    """Start the row's run and follow it: 0 succeeded, 1 did not, 130 interrupted."""
    check_options(target, opts)
    say = console.err
    follow = starter(target.kind)(w, target, opts)
    print(f"==> {target.name}: {follow.title}: {follow.url}", file=say, flush=True)
    if not opts.wait:
        if opts.as_json:
            first = follow.look().result
            keep = ("kind", "key", "job_id", "run_id", "pipeline_id", "update_id")
            keep += ("table_name", "refresh_id", "url")
            _json(console.out, {k: v for k, v in first.items() if k in keep})
        else:
            print(f"{follow.title} {follow.url}", file=console.out, flush=True)
        return 0
    try:
        snap = _watch(follow, opts, say)
    except KeyboardInterrupt:
        return _interrupted(follow, target, opts, console)
    return _finish(target, follow, snap, opts, console)


def _watch(follow: Follow, opts: Options, say: TextIO) -> Snapshot:
    seen: dict[str, str] = {}
    while True:
        snap = follow.look()
        for name, state in snap.states:
            if seen.get(name) != state:
                seen[name] = state
                print(f"  {name}: {state}", file=say, flush=True)
        if snap.done:
            return snap
        time.sleep(opts.poll_seconds)


def _finish(target: Target, follow: Follow, snap: Snapshot, opts: Options, console: Console) -> int:
    if opts.as_json:
        _json(console.out, snap.result)
    else:
        width = max((len(name) for name, _, _ in snap.rows), default=0)
        for name, result, took in snap.rows:
            print(f"{name:<{width}}  {result:<16} {took}".rstrip(), file=console.out)
        verdict = "succeeded" if snap.ok else "did not succeed"
        print(f"{target.name} {follow.title} {verdict}: {follow.url}", file=console.out)
        console.out.flush()
    if snap.ok:
        return 0
    print(f"lakeform run: {target.name}: {snap.failure}", file=console.err, flush=True)
    return 1


def _interrupted(follow: Follow, target: Target, opts: Options, console: Console) -> int:
    say = console.err
    cancel = opts.cancel_on_interrupt
    if not cancel and console.ask is not None:
        try:
            answer = console.ask(f"\ncancel {target.name} {follow.title}? [y/N] ")
        except (KeyboardInterrupt, EOFError):
            answer = ""
        cancel = answer.strip().lower() in ("y", "yes")
    if not cancel:
        print(
            f"\nlakeform run: interrupted; {target.name} {follow.title} goes on: {follow.url}",
            file=say,
            flush=True,
        )
        return INTERRUPTED
    print(f"\n==> cancelling {target.name} {follow.title}", file=say, flush=True)
    try:
        follow.cancel()
        snap = _watch(follow, opts, say)
    except KeyboardInterrupt:
        print(
            f"lakeform run: {target.name} {follow.title} is being cancelled: {follow.url}",
            file=say,
            flush=True,
        )
        return INTERRUPTED
    _finish(target, follow, snap, opts, console)
    return INTERRUPTED


def _json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value, indent=2, sort_keys=True) + "\n")
    out.flush()


# ---------------------------------------------------------------- the stack's workspace


def stack_client(engine: Any) -> Any:
    """A databricks-sdk client for the stack's workspace (cli.pulumienv.workspace_client)."""
    from pulumi import automation as auto

    def config(key: str) -> str | None:
        try:
            return engine.stack().get_config(key).value or None
        except auto.CommandError:
            return None

    client = workspace_client(engine.stack_name, config)
    if client is None:
        raise RunError(
            f"no workspace host for stack {engine.stack_name}: set databricks:host in "
            f"Pulumi.{engine.stack_name}.yaml or DATABRICKS_HOST"
        )
    return client


def run_rows(
    w: Any,
    outputs: Mapping[str, Any],
    keys: Sequence[str],
    stack: str,
    opts: Options,
    console: Console,
) -> int:
    """Run rows one after the other; stop at the first that does not succeed."""
    from databricks.sdk.errors.base import DatabricksError

    targets = [resolve(outputs, key, stack) for key in keys]
    for i, target in enumerate(targets):
        try:
            code = execute(w, target, opts, console)
        except DatabricksError as err:
            raise RunError(f"{target.name}: {err}") from None
        if code != 0:
            rest = [t.name for t in targets[i + 1 :]]
            if rest:
                print(f"lakeform: not run: {', '.join(rest)}", file=console.err, flush=True)
            return code
    return 0


def run_command(args: argparse.Namespace) -> int:
    from databricks.sdk.errors.base import DatabricksError

    from cli.engine import Engine, EngineError

    try:
        opts = options(args)
        engine = Engine(Path.cwd(), args.stack)
        target = resolve(engine.outputs(), args.key, args.stack)
        check_options(target, opts)
        return execute(stack_client(engine), target, opts, default_console())
    except (RunError, EngineError, DatabricksError) as err:
        print(f"lakeform run: error: {err}", file=sys.stderr)
    except KeyboardInterrupt:
        print("lakeform run: interrupted before the run started", file=sys.stderr)
        return INTERRUPTED
    return 1
