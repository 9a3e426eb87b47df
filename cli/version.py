"""`lakeform --version`: Lakeform, the Pulumi engine it runs and the packages the program runs
with (`version`, one line, is also recorded in saved plans)."""

from __future__ import annotations

import os
import re
import subprocess


def _pins() -> tuple[str, dict[str, str]] | None:
    """(this package's version, {pinned package: version}); None when not installed."""
    from importlib.metadata import PackageNotFoundError, requires
    from importlib.metadata import version as installed

    try:
        own, wanted = installed("lakeform"), requires("lakeform") or []
    except PackageNotFoundError:  # run from a checkout that was never installed
        return None
    pins: dict[str, str] = {}
    for requirement in wanted:
        if m := re.match(r"(pulumi(?:-databricks)?)==([^\s;]+)", requirement):
            pins[m[1]] = m[2]
    return own, pins


def version() -> str:
    """`lakeform X (pulumi Y, pulumi-databricks Z)`: this package's version and its two pins."""
    found = _pins()
    if found is None:
        return "lakeform (not installed: run `make setup`)"
    own, pins = found
    return (
        f"lakeform {own} (pulumi {pins.get('pulumi', '?')}, "
        f"pulumi-databricks {pins.get('pulumi-databricks', '?')})"
    )


def _engine() -> tuple[str, str]:
    """(the engine's version, where it is), or ("not found", why): the `pulumi` of the pinned
    toolchain (devtools/toolchain/build.py builds it, and every Lakeform run puts it first on
    PATH: cli/pulumienv.py), which is newer than the Python SDK's pin where the Go module proxy
    serves no engine of the SDK's release (devtools/toolchain/versions.toml)."""
    from cli.pulumienv import EnvError, toolchain_bin

    try:
        pulumi = toolchain_bin() / "pulumi"
    except EnvError as err:
        return "not found", str(err)
    done = subprocess.run(
        [str(pulumi), "version"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )
    if done.returncode != 0:
        return "not found", f"{pulumi} version failed: {(done.stderr or done.stdout).strip()}"
    return done.stdout.strip().removeprefix("v"), f"the pulumi CLI lakeform runs: {pulumi}"


def _provider() -> str:
    from cli.pulumienv import EnvError, provider_env

    try:
        return provider_env().get("LAKEFORM_PROVIDER_USED", "unknown")
    except EnvError as err:
        return f"not found ({err})"


def report() -> str:
    """What `lakeform --version` prints, one part a line, as `terraform version` names its own
    version, then each provider's: Lakeform's, the engine Lakeform runs, the Python SDKs the
    program runs with (pinned in pyproject.toml) and the databricks provider plugin."""
    found = _pins()
    if found is None:
        return "lakeform (not installed: run `make setup`)"
    own, pins = found
    engine, where = _engine()
    return "\n".join(
        [
            f"lakeform {own}",
            f"pulumi engine {engine} ({where})",
            f"pulumi Python SDK {pins.get('pulumi', '?')}",
            f"pulumi-databricks Python SDK {pins.get('pulumi-databricks', '?')}",
            f"databricks provider plugin: {_provider()}",
        ]
    )
