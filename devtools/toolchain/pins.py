"""The toolchain's pinned versions: read from pyproject.toml, described by
devtools/toolchain/versions.toml.

pyproject.toml's exact pins `pulumi==X` and `pulumi-databricks==Y` are the one place that chooses
the versions; the build reads them here and looks up their Go facts in versions.toml, which may
pair the Python SDK with a newer engine (`engine`: the proxy serves Go releases PyPI has no SDK
for, and the engine accepts older SDKs). Stdlib only:
`make toolchain` runs this with the system python3, before any virtual environment exists.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
VERSIONS = REPO / "devtools" / "toolchain" / "versions.toml"
CLI_GO_MOD = REPO / "devtools" / "toolchain" / "pulumi" / "go.mod"

_EXACT_PIN = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9_.-]+)\s*==\s*(?P<version>[0-9][A-Za-z0-9.+-]*)\s*$"
)


class PinError(Exception):
    """A pin is missing, not exact, or has no Go facts; the message names the file and the fix."""


@dataclass(frozen=True)
class Pins:
    pulumi: str
    """The `pulumi` PyPI SDK version the program imports, e.g. 3.272.0."""
    databricks: str
    """The databricks provider plugin / `pulumi-databricks` PyPI SDK version, e.g. 1.106.0."""
    pulumi_facts: dict[str, Any]
    databricks_facts: dict[str, Any]

    @property
    def engine(self) -> str:
        """The Pulumi CLI / language host version built for it: versions.toml's `engine` for
        the SDK's entry, else the SDK's own version."""
        return str(self.pulumi_facts.get("engine", self.pulumi))

    @property
    def dir_name(self) -> str:
        return f"pulumi-{self.engine}_databricks-{self.databricks}"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pyproject_pins(pyproject: Path = PYPROJECT) -> tuple[str, str]:
    """Return the exact (pulumi, pulumi-databricks) versions pinned in pyproject's dependencies."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PinError(f"{pyproject}: cannot read: {exc}") from exc
    deps = data.get("project", {}).get("dependencies", [])
    found: dict[str, str] = {}
    for dep in deps:
        name = _normalise(re.split(r"[\s<>=!~\[;]", dep, maxsplit=1)[0])
        if name not in ("pulumi", "pulumi-databricks"):
            continue
        match = _EXACT_PIN.match(dep)
        if match is None:
            raise PinError(
                f"{pyproject}: project.dependencies: {dep!r} must be an exact pin "
                f"({name}==X.Y.Z): the toolchain build compiles exactly that version"
            )
        found[name] = match["version"]
    for name in ("pulumi", "pulumi-databricks"):
        if name not in found:
            raise PinError(
                f"{pyproject}: project.dependencies: no exact pin for {name} ({name}==X.Y.Z)"
            )
    return found["pulumi"], found["pulumi-databricks"]


def load(pyproject: Path = PYPROJECT, versions: Path = VERSIONS) -> Pins:
    """Read the pins and their Go facts; raise PinError if versions.toml has no entry for a pin."""
    pulumi, databricks = read_pyproject_pins(pyproject)
    try:
        table = tomllib.loads(versions.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PinError(f"{versions}: cannot read: {exc}") from exc
    pulumi_facts = table.get("pulumi", {}).get(pulumi)
    if pulumi_facts is None:
        known = ", ".join(sorted(table.get("pulumi", {}))) or "none"
        raise PinError(
            f'{versions}: no [pulumi."{pulumi}"] entry for pyproject\'s pulumi=={pulumi} '
            f"(entries: {known}); add the Go facts for that release or change the pin back"
        )
    databricks_facts = table.get("pulumi_databricks", {}).get(databricks)
    if databricks_facts is None:
        known = ", ".join(sorted(table.get("pulumi_databricks", {}))) or "none"
        raise PinError(
            f'{versions}: no [pulumi_databricks."{databricks}"] entry for pyproject\'s '
            f"pulumi-databricks=={databricks} (entries: {known}); add the Go facts for that "
            "release or change the pin back"
        )
    return Pins(pulumi, databricks, pulumi_facts, databricks_facts)


def go_mod_requires(go_mod: Path = CLI_GO_MOD) -> dict[str, str]:
    """Return module path -> version for every `require` in a go.mod (block or single line)."""
    requires: dict[str, str] = {}
    in_block = False
    for raw in go_mod.read_text(encoding="utf-8").splitlines():
        line = raw.split("//", 1)[0].strip()
        if line == "require (":
            in_block = True
        elif in_block and line == ")":
            in_block = False
        elif in_block and line:
            path, version = line.split()[:2]
            requires[path] = version
        elif line.startswith("require "):
            path, version = line.split()[1:3]
            requires[path] = version
    return requires


def check_go_mod(pins: Pins, go_mod: Path = CLI_GO_MOD) -> None:
    """Raise PinError unless the CLI wrapper module requires the pinned Pulumi release."""
    requires = go_mod_requires(go_mod)
    want = f"v{pins.engine}"
    paired = "" if pins.engine == pins.pulumi else f" (its engine in versions.toml: {pins.engine})"
    for module in (pins.pulumi_facts["cli_module"], pins.pulumi_facts["sdk_module"]):
        got = requires.get(module)
        if got != want:
            raise PinError(
                f"{go_mod}: requires {module} {got or '(nothing)'}, but pyproject.toml pins "
                f"pulumi=={pins.pulumi}{paired}; run `go get {module}@{want}` in {go_mod.parent}"
            )


def toolchain_home() -> Path:
    home = os.environ.get("LAKEFORM_TOOLCHAIN_HOME")
    if home:
        return Path(home).expanduser()
    return Path.home() / ".cache" / "lakeform" / "toolchain"


def bin_dir(pins: Pins) -> Path:
    return toolchain_home() / pins.dir_name / "bin"
