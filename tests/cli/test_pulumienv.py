"""Stack `local` runs with the local workspace's token only, whatever credentials are exported."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import cli.drift
import cli.recover
import cli.run
from cli.pulumienv import ENGINE_GOGC, LOCAL_TOKEN, EnvError, provider_env, pulumi_env
from tests.localprovider.plugin import (
    PROVIDER,
    REPO,
    RecordingWorkspace,
    plugin,
    recording_workspace,
)

REAL = "dapi-a-real-token-from-the-shell"
JOB = "databricks:index/job:Job"


@pytest.fixture
def exported(tmp_path: Path, clean_databricks_env: None) -> dict[str, str]:
    """A shell with real credentials exported, and a ~/.databrickscfg profile holding another."""
    profile = tmp_path / "databrickscfg"
    profile.write_text(f"[prod]\nhost = https://prod.example.com\ntoken = {REAL}-profile\n")
    return {
        **os.environ,
        "DATABRICKS_TOKEN": REAL,
        "DATABRICKS_HOST": "https://prod.example.com",
        "DATABRICKS_CLIENT_ID": "sp-id",
        "DATABRICKS_CLIENT_SECRET": f"{REAL}-secret",
        "DATABRICKS_CONFIG_PROFILE": "prod",
        "DATABRICKS_CONFIG_FILE": str(profile),
        "DATABRICKS_AUTH_TYPE": "oauth-m2m",
        "ARM_CLIENT_SECRET": f"{REAL}-arm",
    }


@pytest.fixture
def listening() -> Iterator[RecordingWorkspace]:
    """Whatever listens on the local workspace's port; every job answers 404."""
    with recording_workspace((404, {"error_code": "RESOURCE_DOES_NOT_EXIST"})) as server:
        yield server


def _tokens(listening: RecordingWorkspace) -> set[str | None]:
    """The Authorization headers sent (databricks-sdk's host metadata request goes without)."""
    return {auth for _, path, auth in listening.seen if not path.startswith("/.well-known/")}


def _provider_sends(env: dict[str, str], host: str) -> None:
    """Start the provider with `env`, configure it as stack `local` does (host in the stack
    file, no token there) and read a job: one request with whatever token it found."""
    with plugin(PROVIDER, env) as provider:
        stub = provider_pb2_grpc.ResourceProviderStub(provider.channel())
        stub.Configure(
            provider_pb2.ConfigureRequest(variables={"databricks:config:host": host}), timeout=60
        )
        urn = f"urn:pulumi:local::lakeform::{JOB}::j"
        read = stub.Read(
            provider_pb2.ReadRequest(id="1", urn=urn, type=JOB, properties=struct_pb2.Struct()),
            timeout=60,
        )
        assert read.id == ""  # gone


def test_stack_local_sends_only_the_local_token_whatever_is_exported(
    tmp_path: Path, exported: dict[str, str], listening: RecordingWorkspace
) -> None:
    # What the Automation API gives the engine (and the engine its plugins): os.environ with
    # pulumi_env's variables over it.
    env = {**exported, **pulumi_env(tmp_path, "local", exported)}
    _provider_sends(env, listening.url)
    assert _tokens(listening) == {f"Bearer {LOCAL_TOKEN}"}
    assert not any(REAL in headers for headers in listening.raw)


def test_another_stack_keeps_the_exported_token(
    tmp_path: Path, exported: dict[str, str], listening: RecordingWorkspace
) -> None:
    """The control: outside stack `local` the credentials exported decide (CI's secret store),
    and the recording workspace does see the token the provider sends."""
    env = {**exported, **pulumi_env(tmp_path, "dev", exported)}
    assert env["DATABRICKS_CLIENT_SECRET"] == f"{REAL}-secret"
    _provider_sends(env, listening.url)
    assert _tokens(listening) == {f"Bearer {REAL}"}


def test_stack_local_empties_every_credential_variable(
    tmp_path: Path, exported: dict[str, str]
) -> None:
    env = {**exported, **pulumi_env(tmp_path, "local", exported)}
    credentials = {
        k: v for k, v in env.items() if k.startswith(("DATABRICKS_", "ARM_", "AZURE_", "GOOGLE_"))
    }
    assert credentials == {
        "DATABRICKS_TOKEN": LOCAL_TOKEN,
        "DATABRICKS_CONFIG_FILE": os.devnull,
        "DATABRICKS_HOST": "",
        "DATABRICKS_CLIENT_ID": "",
        "DATABRICKS_CLIENT_SECRET": "",
        "DATABRICKS_CONFIG_PROFILE": "",
        "DATABRICKS_AUTH_TYPE": "",
        "ARM_CLIENT_SECRET": "",
    }


def test_the_shell_lines_unset_the_credentials_for_stack_local(exported: dict[str, str]) -> None:
    """scripts/demo.sh evals `python -m cli.pulumienv --stack local`."""
    script = f'eval "$("{sys.executable}" -m cli.pulumienv --stack local)"; env'
    shell = subprocess.run(
        ["bash", "-c", script], env=exported, cwd=REPO, capture_output=True, text=True, check=True
    )
    env = dict(line.split("=", 1) for line in shell.stdout.splitlines() if "=" in line)
    assert env["DATABRICKS_TOKEN"] == LOCAL_TOKEN
    assert env["DATABRICKS_CONFIG_FILE"] == os.devnull
    for name in ("DATABRICKS_CLIENT_SECRET", "DATABRICKS_CONFIG_PROFILE", "ARM_CLIENT_SECRET"):
        assert name not in env
    assert REAL not in shell.stdout


def test_recover_for_stack_local_sends_only_the_local_token(
    exported: dict[str, str], listening: RecordingWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    # The stack file's host (`pulumi config get databricks:host`), pointed at the listener.
    config = {"databricks:host": listening.url}
    monkeypatch.setattr(cli.recover, "_config", lambda stack, key: config.get(key))
    workspace = cli.recover._workspace("local")  # pyright: ignore[reportPrivateUsage]
    assert not workspace.exists("quality_monitors", "main.sales.orders")
    assert _tokens(listening) == {f"Bearer {LOCAL_TOKEN}"}


class _Value:
    def __init__(self, value: str) -> None:
        self.value = value


class _Stack:
    """The part of an Automation API stack that lakeform run and drift read: its config."""

    def __init__(self, config: dict[str, str]) -> None:
        self.config = config

    def get_config(self, key: str) -> _Value:
        return _Value(self.config.get(key, ""))

    def get_all_config(self) -> dict[str, _Value]:
        return {key: _Value(value) for key, value in self.config.items()}


class _Engine:
    def __init__(self, stack: str, config: dict[str, str]) -> None:
        self.stack_name = stack
        self._stack = _Stack(config)

    def stack(self) -> _Stack:
        return self._stack


def _run_client_asks(engine: _Engine) -> None:
    from databricks.sdk.errors import NotFound

    with pytest.raises(NotFound):
        cli.run.stack_client(engine).jobs.get(job_id=1)


def _drift_reader_asks(engine: _Engine) -> None:
    assert cli.drift.sdk_reader(engine)("jobs", "1") is None  # pyright: ignore[reportArgumentType]


@pytest.mark.parametrize("asks", [_run_client_asks, _drift_reader_asks], ids=["run", "drift"])
def test_run_and_drift_for_stack_local_send_only_the_local_token(
    exported: dict[str, str],
    listening: RecordingWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    asks: Callable[[_Engine], None],
) -> None:
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    asks(_Engine("local", {"databricks:host": listening.url}))
    assert _tokens(listening) == {f"Bearer {LOCAL_TOKEN}"}


@pytest.mark.parametrize("asks", [_run_client_asks, _drift_reader_asks], ids=["run", "drift"])
def test_run_and_drift_for_another_stack_use_its_token(
    listening: RecordingWorkspace,
    monkeypatch: pytest.MonkeyPatch,
    clean_databricks_env: None,
    asks: Callable[[_Engine], None],
) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", REAL)
    asks(_Engine("dev", {"databricks:host": listening.url}))
    assert _tokens(listening) == {f"Bearer {REAL}"}


def test_the_engine_collects_less_often_unless_gogc_is_exported(tmp_path: Path) -> None:
    assert pulumi_env(tmp_path, "dev", {})["GOGC"] == ENGINE_GOGC
    assert "GOGC" not in pulumi_env(tmp_path, "dev", {"GOGC": "off"})  # the exported one stays


def _build_env_command() -> dict[str, str]:
    """What `python devtools/toolchain/build.py env` exports, read as `eval` would."""
    done = subprocess.run(
        [sys.executable, str(REPO / "devtools" / "toolchain" / "build.py"), "env"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line.removeprefix("export ") for line in done.stdout.splitlines()]
    return {name: shlex.split(value)[0] for name, _, value in (x.partition("=") for x in lines)}


def test_the_toolchain_variables_are_build_py_env_s(tmp_path: Path) -> None:
    """Worked out in the process by build.py's own code, not by running it: what its `env`
    command prints (PATH's `$PATH` is the environment's)."""
    printed = _build_env_command()
    assert provider_env() == {k: v for k, v in printed.items() if k != "PATH"}
    env = pulumi_env(tmp_path, "dev", {"PATH": "/usr/bin"})
    assert env["PATH"] == printed["PATH"].replace("$PATH", "/usr/bin")


def test_a_toolchain_error_is_build_py_env_s_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKEFORM_PROVIDER", "bogus")
    done = subprocess.run(
        [sys.executable, str(REPO / "devtools" / "toolchain" / "build.py"), "env"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    line = done.stderr.strip().splitlines()[-1]
    assert line == "toolchain: error: LAKEFORM_PROVIDER='bogus': use local or real"
    with pytest.raises(EnvError) as raised:
        provider_env()
    assert str(raised.value) == (
        f"devtools/toolchain/build.py env failed ({line}); run `make toolchain`"
    )
