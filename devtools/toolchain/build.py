"""Build the pinned Pulumi toolchain from Go modules into a per-version directory.

    python3 devtools/toolchain/build.py build     # what `make toolchain` runs; no-op when complete
    python3 devtools/toolchain/build.py bin-dir   # print the bin directory to put first on PATH
    python3 devtools/toolchain/build.py env       # `export` lines: PATH and provider-env's
    python3 devtools/toolchain/build.py status    # exit 0 only if preview can find every plugin
    python3 devtools/toolchain/build.py provider-env   # `export` lines choosing the plugin

The real databricks provider plugin cannot be built here (devtools/toolchain/README.md says why).
Where it is installed, it is used. Elsewhere the build installs Lakeform's local provider
(devtools/localprovider/, loopback workspaces only) into this clone's own Pulumi home,
.lakeform/pulumi-home, and `provider-env` points PULUMI_HOME there. Whoever has a real
`pulumi-resource-databricks` binary at the pinned version can install it into the plugin cache:
LAKEFORM_DATABRICKS_PLUGIN=<binary>. python3 devtools/toolchain/build.py check # pins agree
(pyproject, versions.toml, go.mod)

The directory is ${LAKEFORM_TOOLCHAIN_HOME:-~/.cache/lakeform/toolchain}/pulumi-X_databricks-Y/,
outside the repository, so every clone on the machine shares it. Go's own module and build caches
are used as usual. See devtools/toolchain/README.md for what is built and why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import pins as pinning

Output = int | IO[str]
"""Where a subprocess's output goes: a file descriptor, subprocess.DEVNULL or a file."""

CLI_MODULE_DIR = pinning.REPO / "devtools" / "toolchain" / "pulumi"
MARKER = "COMPLETE.json"
RELEASE_TAGS = "osusergo,grpcnotrace"
PROVIDER = "pulumi-resource-databricks"
LANGUAGE_HOST = "pulumi-language-python"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def fail(message: str) -> int:
    print(f"toolchain: error: {message}", file=sys.stderr, flush=True)
    return 1


def binaries(pins: pinning.Pins) -> list[str]:
    """What the bin directory holds. The provider plugin goes to the plugin cache instead: on
    PATH, Pulumi would use any version of it and warn on every run."""
    del pins  # the same set for every pinned release so far
    return [
        "pulumi",
        LANGUAGE_HOST,
        "pulumi-language-python-exec",
        "pulumi-resource-pulumi-python",  # Python dynamic providers
    ]


def read_marker(root: Path) -> dict[str, object] | None:
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def is_complete(pins: pinning.Pins, root: Path) -> bool:
    marker = read_marker(root)
    if marker is None or marker.get("pulumi") != pins.engine:
        return False
    if marker.get("databricks") != pins.databricks:
        return False
    return all(os.access(root / "bin" / name, os.X_OK) for name in binaries(pins))


def source_hash() -> str:
    """sha256 of devtools/toolchain/pulumi (the language host's source, go.mod, go.sum): paths and
    contents. COMPLETE.json records it; a change rebuilds the language host, even where the
    toolchain was built before the change (every clone on the machine shares the directory)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in CLI_MODULE_DIR.rglob("*") if p.is_file()):
        name = path.relative_to(CLI_MODULE_DIR).as_posix().encode()
        data = path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(name), name, len(data)) + data)
    return digest.hexdigest()


def write_marker(root: Path, marker: dict[str, object]) -> None:
    """Write COMPLETE.json whole or not at all (another clone may be reading it)."""
    partial = root / f".{MARKER}.{os.getpid()}"
    partial.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    partial.replace(root / MARKER)


def pulumi_env() -> dict[str, str]:
    return {
        **os.environ,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }


PLUGIN_DIR = re.compile(
    r"^(?P<kind>[a-z]+)-(?P<name>[a-zA-Z0-9-][a-zA-Z0-9-_.]*[a-zA-Z0-9])-v(?P<version>.*)$"
)
INSTALLING = re.compile(r"\.tmp[0-9]+$")


def listed_plugins(home: Path, explicit: bool) -> list[tuple[str, str, str]] | None:
    """(kind, name, version) of each plugin `pulumi plugin ls` lists from Pulumi home `home`,
    read from its plugins folder as the engine does, or None where the engine might read another
    folder. The rule, pulumi sdk v3.276.0 go/common/workspace/plugins.go: GetPlugins ->
    GetPluginsFromDir(GetPluginDir() = <home>/plugins; home: PULUMI_HOME, else ~/.pulumi,
    util/pulumihome Dir): every entry that is a directory (not a symlink: os.DirEntry.IsDir), not
    named `*.tmp<digits>` (installingPluginRegexp), named `<kind>-<name>-v<version>`
    (pluginRegexp, semver.ParseTolerant) and without a `<dir>.partial` file beside it (an
    install under way). workspace/paths.go GetPulumiPath takes another folder only in agent mode
    when the home is not writable (pulumiHomeDirForPath): then None, and `pulumi plugin ls` is
    asked instead. `explicit`: `home` is PULUMI_HOME's (never replaced, creds.go
    AgentCredentialsFallbackEnabled)."""
    if not explicit and not _writable(home):
        return None
    folder = home / "plugins"
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError:
        return None
    found: list[tuple[str, str, str]] = []
    for entry in entries:
        match = PLUGIN_DIR.match(entry.name)
        if not entry.is_dir(follow_symlinks=False) or INSTALLING.search(entry.name) or not match:
            continue
        version = _tolerant(match["version"])
        if version is None or os.path.lexists(f"{entry.path}.partial"):
            continue
        found.append((match["kind"], match["name"], version))
    return found


def _tolerant(text: str) -> str | None:
    """blang/semver v3.5.1 ParseTolerant's answer (the engine's go.mod pins that release) for
    the versions a plugin folder's name holds: `1.106`, `v1.106.0` -> 1.106.0; leading zeros are
    refused, as Parse does; None for what it refuses (the folder is then not listed)."""
    core, sep, rest = text.strip().removeprefix("v").partition("-")
    parts = core.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() and p == str(int(p)) for p in parts):
        return None
    return ".".join(parts + ["0"] * (3 - len(parts))) + sep + rest


def _writable(home: Path) -> bool:
    existing = home
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return os.access(existing, os.W_OK)


def plugin_installed(pulumi: str, pins: pinning.Pins, home: str | None = None) -> bool:
    """Whether `pulumi plugin ls` (with Pulumi home `home`, else the user's) shows the databricks
    resource plugin at the pinned version. When `pulumi` is the engine built here (the release
    whose rule `listed_plugins` follows), read from the plugins folder as it lists it, without
    starting it; any other `pulumi` (an official install on PATH) is asked."""
    explicit = home or os.environ.get("PULUMI_HOME")
    folder = Path(explicit) if explicit else Path.home() / ".pulumi"
    built = Path(pulumi).parent == pinning.bin_dir(pins)
    listed = listed_plugins(folder, explicit=bool(explicit)) if built else None
    if listed is not None:
        return ("resource", "databricks", pins.databricks) in listed
    env = pulumi_env() if home is None else {**pulumi_env(), "PULUMI_HOME": home}
    try:
        listed = subprocess.run(
            [pulumi, "plugin", "ls", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        ).stdout
        plugins = json.loads(listed or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return False
    return any(
        p.get("name") == "databricks"
        and p.get("kind") == "resource"
        and p.get("version") == pins.databricks
        for p in plugins or []
    )


def install_plugin(
    pulumi: str,
    pins: pinning.Pins,
    binary: Path,
    home: Path | None = None,
    output: Output | None = None,
) -> None:
    """Install a provider executable into the plugin cache at the pinned version (of Pulumi home
    `home`, else the user's); `pulumi plugin install`'s output goes to `output` (default
    stderr)."""
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"LAKEFORM_DATABRICKS_PLUGIN={binary} is not an executable file")
    env = pulumi_env() if home is None else {**pulumi_env(), "PULUMI_HOME": str(home)}
    subprocess.run(
        [
            pulumi,
            "plugin",
            "install",
            "resource",
            "databricks",
            pins.databricks,
            "--file",
            str(binary),
            # A changed launcher (the clone moved, the module path changed) must replace the old
            # one: without this, pulumi keeps the installed plugin of the same version.
            "--reinstall",
        ],
        env=env,
        check=True,
        stdout=sys.stderr if output is None else output,  # never into `eval "$(build.py env)"`
        stderr=output,
    )


LOCAL_HOME = pinning.REPO / ".lakeform" / "pulumi-home"
"""The isolated Pulumi home where Lakeform's local provider is installed: this clone's own, never
the user's ~/.pulumi, so the real plugin is never shadowed where it is installed."""
LAUNCHER = pinning.REPO / ".lakeform" / "localprovider" / PROVIDER
LAUNCHER_TEXT = """#!/bin/sh
# Lakeform's local Databricks provider (devtools/localprovider/ in {repo}): loopback only.
# Installed by `make toolchain` into {home}, never into ~/.pulumi.
exec "{python}" -m devtools.localprovider "$@"
"""


def launcher_text() -> str:
    python = pinning.REPO / ".venv" / "bin" / "python"
    return LAUNCHER_TEXT.format(repo=pinning.REPO, home=LOCAL_HOME, python=python)


def local_plugin_path(pins: pinning.Pins) -> Path:
    return LOCAL_HOME / "plugins" / f"resource-databricks-v{pins.databricks}" / PROVIDER


def real_plugin(pins: pinning.Pins, pulumi: str) -> str | None:
    """Where the real databricks plugin at the pinned version is installed, if it is."""
    official = official_install(pins)
    if official is not None:
        return official
    if plugin_installed(pulumi, pins):
        home = os.environ.get("PULUMI_HOME") or str(Path.home() / ".pulumi")
        return f"pulumi-resource-databricks {pins.databricks} from the plugin cache in {home}"
    return None


def install_local_provider(pins: pinning.Pins, pulumi: str, output: Output | None = None) -> None:
    """Install the launcher of localprovider/ into this clone's isolated Pulumi home (again when
    the clone moved or the launcher changed)."""
    text = launcher_text()
    installed = local_plugin_path(pins)
    if installed.is_file() and installed.read_text(encoding="utf-8") == text:
        return
    LAUNCHER.parent.mkdir(parents=True, exist_ok=True)
    LAUNCHER.write_text(text, encoding="utf-8")
    LAUNCHER.chmod(0o755)
    install_plugin(pulumi, pins, LAUNCHER, home=LOCAL_HOME, output=output)


def choose_provider(
    pins: pinning.Pins, bin_path: Path, output: Output | None = None
) -> dict[str, str]:
    """Which databricks plugin runs, as environment for Pulumi: the real one wherever it is
    installed (or LAKEFORM_PROVIDER=real), else Lakeform's local provider in LOCAL_HOME
    (LAKEFORM_PROVIDER=local forces it; installed there first if missing, its installer's
    output to `output`)."""
    pulumi = str(bin_path / "pulumi")
    wanted = os.environ.get("LAKEFORM_PROVIDER", "")
    if wanted not in ("", "local", "real"):
        raise RuntimeError(f"LAKEFORM_PROVIDER={wanted!r}: use local or real")
    real = None if wanted == "local" else real_plugin(pins, pulumi)
    if real is not None:
        return {"LAKEFORM_PROVIDER_USED": f"real: {real}"}
    if wanted == "real":
        raise RuntimeError(
            f"LAKEFORM_PROVIDER=real, but no databricks plugin {pins.databricks} is installed: "
            f"pulumi plugin install resource databricks {pins.databricks}"
        )
    install_local_provider(pins, pulumi, output)
    return {
        "PULUMI_HOME": str(LOCAL_HOME),
        "LAKEFORM_PROVIDER_USED": (
            "local: the Lakeform local provider (devtools/localprovider/, loopback workspaces "
            f"only), as databricks {pins.databricks} in {LOCAL_HOME}"
        ),
    }


def provider_stage(pins: pinning.Pins, bin_path: Path) -> None:
    supplied = os.environ.get("LAKEFORM_DATABRICKS_PLUGIN")
    if supplied and not plugin_installed(str(bin_path / "pulumi"), pins):
        log(f"installing {supplied} as the databricks plugin {pins.databricks}")
        install_plugin(str(bin_path / "pulumi"), pins, Path(supplied))
        return
    used = choose_provider(pins, bin_path)["LAKEFORM_PROVIDER_USED"]
    log(f"databricks provider: {used}")


def official_install(pins: pinning.Pins) -> str | None:
    """Return a description of an official Pulumi at the pinned versions on PATH, if any."""
    home = pinning.toolchain_home().resolve()
    found = shutil.which("pulumi")
    if found is None or Path(found).resolve().is_relative_to(home):
        return None
    try:
        version = subprocess.run(
            [found, "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=pulumi_env(),
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if version != f"v{pins.engine}" or not plugin_installed(found, pins):
        return None
    return f"{found} ({version}) with the databricks plugin {pins.databricks}"


def check_checksum_database() -> None:
    """Say whether Go can verify new modules against the checksum database (never disable it)."""
    env = go_env("GOPROXY", "GOSUMDB", "GONOSUMDB", "GOFLAGS")
    sumdb = env["GOSUMDB"].split()[0] if env["GOSUMDB"] else "sum.golang.org"
    if sumdb == "off":
        log("GOSUMDB=off in your Go environment: modules are checked against go.sum only")
        return
    proxy = next(
        (p for p in env["GOPROXY"].replace("|", ",").split(",") if p.startswith("http")), None
    )
    urls = [f"{proxy.rstrip('/')}/sumdb/{sumdb}/supported"] if proxy else []
    urls.append(f"https://{sumdb}/latest")
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    log(f"checksum database {sumdb} reachable ({url})")
                    return
        except (urllib.error.URLError, TimeoutError, OSError):
            continue
    log(
        f"checksum database {sumdb} NOT reachable: every module is still verified against the "
        "committed go.sum (builds run with -mod=readonly, so a module missing from it fails)"
    )


def go_env(*names: str) -> dict[str, str]:
    out = subprocess.run(
        ["go", "env", *names], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return dict(zip(names, out, strict=True))


def go_build(module_dir: Path, out_dir: Path, packages: list[str], ldflags: str) -> None:
    """Run `go build -v` for a release, printing a progress line every 25 packages or 20 s."""
    env = {
        **os.environ,
        "CGO_ENABLED": "0",
        # Keep the user's GOFLAGS (env or `go env -w`) and refuse modules missing from go.sum.
        "GOFLAGS": (go_env("GOFLAGS")["GOFLAGS"] + " -mod=readonly").strip(),
    }
    cmd = ["go", "build", "-v", "-trimpath", "-tags", RELEASE_TAGS, "-ldflags", ldflags]
    cmd += ["-o", f"{out_dir}/", *packages]
    proc = subprocess.Popen(
        cmd, cwd=module_dir, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    assert proc.stderr is not None
    compiled = downloaded = 0
    last_report = time.monotonic()
    tail: list[str] = []
    for raw in proc.stderr:
        line = raw.rstrip()
        tail = [*tail[-40:], line]
        if line.startswith("go: downloading "):
            downloaded += 1
        elif line and not line.startswith(("#", " ", "\t")) and " " not in line:
            compiled += 1
        else:
            print(f"    {line}", flush=True)
            continue
        if (compiled + downloaded) % 25 == 0 or time.monotonic() - last_report > 20:
            last_report = time.monotonic()
            log(f"  {downloaded} modules downloaded, {compiled} packages compiled (last: {line})")
    if proc.wait() != 0:
        print("\n".join(tail), file=sys.stderr)
        raise RuntimeError(f"go build failed in {module_dir} (exit {proc.returncode})")
    log(f"  done: {downloaded} modules downloaded, {compiled} packages compiled")


def module_dir_of(module_dir: Path, module: str) -> Path:
    out = subprocess.run(
        ["go", "list", "-mod=readonly", "-m", "-f", "{{.Dir}}", module],
        cwd=module_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(out)


def install_script(src: Path, dest: Path) -> None:
    """Copy a script from the (read-only, non-executable) module cache and make it executable."""
    shutil.copyfile(src, dest)
    executable = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
    dest.chmod(dest.stat().st_mode | stat.S_IRUSR | stat.S_IWUSR | executable)


def release_ldflags(pins: pinning.Pins) -> str:
    return (
        f"-X {pins.pulumi_facts['sdk_module']}/go/common/version.Version=v{pins.engine} "
        f"-X main.version={pins.engine}"
    )


def rebuild_language_host(pins: pinning.Pins, root: Path, marker: dict[str, object]) -> None:
    """Build the language host alone, swap it in (a host already running keeps its file), and
    record the source it was built from."""
    started = time.monotonic()
    log(f"the language host's source changed: rebuilding {LANGUAGE_HOST} alone")
    with tempfile.TemporaryDirectory(dir=root, prefix=".build-") as out:
        go_build(CLI_MODULE_DIR, Path(out), [f"./cmd/{LANGUAGE_HOST}"], release_ldflags(pins))
        (Path(out) / LANGUAGE_HOST).replace(root / "bin" / LANGUAGE_HOST)
    write_marker(root, {**marker, "language_host_source": source_hash()})
    log(f"{LANGUAGE_HOST} rebuilt ({round(time.monotonic() - started)} s)")


def build(pins: pinning.Pins) -> int:
    root = pinning.toolchain_home() / pins.dir_name
    bin_path = root / "bin"
    if is_complete(pins, root):
        marker = read_marker(root) or {}
        if marker.get("language_host_source") != source_hash():
            rebuild_language_host(pins, root, marker)
        else:
            log(f"toolchain complete in {root}: nothing to do")
        provider_stage(pins, bin_path)
        return 0
    official = official_install(pins)
    if official is not None:
        log(f"using the official Pulumi on PATH: {official}; nothing to build")
        return 0

    started = time.monotonic()
    log(f"building pulumi {pins.engine} + databricks {pins.databricks} into {root}")
    caches = go_env("GOMODCACHE", "GOCACHE")
    log(f"Go caches: GOMODCACHE={caches['GOMODCACHE']}, GOCACHE={caches['GOCACHE']}")
    check_checksum_database()
    bin_path.mkdir(parents=True, exist_ok=True)
    (root / MARKER).unlink(missing_ok=True)

    log("stage 1/3: Pulumi CLI and Python language host (go build; tens of minutes when cold)")
    source = source_hash()
    go_build(
        CLI_MODULE_DIR,
        bin_path,
        [f"{pins.pulumi_facts['cli_module']}/cmd/pulumi", f"./cmd/{LANGUAGE_HOST}"],
        release_ldflags(pins),
    )

    log("stage 2/3: language host scripts from the SDK module")
    sdk = module_dir_of(CLI_MODULE_DIR, pins.pulumi_facts["sdk_module"])
    for script in ("cmd/pulumi-language-python-exec", "dist/pulumi-resource-pulumi-python"):
        install_script(sdk / "python" / script, bin_path / Path(script).name)

    log(f"stage 3/3: {PROVIDER} {pins.databricks} (plugin cache)")
    provider_stage(pins, bin_path)

    marker = {
        "pulumi": pins.engine,
        "python_sdk": pins.pulumi,
        "databricks": pins.databricks,
        "binaries": binaries(pins),
        "go": go_env("GOVERSION")["GOVERSION"],
        "language_host_source": source,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
    }
    write_marker(root, marker)
    log(f"toolchain complete in {root} ({marker['seconds']} s); put {bin_path} first on PATH")
    return 0


def status(pins: pinning.Pins) -> int:
    """Exit 0 only when pulumi and the databricks plugin are both available at the pins."""
    root = pinning.toolchain_home() / pins.dir_name
    if official_install(pins) is not None:
        print("official Pulumi with the databricks plugin on PATH")
        return 0
    if not is_complete(pins, root):
        return fail(f"{root} is not built; run `make toolchain`")
    env = choose_provider(pins, root / "bin")
    if not plugin_installed(str(root / "bin" / "pulumi"), pins, env.get("PULUMI_HOME")):
        return fail(
            f"`pulumi plugin ls` shows no databricks plugin {pins.databricks}; run `make toolchain`"
        )
    print(f"complete: {root}; databricks provider: {env['LAKEFORM_PROVIDER_USED']}")
    return 0


def provider_env(pins: pinning.Pins) -> int:
    """Print the `export` lines choosing the databricks plugin (`choose_provider`)."""
    try:
        env = choose_provider(pins, pinning.bin_dir(pins))
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        return fail(str(exc))
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


SWITCHES = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
}
"""No update nag, and a missing plugin an error rather than a download: `env` exports them."""


class EnvFailed(Exception):
    """`env` cannot answer: the message is the line `env` prints on stderr."""


def env_variables(output: Output | None = None) -> dict[str, str]:
    """What `env` exports, by name, PATH's value as printed (`<bin directory>:$PATH`), for a
    caller in its own process: cli/pulumienv.py, for every `lakeform` command, where a Python
    start-up for `env` cost 0.12 CPU-s. An EnvFailed where `env` exits 1, with its message."""
    try:
        pins = pinning.load()
        pinning.check_go_mod(pins)
        bin_path = pinning.bin_dir(pins)
        provider = choose_provider(pins, bin_path, output)
    except (pinning.PinError, RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        raise EnvFailed(f"toolchain: error: {exc}") from exc
    return {"PATH": f"{bin_path}:$PATH", **SWITCHES, **provider}


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "build"
    try:
        pins = pinning.load()
        pinning.check_go_mod(pins)
    except pinning.PinError as exc:
        return fail(str(exc))
    if command == "bin-dir":
        print(pinning.bin_dir(pins))
        return 0
    if command == "env":
        print(f'export PATH="{pinning.bin_dir(pins)}:$PATH"')
        for name, value in SWITCHES.items():
            print(f"export {name}={value}")
        # and the provider's: without them plain `pulumi` finds no databricks plugin
        return provider_env(pins)
    if command == "check":
        print(
            f"pins agree: pulumi {pins.pulumi} (engine {pins.engine}), "
            f"pulumi-databricks {pins.databricks}"
        )
        return 0
    if command == "status":
        return status(pins)
    if command == "provider-env":
        return provider_env(pins)
    if command == "build":
        try:
            return build(pins)
        except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
            return fail(str(exc))
    return fail(
        f"unknown command {command!r}; use build, bin-dir, env, status, provider-env or check"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
