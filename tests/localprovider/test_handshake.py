"""The engine's first call, Handshake, answered as pulumi-databricks 1.106.0 answers it:
UNIMPLEMENTED, which the engine takes as "use Configure" (devtools/localprovider/README.md,
contract table); and SIGINT, by which the engine ends every plugin, is a quiet exit 0, as the
real plugin's. Neither writes a traceback to stderr, which the engine shows as the provider's
diagnostics in every run's event stream."""

from __future__ import annotations

import os
import signal

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.localprovider.plugin import PROVIDER, plugin


def test_handshake_is_unimplemented_as_the_real_provider_answers_and_logs_nothing() -> None:
    with plugin(PROVIDER, os.environ) as running:
        stub = provider_pb2_grpc.ResourceProviderStub(running.channel())
        # what pulumi 3.276.0 sends (pkg/resource/plugin/provider_plugin.go NewProvider)
        request = provider_pb2.ProviderHandshakeRequest(
            engine_address="127.0.0.1:1",
            root_directory="/tmp",
            program_directory="/tmp",
            configure_with_urn=True,
            supports_views=True,
            supports_refresh_before_update=True,
            invoke_with_preview=True,
            accepts_byte_string=True,
            sends_old_outputs_to_check=True,
            accepts_outputs_in_invoke=True,
            accepts_outputs_in_call=True,
        )
        with pytest.raises(grpc.RpcError) as err:
            stub.Handshake(request, timeout=30)
        call = err.value
        assert call.code() == grpc.StatusCode.UNIMPLEMENTED  # pyright: ignore[reportAttributeAccessIssue]
        assert call.details() == "method Handshake not implemented"  # pyright: ignore[reportAttributeAccessIssue]
        # still serving: the engine goes on with GetPluginInfo and Configure
        assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == "1.106.0"
        running.proc.kill()
        running.proc.wait(timeout=30)
        stderr = running.stderr()
    assert "Traceback" not in stderr and "Exception calling application" not in stderr, stderr


def test_sigint_from_the_engine_is_a_quiet_exit_0_as_the_real_plugin() -> None:
    with plugin(PROVIDER, os.environ) as running:
        stub = provider_pb2_grpc.ResourceProviderStub(running.channel())
        assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == "1.106.0"
        # the engine ends every plugin so (then kills it 5 s later)
        running.proc.send_signal(signal.SIGINT)
        assert running.exited_within(5)
        assert running.proc.returncode == 0
        stderr = running.stderr()
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
