"""Shards that cannot preview differently without a refresh, reported unchanged without running
their engine (`lakeform plan --no-refresh` of a sharded stack).

A preview that reads nothing from the workspace (`--refresh=false`) is worked out from the
program's inputs and the stack's state alone. So a shard whose inputs and state are exactly as
at the end of its last successful `up`, or of its last no-change `--no-refresh` preview, would
show what it showed then: nothing to change. Its fingerprint (`fingerprints`) covers

- the program: Lakeform's version, the program's files (its policy pack too) and the provider
  it runs (cli/saved.py `program_version`), the toolchain (the engine's PATH names the pinned
  versions) and the variables the engine and program see (their values hashed; credentials'
  names only: a no-refresh preview reads nothing with them);
- the settings: `Pulumi.<env>.yaml`, the shard's `Pulumi.<env>.<shard>.yaml`;
- the rows: the shard's own, resolved (as its program builds them), the rows of other shards
  they name, and what every shard's program takes of the whole environment (its row keys,
  count and protected rows);
- the state: a digest of the shard's deployment (`pulumi stack export`, which any update, state
  edit or import changes, a hand-run `pulumi up` included) and of each stack whose outputs its
  rows read (StackReference);
- the repository files its program uploads: each file's sha256 and each glob's matches as the
  program read them at that run (metadata/shards.py `record_reads`), checked again now.

Anything else changed, or not known, and the shard is previewed. A stack whose policies run is
always previewed (their findings come from the preview). A refreshing plan (`lakeform plan`)
reads the workspace, which can drift at any time: it previews every shard, and records
nothing. The records live in `.lakeform/shards/<env>.unchanged.json` (ignored by git)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from cli.engine import Engine, Run, Step
from cli.files import write_atomic
from cli.saved import program_version
from cli.shards import Environment, Exported
from metadata import KINDS
from metadata.paths import LeavesRepository, repo_glob
from metadata.shards import READS

RECORD = ".lakeform/shards/{env}.unchanged.json"
VERSION = 1
VARIABLES = ("PULUMI_", "DATABRICKS_", "LAKEFORM_")
"""Variables of the environment the engine, provider and program see that count: the
Automation API passes the whole environment on; these are the ones that configure them."""
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSPHRASE")


@dataclass(frozen=True)
class Stacks:
    """What `pulumi stack export` gave of each stack: a digest of its deployment, and how many
    rows it holds (a skipped shard's `rows before`)."""

    digests: Mapping[str, str]
    existing: Mapping[str, int]

    @classmethod
    def of(cls, found: Mapping[str, Exported]) -> Stacks:
        """From cli/shards.py `states(seen=)` or `exports`: stack -> what its export gave."""
        return cls(
            digests={s: e.digest for s, e in found.items()},
            existing={s: len(e.rows) for s, e in found.items()},
        )


def _variables(engine: Engine) -> list[tuple[str, str]]:
    seen = {k: v for k, v in os.environ.items() if k.startswith(VARIABLES)}
    seen.update(engine.env)
    return sorted(
        (name, "" if any(w in name for w in SECRET_WORDS) else value)
        for name, value in seen.items()
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"(missing)"


def fingerprints(env: Environment, engine: Engine, stacks: Stacks) -> dict[str, str]:
    """Each shard's stack -> the digest of everything its no-refresh preview depends on, the
    uploads aside (checked apart, from what its program read: `reads_current`)."""
    common = hashlib.sha256(f"lakeform unchanged {VERSION}\0".encode())
    common.update(json.dumps(program_version(engine), sort_keys=True).encode())
    common.update(json.dumps(_variables(engine)).encode())
    common.update(_read(env.root / f"Pulumi.{env.name}.yaml"))
    first = env.layout.shards[0] if env.layout.shards else ""
    part = env.layout.part(env.rows, first)  # the environment-wide parts are every shard's
    whole = {
        "present": part.present,
        "total": part.total,
        "protected": {"rows": part.protected.rows, "renamed": part.protected.renamed},
    }
    common.update(json.dumps(whole, sort_keys=True).encode())
    # Each row's JSON is made as it is hashed, not held: at 10,000 rows, 46 MB of it at once.
    mine: dict[str, list[tuple[str, str, BaseModel]]] = {s: [] for s in env.layout.shards}
    for kind in KINDS:
        for key, row in env.rows.of(kind).items():
            shard = env.layout.of.get((kind, key))
            if shard in mine:
                mine[shard].append((kind, key, row))
    out: dict[str, str] = {}
    for shard in env.layout.shards:
        stack = env.layout.stack(shard)
        h = common.copy()
        h.update(f"\0{stack}\0".encode())
        h.update(_read(env.root / f"Pulumi.{stack}.yaml"))
        foreign = env.layout.foreign(env.rows, shard)
        h.update(json.dumps(foreign, sort_keys=True).encode())
        for kind, key, row in sorted(mine[shard], key=lambda entry: entry[:2]):  # keys are unique
            h.update(f"\0{kind}\0{key}\0{row.model_dump_json()}".encode())
        named = sorted({stack, *(there for f in foreign.values() for there in f.values())})
        for other in named:
            h.update(f"\0{other}\0{stacks.digests.get(other, 'no state')}".encode())
        out[stack] = h.hexdigest()
    return out


def _reads(root: Path, stack: str) -> dict[str, Any] | None:
    try:
        data = json.loads((root / READS.format(stack=stack)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cast("dict[str, Any]", data) if isinstance(data, dict) else None


def reads_current(root: Path, reads: Mapping[str, Any]) -> bool:
    """Whether every file the program uploaded has the bytes it read, and every glob it used
    matches what it matched."""
    files = cast("dict[str, str]", reads.get("files") or {})
    for rel, digest in files.items():
        if hashlib.sha256(_read(root / rel)).hexdigest() != digest:
            return False
    globs = cast("dict[str, list[str]]", reads.get("globs") or {})
    for pattern, found in globs.items():
        try:
            if repo_glob(root, pattern) != found:
                return False
        except (LeavesRepository, OSError, ValueError):
            return False
    return True


STACK_REFERENCE = "pulumi:pulumi:StackReference"


def quiet(run: Run) -> bool:
    """A no-refresh preview that found nothing to change: every step `same`, but the reads of
    the other shards' outputs (StackReference, a `read` step at every preview; what they read is
    in the fingerprint: the digests of those stacks' states)."""
    return all(
        s.get("op") == "same" or (s.get("op") == "read" and s.get("type") == STACK_REFERENCE)
        for s in run.steps
    )


def _referenced(step: Step) -> str | None:
    """The stack a StackReference step reads (its `name` input: `<org>/<project>/<stack>`)."""
    if step.get("type") != STACK_REFERENCE:
        return None
    state = step.get("new") or step.get("old") or {}
    name = cast("dict[str, Any]", state).get("inputs", {}).get("name")
    return name.rsplit("/", 1)[-1] if isinstance(name, str) else None


def up_to_date(run: Run, deployed: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether a shard's `pulumi up` after its preview `run` would write nothing, given the
    outputs of the stacks deployed in this run before it (`deployed`: stack -> outputs).

    The engine reads an external resource at every preview and update, equal or not: a `read`
    step (pulumi v3.276.0 pkg/resource/deploy/step_generator.go GenerateReadSteps returns a
    ReadStep for every ReadResourceEvent; step.go ReadStep.Apply calls the provider's Read even
    in a preview). So a shard whose rows name another shard's is never `changes_nothing`. Such a
    read changes nothing when what it read is what the state holds (its outputs event's old and
    new outputs), and its stack was not deployed since the preview read it, or was and has the
    outputs the preview read (a recreated row has a new id: the shard naming it updates)."""
    reads = {
        s["urn"]
        for s in run.done
        if s.get("op") == "read"
        and (stack := _referenced(s)) is not None
        and _outputs_of(s, "old") == _outputs_of(s, "new")
        and (
            stack not in deployed
            or dict(deployed[stack]) == (_outputs_of(s, "new") or {}).get("outputs")
        )
    }
    rest = Run(
        steps=[s for s in run.steps if s.get("urn") not in reads],
        done=[s for s in run.done if s.get("urn") not in reads],
    )
    return rest.changes_nothing


def for_up_to_date(run: Run) -> Run:
    """What `up_to_date` needs of a preview `run`, with the same answer for any `deployed`: the
    StackReference steps, and one step that changes something (if any); not the other steps,
    which carry every resource's inputs and outputs (at 10,000 rows, held for every shard until
    its `up`, they made most of the `lakeform` process's peak memory)."""

    # `changes_nothing` holds of a run when it holds of each of its steps; a step that is not a
    # StackReference's is never one of the reads `up_to_date` leaves out.
    def reference(step: Step) -> bool:
        return step.get("type") == STACK_REFERENCE

    def kept(steps: list[Step], alone: Callable[[Step], Run]) -> list[Step]:
        """The StackReference steps, and the first other one that changes something."""
        changing = (s for s in steps if not reference(s) and not alone(s).changes_nothing)
        return [s for s in steps if reference(s)] + next(([s] for s in changing), [])

    return Run(
        steps=kept(run.steps, lambda s: Run(steps=[s])),
        done=kept(run.done, lambda s: Run(done=[s])),
    )


def _outputs_of(step: Step, which: str) -> dict[str, Any] | None:
    state = step.get(which)
    return cast("dict[str, Any]", state).get("outputs") if isinstance(state, dict) else None


class Book:
    """The environment's records: per shard's stack, the fingerprint it had when its last
    successful `up` or no-change `--no-refresh` preview ended, and when that was."""

    def __init__(self, env: Environment, engine: Engine) -> None:
        self.env = env
        self.engine = engine
        self.path = env.root / RECORD.format(env=env.name)
        self.records = self._load()
        self._prints: tuple[Stacks, dict[str, str]] | None = None

    def fingerprints(self, stacks: Stacks) -> dict[str, str]:
        """`fingerprints` over `stacks` (computed once per states: a plan checks, then records)."""
        if self._prints is None or self._prints[0] != stacks:
            self._prints = (stacks, fingerprints(self.env, self.engine, stacks))
        return self._prints[1]

    @staticmethod
    def applies(env: Environment) -> bool:
        """False where every shard is previewed anyway: policies that run report from the
        preview itself."""
        policies = env.settings.policies
        return all(policies.level(rule) == "disabled" for rule in policies.rules)

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or cast("dict[str, Any]", data).get("version") != VERSION:
            return {}
        return cast("dict[str, dict[str, Any]]", cast("dict[str, Any]", data).get("stacks") or {})

    def unchanged(self, stacks: Stacks, among: Iterable[str]) -> dict[str, str]:
        """Stack -> when it was last found unchanged (`its last up at ...`), for each of `among`
        whose fingerprint and uploads are as then."""
        now = self.fingerprints(stacks)
        out: dict[str, str] = {}
        for stack in among:
            record = self.records.get(stack)
            if record is None or record.get("fingerprint") != now.get(stack):
                continue
            if not reads_current(self.env.root, cast("dict[str, Any]", record.get("reads"))):
                continue
            what = "up" if record.get("since") == "up" else "no-change plan --no-refresh"
            out[stack] = f"its last {what} at {record.get('at')}"
        return out

    def forget_reads(self, stack: str) -> None:
        """Before a run of `stack`'s program: what it reads is recorded anew (a record left by an
        earlier run, or a run by hand, is not this run's)."""
        (self.env.root / READS.format(stack=stack)).unlink(missing_ok=True)

    def record(self, stacks: Stacks, done: Iterable[str], since: str) -> None:
        """Record `done` (stacks whose last run was a successful `up`, or a no-change
        no-refresh preview: `since`) with their fingerprints over `stacks`, the states as they
        are now, and what their program read at that run."""
        now = self.fingerprints(stacks)
        at = f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        changed = False
        for stack in done:
            reads = _reads(self.env.root, stack)
            if reads is None:
                self.records.pop(stack, None)
            else:
                self.records[stack] = {
                    "fingerprint": now[stack],
                    "since": since,
                    "at": at,
                    "reads": reads,
                }
            changed = True
        if changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"version": VERSION, "stacks": self.records}, sort_keys=True)
            write_atomic({self.path: text})
