"""Run the real Pulumi engine on a program in a temporary folder, against a local workspace.

    project = Project.copy_of(source_dir, tmp_path, workspace=ws, stack="local")
    project.up()                               # pulumi up --yes --skip-preview
    project.preview(refresh=True)              # pulumi preview --json: steps and diffs
    project.changes()                          # the last update's resource changes (history)
    project.outputs()                          # pulumi stack output --json
    project.lakeform("plan", "--format", "json")  # the repository's `lakeform` in the project

Lakeform's own program is a folder of rows (tests/e2e/programs/lakeform) copied with
`include=LAKEFORM_PROGRAM`: the repository's program and the layers it imports.

Each project has its own file backend and passphrase. The toolchain and the databricks provider
are the ones `make toolchain` chose (devtools/toolchain/build.py provider-env): the real plugin
where it is installed, else Lakeform's local provider; LAKEFORM_PROVIDER=real|local forces one.

A test that needs a program already deployed starts from a copy instead of deploying it again
(tests/e2e/conftest.py deploys each such program once a session):

    deployed = deploy_once(root, lambda tmp, ws: lakeform_project(tmp, workspace=ws, stack="local"))
    with deployed.started(tmp_path) as project:   # program, backend and workspace state copied
        project.workspace                         # its own workspace, started from the copy
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cli.pulumienv import file_backend
from devtools.workspace.testing import RunningWorkspace, RunTimings, running_workspace

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "devtools" / "toolchain" / "build.py"
LAKEFORM_PROGRAM = ("__main__.py", "Pulumi.yaml", "metadata", "stacks", "components", "policies")
"""What `Project.copy_of(..., include=LAKEFORM_PROGRAM)` takes from the repository."""


def copy_from_repository(names: Iterable[str], target: Path) -> None:
    """Copy the repository's files and folders `names` into `target` (folders merged into what
    is there). With their bytecode: copy2 keeps each source's mtime and size, which is what a
    `__pycache__` file is checked against, so the copy's first program run imports it instead
    of compiling every module again (a stale one is recompiled, as in the repository)."""
    for name in names:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, target / name, dirs_exist_ok=True)
        else:
            shutil.copy2(src, target / name)


RATE_LIMIT_OFF = 1000
"""`databricks:rateLimit` of test stacks: requests a second, far above what one run sends, so the
client-side limit (15/s by default, the real provider's) costs no time. 0 would mean "off" to the
local provider but "the default" to the real one. Tests about throttling keep the default."""
PROVIDER_CONFIG = {"databricks:httpTimeoutSeconds": "30", "databricks:retryTimeoutSeconds": "60"}


class PulumiFailed(AssertionError):
    """A pulumi command exited non-zero; carries its output for the assertion message."""

    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        self.result = result
        super().__init__(
            f"pulumi {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
        )


@functools.cache
def toolchain_env() -> dict[str, str]:
    """PATH with the built toolchain first, plus the chosen provider's PULUMI_HOME."""
    bin_dir = subprocess.run(
        [sys.executable, str(BUILD), "bin-dir"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not os.access(Path(bin_dir) / "pulumi", os.X_OK):
        raise RuntimeError(f"no pulumi in {bin_dir}: run `make toolchain` first")
    exports = subprocess.run(
        [sys.executable, str(BUILD), "provider-env"], capture_output=True, text=True
    )
    if exports.returncode != 0:
        raise RuntimeError(f"devtools/toolchain/build.py provider-env failed: {exports.stderr}")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    for line in exports.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = shlex.split(value)[0]
    return env


def processes_in(root: Path) -> list[str]:
    """`pid cmdline` of every process (but this one) working in `root` or below: the engine
    starts its language host and plugins in the project folder, each in a process group of its
    own (so killing `pulumi up`'s group does not reach them)."""
    found: list[str] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = (proc / "cwd").resolve(strict=True)
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if cwd.is_relative_to(root.resolve()):
            found.append(f"{proc.name} {cmdline}")
    return found


def provider_used() -> str:
    return toolchain_env()["LAKEFORM_PROVIDER_USED"]


@dataclass
class Project:
    """A Pulumi program folder with its own backend, one stack, and a local workspace."""

    dir: Path
    stack: str
    workspace: RunningWorkspace
    env: dict[str, str] = field(default_factory=dict[str, str])

    @classmethod
    def copy_of(
        cls,
        source: Path,
        tmp: Path,
        *,
        workspace: RunningWorkspace,
        stack: str,
        include: tuple[str, ...] = (),
        rate_limit: int | None = RATE_LIMIT_OFF,
        init: bool = True,
    ) -> Project:
        """Copy `source` (and the named repository folders, for Lakeform's own program) to
        `tmp/program`, pointing Pulumi.yaml at the repository's virtual environment; a new stack
        whose file points at `workspace` (`rate_limit` None: the provider's default). `init`
        False: the stack file only, no stack (a sharded stack, whose shards' stacks `lakeform`
        creates: a stack of its own would be one more stack holding rows that every sharded
        command reads, cli/environment.py `_held_stacks`)."""
        target = tmp / "program"
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".lakeform"))
        copy_from_repository(include, target)
        project_file = target / "Pulumi.yaml"
        project = yaml.safe_load(project_file.read_text())
        project["runtime"] = {"name": "python", "options": {"virtualenv": str(REPO / ".venv")}}
        project_file.write_text(yaml.safe_dump(project, sort_keys=False))
        pack_file = target / "policies" / "PulumiPolicy.yaml"
        if pack_file.is_file():  # the policy pack runs in the repository's environment too
            pack = yaml.safe_load(pack_file.read_text())
            pack["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
            pack_file.write_text(yaml.safe_dump(pack, sort_keys=False))
        state = tmp / "state"
        state.mkdir()
        made = cls(dir=target, stack=stack, workspace=workspace, env=_env(tmp, workspace))
        if init:
            made.init_stack()
        config = {"databricks:host": workspace.url, **PROVIDER_CONFIG}
        if rate_limit is not None:
            config["databricks:rateLimit"] = str(rate_limit)
        made.edit_stack_file(lambda doc: doc.setdefault("config", {}).update(config))
        return made

    def init_stack(self) -> None:
        """What `pulumi stack init` writes, written directly (`stack_init_files`): the stack's
        checkpoint in the file backend and the encryption salt appended to its stack file."""
        salt, written = stack_init_files()
        checkpoint = json.loads(written)
        name = yaml.safe_load((self.dir / "Pulumi.yaml").read_text())["name"]
        checkpoint["checkpoint"]["stack"] = f"organization/{name}/{self.stack}"
        stacks = self.dir.parent / "state" / ".pulumi" / "stacks" / name
        stacks.mkdir(parents=True)
        (stacks / f"{self.stack}.json").write_text(json.dumps(checkpoint, separators=(",", ":")))
        (stacks.parent.parent / "meta.yaml").write_text("version: 1\n")
        self.edit_stack_file(lambda doc: doc.update(encryptionsalt=salt))

    def pulumi(
        self, *args: str, check: bool = True, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        argv = [*args, "--non-interactive", "--stack", self.stack]
        if args[:2] == ("stack", "init"):
            argv = [*args, "--non-interactive"]
        result = subprocess.run(
            ["pulumi", *argv],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise PulumiFailed(argv, result)
        return result

    def lakeform(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """The repository's `lakeform` command, run in the project with its environment."""
        return subprocess.run(
            [str(REPO / ".venv" / "bin" / "lakeform"), *args],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    @property
    def stack_file(self) -> Path:
        return self.dir / f"Pulumi.{self.stack}.yaml"

    def edit_stack_file(self, edit: Callable[[dict[str, Any]], object]) -> None:
        """Load Pulumi.<stack>.yaml, let `edit` change it in place, write it back."""
        doc = yaml.safe_load(self.stack_file.read_text()) if self.stack_file.exists() else None
        doc = doc or {}
        edit(doc)
        self.stack_file.write_text(yaml.safe_dump(doc, sort_keys=False))

    def config(self, key: str, value: str, *, path: bool = False) -> None:
        """What `pulumi config set [--path] key value` writes (a plain string value), written
        into the stack file directly: a `pulumi` process costs about a second."""
        self.edit_stack_file(lambda doc: set_config(doc.setdefault("config", {}), key, value, path))

    def up(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.pulumi("up", "--yes", "--skip-preview", *args, check=check)

    def destroy(self) -> None:
        self.pulumi("destroy", "--yes", "--skip-preview")

    def preview(self, *args: str, refresh: bool = False) -> dict[str, Any]:
        """`pulumi preview --json`: {"steps": [...], "changeSummary": {...}}."""
        result = self.pulumi("preview", "--json", *(["--refresh"] if refresh else []), *args)
        return json.loads(result.stdout)

    def changes(self) -> dict[str, int]:
        """The resource changes of the last update, as `pulumi stack history` records them."""
        history = json.loads(self.pulumi("stack", "history", "--json").stdout)
        return history[0].get("resourceChanges", {})

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "output", "--json").stdout)

    def state(self) -> list[dict[str, Any]]:
        exported = json.loads(self.pulumi("stack", "export").stdout)
        return exported["deployment"].get("resources") or []

    def resource(self, type_: str, name: str) -> dict[str, Any]:
        found = [r for r in self.state() if r["type"] == type_ and r["urn"].endswith(f"::{name}")]
        assert len(found) == 1, f"{type_} {name}: {len(found)} in the state"
        return found[0]


PASSPHRASE = "lakeform-e2e"
"""Every test project's `PULUMI_CONFIG_PASSPHRASE` (each has its own backend)."""


@functools.cache
def stack_init_files() -> tuple[str, str]:
    """What `pulumi stack init` writes for a new stack, from one real run a process: the
    stack file's `encryptionsalt` and the file backend's checkpoint as JSON (`{"version": 3,
    "checkpoint": {"stack": "organization/<project>/<stack>", "latest": {manifest,
    secrets_providers (the same salt), metadata}}}`, pulumi v3.276.0 pkg/backend/diy). Each
    run derives the passphrase's key (1,000,000 PBKDF2 rounds, pkg/secrets/passphrase/
    manager.go), 0.3 CPU-s a project; the salt is random and any one serves, each project
    having its own backend. tests/e2e/test_harness.py compares the files with a real init's."""
    with tempfile.TemporaryDirectory(prefix="lakeform-e2e-init-") as tmp:
        root = Path(tmp)
        (root / "program").mkdir()
        (root / "state").mkdir()
        (root / "program" / "Pulumi.yaml").write_text("name: init\nruntime: python\n")
        subprocess.run(
            ["pulumi", "stack", "init", "init", "--non-interactive"],
            cwd=root / "program",
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")},
                **toolchain_env(),
                "PULUMI_BACKEND_URL": file_backend(root / "state"),
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
            },
            capture_output=True,
            check=True,
        )
        salt = yaml.safe_load((root / "program" / "Pulumi.init.yaml").read_text())
        checkpoint = (root / "state" / ".pulumi" / "stacks" / "init" / "init.json").read_text()
    return salt["encryptionsalt"], checkpoint


def _env(tmp: Path, workspace: RunningWorkspace) -> dict[str, str]:
    """The environment of a project in `tmp`: the toolchain, its own backend (`tmp/state`) and
    passphrase, the workspace's token, and no credentials from outside."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_", "PULUMI_"))
    }
    env.update(toolchain_env())
    env.update(
        PULUMI_BACKEND_URL=file_backend(tmp / "state"),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        DATABRICKS_TOKEN=workspace.token,
        DATABRICKS_CONFIG_FILE=str(tmp / "no-databrickscfg"),
        # Plugins whose engine was killed see it gone within a second, not five (the setting
        # devtools/localprovider/README.md documents; the language host reads it too).
        LAKEFORM_ENGINE_CHECK_SECONDS="1",
    )
    return env


_CONFIG_PATH = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def set_config(config: dict[str, Any], key: str, value: str, path: bool) -> None:
    """Set `key` in a stack file's `config` map as `pulumi config set` does; with `path`, key is
    `name.field[0].field` and the containers on the way are created."""
    if not path:
        config[key] = value
        return
    steps: list[str | int] = [
        name if index == "" else int(index) for name, index in _CONFIG_PATH.findall(key)
    ]
    if "".join(m.group(0) for m in _CONFIG_PATH.finditer(key)) != key or not steps:
        raise ValueError(f"not a config path: {key!r}")
    node: Any = config
    for step, after in zip(steps, [*steps[1:], None], strict=True):
        child: Any = value if after is None else ([] if isinstance(after, int) else {})
        if isinstance(step, int):
            if step == len(node):
                node.append(child)
            elif after is None:
                node[step] = child
        elif after is None or step not in node:
            node[step] = child
        node = node[step]


@dataclass(frozen=True)
class Deployed:
    """A project deployed once: `root` holds its program/, state/ (the file backend) and the
    local workspace's state file, to be copied by each test that starts from it deployed."""

    root: Path
    stack: str
    url: str
    """The address of the workspace it was deployed against (the copy's workspace has another)."""

    def workspace_copy(self, tmp: Path) -> Path:
        """A copy of the workspace's state file in `tmp`, for running_workspace(state_path=...)."""
        tmp.mkdir(parents=True, exist_ok=True)
        tables = self.root / "unity-catalog"  # the workspace's Delta tables, beside its state
        if tables.is_dir():
            shutil.copytree(tables, tmp / "unity-catalog")
        return Path(shutil.copy2(self.root / "workspace.json", tmp / "workspace.json"))

    def copy(self, tmp: Path, *, workspace: RunningWorkspace) -> Project:
        """The deployed project in `tmp/program` with a copy of its backend in `tmp/state`, where
        the old workspace address (the provider's config and inputs, URLs in outputs) is the new
        one: the copy is as if it had been deployed to `workspace`, started from the copy of
        the workspace's state (`workspace_copy`)."""
        shutil.copytree(self.root / "program", tmp / "program")
        shutil.copytree(self.root / "state", tmp / "state")
        # Pulumi.<stack>.yaml, and those of its shards (Pulumi.<stack>.<shard>.yaml)
        stack_files = (tmp / "program").glob(f"Pulumi.{self.stack}*.yaml")
        for path in [*stack_files, *(tmp / "state").rglob("*")]:
            if path.is_file():
                text = path.read_text()
                if self.url in text:
                    path.write_text(text.replace(self.url, workspace.url))
        return Project(
            dir=tmp / "program", stack=self.stack, workspace=workspace, env=_env(tmp, workspace)
        )

    @contextmanager
    def started(self, tmp: Path, *, timings: RunTimings | None = None) -> Iterator[Project]:
        """A copy in `tmp` with its own workspace started from the copy of the workspace state
        (`timings`: how long its runs stay in each state, as running_workspace takes them)."""
        with running_workspace(state_path=self.workspace_copy(tmp), timings=timings) as workspace:
            yield self.copy(tmp, workspace=workspace)


def deploy_once(
    root: Path,
    make: Callable[[Path, RunningWorkspace], Project],
    deploy: Callable[[Project], object] = Project.up,
) -> Deployed:
    """`make(root, workspace)` the project and `deploy` it (default `pulumi up`) against a
    workspace persisted in `root/workspace.json`, then stop that workspace: a Deployed to copy
    from."""
    with running_workspace(state_path=root / "workspace.json") as ws:
        project = make(root, ws)
        deploy(project)
        return Deployed(root=root, stack=project.stack, url=ws.url)


def lakeform_project(
    tmp: Path, *, workspace: RunningWorkspace, stack: str, rate_limit: int | None = RATE_LIMIT_OFF
) -> Project:
    """The unchanged Lakeform program with the repository's rows and stack file for `stack`,
    pointed at `workspace` (the stack file's encryption salt is dropped: each test has its own
    passphrase)."""
    source = tmp / "source"
    source.mkdir(parents=True)
    copy_from_repository(("resources", "src"), source)
    stack_file = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    stack_file.pop("encryptionsalt", None)
    (source / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
    # The program from the repository with its bytecode (copy_of leaves `source`'s out).
    include = LAKEFORM_PROGRAM
    return Project.copy_of(
        source, tmp, workspace=workspace, stack=stack, rate_limit=rate_limit, include=include
    )


def steps_by_op(preview: dict[str, Any]) -> dict[str, list[str]]:
    """Preview steps that change something, grouped by operation: {"update": [names...], ...}
    (`same` and the reads of a refresh left out)."""
    grouped: dict[str, list[str]] = {}
    for step in preview.get("steps", []):
        if step.get("op") in ("same", "refresh"):
            continue
        grouped.setdefault(step["op"], []).append(step["urn"].split("::")[-1])
    return {op: sorted(names) for op, names in grouped.items()}


def detailed_diff(preview: dict[str, Any], name: str) -> dict[str, str]:
    """The detailed diff of resource `name` in a preview: property path -> kind."""
    for step in preview.get("steps", []):
        if step["urn"].split("::")[-1] == name and step.get("op") not in ("same", "refresh"):
            return {path: d["kind"] for path, d in (step.get("detailedDiff") or {}).items()}
    return {}


def up_steps(project: Project, *args: str) -> dict[str, Any]:
    """`pulumi up --yes --skip-preview --json *args`: the update's own steps in the shape of
    `Project.preview()` ({"steps": [{"op", "urn", "detailedDiff"}], "changeSummary"}), so one
    engine run both deploys and shows what it did (steps_by_op and detailed_diff read it)."""
    result = project.pulumi("up", "--yes", "--skip-preview", "--json", *args)
    steps: list[dict[str, Any]] = []
    summary: dict[str, int] = {}
    for line in result.stdout.splitlines():
        event = json.loads(line)
        if "resourcePreEvent" in event:
            step = event["resourcePreEvent"]["metadata"]
            diff = step.get("detailedDiff") or {}
            kinds = {path: {"kind": d["diffKind"]} for path, d in diff.items()}
            steps.append({"op": step["op"], "urn": step["urn"], "detailedDiff": kinds})
        elif "summaryEvent" in event:
            summary = event["summaryEvent"]["resourceChanges"]
    return {"steps": steps, "changeSummary": summary}
