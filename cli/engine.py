"""Lakeform's program through the Pulumi Automation API: preview, refresh preview, up, outputs.

Engine events become plain step records (JSON-able dicts, see `step_record`), which cli/plan.py
summarizes by row; tests record them once from a real run and replay them.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

import yaml
from pulumi import automation as auto
from pulumi.automation import events as ev
from pulumi.automation._stack import StackInitMode  # Stack.create_or_select's, for _Stack
from semver import VersionInfo

from cli.pulumienv import PREVIEW_ENV, EnvError, pulumi_env
from metadata.policy import PolicySettings, pack_config
from metadata.settings import SettingsError, load_stack_settings

POLICY_PACK_DIR = "policies"
"""Lakeform's policy pack, in the project (PulumiPolicy.yaml; rules in metadata/policy.py)."""

Step = dict[str, Any]
"""One engine step: op, urn, type, parent, protect, old/new inputs and outputs, replace keys."""


class EngineError(RuntimeError):
    """A Pulumi run failed; the message is the engine's own error lines (no traceback)."""


@dataclass(frozen=True)
class PolicyViolation:
    """One violation the policy pack reported in the engine: the rule, its level (`mandatory`
    refuses the run; `advisory` warns), the resource and the pack's message."""

    rule: str
    level: str
    urn: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"rule": self.rule, "level": self.level, "urn": self.urn, "message": self.message}


class PolicyRefused(EngineError):
    """The policy pack refused the run (a mandatory rule broken): nothing was written."""

    def __init__(self, run: Run) -> None:
        self.run = run
        lines = [
            f"  [{v.level}] {v.rule}: {v.message}" for v in run.policies if v.level == "mandatory"
        ]
        super().__init__("refused by the stack's policies:\n" + "\n".join(lines))


def _policy_level(level: str) -> str:
    """The engine's `warning` is the pack's advisory level."""
    return "advisory" if level in ("warning", "advisory") else level


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
    policies: list[PolicyViolation] = field(default_factory=list[PolicyViolation])
    """What the policy pack reported (the stack's lakeform:settings.policies)."""
    outputs: dict[str, Any] | None = None
    """After an update: the stack's outputs (from the update's events, `update_outputs`; else
    one `pulumi stack output` run once it is done)."""
    version: int | None = None
    """After an update: its number in the stack's history when known (None: not read; 0 where a
    DIY backend numbers none)."""

    @property
    def refused(self) -> bool:
        return any(v.level == "mandatory" for v in self.policies)

    @property
    def changes_nothing(self) -> bool:
        """A preview after which `pulumi up` would write nothing: every step `same` (or the
        refresh's reads), and no refreshed or planned outputs, stack outputs included, other
        than the state's. A refresh that found anything changed (`refresh: always`) still needs
        the update: it is what writes the refreshed outputs into the state."""
        quiet = ("same", "refresh")
        if any(s.get("op") not in quiet for s in [*self.steps, *self.done]):
            return False
        return all(_outputs(s, "old") == _outputs(s, "new") for s in self.done)


def _outputs(step: Step, which: str) -> Any:
    state = step.get(which)
    return state.get("outputs") if isinstance(state, dict) else None


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
            command = _pulumi_command(bin_dir.parent)
            workspace = _Workspace(
                work_dir=str(self.project), pulumi_command=command, env_vars=self.env
            )
            found = self.checkpoint()
            if found:
                workspace.existing = self.stack_name
            # A stack known not to exist is created (`pulumi stack init`) without the `stack
            # select` that CREATE_OR_SELECT runs first only to fail.
            mode = StackInitMode.CREATE if found is False else StackInitMode.CREATE_OR_SELECT
            try:
                try:
                    self._stack = _Stack(self.stack_name, workspace, mode)
                except auto.StackAlreadyExistsError:  # created meanwhile by another process
                    self._stack = _Stack(self.stack_name, workspace, StackInitMode.SELECT)
            except auto.CommandError as err:
                raise EngineError(_first_error(str(err))) from None
        return self._stack

    def checkpoint(self, stack: str | None = None) -> bool | None:
        """Whether `stack` (default: this engine's) exists, where the backend is a `file://` one
        (the DIY backend) and its files say so without a `pulumi` process: True, its checkpoint
        is there (`pulumi stack select`, which only checks that, as every command does with its
        `--stack`, can be skipped); False, it is not (the stack does not exist); None, any other
        backend URL or layout (ask pulumi: `stack select`, `stack ls`). The DIY backend's rule
        (pulumi v3.276.0, pkg/backend/diy/backend.go GetStack -> state.go stackExists/stackPath,
        store.go projectReferenceStore.StackBasePath): the stack exists when `.pulumi/stacks/
        <project>/<stack>.json`, `.json.gz` or `.json.zst` does, in the layout by project
        (meta.go: `.pulumi/meta.yaml` says version 1; the legacy layout, version 0, keeps
        stacks elsewhere). A backend without `.pulumi` holds no stack at all."""
        found = self._checkpoint_base(stack)
        if found is None:
            return None
        root, base = found
        if any((base.parent / f"{base.name}{ext}").is_file() for ext in _CHECKPOINTS):
            return True
        if not (root / ".pulumi").exists():
            return False
        return False if _layout_by_project(root) else None

    def _checkpoint_base(self, stack: str | None = None) -> tuple[Path, Path] | None:
        """(the backend's folder, the stack's checkpoint path less its extension) where the
        backend is a `file://` one (`checkpoint`), else None."""
        stack = self.stack_name if stack is None else stack
        url = self.env.get("PULUMI_BACKEND_URL") or os.environ.get("PULUMI_BACKEND_URL", "")
        if not url.startswith("file:///") or "%" in url:
            return None
        root = Path(url.removeprefix("file://").partition("?")[0])
        try:
            project = yaml.safe_load((self.project / "Pulumi.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            return None
        name = project.get("name") if isinstance(project, dict) else None
        if not isinstance(name, str) or not name or "/" in name or "/" in stack:
            return None
        return root, root / ".pulumi" / "stacks" / name / stack

    def _stored_deployment(self) -> auto.Deployment | None:
        """The deployment `pulumi stack export` (no --show-secrets) prints, read from the DIY
        backend's checkpoint file where that is what the command reads, else None. pulumi
        v3.276.0 pkg/backend/diy/backend.go ExportDeployment: the checkpoint file (state.go
        stackPath: `<stack>.json`, unless a `.json.gz` or `.json.zst` one is there) is
        unmarshalled (resource/stack/checkpoint.go UnmarshalVersionedCheckpointToLatestCheckpoint:
        version 3 as it is; older ones migrated, version 4 checked for features: left to pulumi)
        and its `latest` deployment printed with the version: the file's own JSON, as the same
        Go types wrote it (an update saves it by the same marshalling)."""
        found = self._checkpoint_base()
        if found is None or not _layout_by_project(found[0]):
            return None
        base = found[1]
        compressed = [base.parent / f"{base.name}{ext}" for ext in _CHECKPOINTS[1:]]
        if any(path.exists() for path in compressed):
            return None
        try:
            # The backend replaces the file whole (a temporary file, then a rename).
            stored = json.loads((base.parent / f"{base.name}.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict):
            return None
        held = cast("dict[str, Any]", stored)
        checkpoint = held.get("checkpoint")
        if held.get("version") != 3 or not isinstance(checkpoint, dict):
            return None
        latest = cast("dict[str, Any]", checkpoint).get("latest")
        return auto.Deployment(version=3, deployment=latest)

    def exists(self, stack: str) -> bool:
        """Whether `stack` exists in this engine's backend: from the DIY backend's files where
        they say (`checkpoint`), else one `pulumi stack ls`."""
        found = self.checkpoint(stack)
        if found is not None:
            return found
        return stack in {s.name for s in self.stack().workspace.list_stacks()}

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
            elif event.policy_event is not None:
                pol = event.policy_event
                run.policies.append(
                    PolicyViolation(
                        rule=pol.policy_name,
                        level=_policy_level(pol.enforcement_level),
                        urn=pol.resource_urn or "",
                        message=pol.message.strip(),
                    )
                )
            elif event.diagnostic_event is not None:
                diag = event.diagnostic_event
                text = diag.message.strip()
                if diag.severity == "error" and text:
                    run.errors.append(text)
                elif diag.severity == "warning" and text:
                    run.warnings.append(text)

        return on_event

    def policy_settings(self) -> PolicySettings:
        """The stack's lakeform:settings.policies."""
        try:
            return load_stack_settings(self.project, self.stack_name).policies
        except SettingsError as err:
            raise EngineError(str(err)) from None

    @contextmanager
    def _policy_args(self) -> Iterator[dict[str, Any]]:
        """`policy_packs`/`policy_pack_configs` for a preview or an update: Lakeform's pack with
        the stack's levels and parameters when any rule runs, else nothing."""
        settings = self.policy_settings()
        if all(settings.level(rule) == "disabled" for rule in settings.rules):
            yield {}
            return
        pack = self.project / POLICY_PACK_DIR
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise EngineError(
                f"lakeform:settings.policies names rules, but {pack}/PulumiPolicy.yaml is missing; "
                "the policy pack ships in the repository's policies/ folder"
            )
        with tempfile.TemporaryDirectory(prefix="lakeform-policy-") as tmp:
            config = Path(tmp) / "policy-config.json"
            config.write_text(json.dumps(pack_config(settings), indent=2), encoding="utf-8")
            yield {"policy_packs": [str(pack)], "policy_pack_configs": [str(config)]}

    def _fail(self, run: Run, err: auto.CommandError) -> EngineError:
        if run.refused:
            return PolicyRefused(run)
        lines = [e for e in run.errors if not e.startswith("update failed")]
        return EngineError("\n".join(lines) if lines else _first_error(str(err)))

    def preview(self, *, refresh: bool | None = None, save: Path | None = None) -> Run:
        """A preview; with `save`, the engine's update plan is written there (for `up(plan=)`).
        `refresh`: True reads every resource first, False trusts the state (no read), None does
        as Pulumi.yaml's options.refresh says (Lakeform's: always)."""
        run = Run()
        how = {None: "", True: " (with refresh)", False: " (no refresh: the state as deployed)"}
        self.progress.say(f"==> planning stack {self.stack_name}{how[refresh]}")
        stack = self.stack()
        # The SDK passes `--refresh` when true but never `--refresh=false`, which is what
        # overrides the project's `refresh: always` (pulumi 3.276 pkg/cmd/pulumi/operations/
        # io.go GetRefreshOption: an explicit flag wins over proj.Options.Refresh).
        workspace = cast("_Workspace", stack.workspace)
        workspace.extra = ["--refresh=false"] if refresh is False else []
        env_vars = workspace.env_vars
        workspace.env_vars = {**PREVIEW_ENV, **env_vars}  # an exported value wins
        try:
            with self._policy_args() as policies:
                stack.preview(
                    on_event=self._listen(run, "planned", None),
                    refresh=refresh is True,
                    diff=False,
                    plan=None if save is None else str(save),
                    **policies,
                )
        except auto.CommandError as err:
            raise self._fail(run, err) from None
        finally:
            workspace.extra = []
            workspace.env_vars = env_vars
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
            with self._policy_args() as policies:
                self.stack().up(
                    on_event=self._listen(run, "deployed", hook),
                    continue_on_error=plan is None,
                    plan=None if plan is None else str(plan),
                    **policies,
                )
        except auto.CommandError as err:
            raise self._fail(run, err) from None
        # The update's number stays unknown (None): saved.update_number reads the history
        # when the deployments table needs it, and a DIY backend numbers every update 0.
        found = update_outputs(run.done)
        run.outputs = self.outputs() if found is None else found
        return run

    def outputs(self) -> dict[str, Any]:
        """The stack's outputs, secrets in plain text, as `pulumi stack output --json
        --show-secrets` prints them: read from the deployment (`deployment`, no key derived)
        unless a secret is among them, then from that command (the Automation API's
        `Stack.outputs` runs it twice, the second to learn which are secret, which Lakeform
        never asks). Lakeform's program exports no secret."""
        found = outputs_of(dict(self.deployment().deployment or {}))
        return self._shown_outputs() if found is None else found

    def _shown_outputs(self) -> dict[str, Any]:
        """One `pulumi stack output --json --show-secrets` run."""
        workspace = self.stack().workspace
        assert isinstance(workspace, auto.LocalWorkspace)
        args = ["stack", "output", "--json", "--show-secrets", "--stack", self.stack_name]
        try:
            done = workspace.pulumi_command.run(args, str(self.project), self.env)
        except auto.CommandError as err:
            raise EngineError(_first_error(str(err))) from None
        outputs: dict[str, Any] = json.loads(done.stdout)
        return outputs

    def deployment(self) -> auto.Deployment:
        """The stack's deployment as its backend keeps it: `pulumi stack export` without
        --show-secrets, a secret as its ciphertext ({SECRET_SIG: SECRET, "ciphertext": ...})
        beside the `secrets_providers` state that decrypts it. The Automation API's
        `Stack.export_stack` always passes --show-secrets, and showing a secret decrypts the
        whole state: the passphrase secrets manager derives its key first (1,000,000 PBKDF2
        rounds, pulumi v3.276.0 pkg/secrets/passphrase/manager.go), 0.17 CPU-s of the 0.36 an
        export costs. Everything Lakeform reads from a deployment (URNs, ids, inputs and
        outputs of jobs and pipelines, pending operations, a digest of the whole) holds no
        secret; one edited and given back to `Stack.import_stack` keeps its secrets as they
        were (the import decrypts the ciphertext with the state's own secrets provider,
        pkg/cmd/pulumi/stack/stack_import.go -> resource/stack/deployment.go
        DeserializeDeploymentV3, and the backend encrypts them again). From a `file://`
        backend, the checkpoint file is read instead (`_stored_deployment`), no process run."""
        stored = self._stored_deployment()
        if stored is not None:
            return stored
        workspace = self.stack().workspace
        assert isinstance(workspace, auto.LocalWorkspace)
        args = ["stack", "export", "--stack", self.stack_name]
        try:
            done = workspace.pulumi_command.run(args, str(self.project), self.env)
        except auto.CommandError as err:
            raise EngineError(_first_error(str(err))) from None
        state: dict[str, Any] = json.loads(done.stdout)
        return auto.Deployment(version=state.get("version"), deployment=state.get("deployment"))

    def exported(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stack's outputs (as `outputs`) and its deployment (as `deployment`), from one
        `pulumi stack export` run where the outputs hold no secret: for a command that needs
        both, one run instead of two."""
        deployment = dict(self.deployment().deployment or {})
        outputs = outputs_of(deployment)
        return (self._shown_outputs() if outputs is None else outputs), deployment


ROOT_STACK = "pulumi:pulumi:Stack"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"


def outputs_of(deployment: dict[str, Any]) -> dict[str, Any] | None:
    """The stack's outputs in an exported deployment as `pulumi stack output --json
    --show-secrets` prints them, or None when a secret in them has no plaintext (an export
    without --show-secrets). What that command prints (pulumi v3.276.0 pkg/cmd/pulumi/stack/
    stack_output.go getStackOutputs): the outputs of the root stack resource (pkg/resource/stack/
    checkpoint.go GetRootStackResource: type pulumi:pulumi:Stack, no parent), each secret
    replaced by its value; the export holds a secret as {SECRET_SIG: SECRET, "plaintext": its
    value as JSON} (pkg/resource/stack/deployment.go SerializePropertyValue)."""
    for resource in deployment.get("resources") or []:
        if resource.get("type") == ROOT_STACK and not resource.get("parent"):
            try:
                return {k: _revealed(v) for k, v in (resource.get("outputs") or {}).items()}
            except _NoPlaintext:
                return None
    return {}


def update_outputs(done: list[Step]) -> dict[str, Any] | None:
    """The stack's outputs after an update, from its own events, as `pulumi stack output --json
    --show-secrets` prints them: the root stack resource's last outputs event (the one after
    the program registered its outputs; with `refresh: always` a `refresh` one comes first),
    or None when there is none, or a secret in it has no plaintext (the engine's events carry
    a secret as {SECRET_SIG: SECRET, "ciphertext": "[secret]"}): then `stack output` reads them."""
    roots = [
        s
        for s in done
        if s.get("type") == ROOT_STACK
        and s.get("op") not in ("refresh", "read")
        and not (s.get("new") or {}).get("parent")
    ]
    if not roots:
        return None
    try:
        return {k: _revealed(v) for k, v in (_outputs(roots[-1], "new") or {}).items()}
    except _NoPlaintext:
        return None


class _NoPlaintext(Exception):
    pass


def _revealed(value: Any) -> Any:
    if isinstance(value, dict):
        held = cast("dict[str, Any]", value)
        if held.get(SECRET_SIG) == SECRET:
            if not isinstance(held.get("plaintext"), str):
                raise _NoPlaintext
            return _revealed(json.loads(held["plaintext"]))
        return {k: _revealed(v) for k, v in held.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in cast("list[Any]", value)]
    return value


_CHECKPOINTS = (".json", ".json.gz", ".json.zst")


def _layout_by_project(root: Path) -> bool:
    """Whether the DIY backend in `root` keeps its stacks by project: `.pulumi/meta.yaml` with
    version 1 (pulumi v3.276.0 pkg/backend/diy/meta.go pulumiMeta)."""
    try:
        meta = yaml.safe_load((root / ".pulumi" / "meta.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(meta, dict) and cast("dict[str, Any]", meta).get("version") == 1


class _Workspace(auto.LocalWorkspace):
    """A LocalWorkspace that adds `extra` to the command it runs next (the SDK's hook for
    arguments of every command; empty but for the one preview that sets it), and that does not
    select the `existing` stack: every command the Automation API runs names its `--stack`, so
    selecting one only checks that it exists (one `pulumi` start-up)."""

    extra: list[str] = []  # noqa: RUF012  # replaced, never mutated
    existing: str | None = None

    def serialize_args_for_op(self, stack_name: str) -> list[str]:
        return list(self.extra)

    def select_stack(self, stack_name: str) -> None:
        if stack_name != self.existing:
            super().select_stack(stack_name)


class _Stack(auto.Stack):
    """A Stack whose `up` runs only `pulumi up`. The Automation API's `Stack.up` (pulumi SDK
    3.272.0 automation/_stack.py) follows the update with `Stack.outputs` (two `pulumi stack
    output` runs, masked then plain, to learn which outputs are secret) and `Stack.info` (one
    `pulumi stack history --page-size 1`, for the summary): 0.55 CPU-s an update, and Lakeform
    reads the outputs with one run (`Engine.outputs`) and the update's number only when the
    deployments table asks (cli/saved.py update_number)."""

    _in_up = False

    def up(self, *args: Any, **kwargs: Any) -> auto.UpResult:
        self._in_up = True
        try:
            return super().up(*args, **kwargs)
        finally:
            self._in_up = False

    def outputs(self) -> auto.OutputMap:
        return {} if self._in_up else super().outputs()

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        if not self._in_up:
            return super().info(show_secrets)
        # Stack.up asserts a summary; this one says only that it was not read.
        return auto.UpdateSummary(
            kind="update",
            start_time=datetime.now(UTC),
            message="",
            environment={},
            config={},
            result="not read",
        )


class _PulumiCommand(auto.PulumiCommand):
    """The toolchain's `pulumi`, its version known from the toolchain's record: the SDK's own
    PulumiCommand runs `pulumi version` to learn it (0.14 CPU-s a command), even with
    skip_version_check (automation/_cmd.py PulumiCommand.__init__)."""

    def __init__(self, root: Path, version: VersionInfo) -> None:
        # Not super().__init__: that is the `pulumi version` run; these are the two attributes
        # it sets.
        self.command = str(root / "bin" / "pulumi")
        self.version = version


def _built_version(root: Path) -> VersionInfo | None:
    """The pulumi version devtools/toolchain/build.py recorded when it built `root`
    (COMPLETE.json's `pulumi`), or None when there is no such record."""
    try:
        record = json.loads((root / "COMPLETE.json").read_text(encoding="utf-8"))
        return VersionInfo.parse(str(record["pulumi"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@functools.cache
def _pulumi_command(root: Path) -> auto.PulumiCommand:
    """One per toolchain and process. Its version (which the SDK needs: it picks how engine
    events arrive by it) is the toolchain's record where there is one, else `pulumi version`'s
    (a PulumiCommand runs it once made)."""
    version = _built_version(root)
    if version is not None and (root / "bin" / "pulumi").is_file():
        return _PulumiCommand(root, version)
    return auto.PulumiCommand(root=str(root), skip_version_check=True)


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
