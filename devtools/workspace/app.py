"""The local workspace as an application: routing, auth and the one lock, independent of HTTP."""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.workspace.errors import ApiError, invalid
from devtools.workspace.state import Store

log = logging.getLogger("lakeform.workspace")


@dataclass
class Request:
    """One API call as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @property
    def api_version(self) -> str:
        match = re.match(r"/api/(\d\.\d)/", self.path)
        return match.group(1) if match else ""

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(
                400, "MALFORMED_REQUEST", f"Invalid JSON in the request body: {exc}"
            ) from None
        except RecursionError:
            raise ApiError(
                400, "MALFORMED_REQUEST", "Invalid JSON in the request body: nested too deeply"
            ) from None
        if not isinstance(value, dict):
            raise ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object")
        return value

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def arg_int(self, name: str, default: int | None = None) -> int | None:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise invalid(f"Query parameter {name} must be an integer, got {raw!r}") from None

    def arg_bool(self, name: str) -> bool:
        raw = self.arg(name)
        if raw is None:
            return False
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0", ""):
            return False
        raise invalid(f"Query parameter {name} must be true or false, got {raw!r}")


@dataclass
class Response:
    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps({} if self.body is None else self.body).encode()


Handler = Callable[["Workspace", Request], "Response | dict[str, Any] | None"]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler
    auth: bool = True


def route(method: str, pattern: str, name: str, handler: Handler, *, auth: bool = True) -> Route:
    return Route(method, re.compile(pattern + r"/?\Z"), name, handler, auth)


@dataclass(frozen=True)
class RunTimings:
    """How long a job run (or a monitor refresh) stays PENDING and then RUNNING, in seconds."""

    pending: float = 0.1
    running: float = 0.9

    @classmethod
    def steps(cls, seconds: float) -> RunTimings:
        """Every state a task, update or refresh passes through lasts `seconds`."""
        return cls(pending=seconds, running=seconds)


@dataclass
class Outcome:
    """What `Workspace.handle` answers: the response and the name of the route that served it."""

    response: Response
    route: str


class Workspace:
    """Dispatches calls to handlers under one lock; persists state before acknowledging a write.

    The routes come from the caller (`workspace.routes.ROUTES`): the route modules build on this
    one, so this one does not import them."""

    def __init__(
        self,
        routes: Sequence[Route],
        state_path: Path | None = None,
        timings: RunTimings | None = None,
    ) -> None:
        self.store = Store(state_path)
        self.tables_root = (
            state_path.parent / "unity-catalog"
            if state_path is not None
            else Path(tempfile.mkdtemp(prefix="lakeform-uc-"))
        )
        """Unity Catalog tables: <root>/<catalog>/<schema>/<table>, each a Delta table."""
        self.lock = threading.RLock()
        self.timings = timings or RunTimings()
        self.monitor_failures: dict[str, str] = {}
        """Table -> message: refreshes of its monitor started from now on fail with it (tests)."""
        self.routes: list[Route] = list(routes)
        from devtools.workspace import schema

        threading.Thread(target=schema.warm_up, name="schema-warm-up", daemon=True).start()

    @property
    def workspace_id(self) -> int:
        return int(self.store.data["workspace_id"])

    @property
    def user_name(self) -> str:
        return str(self.store.data["user_name"])

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for r in self.routes:
            if r.method != method:
                continue
            m = r.pattern.match(path)
            if m:
                return r, {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
        return None

    def handle(self, request: Request) -> Outcome:
        found = self.match(request.method, request.path)
        if found is None:
            log.warning("not implemented: %s %s", request.method, request.path)
            error = ApiError(
                501,
                "NOT_IMPLEMENTED",
                f"The local workspace does not implement {request.method} {request.path}",
            )
            return Outcome(Response(error.status, error.body()), "unsupported")
        r, params = found
        request.params = params
        if r.auth and not _has_token(request.headers):
            error = ApiError(
                401,
                "UNAUTHENTICATED",
                "Credential was not sent or was of an unsupported type for this API.",
            )
            return Outcome(Response(error.status, error.body()), r.name)
        with self.lock:
            try:
                result = r.handler(self, request)
                response = result if isinstance(result, Response) else Response(body=result)
                if request.method != "GET" and response.status < 300:
                    self.store.commit()
            except ApiError as error:
                response = Response(error.status, error.body())
            except Exception as exc:
                log.exception("internal error in %s %s", request.method, request.path)
                self.store.reload()
                error = ApiError(
                    500, "INTERNAL_ERROR", f"Internal error in the local workspace: {exc}"
                )
                response = Response(error.status, error.body())
        return Outcome(response, r.name)


def _has_token(headers: Mapping[str, str]) -> bool:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())
