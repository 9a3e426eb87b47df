"""`lakeform export`: existing resources of every exported kind -> metadata rows to adopt."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from metadata.kinds import KINDS, Kind


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help=f"write existing {_kinds()} as metadata rows",
        description=f"Read {_kinds()} from a Databricks workspace and "
        "write them as Lakeform metadata rows (YAML), so what was built by hand can be adopted. "
        "Auth is databricks-sdk's: DATABRICKS_HOST/DATABRICKS_TOKEN, ~/.databrickscfg, or "
        "--host/--profile. Rows are validated before anything is written; fields Lakeform has "
        "no place for are listed in a comment above the row and on stderr. With --import-file, "
        "also writes the `pulumi import --file` document that adopts the resources into a stack "
        "without recreating them (see metadata/README.md).",
    )
    for kind in KINDS.values():
        option = kind.export_option
        if option is None:
            continue
        p.add_argument(
            option.flag,
            dest=_dest(option.flag),
            type=int if option.numeric else str,
            action="append",
            default=[],
            metavar=option.metavar,
            help=option.help,
        )
        if option.all_flag is not None:
            what = kind.name.replace("_", " ")
            p.add_argument(
                option.all_flag,
                dest=_dest(option.all_flag),
                action="store_true",
                help=f"every {what.removesuffix('s')} of the workspace",
            )
    p.add_argument(
        "--name-contains",
        metavar="TEXT",
        help=f"with {'/'.join(_all_flags())}: only names containing TEXT (case-insensitive)",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.add_argument("--import-file", type=Path, help="also write the pulumi import file here")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="leave out rows that do not validate (named on stderr) instead of writing nothing",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="what was exported as JSON on stdout: each row's kind, key, id, the fields it leaves "
        "out and notes, and the files written (needs -o: the rows cannot share stdout)",
    )
    p.add_argument("--host", help="workspace URL (default: DATABRICKS_HOST or the profile's)")
    p.add_argument("--profile", help="~/.databrickscfg profile")
    p.set_defaults(run=run)


def _dest(flag: str) -> str:
    return flag.removeprefix("--").replace("-", "_")


def _exported() -> list[Kind]:
    return [k for k in KINDS.values() if k.export_option is not None]


def _kinds() -> str:
    names = [k.name.replace("_", " ") for k in _exported()]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def _all_flags() -> list[str]:
    return [
        k.export_option.all_flag
        for k in _exported()
        if k.export_option and k.export_option.all_flag
    ]


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
    from databricks.sdk.errors.base import DatabricksError

    from cli.adopt import build_rows, fetch_each, with_catalog_names
    from cli.files import write_atomic
    from metadata.formats.export import import_file

    options = {k.name: k.export_option for k in _exported() if k.export_option is not None}
    listing = [n for n, o in options.items() if o.all_flag and getattr(args, _dest(o.all_flag))]
    if not listing and not any(getattr(args, _dest(o.flag)) for o in options.values()):
        flags = [f for o in options.values() for f in (o.flag, o.all_flag) if f]
        print(
            f"lakeform export: nothing to export: give {', '.join(flags[:-1])} or {flags[-1]}",
            file=err,
        )
        return 1
    if args.json and args.output is None:
        print(
            "lakeform export: --json prints the result on stdout: pass -o FILE for the rows",
            file=err,
        )
        return 1
    if args.name_contains is not None and not listing:
        print(f"lakeform export: --name-contains filters {'/'.join(_all_flags())}", file=err)
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

    wanted_ids: dict[str, list[Any]] = {}
    for name, option in options.items():
        rest = KINDS[name].rest
        assert rest is not None, name
        idents: list[Any] = []
        for given in dict.fromkeys(getattr(args, _dest(option.flag))):
            if option.by_name is None:
                idents.append(given)
                continue
            try:
                path, field, ident = option.by_name(given)
                answer = api("GET", urllib.parse.quote(path, safe="/"))
            except (ValueError, DatabricksError) as e:
                failures.append(f"{rest.noun} {given}: {e}")
                continue
            idents.append(ident.format(answer[field]))
        if name in listing:
            items = list(_pages(api, name, err))
            with_catalog_names(api, name, items)
            for item in items:
                ident = int(rest.ident(item)) if rest.numeric_id else rest.ident(item)
                if needle in option.list_name(item).lower() and ident not in idents:
                    idents.append(ident)
        wanted_ids[name] = list(dict.fromkeys(idents))
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
        _json_result(args, out, problems=failures)
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
        _json_result(args, out, problems=[line for line, _ in built.problems])
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
    rows = [
        {
            "kind": r.kind,
            "key": r.key,
            "id": r.resource_id,
            "not_exported": r.not_exported,
            "notes": r.notes,
        }
        for r in export.all()
    ]
    skipped = [
        {"name": label, "id": ident, "problems": lines} for label, ident, lines in built.skipped
    ]
    _json_result(args, out, rows=rows, skipped=skipped)
    _adoption_hint(args, err)
    return 0


def _json_result(
    args: argparse.Namespace,
    out: TextIO,
    *,
    problems: list[str] | None = None,
    rows: list[dict[str, Any]] | None = None,
    skipped: list[dict[str, Any]] | None = None,
) -> None:
    """With --json, the result on stdout: `ok`, then the problems (nothing written) or the rows
    exported, those skipped (--skip-invalid) and the files written."""
    if not args.json:
        return
    result: dict[str, Any] = {"ok": not problems}
    if problems:
        result["problems"] = problems
    else:
        result["output"] = str(args.output)
        result["import_file"] = None if args.import_file is None else str(args.import_file)
        result["rows"] = rows or []
        result["skipped"] = skipped or []
    out.write(json.dumps(result, indent=2) + "\n")


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
