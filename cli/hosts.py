"""Whether a workspace URL is on this machine, parsed once so a client connects to exactly the host
that was checked. The local stack's token is given only to such a host (cli/browse), and the local
provider refuses every other (devtools/localprovider/client.py)."""

from __future__ import annotations

import ipaddress
import re
import string

_HOST_CHARACTERS = frozenset(string.ascii_letters + string.digits + ".-:/[]")
"""All a loopback URL needs. Anything else (`@` user info, `\\`, `%` escapes and zone ids,
whitespace, control characters, `?`, `#`) is where URL parsers disagree on the host."""

_HOST_URL = re.compile(
    r"(?:(?P<scheme>[a-z]+)://)?(?P<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?/?",
    re.IGNORECASE,
)


class NotLoopback(ValueError):
    """The host is not a plain URL of this machine; `why` is the reason (empty: just not on the
    loopback), written to follow the host in a sentence."""

    def __init__(self, host: str, why: str = "") -> None:
        super().__init__(f"{host!r} is not a workspace on this machine{why}")
        self.host = host
        self.why = why


def loopback_url(host: str) -> str:
    """The URL to give a client for `host`: `http(s)://<name>[:port]`, rebuilt from the pieces
    checked here. NotLoopback for a host off the loopback (127.0.0.0/8, localhost, [::1]) or
    anything but that plain form."""
    odd = sorted({c for c in host if c not in _HOST_CHARACTERS})
    if odd:
        shown = ", ".join(repr(c) for c in odd)
        raise NotLoopback(host, f" (not a plain http(s)://host[:port] URL: it holds {shown})")
    found = _HOST_URL.fullmatch(host)
    if found is None:
        raise NotLoopback(host, " (not a plain http(s)://host[:port] URL)")
    scheme = (found["scheme"] or "http").lower()
    if scheme not in ("http", "https"):
        raise NotLoopback(host, f" (scheme {found['scheme']!r}: only http and https)")
    name = found["name"].lower()
    port = None if found["port"] is None else int(found["port"])
    if port is not None and not 0 < port < 65536:
        raise NotLoopback(host, f" (port {found['port']} is out of range)")
    if name != "localhost":
        try:
            address = ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            raise NotLoopback(host) from None
        if name.startswith("[") != (address.version == 6) or not address.is_loopback:
            raise NotLoopback(host)
    return f"{scheme}://{name}" if port is None else f"{scheme}://{name}:{port}"


def is_loopback(host: str) -> bool:
    """Whether `host` is a plain URL of a workspace on this machine (see loopback_url)."""
    try:
        loopback_url(host)
    except NotLoopback:
        return False
    return True
