"""Lakeform's program through the Pulumi Automation API: preview, refresh preview, up, outputs.

Engine events become plain step records (JSON-able dicts, see `step_record`), which cli/plan.py
summarizes by row; tests record them once from a real run and replay them.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pulumi import automation as auto
from pulumi.automation import events as ev

from cli.pulumienv import EnvError, pulumi_env

Step = dict[str, Any]
"""One engine step: op, urn, type, parent, protect, old/new inputs and outputs, replace keys."""


class EngineError(RuntimeError):
    """A Pulumi run failed; the message is the engine's own error lines (no traceback)."""


def _state(state: ev.StepEventStateMetadata | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "type": state.type,
        "parent": state.parent,
        "protect": bool(state.protect),
        "inputs": dict(state.inputs or {}),
        "outputs": dict(state.outputs or {}),
    }


def step_record(meta: ev.StepEventMetadata) -> Step:
    """An engine step as a plain dict (what plans are computed from, and what tests record)."""
    return {
        "op": meta.op.value if isinstance(meta.op, ev.OpType) else str(meta.op),
        "urn": meta.urn,
        "type": meta.type,
        "old": _state(meta.old),
        "new": _state(meta.new),
        "keys": list(meta.keys or []),
        "diffs": list(meta.diffs or []),
    }


class Progress:
    """Progress lines on stderr for long work: a heartbeat while the engine plans, and one line
    per row-level resource while it deploys."""

    def __init__(self, out: TextIO | None = None, every: float = 5.0) -> None:
        self.out = out if out is not None else sys.stderr
        self.every = every
        self.seen = 0
        self.started = time.monotonic()
        self._last = self.started
        self._lock = threading.Lock()

    def say(self, message: str) -> None:
        with self._lock:
            print(message, file=self.out, flush=True)

    def tick(self, what: str) -> None:
        with self._lock:
            self.seen += 1
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                elapsed = now - self.started
                print(f"  ... {what}: {self.seen} resources ({elapsed:.0f}s)", file=self.out)


@dataclass
class Run:
    """What one engine run reported."""

    steps: list[Step] = field(default_factory=list[Step])
    """Steps as planned (resource pre-events)."""
    done: list[Step] = field(default_factory=list[Step])
    """Steps as finished (resource outputs events: a refresh's reads, a deploy's results)."""
    errors: list[str] = field(default_factory=list[str])
    warnings: list[str] = field(default_factory=list[str])


StepHook = Callable[[str, Step], None]
"""(event kind: `pre` or `outputs`, step) -> None, called as the engine reports."""


class Engine:
    """One stack of the Lakeform program in `project`, with the environment Lakeform needs."""

    def __init__(self, project: Path, stack: str, progress: Progress | None = None) -> None:
        self.project = project
        self.stack_name = stack
        self.progress = progress or Progress()
        try:
            self.env = pulumi_env(project, stack)
        except EnvError as err:
            raise EngineError(str(err)) from None
        if not (project / "Pulumi.yaml").is_file():
            raise EngineError(f"no Pulumi.yaml in {project}; run lakeform from the project root")
        self._stack: auto.Stack | None = None

    def stack(self) -> auto.Stack:
        if self._stack is None:
            bin_dir = Path(self.env["PATH"].split(":", 1)[0])
            command = auto.PulumiCommand(root=str(bin_dir.parent), skip_version_check=True)
            workspace = auto.LocalWorkspace(
                work_dir=str(self.project), pulumi_command=command, env_vars=self.env
            )
            try:
                self._stack = auto.Stack.create_or_select(self.stack_name, workspace)
            except auto.CommandError as err:
                raise EngineError(_first_error(str(err))) from None
        return self._stack

    def _listen(
        self, run: Run, what: str, hook: StepHook | None
    ) -> Callable[[ev.EngineEvent], None]:
        def on_event(event: ev.EngineEvent) -> None:
            if event.resource_pre_event is not None:
                step = step_record(event.resource_pre_event.metadata)
                run.steps.append(step)
                self.progress.tick(what)
                if hook is not None:
                    hook("pre", step)
            elif event.res_outputs_event is not None:
                step = step_record(event.res_outputs_event.metadata)
                run.done.append(step)
                if hook is not None:
                    hook("outputs", step)
            elif event.diagnostic_event is not None:
                diag = event.diagnostic_event
                text = diag.message.strip()
                if diag.severity == "error" and text:
                    run.errors.append(text)
                elif diag.severity == "warning" and text:
                    run.warnings.append(text)

        return on_event

    def _fail(self, run: Run, err: auto.CommandError) -> EngineError:
        lines = [e for e in run.errors if not e.startswith("update failed")]
        return EngineError("\n".join(lines) if lines else _first_error(str(err)))

    def preview(self, *, refresh: bool = False, save: Path | None = None) -> Run:
        """A preview; with `save`, the engine's update plan is written there (for `up(plan=)`)."""
        run = Run()
        self.progress.say(
            f"==> planning stack {self.stack_name}{' (with refresh)' if refresh else ''}"
        )
        try:
            self.stack().preview(
                on_event=self._listen(run, "planned", None),
                refresh=refresh,
                diff=False,
                plan=None if save is None else str(save),
            )
        except auto.CommandError as err:
            raise self._fail(run, err) from None
        return run

    def preview_refresh(self) -> Run:
        run = Run()
        self.progress.say(
            f"==> reading the workspace for stack {self.stack_name} (refresh preview)"
        )
        try:
            self.stack().preview_refresh(on_event=self._listen(run, "read", None))
        except auto.CommandError as err:
            raise self._fail(run, err) from None
        return run

    def up(self, hook: StepHook | None = None, plan: Path | None = None) -> Run:
        """Deploy; with `plan` (a saved update plan), nothing beyond it, stopping at the first
        failure."""
        run = Run()
        self.progress.say(f"==> deploying stack {self.stack_name}")
        try:
            # As make demo: a resource the workspace refuses does not stop the others; the run
            # still fails and names it. A saved plan is applied exactly or stopped.
            self.stack().up(
                on_event=self._listen(run, "deployed", hook),
                continue_on_error=plan is None,
                plan=None if plan is None else str(plan),
            )
        except auto.CommandError as err:
            raise self._fail(run, err) from None
        return run

    def outputs(self) -> dict[str, Any]:
        try:
            outputs: Mapping[str, auto.OutputValue] = self.stack().outputs()
        except auto.CommandError as err:
            raise EngineError(_first_error(str(err))) from None
        return {name: value.value for name, value in outputs.items()}


def _first_error(text: str) -> str:
    """The engine's `error:` lines of a failed command, else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "currently locked" in text:
        # The lines after it name each lock (file, user@host, pid): who holds the stack.
        start = next(i for i, line in enumerate(lines) if "currently locked" in line)
        return "\n".join(line.removeprefix("error: ") for line in lines[start:])
    errors = [line.removeprefix("error: ") for line in lines if line.startswith("error:")]
    if errors:
        return "\n".join(dict.fromkeys(errors))
    return lines[-1] if lines else "pulumi failed"
