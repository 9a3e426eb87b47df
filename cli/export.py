"""`lakeform export`: existing jobs, pipelines and quality monitors -> metadata rows to adopt."""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

PAGE = 100
PARALLEL = 8
"""Concurrent GETs: thousands of jobs one by one take minutes; the SDK retries 429s."""


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
    p.add_argument("--job-id", type=int, action="append", default=[], metavar="N")
    p.add_argument("--pipeline-id", action="append", default=[], metavar="ID")
    p.add_argument(
        "--monitor", action="append", default=[], metavar="TABLE", help="monitored table name"
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
    except Exception as err:  # a bug must not show users a traceback
        print(f"lakeform export: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return 2


class Progress:
    """`exported 40/120 jobs` on stderr: at most once a second, and always the last count."""

    def __init__(self, err: TextIO, what: str, total: int, verb: str = "exported") -> None:
        self.err, self.what, self.total, self.verb = err, what, total, verb
        self.done = 0
        self.last = time.monotonic()

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done == self.total or now - self.last >= 1.0:
            self.last = now
            print(f"{self.verb} {self.done}/{self.total} {self.what}", file=self.err, flush=True)


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from databricks.sdk import WorkspaceClient

    from metadata.export import ExportedRow, build_export, import_file, to_yaml

    wanted = args.job_id or args.pipeline_id or args.monitor or args.all_jobs or args.all_pipelines
    if not wanted:
        print(
            "lakeform export: nothing to export: give --job-id, --pipeline-id, --monitor, "
            "--all-jobs or --all-pipelines",
            file=err,
        )
        return 2
    if args.name_contains is not None and not (args.all_jobs or args.all_pipelines):
        print("lakeform export: --name-contains filters --all-jobs/--all-pipelines", file=err)
        return 2
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
        for job in _pages(api, "/api/2.2/jobs/list", "jobs", {"limit": PAGE}, err, "jobs"):
            name = str((job.get("settings") or {}).get("name") or "")
            if needle in name.lower() and job["job_id"] not in job_ids:
                job_ids.append(job["job_id"])
    pipeline_ids: list[str] = list(dict.fromkeys(args.pipeline_id))
    if args.all_pipelines:
        query = {"max_results": PAGE}
        for p in _pages(api, "/api/2.0/pipelines", "statuses", query, err, "pipelines"):
            if needle in str(p.get("name") or "").lower() and p["pipeline_id"] not in pipeline_ids:
                pipeline_ids.append(p["pipeline_id"])
    tables: list[str] = list(dict.fromkeys(args.monitor))

    jobs = _fetch(job_ids, lambda i: _get_job(api, i), err, "jobs", failures, "job")
    pipelines = _fetch(
        pipeline_ids,
        lambda i: api("GET", f"/api/2.0/pipelines/{urllib.parse.quote(i, safe='')}"),
        err,
        "pipelines",
        failures,
        "pipeline",
    )
    monitors = _fetch(
        tables,
        lambda t: api(
            "GET", f"/api/2.1/unity-catalog/tables/{urllib.parse.quote(t, safe='')}/monitor"
        ),
        err,
        "quality monitors",
        failures,
        "monitor on",
    )
    if failures:
        for line in failures:
            print(line, file=err)
        print("nothing written", file=err)
        return 1

    where = str(args.output) if args.output is not None else "<stdout>"
    header = [f"Exported by `lakeform export` from {w.config.host}."]
    answers = {"jobs": jobs, "pipelines": pipelines, "quality_monitors": monitors}
    while True:
        export = build_export(answers["jobs"], answers["pipelines"], answers["quality_monitors"])
        text = to_yaml(export, header)
        problems = _validate(text, where)
        if not problems:
            break
        rows_at_fault = {row for _, row in problems}
        if not args.skip_invalid or None in rows_at_fault:
            for line, _ in problems:
                print(line, file=err)
            print(
                f"the exported rows do not validate: nothing written ({len(problems)} problems)",
                file=err,
            )
            return 1
        # --skip-invalid: leave those rows out and build again (references to them become ids).
        for kind in answers:
            rows: list[ExportedRow] = getattr(export, kind)
            kept: list[dict[str, Any]] = []
            for answer, r in zip(answers[kind], rows, strict=True):
                label = f"{kind}.{r.key}"
                if label not in rows_at_fault:
                    kept.append(answer)
                    continue
                print(f"{label} ({r.resource_id}): skipped, it does not validate:", file=err)
                for line, row in problems:
                    if row == label:
                        print(f"  {line}", file=err)
            answers[kind] = kept

    for r in export.all():
        label = f"{r.kind}.{r.key} ({r.resource_id})"
        for d in r.not_exported:
            print(f"{label}: not exported: {d}", file=err)
        for n in r.notes:
            print(f"{label}: note: {n}", file=err)

    if args.output is None:
        out.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    if args.import_file is not None:
        args.import_file.parent.mkdir(parents=True, exist_ok=True)
        args.import_file.write_text(json.dumps(import_file(export), indent=2) + "\n")

    counts = ", ".join(
        _count(len(getattr(export, kind)), kind.replace("_", " "))
        for kind in ("jobs", "pipelines", "quality_monitors")
    )
    print(f"exported {counts} to {where}", file=err)
    _adoption_hint(args, err)
    return 0


def _count(n: int, plural: str) -> str:
    return f"{n} {plural if n != 1 else plural.removesuffix('s')}"


def _pages(
    api: Callable[..., Any], path: str, items: str, query: dict[str, Any], err: TextIO, what: str
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list call, with `listed N jobs` progress."""
    token: str | None = None
    count, last = 0, time.monotonic()
    while True:
        page = api("GET", path, query={**query, **({"page_token": token} if token else {})})
        for item in page.get(items) or []:
            count += 1
            yield item
        token = page.get("next_page_token")
        if not token:
            break
        if time.monotonic() - last >= 1.0:
            last = time.monotonic()
            print(f"listed {count} {what}", file=err, flush=True)
    print(f"listed {count} {what}", file=err, flush=True)


def _get_job(api: Callable[..., Any], job_id: int) -> dict[str, Any]:
    """jobs/get with every page of tasks, job clusters, parameters and environments (API 2.2
    answers at most 100 of each per page)."""
    job: dict[str, Any] = api("GET", "/api/2.2/jobs/get", query={"job_id": job_id})
    token = job.pop("next_page_token", None)
    while token:
        more = api("GET", "/api/2.2/jobs/get", query={"job_id": job_id, "page_token": token})
        for name in ("tasks", "job_clusters", "parameters", "environments"):
            extra = (more.get("settings") or {}).get(name)
            if extra:
                job["settings"].setdefault(name, []).extend(extra)
        token = more.get("next_page_token")
    job.pop("has_more", None)
    return job


def _fetch(
    idents: Sequence[Any],
    get: Callable[[Any], dict[str, Any]],
    err: TextIO,
    what: str,
    failures: list[str],
    label: str,
) -> list[dict[str, Any]]:
    """GET each one (a few at once, answers in the order asked), with `exported i/N` progress."""
    from databricks.sdk.errors.base import DatabricksError

    if not idents:
        return []
    progress = Progress(err, what, len(idents))

    def one(ident: Any) -> dict[str, Any] | str:
        try:
            return get(ident)
        except DatabricksError as e:
            return f"{label} {ident}: {e}"
        finally:
            progress.step()

    out: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for answer in pool.map(one, idents):
            if isinstance(answer, str):
                failures.append(answer)
            else:
                out.append(answer)
    return out


ROW_PATH = re.compile(r"^((?:jobs|pipelines|quality_monitors)\.[A-Za-z0-9_-]+)")


def _validate(text: str, where: str) -> list[tuple[str, str | None]]:
    """Load the rows exactly as `lakeform validate` would (paths relative to the current
    directory, the project root), without stack settings. Each problem as a line naming `where`,
    and the row it is about (`jobs.<key>`), if any."""
    from metadata import MetadataError, load_rows

    root = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="lakeform-export-") as tmp:
        path = Path(tmp) / "export.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_rows([path], root=root)
        except MetadataError as e:
            out: list[tuple[str, str | None]] = []
            for p in e.problems:
                row = ROW_PATH.match(p.path)
                out.append((str(p).replace(str(path), where), row.group(1) if row else None))
            return out
    return []


def _adoption_hint(args: argparse.Namespace, err: TextIO) -> None:
    rows = args.output if args.output is not None else "the rows"
    if args.import_file is None:
        step2 = "run the export again with --import-file FILE for the pulumi import file, then"
        file = "FILE"
    else:
        step2 = "adopt the resources (creates the Lakeform components, imports the resources):"
        file = str(args.import_file)
    print(
        "To adopt them into a stack without recreating them (metadata/README.md):\n"
        f"  1. put {rows} under resources/ and run: lakeform validate\n"
        f"  2. {step2}\n"
        f"     pulumi import --stack STACK --file {file} --generate-code=false\n"
        "  3. pulumi preview --diff --stack STACK   # expect updates only, no create or replace",
        file=err,
    )
