"""`lakeform recover`: settle the pending creates a killed `pulumi up` left, without duplicates."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cli.locks import LockError, release_dead_locks
from cli.pulumienv import workspace_client


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "recover",
        help="adopt what a killed `pulumi up` created (no duplicate jobs)",
        description=(
            "A `pulumi up` killed mid-run leaves pending creates: Pulumi no longer knows whether "
            "those resources exist, and the next `pulumi up` would create them again. This finds "
            "each one in the workspace by the tags Lakeform puts on jobs and pipelines "
            "(lakeform_stack, lakeform_key), by table for monitors and by path for uploaded "
            "files, imports what exists under the URNs the program gives it (`pulumi import "
            "--file`) and clears the pending creates (`pulumi refresh --clear-pending-creates`). "
            "Run it before the next `pulumi up`; `pulumi` must be on PATH and logged in to the "
            "stack's backend."
        ),
    )
    p.add_argument("--stack", required=True, help="the Pulumi stack")
    p.add_argument("--yes", action="store_true", help="run the refresh (else only show the plan)")
    p.set_defaults(run=run)


class RecoverError(Exception):
    """A clear, user-facing reason recovery cannot go on."""


def run(args: argparse.Namespace) -> int:
    from stacks.recover import RESENT, import_document, pending_creates, plan, recovery_commands

    stack: str = args.stack
    try:
        export = json.loads(_pulumi("stack", "export", "--stack", stack))
        pendings = pending_creates(export)
        if not pendings:
            print(f"stack {stack}: no pending creates; nothing to recover")
            return 0
        the_plan = plan(pendings, _workspace(stack))
    except RecoverError as err:
        print(f"lakeform recover: {err}", file=sys.stderr)
        return 1

    for finding in the_plan.adopt:
        print(f"adopt   {finding.pending.name} ({finding.pending.type}): {finding.ids[0]}")
    for finding in the_plan.never_created:
        why = (
            "set again by the next up" if finding.pending.type in RESENT else "not in the workspace"
        )
        print(f"clear   {finding.pending.name} ({finding.pending.type}): {why}")
    for finding in the_plan.ambiguous:
        print(
            f"choose  {finding.pending.name} ({finding.pending.type}): several match: "
            f"{', '.join(finding.ids)}"
        )
    for pending in the_plan.unknown:
        print(f"check   {pending.name} ({pending.type}): no look-up for this type")
    if the_plan.blocked:
        print(
            "lakeform recover: some pending creates need a person: delete the extra objects in "
            "the workspace (or the unknown ones' if they exist), then run this again; or settle "
            f"them yourself with `pulumi refresh --stack {stack}` (interactive).",
            file=sys.stderr,
        )
        return 1

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(import_document(the_plan), handle, indent=2)
    commands = recovery_commands(the_plan, stack, handle.name)
    if not args.yes:
        print("run again with --yes to settle them, or run:")
        for command in commands:
            print("  " + " ".join(command))
        return 0
    for command in commands:
        print("==> " + " ".join(command), flush=True)
        code, stderr = _run(command)
        if code != 0 and "currently locked" in stderr:
            # A killed run leaves its lock behind; release it only when provably dead.
            try:
                _release_stale_lock(stack, stderr)
            except RecoverError as err:
                print(f"lakeform recover: {err}", file=sys.stderr)
                return 1
            code, _ = _run(command)
        if code != 0:
            return 1
    print(f"stack {stack}: pending creates settled; `pulumi up` will not duplicate them")
    return 0


def _run(command: list[str]) -> tuple[int, str]:
    done = subprocess.run(
        [*command, "--non-interactive"], capture_output=True, text=True, check=False
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode, done.stderr


def _release_stale_lock(stack: str, message: str) -> None:
    """Release the stack's locks if every one was taken on this machine by a process that no
    longer exists (cli/locks.py says how that is proven); otherwise say which may be live."""
    try:
        released = release_dead_locks(message)
    except LockError as err:
        raise RecoverError(
            f"stack {stack} is locked and nothing was released: {err}. If no run of the stack "
            f"is still going, release its locks with `pulumi cancel --stack {stack}` and run "
            "this again"
        ) from None
    for lock in released:
        print(f"==> released the lock of a run that no longer exists: {lock}")


def _pulumi(*args: str) -> str:
    try:
        done = subprocess.run(["pulumi", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise RecoverError("pulumi is not on PATH (the Makefile puts it there)") from None
    if done.returncode != 0:
        raise RecoverError(f"`pulumi {' '.join(args)}` failed: {done.stderr.strip()}")
    return done.stdout


def _config(stack: str, key: str) -> str | None:
    done = subprocess.run(
        ["pulumi", "config", "get", key, "--stack", stack],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or None if done.returncode == 0 else None


def _workspace(stack: str) -> Any:
    """The stack's workspace, reached as its provider would (cli.pulumienv.workspace_client)."""
    client = workspace_client(stack, lambda key: _config(stack, key))
    if client is None:
        raise RecoverError(f"no workspace host: set databricks:host for stack {stack}")
    return lookups(client)


def lookups(w: Any) -> Any:
    """The look-ups recovery needs, answered by a databricks-sdk WorkspaceClient."""
    from databricks.sdk.errors import NotFound

    from cli.adopt import get_one, list_pages
    from metadata.kinds import KINDS
    from stacks.recover import Workspace

    def named(kind: str) -> Callable[[str], Iterator[tuple[str, Mapping[str, str]]]]:
        """(id, tags) of every object of `kind` named exactly `name`: its list call filtered by
        name (`Recovery.name_query`), each one read for its name and tags (`Recovery.body`)."""
        recovery, rest = KINDS[kind].recovery, KINDS[kind].rest
        assert recovery is not None and rest is not None, kind
        name_query, path = recovery.name_query, rest.list_path
        assert name_query is not None and path is not None, kind

        def found(name: str) -> Iterator[tuple[str, Mapping[str, str]]]:
            query = {**rest.list_query, **name_query(name)}
            for item in list_pages(w.api_client.do, path, rest.list_items, query):
                ident = rest.ident(item)
                body = get_one(w.api_client.do, kind, ident).get(recovery.body) or {}
                if body.get("name") == name:
                    yield ident, dict(body.get("tags") or {})

        return found

    def exists(get: Callable[[str], object]) -> Callable[[str], bool]:
        def found(name: str) -> bool:
            try:
                get(name)
            except NotFound:
                return False
            return True

        return found

    def kind_exists(kind: str, ident: str) -> bool:
        return exists(lambda i: get_one(w.api_client.do, kind, i))(ident)

    return Workspace(
        named={
            name: named(name)
            for name, kind in KINDS.items()
            if kind.recovery is not None and kind.recovery.name_query is not None
        },
        exists=kind_exists,
        path_exists=exists(w.workspace.get_status),
    )
