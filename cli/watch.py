"""`lakeform watch`: deploy a stack whenever its rows change (YAML folders, a volume, tables).

Each iteration copies the stack's volume (`watch_volume`) into its project folder, takes a
fingerprint of every source (each file's content hash, each control table's version) and compares
it with the one last deployed, kept in `.lakeform/watch/<stack>.json`. Unchanged: nothing else
runs (no Pulumi, no workspace call but the volume listing). Changed: validate, then `lakeform up`'s
own code (cli/deploy.run_up: drift repair, plan, mass-delete guard, deploy, outputs). Rows that do
not validate and plans the guard refuses are never deployed, and not tried again until the
sources change; a failed deploy is tried again on the next change or after a back-off.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import posixpath
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO, cast

import yaml
from pulumi import automation as auto

from cli.engine import Engine, EngineError, Progress
from cli.locks import LockError, lock_folder, read_locks, release_dead_locks, why_not_dead
from cli.pulumienv import workspace_client
from metadata.settings import SettingsError, StackSettings, WatchVolume, load_stack_settings

ROW_SUFFIXES = (".yaml", ".yml")
BACKOFF_CAP = 3600.0
"""The longest wait before a failed deploy of unchanged sources is tried again, in seconds."""


# ---------------------------------------------------------------- the log


class Log:
    """Timestamped lines on stderr, as the seed's monitor logs: `time LEVEL message`."""

    def __init__(self, out: TextIO | None = None, clock: Callable[[], float] = time.time) -> None:
        self.out = out if out is not None else sys.stderr
        self.clock = clock

    def __call__(self, message: str, level: str = "INFO") -> None:
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for line in message.splitlines() or [""]:
            print(f"{stamp} {level} {line}", file=self.out, flush=True)


class _LogLines(io.TextIOBase):
    """A text stream whose complete lines go to the log as they come (deploy output, live)."""

    def __init__(self, log: Log, level: str = "INFO") -> None:
        self.log, self.level, self.buffer_ = log, level, ""
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        self.buffer_ += text
        while "\n" in self.buffer_:
            line, self.buffer_ = self.buffer_.split("\n", 1)
            self.lines.append(line)
            if line.strip():
                self.log(line.rstrip(), self.level)
        return len(text)

    def flush(self) -> None:
        if self.buffer_:
            self.write("\n")


# ---------------------------------------------------------------- fingerprints


Fingerprint = dict[str, str]
"""Source item -> its digest or version: `file:resources/a.yaml` -> sha256, `table:c.s.t` -> `7`."""


class Source(Protocol):
    """One place rows come from; `fingerprint` must be cheap (no Pulumi, no row loading)."""

    def fingerprint(self) -> Fingerprint: ...


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files_under(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        return
    for child in sorted(path.rglob("*")):
        if child.is_file() and not any(
            part.startswith(".") or part == "__pycache__" for part in child.parts[len(path.parts) :]
        ):
            yield child


@dataclass(frozen=True)
class Folders:
    """The stack's row folders and files, and its stack file, by content hash (never mtime)."""

    root: Path
    paths: Sequence[str]

    def fingerprint(self) -> Fingerprint:
        found: Fingerprint = {}
        for rel in self.paths:
            for path in _files_under(self.root / rel):
                found[f"file:{path.relative_to(self.root).as_posix()}"] = _sha(path.read_bytes())
        return found


@dataclass(frozen=True)
class Versions:
    """Versions a cheap function reports (a control table's Delta version), as `prefix:name`."""

    prefix: str
    read: Callable[[], Mapping[str, int | str]]

    def fingerprint(self) -> Fingerprint:
        return {f"{self.prefix}:{name}": str(v) for name, v in sorted(self.read().items())}


def fingerprint(sources: Sequence[Source]) -> Fingerprint:
    found: Fingerprint = {}
    for source in sources:
        found.update(source.fingerprint())
    return found


def digest(items: Mapping[str, str]) -> str:
    return _sha(json.dumps(dict(sorted(items.items())), separators=(",", ":")).encode())


def changes(before: Mapping[str, str] | None, now: Mapping[str, str]) -> list[str]:
    """`added file:x`, `changed table:t`, `removed file:y`, in item order."""
    before = before or {}
    out: list[str] = []
    for item in sorted({*before, *now}):
        if item not in before:
            out.append(f"added {item}")
        elif item not in now:
            out.append(f"removed {item}")
        elif before[item] != now[item]:
            out.append(f"changed {item}")
    return out


def backoff(attempts: int, interval: float, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after `attempts` failed deploys of the same sources: the interval, then
    doubled each time, at most `cap` (and never less than one second)."""
    if attempts < 1:
        return 0.0
    return min(max(interval, 1.0) * 2.0 ** (attempts - 1), cap)


# ---------------------------------------------------------------- the volume


@dataclass
class VolumeSync:
    """Mirror a volume folder's YAML files into a project folder (Files API: GET
    /api/2.0/fs/directories{path}, GET /api/2.0/fs/files{path}). A file is downloaded only when
    its listed size or modification time moved since the last sync; it is written only when its
    bytes differ, so the folder's content hash is what decides a change."""

    files: Any
    """databricks.sdk.service.files.FilesAPI (the plain REST calls, no presigned URLs)."""
    volume: WatchVolume
    root: Path
    listed: dict[str, list[int]] = field(default_factory=dict[str, list[int]])
    """Relative path -> [size, last_modified] as last listed."""

    def _walk(self, path: str) -> Iterator[tuple[str, int, int]]:
        for entry in self.files.list_directory_contents(path):
            if entry.is_directory:
                yield from self._walk(entry.path.rstrip("/"))
            elif entry.name.endswith(ROW_SUFFIXES):
                rel = posixpath.relpath(entry.path, self.volume.path)
                yield rel, int(entry.file_size or 0), int(entry.last_modified or 0)

    def sync(self) -> list[str]:
        """Copy what changed; `copied x.yaml`, `removed y.yaml` for each local file changed."""
        folder = self.root / self.volume.folder
        listing = {rel: [size, modified] for rel, size, modified in self._walk(self.volume.path)}
        done: list[str] = []
        for rel, meta in sorted(listing.items()):
            local = folder / rel
            if self.listed.get(rel) == meta and local.is_file():
                continue
            content = self.files.download(f"{self.volume.path}/{rel}").contents.read()
            if not local.is_file() or local.read_bytes() != content:
                local.parent.mkdir(parents=True, exist_ok=True)
                tmp = local.with_name(f".{local.name}.tmp")
                tmp.write_bytes(content)
                tmp.replace(local)
                done.append(f"copied {rel}")
        if folder.is_dir():
            for local in _files_under(folder):
                rel = local.relative_to(folder).as_posix()
                if local.suffix in ROW_SUFFIXES and rel not in listing:
                    local.unlink()
                    done.append(f"removed {rel}")
        self.listed = listing
        return done


def _stack_config(root: Path, stack: str) -> Callable[[str], str | None]:
    """Plain values of the stack file's `config` (the host; a secret token is not readable
    without Pulumi, so it comes from DATABRICKS_TOKEN then)."""
    path = root / f"Pulumi.{stack}.yaml"
    doc = yaml.safe_load(path.read_text()) if path.is_file() else None
    config = (doc or {}).get("config") or {}

    def get(key: str) -> str | None:
        value = config.get(key)
        return value if isinstance(value, str) else None

    return get


# ---------------------------------------------------------------- state


@dataclass
class State:
    """What the watcher remembers between checks and runs (.lakeform/watch/<stack>.json)."""

    deployed: Fingerprint | None = None
    """The fingerprint of the last successful deploy."""
    rows: dict[str, str] = field(default_factory=dict[str, str])
    """`kind.key` -> digest of the final row, at the last successful deploy."""
    rejected: str | None = None
    """Digest of sources that did not validate or that the guard refused: not tried again."""
    failed: str | None = None
    """Digest of sources whose deploy failed, `attempts` times, to be tried at `retry_at`."""
    attempts: int = 0
    retry_at: float = 0.0
    volume: dict[str, list[int]] = field(default_factory=dict[str, list[int]])

    @classmethod
    def read(cls, path: Path) -> State:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return cls()
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=1, sort_keys=True))
        tmp.replace(path)


# ---------------------------------------------------------------- one check


@dataclass
class Outcome:
    """What one check did: `unchanged`, `waiting` (rejected or backing off), `invalid`,
    `refused`, `deployed`, `failed`, `locked` or `error`."""

    result: str
    changed: list[str] = field(default_factory=list[str])
    rows: list[str] = field(default_factory=list[str])
    problems: list[str] = field(default_factory=list[str])
    outputs: list[str] = field(default_factory=list[str])
    seconds: float = 0.0

    def as_json(self, iteration: int) -> str:
        return json.dumps({"iteration": iteration, **self.__dict__}, sort_keys=True)


TableVersions = Callable[[Path, str, StackSettings], Mapping[str, int | str]]
"""(project, stack, settings) -> each control table's version: the control-table source."""


class Watcher:
    """Checks one stack's sources and deploys them when they changed."""

    def __init__(
        self,
        root: Path,
        stack: str,
        *,
        interval: float = 60.0,
        log: Log | None = None,
        clock: Callable[[], float] = time.time,
        table_versions: TableVersions | None = None,
    ) -> None:
        self.root, self.stack, self.interval = root, stack, interval
        self.log = log or Log()
        self.clock = clock
        self.table_versions = table_versions
        self.state_path = root / ".lakeform" / "watch" / f"{stack}.json"
        self.state = State.read(self.state_path)
        self._engine: Engine | None = None
        self._volume: VolumeSync | None = None

    # -- sources

    def sources(self, settings: StackSettings) -> list[Source]:
        found: list[Source] = [
            Folders(self.root, [*settings.metadata_paths, f"Pulumi.{self.stack}.yaml"])
        ]
        if self.table_versions is not None:
            versions = self.table_versions
            found.append(Versions("table", lambda: versions(self.root, self.stack, settings)))
        return found

    def _sync_volume(self, settings: StackSettings) -> None:
        volume = settings.watch_volume
        if volume is None:
            return
        if self._volume is None or self._volume.volume != volume:
            from databricks.sdk.service.files import FilesAPI

            client = workspace_client(self.stack, _stack_config(self.root, self.stack))
            if client is None:
                self.log(f"volume {volume.path}: no workspace host for stack {self.stack}", "WARN")
                return
            self._volume = VolumeSync(FilesAPI(client.api_client), volume, self.root)
            self._volume.listed = dict(self.state.volume)
        try:
            done = self._volume.sync()
        except Exception as err:  # the seed's rule: a volume error is a warning, watching goes on
            self.log(f"volume {volume.path}: not synced ({type(err).__name__}: {err})", "WARN")
            return
        self.state.volume = self._volume.listed
        if done:
            self.log(
                f"YAML files changed in volume {volume.path}, synced into {volume.folder}: "
                + ", ".join(done)
            )

    # -- the check

    def check(self) -> Outcome:
        started = time.monotonic()
        outcome = self._check()
        outcome.seconds = round(time.monotonic() - started, 3)
        self.state.write(self.state_path)
        return outcome

    def _check(self) -> Outcome:
        try:
            settings = load_stack_settings(self.root, self.stack)
        except SettingsError as err:
            self.log(f"stack {self.stack}: settings do not validate; not deploying", "ERROR")
            self.log(str(err), "ERROR")
            return Outcome("invalid", problems=str(err).splitlines())
        self._sync_volume(settings)
        try:
            items = fingerprint(self.sources(settings))
        except Exception as err:
            self.log(f"cannot read the sources: {type(err).__name__}: {err}", "ERROR")
            return Outcome("error", problems=[str(err)])
        now = digest(items)
        if self.state.deployed is not None and digest(self.state.deployed) == now:
            return Outcome("unchanged")
        changed = changes(self.state.deployed, items)
        if self.state.rejected == now:
            return Outcome("waiting", changed=changed)
        if self.state.failed == now and self.clock() < self.state.retry_at:
            return Outcome("waiting", changed=changed)
        self.log(f"changes detected in stack {self.stack}: {len(changed)} source item(s)")
        for line in changed:
            self.log(f"  {line}")
        return self._deploy(settings, items, changed)

    def _rows(self, settings: StackSettings) -> dict[str, str] | list[str]:
        """`kind.key` -> digest of each final row, or the problems (file:line: field: why)."""
        from cli import table
        from metadata import KINDS, MetadataError, apply_stack_defaults

        try:
            rows = table.stack_rows(self.root, self.stack, settings)
        except MetadataError as err:
            return [str(p) for p in err.problems]
        except table.TableError as err:
            return [str(err)]
        if rows.total == 0 and not settings.allow_empty:
            return [settings.empty_refusal()]
        final = apply_stack_defaults(rows, settings, self.stack)
        return {
            f"{kind}.{key}": _sha(row.model_dump_json().encode())
            for kind in KINDS
            for key, row in sorted(final.of(kind).items())
        }

    def _deploy(self, settings: StackSettings, items: Fingerprint, changed: list[str]) -> Outcome:
        now = digest(items)
        rows = self._rows(settings)
        if isinstance(rows, list):
            self.log(f"rows do not validate; not deploying stack {self.stack}:", "ERROR")
            for problem in rows:
                self.log(f"  {problem}", "ERROR")
            self.log("watching on; the stack is deployed again once they are fixed")
            self.state.rejected = now
            return Outcome("invalid", changed=changed, problems=rows)
        row_changes = changes(self.state.rows, rows) if self.state.rows else []
        if row_changes:
            self.log(f"rows changed: {', '.join(row_changes)}")
        elif not self.state.rows:
            self.log(f"{len(rows)} rows; no earlier deploy known to this watcher")
        engine = self.engine()
        out = _LogLines(self.log)
        err = _LogLines(self.log, "WARN")
        try:
            self._recover_if_killed(engine)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = self._up(engine)
        except (EngineError, auto.CommandError) as error:
            return self._failed(str(error).strip(), now, changed, row_changes)
        finally:
            out.flush()
            err.flush()
        if code != 0:
            self.log(f"refused; not deploying stack {self.stack} (see above)", "ERROR")
            self.log("watching on; the stack is deployed again once the rows change")
            self.state.rejected = now
            return Outcome("refused", changed=changed, rows=row_changes, problems=err.lines)
        keys = {change.split(" ", 1)[1] for change in row_changes}
        outputs = [line for line in out.lines if line.split("  ", 1)[0] in keys]
        self.log(f"deployed stack {self.stack}: {len(row_changes)} row change(s)")
        for line in outputs:
            self.log(f"  {line}")
        self.state.deployed, self.state.rows = items, rows
        self.state.rejected, self.state.failed, self.state.attempts = None, None, 0
        return Outcome("deployed", changed=changed, rows=row_changes, outputs=outputs)

    def _up(self, engine: Engine) -> int:
        from cli import deploy

        args = argparse.Namespace(stack=self.stack, plan=None, yes=True, allow_deletes=None)
        args.run_keys = []
        try:
            return deploy.run_up(args, engine=engine)
        except (EngineError, auto.CommandError) as error:
            # The deploy's lock, or the drift repair's (it writes the state first).
            if "currently locked" not in str(error):
                raise EngineError(str(error).strip()) from None
            self._release_if_dead(str(error))
            return deploy.run_up(args, engine=engine)

    def _release_if_dead(self, message: str) -> None:
        """A killed watcher's lock is released (cli/locks.py proves it dead); a live one is
        named, and the deploy waits for the next check."""
        try:
            locks = read_locks(lock_folder(message))
            live = [(lock, why) for lock in locks if (why := why_not_dead(lock)) is not None]
            if live or not locks:
                raise LockError(f"{live[0][0]}" if live else "the lock is gone")
            for lock in release_dead_locks(message):
                self.log(f"released the lock of a deploy that no longer runs: {lock}")
        except LockError as err:
            raise EngineError(
                f"stack {self.stack} is being deployed by another process; not deploying now, "
                f"trying again at the next check. Held by: {err}"
            ) from None

    def _recover_if_killed(self, engine: Engine) -> None:
        """A deploy killed half-way leaves pending creates; settle them first (`lakeform
        recover`), so this deploy adopts what it made instead of duplicating it."""
        from stacks.recover import pending_creates

        exported = engine.deployment()
        if not pending_creates({"deployment": exported.deployment}):
            return
        self.log(f"stack {self.stack}: a deploy was interrupted; recovering (lakeform recover)")
        env = {**os.environ, **engine.env}
        env = {k: v for k, v in env.items() if v != ""}
        done = subprocess.run(
            [sys.executable, "-m", "cli.main", "recover", "--stack", self.stack, "--yes"],
            cwd=self.root,
            env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            capture_output=True,
            text=True,
            check=False,
        )
        for line in (done.stdout + done.stderr).splitlines():
            self.log(f"  {line}", "INFO" if done.returncode == 0 else "ERROR")
        if done.returncode != 0:
            raise EngineError(f"lakeform recover --stack {self.stack} failed (above)")

    def _failed(self, message: str, now: str, changed: list[str], rows: list[str]) -> Outcome:
        if "is being deployed by another process" in message:
            self.log(message, "WARN")
            return Outcome("locked", changed=changed, rows=rows, problems=[message])
        self.state.attempts = self.state.attempts + 1 if self.state.failed == now else 1
        self.state.failed = now
        wait = backoff(self.state.attempts, self.interval)
        self.state.retry_at = self.clock() + wait
        self.log(f"deploy of stack {self.stack} failed:", "ERROR")
        self.log(message, "ERROR")
        self.log(
            f"trying again on the next change, or in {wait:.0f}s (attempt {self.state.attempts})"
        )
        return Outcome("failed", changed=changed, rows=rows, problems=message.splitlines())

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(
                self.root, self.stack, Progress(out=cast(TextIO, _LogLines(self.log)))
            )
        return self._engine


# ---------------------------------------------------------------- the command


def control_table_versions(root: Path, stack: str, settings: StackSettings) -> dict[str, str]:
    """Each of the stack's control tables' Delta version (cli/table.py: the Delta log only, no
    row read); `none` for a table not made yet."""
    if not settings.control_tables:
        return {}
    from cli import table

    found = table.stack_table_versions(root, stack)
    return {name: "none" if v is None else str(v) for name, v in found.items()}


def default_table_versions() -> TableVersions | None:
    """The control-table source."""
    return control_table_versions


def run(args: argparse.Namespace) -> int:
    log = Log()
    try:
        watcher = Watcher(
            Path.cwd(),
            args.stack,
            interval=args.interval,
            log=log,
            table_versions=default_table_versions(),
        )
    except EngineError as err:
        print(f"lakeform watch: error: {err}", file=sys.stderr)
        return 1
    limit = 1 if args.once else args.max_iterations
    if not args.once:
        log(f"starting to watch stack {args.stack} (interval: {args.interval:g}s)")
    iteration, last = 0, Outcome("unchanged")
    while limit is None or iteration < limit:
        iteration += 1
        last = watcher.check()
        if last.result in ("unchanged", "waiting") and not args.json:
            log(f"check {iteration}: {last.result} ({last.seconds:.3f}s)")
        if args.json:
            print(last.as_json(iteration), flush=True)
        if limit is not None and iteration >= limit:
            break
        time.sleep(args.interval)
    return 0 if last.result in ("unchanged", "waiting", "deployed") or not args.once else 1
