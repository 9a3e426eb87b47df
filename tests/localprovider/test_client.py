"""The local provider's host check: only a plain loopback URL, and the client connects to it."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import pytest

from cli.hosts import is_loopback
from devtools.localprovider.client import Client, ConfigError, configure
from tests.localprovider.plugin import RecordingWorkspace, recording_workspace

TOKEN = "dapi-the-token-that-must-not-leave"
QUICK = {
    "databricks:config:token": TOKEN,
    "databricks:config:httpTimeoutSeconds": "2",
    "databricks:config:retryTimeoutSeconds": "2",
}


class _Listener:
    """A TCP server bound to 127.0.0.1 that records every connection and what it was sent."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.seen.append(conn.recv(65536))
                except OSError:
                    self.seen.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener(clean_databricks_env: None) -> Iterator[_Listener]:
    made = _Listener()
    yield made
    made.close()


def _attack(host: str) -> None:
    """What the provider does with a host: Configure, then a request with the token."""
    config = configure({**QUICK, "databricks:config:host": host}, {})
    Client(config).call("GET", "/api/2.0/preview/scim/v2/Me")


# {port}: the listener. Each string names a loopback host that a lax check would accept while
# the HTTP client connects elsewhere, or one that parsers read differently.
REFUSED = [
    ("http://127.0.0.1:{port}\\@127.0.0.1:19101", r"it holds '@', '\\\\'"),
    ("http://127.0.0.1:{port}\\@example.com", r"it holds '@', '\\\\'"),
    ("http://user:secret@127.0.0.1:{port}", r"it holds '@'"),
    ("http://127.0.0.1:{port}@127.0.0.1:19101", r"it holds '@'"),
    ("http://127.0.0.1:{port} @127.0.0.1:19101", r"it holds ' ', '@'"),
    ("http://127.0.0.1:{port}\t", r"it holds '\\t'"),
    (" http://127.0.0.1:{port}", r"it holds ' '"),
    ("http://127.0.0.1:{port}\r\nHost: x", r"it holds '\\n', '\\r', ' '"),
    ("http://127.0.0.1:{port}\x00", r"it holds '\\x00'"),
    ("http://%31%32%37.0.0.1:{port}", r"it holds '%'"),
    ("http://[::1%25lo]:{port}", r"it holds '%'"),
    ("http://[::1%lo]:{port}", r"it holds '%'"),
    ("http://127.0.0.1:{port}/#@127.0.0.1:19101", r"it holds '#', '@'"),
    ("http://127.0.0.1:{port}?@127.0.0.1:19101", r"it holds '\?', '@'"),
    ("http://:{port}", r"not a plain http\(s\)://host\[:port\] URL\)"),
    ("http://", r"not a plain http\(s\)://host\[:port\] URL\)"),
    ("//127.0.0.1:{port}", r"not a plain http\(s\)://host\[:port\] URL\)"),
    ("http://127.0.0.1:{port}/api", r"not a plain http\(s\)://host\[:port\] URL\)"),
    ("ftp://127.0.0.1:{port}", r"scheme 'ftp': only http and https"),
    ("file://127.0.0.1:{port}", r"scheme 'file': only http and https"),
    ("http://127.0.0.1:99999", r"port 99999 is out of range"),
    ("http://127.1:{port}", r"databricks:host is 'http://127.1:\d+'\. For a real"),
    ("http://0127.0.0.1:{port}", r"databricks:host is 'http://0127.0.0.1:\d+'\. For a real"),
    ("http://[127.0.0.1]:{port}", r"databricks:host is 'http://\[127.0.0.1\]:\d+'\. For a"),
    ("http://::1:{port}", r"not a plain http\(s\)://host\[:port\] URL\)"),
    ("http://localhost.example.com:{port}", r"is 'http://localhost.example.com:\d+'\. For"),
    ("https://workspace.example.invalid", r"is 'https://workspace.example.invalid'\. For"),
]


@pytest.mark.parametrize(("template", "reason"), REFUSED)
def test_a_host_that_is_not_a_plain_loopback_url_is_refused_and_nothing_is_sent(
    listener: _Listener, template: str, reason: str
) -> None:
    host = template.format(port=listener.port)
    with pytest.raises(ConfigError, match="this is Lakeform's local Databricks provider") as err:
        _attack(host)
    assert repr(host) in str(err.value)
    assert re.search(reason, str(err.value)), str(err.value)
    assert not is_loopback(host)
    assert listener.seen == []


def test_the_listener_sees_a_connection_that_is_made(listener: _Listener) -> None:
    """The control for the test above: the same listener records a request sent to it."""
    with pytest.raises(TimeoutError):  # it answers nothing; the client retries, then gives up
        _attack(f"http://127.0.0.1:{listener.port}")
    assert any(TOKEN.encode() in seen for seen in listener.seen)


@pytest.fixture
def workspace(clean_databricks_env: None) -> Iterator[RecordingWorkspace]:
    with recording_workspace((200, {"userName": "me"})) as server:
        yield server


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("http://127.0.0.1:{port}", "http://127.0.0.1:{port}"),
        ("http://127.0.0.1:{port}/", "http://127.0.0.1:{port}"),
        ("127.0.0.1:{port}", "http://127.0.0.1:{port}"),
        ("HTTP://LOCALHOST:{port}", "http://localhost:{port}"),
        ("localhost:{port}", "http://localhost:{port}"),
    ],
)
def test_a_plain_loopback_url_is_used_as_checked(
    workspace: RecordingWorkspace, template: str, url: str
) -> None:
    port = workspace.server_address[1]
    config = configure({**QUICK, "databricks:config:host": template.format(port=port)}, {})
    assert config.host == url.format(port=port)
    assert Client(config).call("GET", "/api/2.0/preview/scim/v2/Me") == {"userName": "me"}
    # (databricks-sdk first asks /.well-known/databricks-config, without the token)
    assert workspace.seen[-1] == ("GET", "/api/2.0/preview/scim/v2/Me", f"Bearer {TOKEN}")


@pytest.mark.parametrize(
    "host", ["http://[::1]:8765", "https://127.0.0.2", "http://127.255.255.254:1", "localhost"]
)
def test_other_loopback_forms_are_accepted(host: str) -> None:
    assert configure({"databricks:config:host": host, "databricks:config:token": "t"}, {})
    assert is_loopback(host)
