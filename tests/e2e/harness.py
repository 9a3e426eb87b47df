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
are the ones `make toolchain` chose (toolchain/build.py provider-env): the real plugin where it is
installed, else Lakeform's local provider; LAKEFORM_PROVIDER=real|local forces one.
"""

from __future__ import annotations

import functools
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cli.pulumienv import file_backend
from workspace.testing import RunningWorkspace

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "toolchain" / "build.py"
LAKEFORM_PROGRAM = ("__main__.py", "Pulumi.yaml", "metadata", "stacks", "components")
"""What `Project.copy_of(..., include=LAKEFORM_PROGRAM)` takes from the repository."""


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
        raise RuntimeError(f"toolchain/build.py provider-env failed: {exports.stderr}")
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
    ) -> Project:
        """Copy `source` (and the named repository folders, for Lakeform's own program) to
        `tmp/program`, pointing Pulumi.yaml at the repository's virtual environment."""
        target = tmp / "program"
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".lakeform"))
        for name in include:
            src = REPO / name
            if src.is_dir():
                shutil.copytree(
                    src,
                    target / name,
                    ignore=shutil.ignore_patterns("__pycache__"),
                    dirs_exist_ok=True,
                )
            else:
                shutil.copy2(src, target / name)
        project_file = target / "Pulumi.yaml"
        project = yaml.safe_load(project_file.read_text())
        project["runtime"] = {"name": "python", "options": {"virtualenv": str(REPO / ".venv")}}
        project_file.write_text(yaml.safe_dump(project, sort_keys=False))
        state = tmp / "state"
        state.mkdir()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_", "PULUMI_"))
        }
        env.update(toolchain_env())
        env.update(
            PULUMI_BACKEND_URL=file_backend(state),
            PULUMI_CONFIG_PASSPHRASE="lakeform-e2e",
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            DATABRICKS_TOKEN=workspace.token,
            DATABRICKS_CONFIG_FILE=str(tmp / "no-databrickscfg"),
        )
        made = cls(dir=target, stack=stack, workspace=workspace, env=env)
        made.pulumi("stack", "init", stack)
        made.config("databricks:host", workspace.url)
        made.config("databricks:httpTimeoutSeconds", "30")
        made.config("databricks:retryTimeoutSeconds", "60")
        return made

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

    def config(self, key: str, value: str, *, path: bool = False) -> None:
        self.pulumi("config", "set", *(["--path"] if path else []), key, value)

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


def lakeform_project(tmp: Path, *, workspace: RunningWorkspace, stack: str) -> Project:
    """The unchanged Lakeform program with the repository's rows and stack file for `stack`,
    pointed at `workspace` (the stack file's encryption salt is dropped: each test has its own
    passphrase)."""
    source = tmp / "source"
    source.mkdir(parents=True)
    for name in (*LAKEFORM_PROGRAM, "resources", "src"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / name)
    stack_file = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    stack_file.pop("encryptionsalt", None)
    (source / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
    return Project.copy_of(source, tmp, workspace=workspace, stack=stack)


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
