"""The HTTP front of the local workspace: a bounded HTTP/1.1 server, request log, faults."""

from __future__ import annotations

import contextlib
import fnmatch
import http.server
import ipaddress
import json
import logging
import math
import queue
import re
import selectors
import socket
import threading
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from devtools.workspace.app import Outcome, Request, Response, RunTimings, Workspace
from devtools.workspace.errors import ApiError
from devtools.workspace.routes import ROUTES

log = logging.getLogger("lakeform.workspace")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


READ_ONLY_POSTS = frozenset({"catalog.temporary_table_credentials"})


@dataclass(frozen=True)
class RequestRecord:
    """One answered call: `path` as sent, without the query; `route` names the endpoint."""

    method: str
    path: str
    status: int
    route: str
    query: str
    at: float
    duration: float
    fault: str | None = None

    @property
    def is_write(self) -> bool:
        # asking Unity Catalog for temporary credentials is a POST that changes nothing
        return self.method in WRITE_METHODS and self.route not in READ_ONLY_POSTS


class RequestLog:
    """Every call the server answered, in order; safe to read while the server runs."""

    def __init__(self, limit: int = 100_000) -> None:
        self._lock = threading.Lock()
        # Bounded, so a long-running `python -m devtools.workspace serve` does not grow without end.
        self._records: deque[RequestRecord] = deque(maxlen=limit)

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)

    def count(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        route: str | None = None,
        status: int | None = None,
    ) -> int:
        """Calls matching all given filters; `path` is a glob (`*` crosses `/`)."""
        return len(self.matching(method, path, route=route, status=status))

    def matching(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        route: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        return [
            r
            for r in self.records
            if (method is None or r.method == method.upper())
            and (path is None or fnmatch.fnmatchcase(r.path, path))
            and (route is None or r.route == route)
            and (status is None or r.status == status)
        ]

    def writes(self, *, successful_only: bool = True) -> Counter[str]:
        """Write calls (POST/PUT/PATCH/DELETE) per endpoint name, e.g. `{"jobs.create": 3}`."""
        return Counter(
            r.route for r in self.records if r.is_write and (not successful_only or r.status < 300)
        )

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


@dataclass
class Fault:
    method: str
    path: str
    remaining: int
    status: int | None
    delay: float
    retry_after: int

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)


_FAULT_CODES = {
    429: ("REQUEST_LIMIT_EXCEEDED", "Too many requests (fault injected by the local workspace)"),
    503: ("TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable (fault injected)"),
    500: ("INTERNAL_ERROR", "Internal error (fault injected by the local workspace)"),
}


class Faults:
    """Faults for the next N calls to an endpoint (method + glob on the path; `*` crosses `/`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        path: str,
        *,
        status: int | None = None,
        delay: float = 0.0,
        times: int = 1,
        retry_after: int = 1,
    ) -> None:
        """The next `times` matching calls answer `status` (429, 503, 500) or wait `delay` s."""
        if status is not None and status not in _FAULT_CODES:
            raise ValueError(f"status must be one of {sorted(_FAULT_CODES)}, got {status}")
        if status is None and delay <= 0:
            raise ValueError("a fault needs a status or a positive delay")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(Fault(method.upper(), path, times, status, delay, retry_after))

    def throttle(self, method: str, path: str, *, times: int = 1, retry_after: int = 0) -> None:
        """429 REQUEST_LIMIT_EXCEEDED with a Retry-After header (the SDKs retry it)."""
        self.add(method, path, status=429, times=times, retry_after=retry_after)

    def unavailable(self, method: str, path: str, *, times: int = 1, retry_after: int = 0) -> None:
        """503 TEMPORARILY_UNAVAILABLE (the SDKs retry it)."""
        self.add(method, path, status=503, times=times, retry_after=retry_after)

    def error(self, method: str, path: str, *, times: int = 1) -> None:
        """500 INTERNAL_ERROR (the SDKs fail at once)."""
        self.add(method, path, status=500, times=times)

    def delay(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Answer normally, but only after `seconds`."""
        self.add(method, path, delay=seconds, times=times)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def fault_response(fault: Fault) -> Response:
    assert fault.status is not None
    code, message = _FAULT_CODES[fault.status]
    headers = {"Retry-After": str(fault.retry_after)} if fault.status in (429, 503) else {}
    return Response(fault.status, {"error_code": code, "message": message}, headers=headers)


@dataclass(frozen=True)
class Limits:
    """What one client may cost the server; devtools/workspace/README.md documents each figure."""

    # The Jobs API documents 10 MB per request and a workspace import 10 MB of content, which
    # is 13.4 MB once base64-encoded in JSON: 16 MiB admits every request the real service
    # admits, and refuses a huge one before a byte of it is read.
    max_body_bytes: int = 16 * 1024 * 1024
    # The request line and headers; Lakeform's clients send well under 2 KiB.
    max_head_bytes: int = 64 * 1024
    # From a request's first byte to its last, and for each write of the answer.
    request_timeout: float = 10.0
    # A keep-alive connection with no request in it; longer than HTTP clients keep one (Go's
    # default is 90 s), so the client, not the server, closes a connection it is done with.
    idle_timeout: float = 300.0
    # Requests handled at once (they take turns on the workspace lock anyway).
    workers: int = 16
    # Open connections, idle or not; at the limit a new one closes the longest-idle one.
    max_connections: int = 512


_LOOPBACK_NAMES: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
_WILDCARDS = ("", "0.0.0.0", "::")


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host header values that name this server: its loopback address (and `localhost`)
    with the port; any loopback name when it listens on every address; `extra` names as given.

    A page on another site that rebinds its own name to 127.0.0.1 sends its own name as Host,
    so only these are answered."""
    names = {host.lower().strip("[]")}
    if host in _WILDCARDS:
        names = set(_LOOPBACK_NAMES)
    elif host == "localhost":
        names.update(_LOOPBACK_NAMES)
    elif _is_loopback_address(host):
        names.add("localhost")
    names.update(name.lower().strip("[]") for name in extra)
    allowed: set[str] = set()
    for name in names:
        literal = f"[{name}]" if ":" in name else name
        allowed.add(f"{literal}:{port}")
        if port == 80:  # clients leave the default port out
            allowed.add(literal)
    return frozenset(allowed)


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Connection:
    """One client socket with the bytes read from it and not yet used, and the deadline of the
    request being read. Handlers read it like a file (`readline`, `read`) and write to it."""

    def __init__(self, sock: socket.socket, address: Any, limits: Limits) -> None:
        self.sock = sock
        self.address = address
        self.limits = limits
        self.buffer = bytearray()
        self.deadline = math.inf  # by when the request now arriving must be complete
        self.idle_since = time.monotonic()

    def head_complete(self) -> bool:
        return b"\r\n\r\n" in self.buffer or b"\n\n" in self.buffer

    @property
    def timeout(self) -> float:
        return self.limits.request_timeout

    def request_started(self) -> None:
        self.deadline = time.monotonic() + self.timeout

    def _fill(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive in time")
        self.sock.settimeout(min(remaining, self.limits.request_timeout))
        data = self.sock.recv(65536)
        self.buffer += data
        return bool(data)

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n", 0, limit if limit >= 0 else None)
            if end >= 0:
                size = end + 1
                break
            if 0 <= limit <= len(self.buffer) or not self._fill():
                size = len(self.buffer) if limit < 0 else min(limit, len(self.buffer))
                break
        line = bytes(self.buffer[:size])
        del self.buffer[:size]
        return line

    def read(self, size: int) -> bytes:
        while len(self.buffer) < size and self._fill():
            pass
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def write(self, data: bytes) -> int:
        self.sock.settimeout(self.limits.request_timeout)
        self.sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class WorkspaceServer(http.server.HTTPServer):
    """Answers the Databricks REST API from one `Workspace`, with bounded cost per client.

    One thread (`serve_forever`) accepts connections and watches every idle one with a selector,
    reading request heads as they trickle in; only a connection whose request head is complete
    goes to one of `limits.workers` threads, which reads the body, answers and hands the
    connection back. So idle or slow clients cost a socket, not a thread, and a normal request
    is served while hundreds of them are held open."""

    # Pulumi opens many connections at once (parallel resources, two provider halves).
    request_queue_size = 128

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_path: Path | None = None,
        timings: RunTimings | None = None,
        limits: Limits | None = None,
        extra_hosts: Iterable[str] = (),
    ) -> None:
        self.workspace = Workspace(ROUTES, state_path, timings)
        self.requests = RequestLog()
        self.faults = Faults()
        self.limits = limits or Limits()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host.strip("[]"), port), _Handler)
        self.allowed_hosts = allowed_hosts(host, self.server_address[1], extra_hosts)
        self._executor = ThreadPoolExecutor(
            self.limits.workers, f"workspace-worker-{self.server_address[1]}"
        )
        self._returned: queue.SimpleQueue[tuple[_Connection, bool]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._lock = threading.Lock()
        self._stopping = False
        self._stopped = False
        self._is_shut_down = threading.Event()
        self._is_shut_down.set()
        self._selector: selectors.BaseSelector = selectors.DefaultSelector()
        self._parked: dict[socket.socket, _Connection] = {}
        self._busy: set[_Connection] = set()

    def close(self) -> None:
        """Stop serving (after `shutdown()`), waiting for any write in progress to be durable."""
        with self.workspace.lock:
            self.server_close()
            self._wake_r.close()
            self._wake_w.close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    # ------------------------------------------------------------ the connection loop

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._is_shut_down.clear()
        self.socket.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.socket, selectors.EVENT_READ)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        try:
            while not self._stopping:
                for key, _ in self._selector.select(poll_interval):
                    if key.fileobj is self.socket:
                        self._accept()
                    elif key.fileobj is self._wake_r:
                        self._drain_wake()
                    else:
                        self._receive_head(key.data)
                while not self._returned.empty():
                    self._take_back(*self._returned.get())
                self._expire()
        finally:
            with self._lock:
                self._stopped = True
            while not self._returned.empty():
                self._returned.get()[0].close()
            for conn in list(self._parked.values()):
                self._drop(conn)
            for conn in self._busy:
                # A worker waiting for a slow body gets its end now, not after the timeout; one
                # answering still writes its answer (a write is durable before it is answered).
                with contextlib.suppress(OSError):
                    conn.sock.shutdown(socket.SHUT_RD)
            self._selector.close()
            self._executor.shutdown(wait=False)
            self._is_shut_down.set()

    def shutdown(self) -> None:
        """Stop `serve_forever` (from another thread) and wait until it has returned."""
        self._stopping = True
        self._wake()
        self._is_shut_down.wait()

    # The methods below run on the connection loop's thread only, and alone touch `_parked`
    # and `_busy`; workers hand connections back through `_returned`.

    def _park(self, conn: _Connection) -> None:
        conn.sock.setblocking(False)
        self._parked[conn.sock] = conn
        self._selector.register(conn.sock, selectors.EVENT_READ, conn)

    def _dispatch(self, conn: _Connection) -> None:
        if conn.sock in self._parked:
            self._selector.unregister(conn.sock)
            del self._parked[conn.sock]
        self._busy.add(conn)
        self._executor.submit(self._serve_connection, conn)

    def _drop(self, conn: _Connection) -> None:
        if conn.sock in self._parked:
            self._selector.unregister(conn.sock)
            del self._parked[conn.sock]
        conn.close()

    def _accept(self) -> None:
        try:
            sock, address = self.socket.accept()
        except OSError:
            return  # the client gave up, or no descriptor is left: the next round retries
        conn = _Connection(sock, address, self.limits)
        if len(self._parked) + len(self._busy) >= self.limits.max_connections:
            idle = [c for c in self._parked.values() if not c.buffer]
            if not idle:
                conn.close()
                return
            self._drop(min(idle, key=lambda c: c.idle_since))
        self._park(conn)

    def _receive_head(self, conn: _Connection) -> None:
        """Read what arrived on a parked connection; dispatch it once its request head is in."""
        try:
            data = conn.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the client left
            self._drop(conn)
            return
        if not conn.buffer:
            conn.request_started()
        conn.buffer += data
        if conn.head_complete():
            self._dispatch(conn)
        elif len(conn.buffer) > self.limits.max_head_bytes:
            limit = self.limits.max_head_bytes
            error = ApiError(
                431, "MALFORMED_REQUEST", f"The request line and headers exceed {limit} bytes"
            )
            _send_raw(conn.sock, error)
            self._drop(conn)

    def _take_back(self, conn: _Connection, keep: bool) -> None:
        self._busy.discard(conn)
        if not keep:
            conn.close()
            return
        if conn.buffer:  # the next request has begun (pipelined)
            conn.request_started()
            if conn.head_complete():
                self._dispatch(conn)
                return
        else:
            conn.deadline = math.inf
            conn.idle_since = time.monotonic()
        self._park(conn)

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in list(self._parked.values()):
            if conn.buffer and now >= conn.deadline:
                log.info("%s: request incomplete after %ss, closed", conn.address, conn.timeout)
                self._drop(conn)
            elif not conn.buffer and now - conn.idle_since >= self.limits.idle_timeout:
                self._drop(conn)

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full (already woken) or closed
            self._wake_w.send(b"x")

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while self._wake_r.recv(4096):
                pass

    def _serve_connection(self, conn: _Connection) -> None:
        """On a worker: answer the one request whose head has arrived, then hand `conn` back."""
        keep = False
        try:
            # typeshed wants a socket as `request`; the handler reads and writes `conn` instead.
            handler = _Handler(conn, conn.address, self)  # pyright: ignore[reportArgumentType]
            keep = not handler.close_connection
        except OSError as exc:
            log.debug("%s: connection lost: %s", conn.address, exc)
        except Exception:
            log.exception("%s: the request failed", conn.address)
        with self._lock:
            if self._stopped:
                conn.close()
                return
            self._returned.put((conn, keep))
        self._wake()


def _send_raw(sock: socket.socket, error: ApiError) -> None:
    """Best effort, from the connection loop: one send that must not block."""
    payload = json.dumps(error.body()).encode()
    head = (
        f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        sock.send(head.encode() + payload)


_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")


class _Handler(http.server.BaseHTTPRequestHandler):
    """One request on a `_Connection` whose head has arrived (`WorkspaceServer` keeps the rest)."""

    protocol_version = "HTTP/1.1"  # keep-alive: the SDKs reuse connections

    # `request` is the `_Connection`: constructed as `_Handler(conn, conn.address, server)`.
    conn: _Connection

    def setup(self) -> None:
        assert isinstance(self.request, _Connection)
        self.conn = self.request
        self.conn.sock.setblocking(True)
        self.rfile = self.conn  # type: ignore[assignment]
        self.wfile = self.conn  # type: ignore[assignment]

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def finish(self) -> None:
        pass

    @property
    def ws_server(self) -> WorkspaceServer:
        assert isinstance(self.server, WorkspaceServer)
        return self.server

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the standard parser refuses (a bad request line, too many headers), in the
        Databricks error shape."""
        phrase = HTTPStatus(code).phrase
        error_code = "NOT_IMPLEMENTED" if code == 501 else "MALFORMED_REQUEST"
        self.log_error("code %d, message %s", code, message or phrase)
        self.close_connection = True
        self._answer(Response(code, ApiError(code, error_code, message or phrase).body()))

    def _check_host(self) -> None:
        values = self.headers.get_all("Host") or []
        if len(values) != 1:
            raise ApiError(400, "MALFORMED_REQUEST", "A request must carry exactly one Host header")
        allowed = self.ws_server.allowed_hosts
        if values[0].strip().lower() not in allowed:
            raise ApiError(
                403,
                "PERMISSION_DENIED",
                f"Host {values[0].strip()!r} is not this workspace; it answers requests for "
                f"{', '.join(sorted(allowed))} only (a page of another site must not reach it)",
            )

    def _read_body(self) -> bytes:
        limit = self.ws_server.limits.max_body_bytes
        encodings = self.headers.get_all("Transfer-Encoding") or []
        lengths = self.headers.get_all("Content-Length") or []
        if encodings:
            if lengths:
                raise _malformed("A request carries both Transfer-Encoding and Content-Length")
            codings = [c.strip().lower() for c in ",".join(encodings).split(",")]
            if codings != ["chunked"]:
                raise _malformed(f"Unsupported Transfer-Encoding {', '.join(encodings)!r}")
            return self._read_chunked(limit)
        if not lengths:
            return b""
        values = {v.strip() for v in lengths}
        value = values.pop()
        if values or not _DIGITS.fullmatch(value):
            raise _malformed(f"Invalid Content-Length {', '.join(lengths)!r}")
        if len(value.lstrip("0")) > 18 or int(value) > limit:
            raise _too_large(limit)
        body = self.conn.read(int(value))
        if len(body) < int(value):
            raise _malformed(f"The request body ended after {len(body)} of {value} bytes")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.conn.readline(1024)
            size_text = line.split(b";", 1)[0].strip()
            if not line.endswith(b"\n") or not _HEX.fullmatch(size_text):
                raise _malformed(f"Invalid chunk size line {line[:40]!r}")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > limit:
                raise _too_large(limit)
            chunk = self.conn.read(size)
            if len(chunk) < size or self.conn.readline(3).strip(b"\r\n"):
                raise _malformed("A chunk of the request body is truncated or not followed by CRLF")
            chunks.append(chunk)
        for _ in range(100):  # trailers, up to the blank line
            line = self.conn.readline(8192)
            if line in (b"\r\n", b"\n"):
                return b"".join(chunks)
            if not line.endswith(b"\n"):
                break
        raise _malformed("The trailers after the last chunk are too long or truncated")

    def _serve(self) -> None:
        started = time.monotonic()
        split = urllib.parse.urlsplit(self.path)
        method = self.command
        found = self.ws_server.workspace.match(method, split.path)
        route_name = found[0].name if found else "unsupported"
        outcome: Outcome | None = None
        try:
            self._check_host()
            body = self._read_body()
        except ApiError as error:
            # The body was not read (or not all of it): the connection cannot carry another.
            self.close_connection = True
            body = b""
            outcome = Outcome(Response(error.status, error.body()), route_name)
        fault = None if outcome else self.ws_server.faults.take(method, split.path)
        fault_kind = None
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
            fault_kind = f"delay {fault.delay}s"
        if outcome is not None:
            pass
        elif fault is not None and fault.status is not None:
            outcome = Outcome(fault_response(fault), route_name)
            fault_kind = f"status {fault.status}"
        else:
            request = Request(
                method=method,
                path=split.path,
                query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            outcome = self.ws_server.workspace.handle(request)
        response = outcome.response
        # Logged before the answer goes out, so a client that has its answer finds it logged.
        self.ws_server.requests.append(
            RequestRecord(
                method=method,
                path=split.path,
                status=response.status,
                route=outcome.route,
                query=split.query,
                at=time.time(),
                duration=time.monotonic() - started,
                fault=fault_kind,
            )
        )
        self._answer(response)
        log.info(
            "%s %s -> %d%s",
            method,
            split.path,
            response.status,
            f" ({fault_kind})" if fault_kind else "",
        )

    def _answer(self, response: Response) -> None:
        payload = response.payload()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    # Every method goes through _serve, so even an unknown one gets the Databricks error shape.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


def _malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_REQUEST", message)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "REQUEST_ENTITY_TOO_LARGE",
        f"The request body is larger than the local workspace's limit of {limit} bytes "
        f"({limit // (1024 * 1024)} MiB)",
    )
