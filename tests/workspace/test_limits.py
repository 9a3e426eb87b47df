"""What one client may cost the local workspace: body and head sizes, timeouts, threads, Host.

Time is never asserted: a client socket timeout of a few seconds is what fails a test whose
server does not answer (or does not close) when it should.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from devtools.workspace.server import Limits, allowed_hosts
from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.workspace.helpers import call

CLIENT_TIMEOUT = 5.0  # what fails a test whose server hangs instead of answering


def address(ws: RunningWorkspace) -> tuple[str, int]:
    host, port = ws.server.server_address[:2]
    return str(host), int(port)


def host_header(ws: RunningWorkspace) -> str:
    return ws.url.removeprefix("http://")


def connect(ws: RunningWorkspace) -> socket.socket:
    return socket.create_connection(address(ws), timeout=CLIENT_TIMEOUT)


def answer(sock: socket.socket, method: str = "GET") -> tuple[int, dict[str, str], Any]:
    """The HTTP answer on `sock`: status, headers and the JSON body."""
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    body = response.read()
    return response.status, dict(response.getheaders()), json.loads(body) if body else None


def exchange(ws: RunningWorkspace, data: bytes) -> tuple[int, dict[str, str], Any]:
    with connect(ws) as sock:
        sock.sendall(data)
        return answer(sock)


def request(
    ws: RunningWorkspace,
    method: str,
    path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    """Request bytes as a client would send them (`host=None`: the right Host header)."""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host or host_header(ws)}",
        "Authorization: Bearer t",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed `sock` (reading waits at most CLIENT_TIMEOUT, then fails)."""
    sock.settimeout(CLIENT_TIMEOUT)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def drained_to_the_end(sock: socket.socket) -> None:
    """Reads until the server closes `sock` (a read waits at most CLIENT_TIMEOUT, then fails)."""
    sock.settimeout(CLIENT_TIMEOUT)
    with contextlib.suppress(ConnectionResetError):
        while sock.recv(65536):
            pass


def workers(ws: RunningWorkspace) -> list[threading.Thread]:
    """The worker threads of this server (named after its port)."""
    prefix = f"workspace-worker-{address(ws)[1]}_"
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def job_body(size: int) -> bytes:
    """A `jobs/create` body of exactly `size` bytes (a tag pads it)."""
    empty = json.dumps({"name": "sized", "tags": {"pad": ""}}).encode()
    return json.dumps({"name": "sized", "tags": {"pad": "x" * (size - len(empty))}}).encode()


@pytest.fixture
def small() -> Iterator[RunningWorkspace]:
    """A workspace with tiny limits, so each one is reached with little traffic."""
    limits = Limits(
        max_body_bytes=4096,
        max_head_bytes=2048,
        request_timeout=0.5,
        idle_timeout=0.5,
        workers=2,
        max_connections=20,
    )
    with running_workspace(limits=limits) as running:
        yield running


# ---------------------------------------------------------------- request bodies


def test_a_huge_content_length_is_413_before_any_body_is_sent(ws: RunningWorkspace) -> None:
    # No body follows: only a server that refuses before reading can answer at all.
    headers = {"Content-Length": "8000000000", "Content-Type": "application/json"}
    status, answered_headers, body = exchange(
        ws, request(ws, "POST", "/api/2.2/jobs/create", headers=headers)
    )
    assert status == 413
    assert body == {
        "error_code": "REQUEST_ENTITY_TOO_LARGE",
        "message": "The request body is larger than the local workspace's limit of "
        "16777216 bytes (16 MiB)",
    }
    assert answered_headers["Connection"] == "close"
    assert ws.requests.count("POST", "/api/2.2/jobs/create", status=413) == 1


def test_a_50_mb_tag_is_refused_and_no_job_is_created(ws: RunningWorkspace) -> None:
    body = job_body(50 * 1024 * 1024)
    with connect(ws) as sock:
        head = request(
            ws, "POST", "/api/2.2/jobs/create", headers={"Content-Length": str(len(body))}
        )
        sock.sendall(head + body[:65536])  # the server answers without waiting for the rest
        status, _, error = answer(sock)
    assert (status, error["error_code"]) == (413, "REQUEST_ENTITY_TOO_LARGE")
    assert ws.requests.writes() == {}


def test_a_body_at_the_limit_is_accepted_one_byte_more_is_413(small: RunningWorkspace) -> None:
    path = "/api/2.2/jobs/create"
    at_limit = job_body(4096)
    status, _, created = exchange(
        small, request(small, "POST", path, headers={"Content-Length": "4096"}, body=at_limit)
    )
    assert status == 200
    status, _, job = exchange(
        small, request(small, "GET", f"/api/2.2/jobs/get?job_id={created['job_id']}")
    )
    assert (status, len(job["settings"]["tags"]["pad"])) == (
        200,
        len(json.loads(at_limit)["tags"]["pad"]),
    )
    over = job_body(4097)
    status, _, error = exchange(
        small, request(small, "POST", path, headers={"Content-Length": "4097"}, body=over)
    )
    assert (status, error["message"]) == (
        413,
        "The request body is larger than the local workspace's limit of 4096 bytes (0 MiB)",
    )


def test_a_megabyte_tag_through_the_sdk_is_echoed(w: WorkspaceClient) -> None:
    tag = "v" * (1024 * 1024)
    job_id = call(w, "POST", "/api/2.2/jobs/create", body={"name": "big", "tags": {"t": tag}})[
        "job_id"
    ]
    assert w.jobs.get(job_id).settings.tags == {"t": tag}  # type: ignore[union-attr]


def chunked(*chunks: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_is_413(small: RunningWorkspace) -> None:
    body = job_body(5000)
    data = request(small, "POST", "/api/2.2/jobs/create", headers={"Transfer-Encoding": "chunked"})
    status, headers, error = exchange(small, data + chunked(body[:3000], body[3000:]))
    assert (status, error["error_code"], headers["Connection"]) == (
        413,
        "REQUEST_ENTITY_TOO_LARGE",
        "close",
    )
    assert small.requests.writes() == {}


def test_a_chunked_body_under_the_limit_is_read(small: RunningWorkspace) -> None:
    body = job_body(4000)
    data = request(small, "POST", "/api/2.2/jobs/create", headers={"Transfer-Encoding": "chunked"})
    status, _, created = exchange(small, data + chunked(body[:2000], body[2000:]))
    assert status == 200 and created["job_id"] > 0


@pytest.mark.parametrize(
    ("headers", "tail", "message"),
    [
        ({"Content-Length": "-1"}, b"", "Invalid Content-Length '-1'"),
        ({"Content-Length": "1e3"}, b"", "Invalid Content-Length '1e3'"),
        ({"Content-Length": "+12"}, b"", "Invalid Content-Length '+12'"),
        (
            {"Content-Length": "2", "Transfer-Encoding": "chunked"},
            b"{}",
            "A request carries both Transfer-Encoding and Content-Length",
        ),
        ({"Transfer-Encoding": "gzip"}, b"", "Unsupported Transfer-Encoding 'gzip'"),
        (
            {"Transfer-Encoding": "chunked"},
            b"zz\r\n{}\r\n0\r\n\r\n",
            "Invalid chunk size line b'zz",
        ),
        ({"Transfer-Encoding": "chunked"}, b"2\r\n{}XX0\r\n\r\n", "A chunk of the request body"),
        (
            {"Transfer-Encoding": "chunked"},
            b"1" * 2000 + b"\r\n",
            "Invalid chunk size line",
        ),
    ],
)
def test_an_invalid_body_framing_is_400_malformed_request(
    ws: RunningWorkspace, headers: dict[str, str], tail: bytes, message: str
) -> None:
    status, answered_headers, error = exchange(
        ws, request(ws, "POST", "/api/2.2/jobs/create", headers=headers) + tail
    )
    assert (status, error["error_code"], answered_headers["Connection"]) == (
        400,
        "MALFORMED_REQUEST",
        "close",
    )
    assert error["message"].startswith(message)
    assert ws.requests.writes() == {}


def test_two_different_content_lengths_are_400(ws: RunningWorkspace) -> None:
    data = request(ws, "POST", "/api/2.2/jobs/create", headers={"Content-Length": "2"})
    data = data.replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\n{}")
    status, _, error = exchange(ws, data)
    assert (status, error["message"]) == (400, "Invalid Content-Length '2, 3'")


def test_json_nested_too_deeply_is_400_not_500(ws: RunningWorkspace) -> None:
    body = b"[" * 200_000
    status, _, error = exchange(
        ws,
        request(ws, "POST", "/api/2.2/jobs/create", headers={"Content-Length": str(len(body))})
        + body,
    )
    assert (status, error) == (
        400,
        {
            "error_code": "MALFORMED_REQUEST",
            "message": "Invalid JSON in the request body: nested too deeply",
        },
    )


# ---------------------------------------------------------------- request heads


def test_a_head_over_the_limit_is_431_in_the_error_shape(small: RunningWorkspace) -> None:
    data = request(small, "GET", "/api/2.2/jobs/list").removesuffix(b"\r\n\r\n")
    with connect(small) as sock:
        sock.sendall(data + b"\r\nX-Pad: " + b"p" * 3000)  # never ends
        status, _, error = answer(sock)
    assert (status, error) == (
        431,
        {
            "error_code": "MALFORMED_REQUEST",
            "message": "The request line and headers exceed 2048 bytes",
        },
    )


def test_what_the_standard_parser_refuses_is_in_the_error_shape(ws: RunningWorkspace) -> None:
    many = {f"X-H{i}": "v" for i in range(101)}
    status, _, error = exchange(ws, request(ws, "GET", "/api/2.2/jobs/list", headers=many))
    assert (status, error) == (
        431,
        {"error_code": "MALFORMED_REQUEST", "message": "Too many headers"},
    )
    # A request line without a readable version is answered the HTTP/0.9 way: the body alone.
    with connect(ws) as sock:
        sock.sendall(b"GET /api/2.2/jobs/list HTTP/9\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert json.loads(received) == {
        "error_code": "MALFORMED_REQUEST",
        "message": "Bad request version ('HTTP/9')",
    }


# ---------------------------------------------------------------- the Host header


@pytest.fixture
def one_job(w: WorkspaceClient) -> int:
    return int(call(w, "POST", "/api/2.2/jobs/create", body={"name": "secret-name"})["job_id"])


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "127.0.0.1:1",
        "localhost",
        "127.0.0.2:{port}",
        "[::1]:{port}",
    ],
)
def test_a_foreign_host_header_is_403_and_sees_no_data(
    ws: RunningWorkspace, one_job: int, host: str
) -> None:
    port = address(ws)[1]
    claimed = host.format(port=port)
    status, _, error = exchange(ws, request(ws, "GET", "/api/2.2/jobs/list", host=claimed))
    assert status == 403
    assert error == {
        "error_code": "PERMISSION_DENIED",
        "message": f"Host {claimed!r} is not this workspace; it answers requests for "
        f"127.0.0.1:{port}, localhost:{port} only (a page of another site must not reach it)",
    }
    assert "secret-name" not in json.dumps(error)


def test_a_foreign_host_header_cannot_write(ws: RunningWorkspace, w: WorkspaceClient) -> None:
    body = b'{"name": "planted"}'
    headers = {"Content-Length": str(len(body))}
    data = request(ws, "POST", "/api/2.2/jobs/create", host="evil.example", headers=headers)
    status, _, error = exchange(ws, data + body)
    assert (status, error["error_code"]) == (403, "PERMISSION_DENIED")
    assert list(w.jobs.list()) == []


@pytest.mark.parametrize(
    "data", [b"GET /api/2.2/jobs/list HTTP/1.1\r\n\r\n", b"GET /api/2.2/jobs/list HTTP/1.0\r\n\r\n"]
)
def test_a_request_without_host_is_400(ws: RunningWorkspace, data: bytes) -> None:
    status, _, error = exchange(ws, data)
    assert (status, error) == (
        400,
        {
            "error_code": "MALFORMED_REQUEST",
            "message": "A request must carry exactly one Host header",
        },
    )


def test_two_host_headers_are_400(ws: RunningWorkspace) -> None:
    data = request(ws, "GET", "/api/2.2/jobs/list").replace(
        b"\r\n\r\n", b"\r\nHost: evil.example\r\n\r\n"
    )
    status, _, error = exchange(ws, data)
    assert (status, error["message"]) == (400, "A request must carry exactly one Host header")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LocalHost"])
def test_the_loopback_names_of_the_server_are_answered(
    ws: RunningWorkspace, one_job: int, name: str
) -> None:
    claimed = f"{name}:{address(ws)[1]}"
    status, _, jobs = exchange(ws, request(ws, "GET", "/api/2.2/jobs/list", host=claimed))
    assert status == 200
    assert [j["settings"]["name"] for j in jobs["jobs"]] == ["secret-name"]


def test_an_ipv6_loopback_server_answers_its_bracketed_address() -> None:
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")
    with running_workspace(host="::1") as ws:
        port = address(ws)[1]
        assert ws.url == f"http://[::1]:{port}"
        assert ws.client().jobs.list() is not None
        status, _, _ = exchange(ws, request(ws, "GET", "/api/2.2/jobs/list", host=f"[::1]:{port}"))
        assert status == 200
        status, _, _ = exchange(
            ws, request(ws, "GET", "/api/2.2/jobs/list", host=f"127.0.0.1:{port}")
        )
        assert status == 403


def test_allowed_hosts_per_listening_address() -> None:
    assert allowed_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765"}
    assert allowed_hosts("::1", 8765) == {"[::1]:8765", "localhost:8765"}
    assert allowed_hosts("0.0.0.0", 8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert allowed_hosts("localhost", 80) == {
        "127.0.0.1:80",
        "localhost:80",
        "[::1]:80",
        "127.0.0.1",
        "localhost",
        "[::1]",
    }
    assert allowed_hosts("0.0.0.0", 9000, ["Build-Box"]) == {
        "127.0.0.1:9000",
        "localhost:9000",
        "[::1]:9000",
        "build-box:9000",
    }
    assert allowed_hosts("192.0.2.7", 9000) == {"192.0.2.7:9000"}


# ---------------------------------------------------------------- connections and threads


@contextmanager
def held(
    ws: RunningWorkspace, count: int, first_bytes: bytes = b""
) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        socks = [stack.enter_context(connect(ws)) for _ in range(count)]
        for sock in socks:
            if first_bytes:
                sock.sendall(first_bytes)
        yield socks


def test_a_request_is_answered_while_200_idle_and_slow_connections_are_held(
    ws: RunningWorkspace, w: WorkspaceClient
) -> None:
    job_id = call(w, "POST", "/api/2.2/jobs/create", body={"name": "still-here"})["job_id"]
    partial_head = request(ws, "GET", "/api/2.2/jobs/list").removesuffix(b"\r\n")
    partial_body = (
        request(ws, "POST", "/api/2.2/jobs/create", headers={"Content-Length": "100"}) + b'{"na'
    )
    limit = ws.server.limits.workers
    threads_before = threading.active_count()
    with (
        held(ws, 200),
        held(ws, 20, partial_head),
        held(ws, limit - 2, partial_body),  # these hold a worker each, until their timeout
    ):
        # The client's own timeout is what fails this test if the server cannot answer.
        status, _, jobs = exchange(ws, request(ws, "GET", "/api/2.2/jobs/list"))
        assert (status, [j["job_id"] for j in jobs["jobs"]]) == (200, [job_id])
        assert w.jobs.get(job_id).settings.name == "still-here"  # type: ignore[union-attr]
        # A thread per connection would be 234 more; the pool has at most `limit`.
        assert threading.active_count() - threads_before <= limit
    status, _, _ = exchange(ws, request(ws, "GET", f"/api/2.2/jobs/get?job_id={job_id}"))
    assert status == 200


def test_idle_and_slow_connections_are_closed_after_their_timeout(small: RunningWorkspace) -> None:
    partial_head = request(small, "GET", "/api/2.2/jobs/list").removesuffix(b"\r\n")
    partial_body = (
        request(small, "POST", "/api/2.2/jobs/create", headers={"Content-Length": "10"}) + b"{"
    )
    with (
        held(small, 1) as idle,
        held(small, 1, partial_head) as head,
        held(small, 1, partial_body) as body,
    ):
        assert closed_by_server(idle[0])
        assert closed_by_server(head[0])
        assert closed_by_server(body[0])
    status, _, _ = exchange(small, request(small, "GET", "/api/2.2/jobs/list"))
    assert status == 200


def test_a_keep_alive_connection_serves_several_requests(small: RunningWorkspace) -> None:
    with connect(small) as sock:
        for _ in range(3):
            sock.sendall(request(small, "GET", "/api/2.2/jobs/list"))
            status, headers, _ = answer(sock)
            assert status == 200 and "Connection" not in headers
        sock.sendall(request(small, "GET", "/api/2.2/jobs/list") * 2)  # pipelined
        received = b""
        while received.count(b"HTTP/1.1 200 OK\r\n") < 2 or not received.endswith(b"}"):
            received += sock.recv(65536)  # the client timeout fails the test if one is missing
        assert received.count(b"HTTP/1.1 ") == 2


def test_slow_bodies_never_take_more_than_the_worker_threads(small: RunningWorkspace) -> None:
    partial_body = (
        request(small, "POST", "/api/2.2/jobs/create", headers={"Content-Length": "10"}) + b"{"
    )
    threads_before = threading.active_count()
    with held(small, 10, partial_body) as socks:
        assert threading.active_count() - threads_before <= 2
        for sock in socks:  # each is dropped after its timeout, two at a time
            assert closed_by_server(sock)
    assert small.requests.writes() == {}
    assert exchange(small, request(small, "GET", "/api/2.2/jobs/list"))[0] == 200


def test_at_the_connection_limit_the_longest_idle_connection_is_closed(
    small: RunningWorkspace,
) -> None:
    with held(small, 20) as socks:
        # The 21st connection gets in, and is answered, by closing the first one.
        status, _, _ = exchange(small, request(small, "GET", "/api/2.2/jobs/list"))
        assert status == 200
        assert closed_by_server(socks[0])


def test_stopping_ends_requests_still_arriving_without_waiting_for_their_timeout() -> None:
    with ExitStack() as stack:
        ws = stack.enter_context(running_workspace(limits=Limits(request_timeout=60, workers=2)))
        headers = {"Content-Length": "10"}
        partial_body = request(ws, "POST", "/api/2.2/jobs/create", headers=headers) + b"{"
        socks = stack.enter_context(held(ws, 4, partial_body))
        idle = stack.enter_context(held(ws, 2))
        waited = 0.0
        while len(workers(ws)) < 2:  # both workers have taken a slow body
            assert waited < CLIENT_TIMEOUT, "the slow bodies never reached a worker"
            time.sleep(0.01)
            waited += 0.01
        ws.server.shutdown()
        ws.server.close()
        # Two held workers, two waited in the queue, two were idle: all end now, not in 60 s
        # (a worker may still answer the body it could not finish: 400, then the close).
        for sock in socks + idle:
            drained_to_the_end(sock)
