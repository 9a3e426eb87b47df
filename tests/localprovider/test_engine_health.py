"""The plugins exit once the engine that started them is gone (a killed `pulumi up`): the local
provider and Lakeform's language host, each started against a fake engine that is then stopped."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import language_pb2_grpc, provider_pb2_grpc

from cli.pulumienv import EnvError, toolchain_bin
from devtools.localprovider.server import engine_address
from tests.localprovider.plugin import PROVIDER, fake_engine, plugin, wait_until

FAST = {**os.environ, "LAKEFORM_ENGINE_CHECK_SECONDS": "0.3"}


def _language_host() -> Path:
    try:
        return toolchain_bin() / "pulumi-language-python"
    except EnvError as err:
        pytest.fail(str(err))


def _argv(which: str) -> list[str]:
    return PROVIDER if which == "provider" else [str(_language_host()), "-v=0"]


@pytest.mark.parametrize("which", ["provider", "language host"])
def test_the_plugin_exits_when_its_engine_is_gone(which: str) -> None:
    with fake_engine() as engine, plugin([*_argv(which), engine.address], FAST) as running:
        stub = (
            provider_pb2_grpc.ResourceProviderStub
            if which == "provider"
            else language_pb2_grpc.LanguageRuntimeStub
        )(running.channel())
        info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
        assert info.version == ("1.106.0" if which == "provider" else "3.276.0")
        # Alive while the engine answers, and checking it.
        assert wait_until(lambda: engine.checks >= 3, 30), engine.checks
        assert running.proc.poll() is None
        engine.stop()
        assert running.exited_within(30), f"the {which} outlived its engine"
        if which == "provider":
            assert f"the engine at {engine.address} is gone (UNAVAILABLE" in running.stderr()


@pytest.mark.parametrize("which", ["provider", "language host"])
def test_an_engine_without_the_health_service_counts_as_alive(which: str) -> None:
    """As upstream: UNIMPLEMENTED is an answer, so the engine is there."""
    with (
        fake_engine(health=False) as engine,
        plugin([*_argv(which), engine.address], FAST) as running,
    ):
        time.sleep(2)  # several checks at 0.3 s
        assert running.proc.poll() is None


def test_the_provider_started_by_hand_does_not_check_an_engine() -> None:
    """No engine address (attach mode, PULUMI_DEBUG_PROVIDERS): nothing to check, it serves."""
    with plugin(PROVIDER, FAST) as provider:
        time.sleep(1)
        assert provider.proc.poll() is None


@pytest.mark.parametrize(
    ("argv", "address"),
    [
        (["127.0.0.1:4000"], "127.0.0.1:4000"),
        (["--logtostderr", "-v=9", "--tracing", "http://t:1", "127.0.0.1:4000"], "127.0.0.1:4000"),
        (["--logflow", "127.0.0.1:4000"], "127.0.0.1:4000"),
        ([], None),
    ],
)
def test_the_engine_address_is_the_argument_after_the_engines_flags(
    argv: list[str], address: str | None
) -> None:
    assert engine_address(argv) == address
