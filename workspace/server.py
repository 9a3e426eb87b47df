"""The HTTP front of the local workspace: a ThreadingHTTPServer, a request log, fault injection."""

from __future__ import annotations

import fnmatch
import http.server
import logging
import threading
import time
import urllib.parse
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from workspace.app import Outcome, Request, Response, RunTimings, Workspace
from workspace.routes import ROUTES

log = logging.getLogger("lakeform.workspace")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
        return self.method in WRITE_METHODS


class RequestLog:
    """Every call the server answered, in order; safe to read while the server runs."""

    def __init__(self, limit: int = 100_000) -> None:
        self._lock = threading.Lock()
        # Bounded, so a long-running `lakeform workspace serve` does not grow without end.
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


class WorkspaceServer(http.server.ThreadingHTTPServer):
    """A ThreadingHTTPServer answering the Databricks REST API from one `Workspace`."""

    # Idle keep-alive connections must not hold up shutdown; `close()` takes the state lock
    # instead, so no write is half-done when the server stops.
    daemon_threads = True
    # Pulumi opens many connections at once (parallel resources, two provider halves).
    request_queue_size = 128

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_path: Path | None = None,
        timings: RunTimings | None = None,
    ) -> None:
        self.workspace = Workspace(ROUTES, state_path, timings)
        self.requests = RequestLog()
        self.faults = Faults()
        super().__init__((host, port), _Handler)

    def close(self) -> None:
        """Stop serving (after `shutdown()`), waiting for any write in progress to be durable."""
        with self.workspace.lock:
            self.server_close()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the SDKs reuse connections

    @property
    def ws_server(self) -> WorkspaceServer:
        assert isinstance(self.server, WorkspaceServer)
        return self.server

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.monotonic()
        split = urllib.parse.urlsplit(self.path)
        method = self.command
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            body = None
        fault = self.ws_server.faults.take(method, split.path)
        fault_kind = None
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
            fault_kind = f"delay {fault.delay}s"
        if body is None:
            error = {"error_code": "MALFORMED_REQUEST", "message": "Unreadable request body"}
            outcome = Outcome(Response(400, error), "unsupported")
        elif fault is not None and fault.status is not None:
            found = self.ws_server.workspace.match(method, split.path)
            outcome = Outcome(fault_response(fault), found[0].name if found else "unsupported")
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
        payload = response.payload()
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
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)
        log.info(
            "%s %s -> %d%s",
            method,
            split.path,
            response.status,
            f" ({fault_kind})" if fault_kind else "",
        )

    # Every method goes through _serve, so even an unknown one gets the Databricks error shape.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve
