"""Who may use the page: requests for its own address only, and changes only from the page itself
(same origin, the right content type, the per-process token it was rendered with)."""

from __future__ import annotations

import hmac
import urllib.parse
from collections.abc import Mapping
from typing import Literal

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Body = Literal["json", "form"]
CONTENT_TYPES: dict[Body, str] = {
    "json": "application/json",
    "form": "application/x-www-form-urlencoded",
}
TOKEN_HEADER = "X-Lakeform-Token"
"""Where the page's JavaScript sends the token; forms send it as the `token` field."""
TOKEN_FIELD = "token"
SAFE_METHODS = frozenset({"GET", "HEAD"})
FRAMING = [
    # Clickjacking: a framed page would post same-origin with the token, so no one may frame it.
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def own_address(scope: Scope) -> str | None:
    """`127.0.0.1:8770`: the address the request came in on (the socket's, not what the client
    says), as it appears in a Host header."""
    server = scope.get("server")
    if not server or server[1] is None:
        return None
    host, port = server
    host = f"[{host}]" if ":" in host else host
    return host if port == 80 else f"{host}:{port}"


class Guard:
    """ASGI middleware. Every request: the Host header must be the address the server is bound
    to (another name means DNS rebinding). Every other method than GET and HEAD: a same-origin
    Origin (or, without one, `Sec-Fetch-Site: same-origin`), the content type the path takes,
    and the token. Refusals are plain text with 403 (415 for a content type)."""

    def __init__(self, app: ASGIApp, token: str, bodies: Mapping[str, Body]) -> None:
        self.app, self.token, self.bodies = app, token, bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *FRAMING]
            await send(message)

        try:
            replay = await self.check(scope, receive)
        except Refused as refused:
            answer = PlainTextResponse(
                f"lakeform browse refused this request: {refused.reason}\n",
                status_code=refused.status,
            )
            await answer(scope, receive, framed)
            return
        await self.app(scope, replay, framed)

    async def check(self, scope: Scope, receive: Receive) -> Receive:
        """The `receive` to hand on (the body is read here once for a form's token)."""
        headers = Headers(scope=scope)
        here = own_address(scope)
        host = headers.get("host", "")
        if here is None or host != here:
            raise Refused(
                403,
                f"Host {host!r} is not this page's address {here}; open http://{here}/ "
                "(requests for another name are refused: DNS rebinding)",
            )
        if scope["method"] in SAFE_METHODS:
            return receive
        page = f"http://{here}"
        only = f"only the page at {page}/ may change anything"
        origin, site = headers.get("origin"), headers.get("sec-fetch-site")
        if origin is not None and origin != page:
            raise Refused(403, f"cross-origin request from Origin {origin!r}; {only}")
        if site is not None and site != "same-origin":
            raise Refused(403, f"cross-site request (Sec-Fetch-Site: {site}); {only}")
        if origin is None and site is None:
            raise Refused(403, f"no Origin or Sec-Fetch-Site header; {only}")

        path = scope["path"]
        kind = self.bodies.get(path)
        if kind is None:
            raise Refused(405, f"{scope['method']} {path}: nothing to change there")
        given = headers.get("content-type", "").split(";")[0].strip().lower()
        if given != CONTENT_TYPES[kind]:
            raise Refused(
                415, f"{path} takes {CONTENT_TYPES[kind]}, not {given or 'no content type'}"
            )

        body = await read_body(receive)
        if kind == "json":
            token = headers.get(TOKEN_HEADER, "")
        else:
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            token = (fields.get(TOKEN_FIELD) or [""])[-1]
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            where = f"the {TOKEN_HEADER} header" if kind == "json" else f"the {TOKEN_FIELD} field"
            said = "missing" if not token else "wrong"
            raise Refused(403, f"{said} page token in {where}; reload the page and try again")

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


__all__ = ["TOKEN_FIELD", "TOKEN_HEADER", "Body", "Guard", "Refused", "own_address"]
