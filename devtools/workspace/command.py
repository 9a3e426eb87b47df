"""`python -m devtools.workspace serve`: run the local Databricks workspace until SIGINT or
SIGTERM. A dev tool of its own, not a `lakeform` command: the product never imports devtools."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from devtools.workspace.app import RunTimings
from devtools.workspace.server import WorkspaceServer
from devtools.workspace.state import StateError

PROG = "python -m devtools.workspace"
STEP_ENV = "LAKEFORM_WORKSPACE_RUN_STEP_SECONDS"


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="The local Databricks workspace: the embedded default the `local` stack "
        "deploys to, and what the tests drive (devtools/workspace/README.md).",
    )
    actions = p.add_subparsers(
        dest="action", required=True, metavar="ACTION", title="actions", help="what to do"
    )
    serve = actions.add_parser(
        "serve",
        help="answer the Databricks REST API on this machine",
        description="Serve a local workspace that answers the Databricks REST API the way the "
        "Pulumi Databricks provider and databricks-sdk use it. Any non-empty bearer token is "
        "accepted. Nothing runs: job runs, pipeline updates and monitor refreshes go through "
        "their states to a result.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on (8765; 0: any)")
    serve.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="keep the workspace in this JSON file (written atomically on every change); "
        "without it the workspace lives in memory",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests addressed to NAME:PORT (repeatable); by default only the "
        "loopback address it listens on and localhost are answered",
    )
    serve.add_argument(
        "--run-step-seconds",
        type=_step,
        default=os.environ.get(STEP_ENV),
        metavar="S",
        help="how long each state of a job task, pipeline update or monitor refresh lasts "
        f"(default: ${STEP_ENV}, else 0.1 s pending and 0.9 s running)",
    )
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.set_defaults(run=run_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    return int(args.run(args))


def _step(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not 0 < seconds <= 600:
        raise argparse.ArgumentTypeError(f"expected more than 0 and at most 600 s, got {value}")
    return seconds


def run_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        server = WorkspaceServer(
            args.host,
            args.port,
            state_path=args.state,
            extra_hosts=args.allow_host,
            # argparse converts a default from the environment with `type` too
            timings=RunTimings.steps(args.run_step_seconds) if args.run_step_seconds else None,
        )
    except StateError as exc:
        print(f"{PROG} serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"{PROG} serve: cannot listen on {args.host}:{args.port}: "
            f"{exc.strerror or exc}; pick another --port",
            file=sys.stderr,
        )
        return 1

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    thread.start()
    where = f"state in {args.state}" if args.state else "in memory, lost on exit"
    print(f"Local Databricks workspace at {server.url} ({where})", flush=True)
    print(f"  workspace id {server.workspace.workspace_id}, user {server.workspace.user_name}")
    print("  any non-empty token works, e.g.:")
    print(f"    export DATABRICKS_HOST={server.url} DATABRICKS_TOKEN=local")
    print("  stop with Ctrl-C", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.close()  # waits for a write in progress: every acknowledged write is on disk
    thread.join()
    print("Local workspace stopped.", flush=True)
    return 0
