"""The environment every Pulumi run of Lakeform needs, in one place (the CLI and scripts/demo.sh).

    python -m cli.pulumienv --stack local   # `export` lines (scripts/demo.sh evals them)

The pinned toolchain first on PATH, the databricks provider chosen by devtools/toolchain/build.py,
the state backend (PULUMI_BACKEND_URL when set, else
file://<project>/.lakeform/state?metadata=skip), the passphrase the local stack's encryptionsalt
was made with. Values already in the environment win, so CI's secret store decides there, with one
exception: stack `local` gets the local workspace's token and no other Databricks or cloud
credential, whatever is exported (a real token must never go to whatever listens on the local
workspace's port)."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "devtools" / "toolchain" / "build.py"
LOCAL_STACK = "local"
LOCAL_PASSPHRASE = "lakeform-local"
LOCAL_TOKEN = "lakeform-local-token"
CREDENTIAL_PREFIXES = ("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_")
"""Where databricks-sdk (Python and Go, so both providers) reads a host, credentials, a profile or
a config file from: DATABRICKS_TOKEN, _CLIENT_SECRET, _CONFIG_PROFILE, _CONFIG_FILE, ARM_*..."""
ENGINE_GOGC = "200"
"""The Go collector's target for the engine (and the Go plugins) unless GOGC is exported: a
collection when the heap has grown by 200% of what was live, not Go's default 100%. The engine's
checkpoints serialise the whole state after every step (allocating it anew each time), and at
100% its collector took about a fifth of its CPU; at 200%, measured at 500 jobs in one stack,
the engine used 12 to 15% less CPU for about a third more peak memory (docs/performance.md,
"Scale", 2026-12-07 afternoon)."""
PREVIEW_ENV = {"PULUMI_SKIP_CHECKPOINTS": "true"}
"""Added to a preview's environment unless exported. A preview persists no state: both backends
give its snapshot manager a persister that discards every save (pulumi v3.276.0 pkg/backend/diy/
backend.go `apply`: DiscardPersister for a PreviewUpdate or DryRun; httpstate/backend.go the
same), yet by default the manager still builds, serialises and checks the whole state after
every step it applies in memory (backend/snapshot.go `defaultServiceLoop` -> `saveSnapshot`),
quadratic in the resources. With PULUMI_SKIP_CHECKPOINTS it does so once, at the end
(`unsafeServiceLoop`); the saves it skips were discarded anyway, so a crash loses nothing it
would have kept. Measured at 200 jobs (bench_stack_cpu): a preview from empty 2.7 -> 0.8 CPU-s
of engine. Never for `up`, `refresh` or `destroy`, whose checkpoints `lakeform recover` needs."""


class EnvError(RuntimeError):
    """The toolchain or provider cannot be set up; the message says how to fix it."""


_LOADING = threading.Lock()


def _toolchain_build() -> ModuleType:
    """devtools/toolchain/build.py, loaded once into this process. It is a script for the system
    python3 (`make toolchain` runs it before any virtual environment exists) that imports its
    sibling pins.py as `pins`; both are loaded under names of their own, so a `pins` or `build`
    module elsewhere in the process is neither used nor replaced."""
    with _LOADING:
        loaded = sys.modules.get(_BUILD_MODULE)
        if loaded is not None:
            return loaded
        pins = _module(f"{_BUILD_MODULE}_pins", BUILD.with_name("pins.py"))
        build = _module(_BUILD_MODULE, BUILD, pins=pins)
        return build


_BUILD_MODULE = "_lakeform_toolchain_build"


def _module(name: str, path: Path, **imports: ModuleType) -> ModuleType:
    """The script at `path` run as module `name` (kept in sys.modules), its `import X` of each
    of `imports` answered with the module given."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise EnvError(f"cannot load {path}; run `make toolchain`")
    module = importlib.util.module_from_spec(spec)
    saved = {imported: sys.modules.get(imported) for imported in imports}
    sys.modules.update(imports)
    sys.modules[name] = module  # as an import does: dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        for imported, before in saved.items():
            if before is None:
                del sys.modules[imported]
            else:
                sys.modules[imported] = before
    return module


@functools.cache
def _exports_in(environ: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """What build.py env exports (the bin directory and the provider's variables; PATH's value
    as printed: `<bin directory>:$PATH`), once per process and environment: a sharded stack
    makes an engine per shard, and each asked again. Worked out in this process by build.py's
    own code (it reads os.environ, which `environ` is), not by running it: a Python start-up of
    its own cost 0.12 CPU-s a `lakeform` command."""
    del environ  # the cache key: build.py reads os.environ itself
    build = _toolchain_build()
    try:
        # A plugin install's output is not ours to show (`env` run as a command captured it).
        return build.env_variables(output=subprocess.DEVNULL)
    except Exception as failed:  # what `env` run as a command ended with, its last line
        message = str(failed) if isinstance(failed, build.EnvFailed) else None
        detail = (message or f"{type(failed).__name__}: {failed}").strip().splitlines()
        raise EnvError(
            "devtools/toolchain/build.py env failed "
            f"({detail[-1] if detail else 'no output'}); "
            "run `make toolchain`"
        ) from None


def _exports() -> dict[str, str]:
    """build.py env's `export NAME=value` variables, as a mapping."""
    return dict(_exports_in(tuple(sorted(os.environ.items()))))


def toolchain_bin() -> Path:
    """The pinned toolchain's bin directory; an EnvError when it is not built yet."""
    path = _exports().get("PATH", "")
    if not path.endswith(":$PATH"):
        raise EnvError(f"devtools/toolchain/build.py env printed no PATH ({path!r})")
    bin_dir = Path(path.removesuffix(":$PATH"))
    if not os.access(bin_dir / "pulumi", os.X_OK):
        raise EnvError(f"the Pulumi toolchain is not built ({bin_dir}); run `make toolchain`")
    return bin_dir


def provider_env() -> dict[str, str]:
    """The variables choosing the databricks plugin (build.py provider-env's, printed by its
    `env` command after PATH and the two PULUMI_ switches)."""
    return {name: value for name, value in _exports().items() if name != "PATH"}


def file_backend(state: Path) -> str:
    """The `file://` backend URL of a state folder, without the sidecar `.attrs` files.

    The file backend (gocloud's fileblob) writes each state file atomically (a temporary file,
    then a rename) but its `<file>.attrs` sidecar in place (truncate, then write), and reads
    that sidecar with every state file. A protected stack's guard reads the stack's own outputs
    (a StackReference to itself, stacks/guard.py) while the engine saves the same stack's state,
    and can read a sidecar half written: `failed to load checkpoint: EOF` (seen once in CI, in
    tests/e2e/test_stacks.py). With `metadata=skip` no sidecar is written or needed."""
    return f"file://{state}?metadata=skip"


def local_credentials(base: Mapping[str, str]) -> dict[str, str]:
    """Stack `local`'s credentials over `base`: every credential variable of `base` emptied, the
    local workspace's token, and no config file (so no ~/.databrickscfg profile).

    Emptied rather than removed: the Automation API adds its variables to the whole of
    os.environ, so a variable can only be overridden; databricks-sdk, the Go SDK and
    localprovider read an empty one as unset. `main` prints `unset` for them."""
    env = {name: "" for name in base if name.startswith(CREDENTIAL_PREFIXES)}
    env["DATABRICKS_TOKEN"] = LOCAL_TOKEN
    env["DATABRICKS_CONFIG_FILE"] = os.devnull
    return env


def workspace_client(stack: str, config: Callable[[str], str | None]) -> Any:
    """A databricks-sdk client for the stack's workspace, reached as its provider reaches it, or
    None when no host is set. Stack `local`: `databricks:host` and the local workspace's token
    only, never an exported credential. Another stack: `databricks:host` (else
    DATABRICKS_HOST), `databricks:token` (else DATABRICKS_TOKEN), else the SDK's own
    authentication (profiles, OAuth). `config` reads one key of the stack's config."""
    from components._sdk import defer_google_auth

    defer_google_auth()
    from databricks.sdk import WorkspaceClient

    settings = _client_settings(stack, config)
    return None if settings is None else WorkspaceClient(**settings)


def api_client(stack: str, config: Callable[[str], str | None]) -> Any:
    """`workspace_client(stack, config).api_client` (its `do(method, path, ...)`), the same
    workspace and credentials, without the service modules: databricks.sdk's `__init__.py`
    imports every one of them for WorkspaceClient (1.1 CPU-s), the client core alone 0.3 s.
    For the commands that only GET and POST by path (drift's reads, the email lists' update),
    which `lakeform plan` and `up` run on every deployed stack."""
    from components._sdk import api_client as core_client

    settings = _client_settings(stack, config)
    return None if settings is None else core_client(**settings)


def _client_settings(stack: str, config: Callable[[str], str | None]) -> dict[str, Any] | None:
    """The client's host and credentials (see workspace_client), or None without a host."""
    if _env_of(stack) == LOCAL_STACK:
        host = config("databricks:host")
        return None if not host else {"host": host, "token": LOCAL_TOKEN, "auth_type": "pat"}
    host = config("databricks:host") or os.environ.get("DATABRICKS_HOST")
    if not host:
        return None
    token = config("databricks:token") or os.environ.get("DATABRICKS_TOKEN")
    if token:
        return {"host": host, "token": token, "auth_type": "pat"}
    return {"host": host}


def _env_of(stack: str) -> str:
    """The environment of a stack: a shard `local.a` is stack local's (its workspace, token)."""
    return stack.partition(".")[0]


def pulumi_env(project: Path, stack: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """What to add to `base` (default: os.environ) for Pulumi runs of `stack` in `project`; an
    empty value means the variable is to be removed (see local_credentials)."""
    base = os.environ if base is None else base
    env = provider_env()
    env["PATH"] = f"{toolchain_bin()}{os.pathsep}{base.get('PATH', '')}"
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    env["PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION"] = "true"
    if "GOGC" not in base:
        env["GOGC"] = ENGINE_GOGC
    if not base.get("PULUMI_BACKEND_URL"):
        state = project / ".lakeform" / "state"
        state.mkdir(parents=True, exist_ok=True)
        env["PULUMI_BACKEND_URL"] = file_backend(state)
    if _env_of(stack) == LOCAL_STACK and "PULUMI_CONFIG_PASSPHRASE" not in base:
        env["PULUMI_CONFIG_PASSPHRASE"] = LOCAL_PASSPHRASE
    if _env_of(stack) == LOCAL_STACK:
        env.update(local_credentials(base))
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.pulumienv", description=__doc__)
    parser.add_argument("--stack", default=LOCAL_STACK)
    parser.add_argument("--project", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    try:
        env = pulumi_env(args.project.resolve(), args.stack)
    except EnvError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for name, value in sorted(env.items()):
        print(f"export {name}={shlex.quote(value)}" if value else f"unset {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
