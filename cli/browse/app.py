"""The page: a Starlette app with server-rendered Jinja templates and a little plain JavaScript
(no build step, nothing fetched from the internet)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cli.adopt import GETTERS, Api, get_one
from cli.browse.catalog import KIND_LABELS, Catalog, Item
from cli.browse.errors import in_words
from cli.browse.exporter import Exporter, target_problems
from cli.browse.graph import task_graph_svg
from cli.browse.guard import TOKEN_FIELD, Body, Guard
from cli.browse.query import MANAGED, SORTS, Filters, managed_as, run
from cli.browse.state import Selected, StateFile, Targets
from metadata.kinds import KINDS

HERE = Path(__file__).parent


@dataclass
class Config:
    """What `lakeform browse` was started with."""

    host: str
    """The workspace's URL (links into its UI are made from it)."""
    connect: Callable[[], Api]
    """A client's `api_client.do`; raises when there is no usable auth."""
    root: Path
    """The project: rows, sources and the import file are written under it."""
    stack: str | None = None
    monitor_tables: list[str] = field(default_factory=list[str])
    """Tables to look for monitors on (the stack's rows' tables, --monitor)."""
    stack_tables: dict[str, str] = field(default_factory=dict[str, str])
    """Table -> stack for the monitors the stack's rows declare."""
    state_dir: Path | None = None
    """Default: <root>/.lakeform/browse."""


def _slug(host: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9]+", "-", urllib.parse.urlsplit(host).netloc or host).strip("-")
    return f"{clean}-{hashlib.sha256(host.encode()).hexdigest()[:8]}"


class Browser:
    """Everything the routes share: the listing, the state file, the exporter."""

    def __init__(self, config: Config) -> None:
        self.config = config
        state_dir = config.state_dir or config.root / ".lakeform" / "browse"
        slug = _slug(config.host)
        self.state = StateFile(state_dir / f"state-{slug}.json")
        self.catalog = Catalog(
            config.connect,
            state_dir / f"cache-{slug}.json",
            self.monitor_tables,
            config.stack_tables,
        )
        self.exporter = Exporter(config.connect, config.root, self.state, config.host, config.stack)

    def monitor_tables(self) -> Iterable[str]:
        return [*self.config.monitor_tables, *self.state.state.monitor_tables]

    def start(self) -> None:
        if not self.catalog.items:
            self.catalog.refresh()
        self.exporter.resume()

    def link(self, item: Item) -> str:
        host = self.config.host.rstrip("/")
        browse = KINDS[item.kind].browse
        assert browse is not None, item.kind
        return host + browse.link.format(id=item.id, path=item.name.replace(".", "/"))

    def status(self) -> dict[str, Any]:
        listing = self.catalog.listing
        run = self.state.state.export
        return {
            "listing": {
                "phase": listing.phase,
                "counts": listing.counts,
                "detail": listing.detail,
                "error": listing.error,
            },
            "selected": len(self.state.state.selection),
            "export": None
            if run is None
            else {
                "status": run.status,
                "phase": run.phase,
                "done": run.done,
                "total": run.total,
                "error": run.error,
            },
        }


def _when(ms: int) -> str:
    if not ms:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _selection_changes(body: object) -> list[dict[str, Any]] | str:
    """The `items` of a /select body, or what is wrong with it."""
    items = body.get("items") if isinstance(body, dict) else None  # pyright: ignore[reportUnknownMemberType]
    if not isinstance(items, list):
        return 'the body must be {"items": [{"kind": ..., "id": ...}, ...]}'
    changes: list[dict[str, Any]] = []
    for i, change in enumerate(items):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if not isinstance(change, dict):
            return f"items[{i}]: not an object"
        # Only the kinds browse reads (Kind.rest) can be selected.
        if change.get("kind") not in GETTERS:  # pyright: ignore[reportUnknownMemberType]
            return f"items[{i}].kind: {change.get('kind')!r}; known: {', '.join(GETTERS)}"  # pyright: ignore[reportUnknownMemberType]
        if not isinstance(change.get("id"), (str, int)) or not str(change["id"]):  # pyright: ignore[reportUnknownMemberType]
            return f"items[{i}].id: a non-empty string or number"
        changes.append(change)  # pyright: ignore[reportUnknownArgumentType]
    return changes


def create_app(config: Config) -> Starlette:
    browser = Browser(config)
    token = secrets.token_urlsafe(32)
    """Per process, rendered into the page (a meta tag and every form), never in a cookie."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["in_project"] = lambda path: os.path.relpath(path, config.root)  # pyright: ignore[reportUnknownLambdaType, reportUnknownArgumentType]
    env.globals.update(
        kind_labels=KIND_LABELS,
        sorts=SORTS,
        managed_values=MANAGED,
        token=token,
        token_input=Markup(f'<input type="hidden" name="{TOKEN_FIELD}" value="{escape(token)}">'),
    )

    def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(
            request=request,
            host=config.host,
            stack=config.stack,
            status=browser.status(),
            listing=browser.catalog.listing,
            cached_at=browser.catalog.cached_at,
            selection=browser.state.state.selection,
            export=browser.state.state.export,
        )
        return HTMLResponse(env.get_template(name).render(**context), status_code=status_code)

    async def index(request: Request) -> Response:
        params = dict(request.query_params)
        with browser.state.lock:
            if "reset" in params:
                browser.state.state.filters = {}
                browser.state.save()
                return RedirectResponse("/", status_code=303)
            if params:  # the filters in the address win, and are kept for the next visit
                filters = Filters.from_mapping(params)
                browser.state.state.filters = filters.as_dict()
                browser.state.save()
            else:
                filters = Filters.from_mapping(browser.state.state.filters)
        items = browser.catalog.items
        result = run(items, filters, config.stack)
        creators = sorted({i.creator for i in items if i.creator})
        return page(
            request,
            "list.html",
            filters=filters,
            result=result,
            creators=creators,
            link=browser.link,
            managed_as=lambda i: managed_as(i, config.stack),  # pyright: ignore[reportUnknownLambdaType]
            total=len(items),
        )

    async def item(request: Request) -> Response:
        ref = f"{request.path_params['kind']}:{request.path_params['ident']}"
        found = browser.catalog.by_ref.get(ref)
        if found is None:
            return page(request, "error.html", 404, message=f"{ref}: not in the listing")
        detail: dict[str, Any] = {}
        graph, error = "", ""
        kind = KINDS[found.kind]
        browse = kind.browse
        try:
            api = config.connect()
            if kind.rest is not None:
                detail = get_one(
                    api, kind.name, int(found.id) if kind.rest.numeric_id else found.id
                )
            if browse is not None and browse.tasks is not None:
                graph = task_graph_svg(browse.tasks(detail))
        except Exception as err:
            error = in_words(err)
        return page(
            request,
            "item.html",
            item=found,
            link=browser.link(found),
            detail=json.dumps(detail, indent=2) if detail else "",
            graph=graph,
            sources=browse is not None and browse.sources is not None,
            error=error,
            managed=managed_as(found, config.stack),
        )

    async def select(request: Request) -> Response:
        try:
            changes = _selection_changes(await request.json())
        except ValueError:
            changes = "the body is not JSON"
        if isinstance(changes, str):
            return PlainTextResponse(f"/select: {changes}\n", status_code=400)
        with browser.state.lock:
            selection = browser.state.state.selection
            for change in changes:
                ref = f"{change['kind']}:{change['id']}"
                if change.get("selected", True):
                    known = browser.catalog.by_ref.get(ref)
                    current = selection.get(ref)
                    selection[ref] = Selected(
                        kind=change["kind"],
                        id=str(change["id"]),
                        name=known.name if known else (current.name if current else ref),
                        sources=bool(change.get("sources", current.sources if current else False)),
                    )
                else:
                    selection.pop(ref, None)
            browser.state.save()
            return JSONResponse({"selected": len(selection)})

    async def clear(request: Request) -> Response:
        with browser.state.lock:
            browser.state.state.selection.clear()
            browser.state.save()
        return RedirectResponse("/selection", status_code=303)

    async def selection(request: Request) -> Response:
        preview = browser.exporter.preview()
        return page(
            request,
            "selection.html",
            preview=preview,
            targets=browser.state.state.targets,
            rows_by_ref={v.ref: v for v in preview.rows},
            # Kinds whose rows may name notebooks and files (their plug-in's Browse.sources).
            with_sources={k for k, kind in KINDS.items() if kind.browse and kind.browse.sources},
        )

    async def form(request: Request) -> dict[str, str]:
        # Forms are urlencoded: parsed here rather than with python-multipart for two fields.
        body = (await request.body()).decode()
        return {k: v[-1] for k, v in urllib.parse.parse_qs(body).items()}

    async def targets(request: Request) -> Response:
        data = await form(request)
        with browser.state.lock:
            old = browser.state.state.targets
            new = Targets(
                rows=data.get("rows", old.rows).strip() or old.rows,
                import_file=data.get("import_file", old.import_file).strip() or old.import_file,
                sources=data.get("sources", old.sources).strip() or old.sources,
            )
            problems = target_problems(config.root, new)
            if problems:
                return page(
                    request,
                    "error.html",
                    400,
                    message="Not saved: " + "; ".join(problems),
                    back=("/selection", "Back to the selection"),
                )
            browser.state.state.targets = new
            browser.state.save()
        return RedirectResponse("/selection", status_code=303)

    async def export(request: Request) -> Response:
        data = await form(request)
        if browser.state.state.selection:
            browser.exporter.start(overwrite=data.get("overwrite") == "1")
        return RedirectResponse("/selection#export", status_code=303)

    async def dismiss(request: Request) -> Response:
        with browser.state.lock:
            if not browser.exporter.busy():
                browser.state.state.export = None
                browser.state.save()
        return RedirectResponse("/selection", status_code=303)

    async def refresh(request: Request) -> Response:
        browser.catalog.refresh()
        return RedirectResponse("/", status_code=303)

    async def monitors(request: Request) -> Response:
        data = await form(request)
        tables = [t for t in re.split(r"[\s,]+", data.get("tables", "")) if t.count(".") == 2]
        with browser.state.lock:
            known = browser.state.state.monitor_tables
            known.extend(t for t in tables if t not in known)
            browser.state.save()
        browser.catalog.refresh()
        return RedirectResponse("/", status_code=303)

    async def status(request: Request) -> Response:
        return JSONResponse(browser.status())

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        browser.start()
        yield
        browser.exporter.stop()

    # Everything that changes state, with the body it takes: the guard checks each against this.
    changes: dict[str, tuple[Body, Callable[[Request], Awaitable[Response]]]] = {
        "/select": ("json", select),
        "/selection/clear": ("form", clear),
        "/targets": ("form", targets),
        "/export": ("form", export),
        "/export/dismiss": ("form", dismiss),
        "/refresh": ("form", refresh),
        "/monitors": ("form", monitors),
    }
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/item/{kind}/{ident:path}", item),
            Route("/selection", selection),
            Route("/api/status", status),
            *(Route(path, handler, methods=["POST"]) for path, (_, handler) in changes.items()),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(Guard, token=token, bodies={p: b for p, (b, _) in changes.items()})
    app.state.browser = browser
    return app


def serve_in_thread(
    app: Starlette, host: str = "127.0.0.1", port: int = 0
) -> tuple[Any, str, threading.Thread]:
    """Start uvicorn on a background thread; (server, its URL, thread). For tests and the CLI."""
    import socket
    import time

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the browse server did not start")
        time.sleep(0.02)
    return server, f"http://{host}:{sock.getsockname()[1]}", thread


__all__ = ["Browser", "Config", "create_app", "serve_in_thread"]
