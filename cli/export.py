"""`lakeform export`: existing jobs, pipelines and quality monitors -> metadata rows to adopt."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from metadata.kinds import JOBS, KINDS, PIPELINES, QUALITY_MONITORS


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write existing jobs, pipelines and quality monitors as metadata rows",
        description="Read jobs, pipelines and quality monitors from a Databricks workspace and "
        "write them as Lakeform metadata rows (YAML), so what was built by hand can be adopted. "
        "Auth is databricks-sdk's: DATABRICKS_HOST/DATABRICKS_TOKEN, ~/.databrickscfg, or "
        "--host/--profile. Rows are validated before anything is written; fields Lakeform has "
        "no place for are listed in a comment above the row and on stderr. With --import-file, "
        "also writes the `pulumi import --file` document that adopts the resources into a stack "
        "without recreating them (see metadata/README.md).",
    )
    p.add_argument(
        "--job-id", type=int, action="append", default=[], metavar="N", help="a job (repeatable)"
    )
    p.add_argument(
        "--pipeline-id", action="append", default=[], metavar="ID", help="a pipeline (repeatable)"
    )
    p.add_argument(
        "--monitor",
        action="append",
        default=[],
        metavar="TABLE",
        help="the quality monitor of this table (repeatable)",
    )
    p.add_argument("--all-jobs", action="store_true", help="every job of the workspace")
    p.add_argument("--all-pipelines", action="store_true", help="every pipeline of the workspace")
    p.add_argument(
        "--name-contains",
        metavar="TEXT",
        help="with --all-jobs/--all-pipelines: only names containing TEXT (case-insensitive)",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--import-file", type=Path, help="also write the pulumi import file here")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out rows that do not validate (named on stderr) instead of writing nothing",
    )
    p.add_argument("--host", help="workspace URL (default: DATABRICKS_HOST or the profile's)")
    p.add_argument("--profile", help="~/.databrickscfg profile")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from databricks.sdk.errors.base import DatabricksError

    try:
        return _export(args, sys.stdout, sys.stderr)
    except (DatabricksError, ValueError) as err:
        # Config errors (no host, no credentials) are ValueErrors in databricks-sdk.
        print(f"lakeform export: {err}", file=sys.stderr)
        return 1


class Progress:
    """`exported 40/120 jobs` on stderr: at most once a second, and always the last count."""

    def __init__(self, err: TextIO, what: str, total: int, verb: str = "exported") -> None:
        self.err, self.what, self.total, self.verb = err, what, total, verb
        self.done = 0
        self.last = time.monotonic()

    def at(self, done: int, total: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.done == self.total or now - self.last >= 1.0:
            self.last = now
            print(f"{self.verb} {self.done}/{self.total} {self.what}", file=self.err, flush=True)


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from databricks.sdk import WorkspaceClient

    from cli.adopt import build_rows, fetch_each
    from cli.files import write_atomic
    from metadata.formats.export import import_file

    wanted = args.job_id or args.pipeline_id or args.monitor or args.all_jobs or args.all_pipelines
    if not wanted:
        print(
            "lakeform export: nothing to export: give --job-id, --pipeline-id, --monitor, "
            "--all-jobs or --all-pipelines",
            file=err,
        )
        return 1
    if args.name_contains is not None and not (args.all_jobs or args.all_pipelines):
        print("lakeform export: --name-contains filters --all-jobs/--all-pipelines", file=err)
        return 1
    for target in (args.output, args.import_file):
        if target is not None and target.exists() and not args.force:
            print(f"{target}: already exists; pass --force to overwrite it", file=err)
            return 1

    w = WorkspaceClient(host=args.host, profile=args.profile)
    # The SDK retries an unreachable host for minutes: say where it is waiting.
    print(f"reading {w.config.host}", file=err, flush=True)
    api: Callable[..., Any] = w.api_client.do
    needle = (args.name_contains or "").lower()
    failures: list[str] = []

    job_ids: list[int] = list(dict.fromkeys(args.job_id))
    if args.all_jobs:
        for job in _pages(api, JOBS.name, err):
            name = str((job.get("settings") or {}).get("name") or "")
            if needle in name.lower() and job["job_id"] not in job_ids:
                job_ids.append(job["job_id"])
    pipeline_ids: list[str] = list(dict.fromkeys(args.pipeline_id))
    if args.all_pipelines:
        for p in _pages(api, PIPELINES.name, err):
            if needle in str(p.get("name") or "").lower() and p["pipeline_id"] not in pipeline_ids:
                pipeline_ids.append(p["pipeline_id"])
    wanted_ids: dict[str, list[Any]] = {
        JOBS.name: job_ids,
        PIPELINES.name: pipeline_ids,
        QUALITY_MONITORS.name: list(dict.fromkeys(args.monitor)),
    }
    answers = {
        kind: fetch_each(
            api, kind, idents, failures, Progress(err, kind.replace("_", " "), len(idents)).at
        )
        for kind, idents in wanted_ids.items()
    }
    if failures:
        for line in failures:
            print(line, file=err)
        print("nothing written", file=err)
        return 1

    where = str(args.output) if args.output is not None else "<stdout>"
    header = [f"Exported by `lakeform export` from {w.config.host}."]
    built = build_rows(answers, header, where, skip_invalid=args.skip_invalid)
    for label, ident, lines in built.skipped:
        print(f"{label} ({ident}): skipped, it does not validate:", file=err)
        for line in lines:
            print(f"  {line}", file=err)
    if built.problems:
        for line, _ in built.problems:
            print(line, file=err)
        print(
            f"the exported rows do not validate: nothing written ({len(built.problems)} problems)",
            file=err,
        )
        return 1
    export, text = built.export, built.text

    for r in export.all():
        label = f"{r.kind}.{r.key} ({r.resource_id})"
        for d in r.not_exported:
            print(f"{label}: not exported: {d}", file=err)
        for n in r.notes:
            print(f"{label}: note: {n}", file=err)

    files: dict[Path, str] = {}
    if args.output is None:
        out.write(text)
    else:
        files[args.output] = text
    if args.import_file is not None:
        files[args.import_file] = json.dumps(import_file(export), indent=2) + "\n"
    write_atomic(files)

    counts = ", ".join(_count(len(export.of(kind)), kind.replace("_", " ")) for kind in KINDS)
    print(f"exported {counts} to {where}", file=err)
    _adoption_hint(args, err)
    return 0


def _count(n: int, plural: str) -> str:
    return f"{n} {plural if n != 1 else plural.removesuffix('s')}"


def _pages(api: Callable[..., Any], kind: str, err: TextIO) -> Iterator[dict[str, Any]]:
    """Every resource of `kind`, listed a page at a time, with `listed N jobs` progress (at
    most once a second, and always the last count)."""
    from cli.adopt import list_all

    what = kind.replace("_", " ")

    last = time.monotonic()

    def on_page(count: int, final: bool) -> None:
        nonlocal last
        if final or time.monotonic() - last >= 1.0:
            last = time.monotonic()
            print(f"listed {count} {what}", file=err, flush=True)

    return list_all(api, kind, on_page)


def _adoption_hint(args: argparse.Namespace, err: TextIO) -> None:
    from cli.adopt import adoption_steps

    rows = str(args.output) if args.output is not None else None
    file = str(args.import_file) if args.import_file is not None else None
    steps = "\n".join(f"  {line}" for line in adoption_steps(rows, file))
    intro = "To adopt them into a stack without recreating them (metadata/README.md):"
    print(f"{intro}\n{steps}", file=err)
