"""Test helpers: a plugin process as the engine starts it, a fake engine, a recording workspace."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import grpc

REPO = Path(__file__).resolve().parents[2]
PROVIDER = [sys.executable, "-m", "devtools.localprovider"]


@dataclass
class Plugin:
    """A plugin process started the way the engine starts one: it prints its port first."""

    proc: subprocess.Popen[str]
    port: int

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def exited_within(self, seconds: float) -> bool:
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stderr(self) -> str:
        assert self.proc.stderr is not None and self.proc.poll() is not None
        return self.proc.stderr.read()


@contextmanager
def plugin(argv: list[str], env: Mapping[str, str]) -> Iterator[Plugin]:
    """Start `argv`, read its port from its first line of stdout, and kill it when done."""
    proc = subprocess.Popen(
        argv, env=dict(env), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as wait:
            wait.register(proc.stdout, selectors.EVENT_READ)
            ready = wait.select(timeout=60)
        line = proc.stdout.readline() if ready else ""
        if not line.strip().isdigit():
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"{argv} printed no port ({line!r}); stderr:\n{err}")
        yield Plugin(proc, int(line))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


@dataclass
class FakeEngine:
    """A gRPC server on the loopback that answers grpc.health.v1 Health/Check (SERVING), or
    nothing at all (`health=False`: every call UNIMPLEMENTED), and counts the checks."""

    health: bool = True
    checks: int = 0
    server: Any = field(default=None, repr=False)
    address: str = ""

    def start(self) -> FakeEngine:
        from concurrent import futures

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))

        def check(request: bytes, context: grpc.ServicerContext) -> bytes:
            del request, context
            self.checks += 1
            return b"\x08\x01"  # HealthCheckResponse{status: SERVING}

        if self.health:
            methods = {"Check": grpc.unary_unary_rpc_method_handler(check)}
            handler = grpc.method_handlers_generic_handler("grpc.health.v1.Health", methods)
            self.server.add_generic_rpc_handlers((handler,))
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop(None).wait()


@contextmanager
def fake_engine(*, health: bool = True) -> Iterator[FakeEngine]:
    engine = FakeEngine(health=health).start()
    try:
        yield engine
    finally:
        engine.stop()


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


class _Recording(BaseHTTPRequestHandler):
    server: RecordingWorkspace  # pyright: ignore[reportIncompatibleVariableOverride]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        self.server.raw.append(str(self.headers))
        status, answer = self.server.answer
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


class RecordingWorkspace(HTTPServer):
    """An HTTP server on 127.0.0.1 that records (method, path, Authorization) of every request
    and the raw headers, answering each with `answer` (status, JSON body)."""

    def __init__(self, answer: tuple[int, Any] = (200, {})) -> None:
        super().__init__(("127.0.0.1", 0), _Recording)
        self.answer = answer
        self.seen: list[tuple[str, str, str | None]] = []
        self.raw: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def recording_workspace(answer: tuple[int, Any] = (200, {})) -> Iterator[RecordingWorkspace]:
    server = RecordingWorkspace(answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
