"""The gRPC side: Pulumi's ResourceProvider service, answered for the six resource types."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from devtools.localprovider.client import PLUGIN_VERSION, Client, ConfigError, configure

if TYPE_CHECKING:
    from devtools.localprovider.resources import Kind

log = logging.getLogger("lakeform.localprovider")

T = TypeVar("T")


def _dict(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    if struct is None:
        return {}
    return json_format.MessageToDict(struct)


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


_KIND_NAMES = {
    "ADD": provider_pb2.PropertyDiff.ADD,
    "ADD_REPLACE": provider_pb2.PropertyDiff.ADD_REPLACE,
    "DELETE": provider_pb2.PropertyDiff.DELETE,
    "DELETE_REPLACE": provider_pb2.PropertyDiff.DELETE_REPLACE,
    "UPDATE": provider_pb2.PropertyDiff.UPDATE,
    "UPDATE_REPLACE": provider_pb2.PropertyDiff.UPDATE_REPLACE,
}


class Provider(provider_pb2_grpc.ResourceProviderServicer):
    """One plugin process serves one engine; Configure comes before any resource call."""

    def __init__(self) -> None:
        self._client: Client | None = None
        self._lock = threading.Lock()
        self._kinds: dict[str, Kind] | None = None

    @property
    def kinds(self) -> dict[str, Kind]:
        """The resource types served, imported on the first resource call: the engine starts a
        second copy of the plugin each run for the program's default provider, which it asks
        for CheckConfig and never for a resource (pulumi v3.276.0 pkg/resource/deploy/
        providers/registry.go `Check` loads a fresh provider; `Same` keeps the configured one),
        so that copy never imports the resource code nor the names table."""
        if self._kinds is None:
            with self._lock:  # the engine's first calls come on several threads at once
                if self._kinds is None:
                    from devtools.localprovider.resources import KINDS

                    self._kinds = {token: kind() for token, kind in KINDS.items()}
        return self._kinds

    # -- helpers ---------------------------------------------------------------------------
    def _kind(self, type_: str, urn: str, context: grpc.ServicerContext) -> Kind:
        token = type_ or urn.split("::")[-2].split("$")[-1]
        kind = self.kinds.get(token)
        if kind is None:
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                f"Lakeform's local databricks provider does not serve {token}; it serves "
                + ", ".join(sorted(self.kinds)),
            )
        return kind

    def _api(self, context: grpc.ServicerContext) -> Client:
        if self._client is None:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "the provider is not configured")
        return self._client

    def _guard(self, context: grpc.ServicerContext, what: str, call: Callable[[], T]) -> T:
        from devtools.localprovider import resources

        try:
            return call()
        except (resources.ResourceError, ConfigError) as exc:
            context.abort(grpc.StatusCode.UNKNOWN, f"{what}: {exc}")
        except Exception as exc:  # the SDK's DatabricksError and transport errors
            context.abort(grpc.StatusCode.UNKNOWN, f"{what}: {type(exc).__name__}: {exc}")

    # -- plugin and provider configuration -------------------------------------------------
    def Handshake(self, request: Any, context: grpc.ServicerContext) -> Any:
        """As pulumi-databricks 1.106.0 answers: its plugin is the bridge's muxer
        (pulumi-terraform-bridge pkg/x/muxer/muxer.go `muxer`, served by pkg/pf/tfbridge/main.go
        `MainWithMuxer`), which has no Handshake and so answers with the generated stub's
        UNIMPLEMENTED "method Handshake not implemented" (pulumi sdk/proto/go
        provider_grpc.pb.go `UnimplementedResourceProviderServer`). The engine then falls back
        to Configure's answers (pulumi 3.276.0 pkg/resource/plugin/provider_plugin.go
        `handshake`). Aborted, not raised: grpc logs a raised error's traceback to stderr,
        which the engine shows as the provider's diagnostics."""
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "method Handshake not implemented")

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> Any:
        return plugin_pb2.PluginInfo(version=PLUGIN_VERSION)

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetSchemaResponse(
            schema=f'{{"name": "databricks", "version": "{PLUGIN_VERSION}"}}'
        )

    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_UNKNOWN)

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            config = configure(dict(request.variables), _dict(request.args))
        except ConfigError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        with self._lock:
            self._client = Client(config)
        log.info("configured for %s", config.host)  # never the token
        return provider_pb2.ConfigureResponse(
            acceptSecrets=False, supportsPreview=True, acceptResources=False
        )

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> Any:
        return empty_pb2.Empty()

    # -- resources -------------------------------------------------------------------------
    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:
        from components.names import unknown_properties

        kind = self._kind(request.type, request.urn, context)
        news = _dict(request.news)
        failures = [
            provider_pb2.CheckFailure(
                property=path,
                reason=f"{kind.token} has no input {path!r} (pulumi_databricks {PLUGIN_VERSION})",
            )
            for path in unknown_properties(kind.fields, news)
        ]
        failures += [
            provider_pb2.CheckFailure(property=path, reason=reason)
            for path, reason in kind.failures(news)
        ]
        if failures:
            return provider_pb2.CheckResponse(inputs=request.news, failures=failures)
        return provider_pb2.CheckResponse(inputs=_struct(kind.check(news)))

    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = self._kind(request.type, request.urn, context)
        changes = kind.diff(_dict(request.olds), _dict(request.news))
        ignored = set(request.ignoreChanges)
        changes = {p: k for p, k in changes.items() if p.split(".")[0].split("[")[0] not in ignored}
        top = sorted({p.split(".")[0].split("[")[0] for p in changes})
        replaces = sorted(
            {p.split(".")[0].split("[")[0] for p, k in changes.items() if k.endswith("REPLACE")}
        )
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME
            if changes
            else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=top,
            replaces=replaces,
            detailedDiff={
                path: provider_pb2.PropertyDiff(kind=_KIND_NAMES[k], inputDiff=False)
                for path, k in changes.items()
            },
            hasDetailedDiff=True,
            deleteBeforeReplace=False,
        )

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        from devtools.localprovider.resources import INVOKES

        call = INVOKES.get(request.tok)
        if call is None:
            context.abort(
                grpc.StatusCode.UNIMPLEMENTED,
                f"Lakeform's local databricks provider does not serve {request.tok}; it serves "
                + ", ".join(sorted(INVOKES)),
            )
        client = self._api(context)
        args = _dict(request.args)
        answer = self._guard(context, f"invoking {request.tok}", lambda: call(client, args))
        response = provider_pb2.InvokeResponse()
        getattr(response, "return").CopyFrom(_struct(answer))  # `return` is a Python keyword
        return response

    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = self._kind(request.type, request.urn, context)
        news = _dict(request.properties)
        if request.preview:
            return provider_pb2.CreateResponse(id="", properties=_struct(kind.preview(news, None)))
        client = self._api(context)
        id_, state = self._guard(
            context, f"creating {request.urn}", lambda: kind.create(client, news)
        )
        return provider_pb2.CreateResponse(id=id_, properties=_struct(state))

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = self._kind(request.type, request.urn, context)
        client = self._api(context)
        olds = _dict(request.properties)
        state = self._guard(
            context, f"reading {request.urn}", lambda: kind.read(client, request.id, olds)
        )
        if state is None:  # gone: refresh drops it from the stack, the next up creates it
            return provider_pb2.ReadResponse(id="")
        return provider_pb2.ReadResponse(
            id=request.id, properties=_struct(state), inputs=_struct(kind.inputs_of(state))
        )

    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = self._kind(request.type, request.urn, context)
        olds, news = _dict(request.olds), _dict(request.news)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=_struct(kind.preview(news, olds)))
        client = self._api(context)
        state = self._guard(
            context,
            f"updating {request.urn}",
            lambda: kind.update(client, request.id, olds, news),
        )
        return provider_pb2.UpdateResponse(properties=_struct(state))

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        kind = self._kind(request.type, request.urn, context)
        client = self._api(context)
        olds = _dict(request.properties)
        self._guard(
            context, f"deleting {request.urn}", lambda: kind.delete(client, request.id, olds)
        )
        return empty_pb2.Empty()


ENGINE_CHECK_SECONDS = "LAKEFORM_ENGINE_CHECK_SECONDS"
"""How often the plugin checks that its engine is alive (the language host reads it too)."""
DEFAULT_ENGINE_CHECK = 5.0


def engine_check_interval() -> float:
    raw = os.environ.get(ENGINE_CHECK_SECONDS, "")
    if raw:
        try:
            seconds = float(raw)
        except ValueError:
            seconds = 0.0
        if seconds > 0:
            return seconds
        log.warning(
            "%s=%r is not a positive number; using %s",
            ENGINE_CHECK_SECONDS,
            raw,
            DEFAULT_ENGINE_CHECK,
        )
    return DEFAULT_ENGINE_CHECK


def engine_address(argv: list[str]) -> str | None:
    """The engine's address: the argument the engine appends after the flags it passes to
    every plugin (`--logtostderr`, `-v=N`, `--tracing URL`, ...; pkg/resource/plugin
    buildPluginArguments). None when started by hand (attach mode)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--tracing")
    parser.add_argument("engine", nargs="?")
    known, _ = parser.parse_known_args(argv)
    return known.engine


def watch_engine(address: str, every: float, gone: Callable[[str], None]) -> threading.Thread:
    """Call the engine's grpc.health.v1 Health/Check every `every` seconds and call `gone` with
    the reason once it fails, as Pulumi's own plugins do (rpcutil.Healthcheck in
    sdk/go/common/util/rpcutil/health.go): any error but UNIMPLEMENTED means the engine is gone
    (a refused connection fails at once); no deadline, so a busy engine is never mistaken for a
    dead one."""
    channel = grpc.insecure_channel(address)
    # An empty HealthCheckRequest (all services) is zero bytes; the answer's status is not
    # looked at, as upstream.
    check = channel.unary_unary("/grpc.health.v1.Health/Check")

    def run() -> None:
        while True:
            time.sleep(every)
            try:
                check(b"")
            except grpc.RpcError as err:
                code = err.code()  # pyright: ignore[reportAttributeAccessIssue]
                if code != grpc.StatusCode.UNIMPLEMENTED:
                    gone(f"{code.name}: {err.details()}")  # pyright: ignore[reportAttributeAccessIssue]
                    return

    thread = threading.Thread(target=run, name="engine-health", daemon=True)
    thread.start()
    return thread


def main() -> None:
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="localprovider %(levelname)s %(message)s"
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(Provider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    # Before the port is printed: from then on the engine (or a test) may end the plugin.
    stop_on_interrupt(server)
    server.start()
    print(port, flush=True)  # the engine reads the port from the first line
    engine = engine_address(sys.argv[1:])
    if engine is not None:

        def gone(why: str) -> None:
            log.error("the engine at %s is gone (%s); exiting", engine, why)
            server.stop(grace=5).wait()
            logging.shutdown()
            # A call still waiting on the workspace would hold the interpreter at exit; its
            # answer has nobody to go to.
            os._exit(0)

        watch_engine(engine, engine_check_interval(), gone)
    server.wait_for_termination()
    # Stopped by SIGINT: exit 0, as the real plugin does; os._exit, since a worker thread still
    # waiting on the workspace would hold the interpreter at exit.
    logging.shutdown()
    os._exit(0)


def stop_on_interrupt(server: grpc.Server) -> None:
    """The engine ends a plugin it is done with by SIGINT to its process group, and kills it 5 s
    later (pulumi 3.276.0 pkg/resource/plugin/plugin.go, `kill`: cmdutil.InterruptChildren).
    The real plugin (pulumi sdk go/pulumi/provider/main.go `MainContext`:
    signal.NotifyContext(ctx, os.Interrupt), then the gRPC server's GracefulStop) stops
    serving quietly and exits 0. Python's default SIGINT raises KeyboardInterrupt in the main
    thread, whose traceback went to stderr: the engine shows a plugin's stderr as diagnostics,
    so every run's event stream carried it."""

    def interrupted(signum: int, frame: object) -> None:
        server.stop(grace=5)  # returns at once; wait_for_termination returns when done

    signal.signal(signal.SIGINT, interrupted)
