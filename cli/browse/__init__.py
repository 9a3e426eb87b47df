"""`lakeform browse`: a local web page to find, select and adopt existing resources."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.hosts import is_loopback

LOCAL_TOKEN = "lakeform-local-token"
"""What `make demo` uses: the local workspace accepts any non-empty token."""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "browse",
        help="a local web page to find, select and adopt existing jobs, pipelines and monitors",
        description="Serve a page on this machine that lists a workspace's jobs, pipelines, "
        "quality monitors and data quality monitors, searches and filters them (by Lakeform's "
        "tags: managed by this stack, another stack, or none), previews the rows `lakeform "
        "export` would write for a selection, and writes them with their sources and the "
        "`pulumi import` file. Read-only towards the workspace. Auth is databricks-sdk's "
        "(DATABRICKS_HOST/DATABRICKS_TOKEN, ~/.databrickscfg, --profile). The selection, "
        "filters and an export in progress are kept in .lakeform/browse/.",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--stack", help="the stack's workspace (Pulumi.<stack>.yaml databricks:host)"
    )
    where.add_argument("--host", help="workspace URL (default: DATABRICKS_HOST or the profile's)")
    p.add_argument("--profile", help="~/.databrickscfg profile")
    p.add_argument("--port", type=int, default=8770, help="port to listen on (8770; 0: any)")
    p.add_argument(
        "--bind",
        default="127.0.0.1",
        help="loopback address to listen on (127.0.0.1); the page answers only requests for "
        "this address, and changes only from itself",
    )
    p.add_argument(
        "--monitor",
        action="append",
        default=[],
        metavar="TABLE",
        help="also look for a quality monitor on this table (the API lists none)",
    )
    p.set_defaults(run=run)


class BrowseError(Exception):
    """A user-facing reason the page cannot start."""


def stack_host(root: Path, stack: str) -> str:
    """`databricks:host` of Pulumi.<stack>.yaml."""
    import yaml

    from metadata.yamlsrc import depth_problem

    path = root / f"Pulumi.{stack}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        too_deep = depth_problem(text, path.name)
        if too_deep is not None:
            raise BrowseError(str(too_deep))
        data = yaml.safe_load(text) or {}
    except OSError as err:
        raise BrowseError(f"{path.name}: cannot read it: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        raise BrowseError(f"{path.name}: not valid YAML: {err}") from None
    host = ((data.get("config") or {}) if isinstance(data, dict) else {}).get("databricks:host")
    if not isinstance(host, str) or not host or "<" in host:
        raise BrowseError(
            f"{path.name}: no databricks:host; set it with "
            f"`pulumi config set databricks:host https://... --stack {stack}`"
        )
    return host


def stack_tables(root: Path, stack: str) -> dict[str, str]:
    """Object (table, schema) -> stack for the rows of kinds without tags the stack's rows
    declare (monitors; `Browse.row_object`); empty when they do not load: the page still lists
    the others."""
    from metadata import KINDS, MetadataError, load_rows
    from metadata.settings import SettingsError, load_stack_settings

    try:
        settings = load_stack_settings(root, stack)
        folders = [root / p for p in settings.metadata_paths]
        rows = load_rows(folders, root=root, stack=stack, settings=settings)
    except (MetadataError, SettingsError, OSError):
        return {}
    return {
        browse.row_object(row): stack
        for kind, browse in ((k, k.browse) for k in KINDS.values())
        if browse is not None and browse.row_object is not None
        for row in rows.of(kind.name).values()
    }


def connector(host: str | None, profile: str | None) -> tuple[str, Callable[[], Any]]:
    """(the workspace URL, a function giving a client's `api_client.do`). The client is made on
    first use, so missing credentials show on the page rather than stop it."""
    token = os.environ.get("DATABRICKS_TOKEN")
    if host is not None and not token and not profile and is_loopback(host):
        token = LOCAL_TOKEN
    if host is None:
        from databricks.sdk.config import Config

        try:
            host = Config(profile=profile).host
        except ValueError as err:
            raise BrowseError(f"no workspace: give --stack or --host ({err})") from None
        if not host:
            raise BrowseError("no workspace: give --stack or --host, or set DATABRICKS_HOST")
    made: list[Any] = []
    lock = threading.Lock()
    url = host

    def connect() -> Any:
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.config import Config

        with lock:
            if not made:
                cfg = Config(host=url, token=token, profile=profile, retry_timeout_seconds=60)
                made.append(WorkspaceClient(config=cfg).api_client.do)
            return made[0]

    return host, connect


def check_bind(bind: str) -> None:
    """The page writes into the project and reads the workspace with the user's credentials:
    it listens on this machine only, at an address a Host header can name exactly."""
    import ipaddress

    try:
        address = ipaddress.IPv4Address(bind)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise BrowseError(
            f"--bind {bind}: not an IPv4 loopback address; the page listens on this machine "
            "only (127.0.0.1, the default)"
        )


def run(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from cli.browse.app import Config, create_app

    root = Path.cwd()
    try:
        check_bind(args.bind)
        host = stack_host(root, args.stack) if args.stack else args.host
        host, connect = connector(host, args.profile)
    except BrowseError as err:
        print(f"lakeform browse: {err}", file=sys.stderr)
        return 1
    tables = stack_tables(root, args.stack) if args.stack else {}
    config = Config(
        host=host,
        connect=connect,
        root=root,
        stack=args.stack,
        monitor_tables=[*tables, *args.monitor],
        stack_tables=tables,
    )
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))

    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.bind, args.port))
    except OSError as err:
        print(
            f"lakeform browse: cannot listen on {args.bind}:{args.port}: {err.strerror or err}; "
            "pick another --port",
            file=sys.stderr,
        )
        return 1
    port = sock.getsockname()[1]
    print(
        f"Lakeform browse at http://{args.bind}:{port}/ (workspace {host}); stop with Ctrl-C",
        flush=True,
    )
    server.run(sockets=[sock])
    return 0
