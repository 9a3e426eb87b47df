"""`lakeform validate`: check metadata rows and report every problem with file, line and field."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metadata import Rows
    from metadata.errors import Problem
    from metadata.policy import PolicyReport
    from metadata.settings import StackSettings

DEFAULT_PATHS = ("resources",)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check metadata rows",
        description="Check metadata rows (default: each stack's metadata_paths, else the "
        "resources folder) and print every problem. "
        "With --stack, rows are resolved for that stack (Pulumi.<stack>.yaml's settings: "
        "variables, default warehouse). Without it, they are checked for every stack that has a "
        "Pulumi.<stack>.yaml, or, if there is none, once without stack settings (variable "
        "references are then not checked).",
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="files or folders (default: each stack's metadata_paths, else resources)",
    )
    p.add_argument("--stack", help="resolve and check for this stack only")
    p.add_argument(
        "--json",
        action="store_true",
        help="as JSON (for machines): each problem's file, line, column, field and message",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = Path.cwd()
    paths: list[Path] = list(args.paths)
    stack: str | None = args.stack
    return _validate(root, paths, stack, as_json=args.json)


def _validate(root: Path, paths: list[Path], stack: str | None, *, as_json: bool = False) -> int:
    from cli import table as control_table
    from metadata import MetadataError, load_rows

    stacks = [stack] if stack else _stack_names(root)
    outcomes: dict[str | None, Rows | list[Problem | str]] = {}
    warnings: dict[str, Problem] = {}  # each once, in the order first seen, whatever the outcome
    for name in stacks or [None]:
        settings = None
        if name is not None:
            settings_or_error = _settings(root, name)
            if isinstance(settings_or_error, str):
                outcomes[name] = [settings_or_error]
                continue
            settings = settings_or_error
        # no PATH given: the folders the stack deploys (lakeform:settings.metadata_paths)
        folders = paths or [
            Path(p) for p in (settings.metadata_paths if settings else DEFAULT_PATHS)
        ]
        try:
            tables = None if name is None else control_table.stack_tables(root, name)
            rows = load_rows(folders, root=root, stack=name, settings=settings, tables=tables)
        except MetadataError as err:
            outcomes[name] = list(err.problems)
            warnings.update((str(w), w) for w in err.warnings if str(w) not in warnings)
            continue
        warnings.update((str(w), w) for w in rows.warnings if str(w) not in warnings)
        # The deploy refuses an empty stack (it would delete everything): say so here first.
        if rows.total == 0 and settings is not None and not settings.allow_empty:
            outcomes[name] = [settings.empty_refusal([str(f) for f in folders])]
            continue
        shard_problems = _shard_problems(rows, settings, name)
        if shard_problems:
            outcomes[name] = shard_problems
            continue
        outcomes[name] = rows
        if name is not None and settings is not None:
            # The stack's policies, on its final rows: what the policy pack will check in the
            # engine, said here first with the row's file and line.
            report = policy_report(rows, settings, name)
            warnings.update((str(w), w.problem) for w in report.warnings if str(w) not in warnings)
            if report.refusals:
                outcomes[name] = [r.problem for r in report.refusals]

    failures = {k: v for k, v in outcomes.items() if isinstance(v, list)}
    merged = _merge_problems(failures, total=len(outcomes))
    if as_json:
        print(json.dumps(_as_json(outcomes, merged, list(warnings.values())), indent=2))
        return 1 if failures else 0
    # Warnings first, also when the load fails: they often explain its problems.
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if failures:
        for problem, names in merged.items():
            print(f"{problem} [stack: {', '.join(names)}]" if names else problem)
        count = len(merged)
        print(f"FAILED: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    summaries = {_summary(v) for v in outcomes.values() if not isinstance(v, list)}
    named = [k for k in outcomes if k is not None]
    suffix = f" (stacks: {', '.join(named)})" if named else ""
    if len(summaries) == 1:
        print(f"{summaries.pop()}{suffix}")
    else:
        for name, rows in outcomes.items():
            if not isinstance(rows, list):
                print(f"{_summary(rows)} (stack: {name})")
    return 0


def _as_json(
    outcomes: dict[str | None, Any],
    merged: dict[Problem | str, list[str]],
    warnings: list[Problem],
) -> dict[str, Any]:
    """`validate --json`: every problem and warning with its file, line, column and field (and
    the stacks it is specific to), and each stack's row counts when it validates."""
    from metadata import KINDS

    return {
        "ok": not merged,
        "stacks": [
            {
                "stack": name,
                "ok": not isinstance(rows, list),
                "rows": None
                if isinstance(rows, list)
                else {kind: len(rows.of(kind)) for kind in KINDS},
            }
            for name, rows in outcomes.items()
        ],
        "problems": [{**_located(p), "stacks": names} for p, names in merged.items()],
        "warnings": [_located(w) for w in warnings],
    }


def _located(problem: Problem | str) -> dict[str, Any]:
    if isinstance(problem, str):  # a stack file that cannot be read: its message names it
        return {"file": None, "line": None, "column": None, "field": None, "message": problem}
    pos = problem.pos
    return {
        "file": pos.file if pos else None,
        "line": pos.line if pos else None,
        "column": pos.col if pos else None,
        "field": problem.path or None,
        "message": problem.message,
    }


def _summary(rows: Any) -> str:
    from metadata import KINDS

    counts = (_count(len(rows.of(kind)), kind.replace("_", " ")) for kind in KINDS)
    return "OK: " + ", ".join(counts)


def _count(n: int, plural: str) -> str:
    """`1 pipeline`, `2 pipelines` (kinds are named in the plural)."""
    return f"{n} {plural.removesuffix('s') if n == 1 else plural}"


def _merge_problems(
    failures: dict[str | None, list[Problem | str]], total: int
) -> dict[Problem | str, list[str]]:
    """Each problem once, in the order first seen, with the stacks it is specific to (none when
    every stack has it)."""
    where: dict[str, tuple[Problem | str, list[str]]] = {}
    for name, problems in failures.items():
        for problem in problems:
            names = where.setdefault(str(problem), (problem, []))[1]
            if name is not None:
                names.append(name)
    return {
        problem: names if names and len(names) < total else [] for problem, names in where.values()
    }


def policy_report(rows: Rows, settings: StackSettings, stack: str) -> PolicyReport:
    """The stack's policies (lakeform:settings.policies) run on its final rows."""
    from metadata import KINDS, apply_stack_defaults
    from metadata.policy import check_rows

    final = apply_stack_defaults(rows, settings, stack)
    kinds = {kind: final.of(kind) for kind in KINDS}
    facts_of = {kind: entry.policy for kind, entry in KINDS.items() if entry.policy is not None}
    return check_rows(kinds, facts_of, settings.policies, final.field_pos)


def _shard_problems(rows: Any, settings: Any, stack: str | None) -> list[Problem | str]:
    """A sharded stack's rows that no shard takes, and shards naming each other in a cycle."""
    from metadata import apply_stack_defaults
    from metadata.shards import ShardError, layout

    if settings is None or stack is None or settings.shards is None:
        return []
    try:
        layout(apply_stack_defaults(rows, settings, stack), settings, stack)
    except ShardError as err:
        return list(str(err).splitlines())
    return []


def _stack_names(root: Path) -> list[str]:
    """Every stack with a Pulumi.<stack>.yaml; a shard's file (Pulumi.prod.finance.yaml) is
    checked with its stack."""
    names = (
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml")
    )
    return sorted(n for n in names if "." not in n)


def _settings(root: Path, stack: str) -> Any:
    """The stack's StackSettings, or a message saying why they cannot be read."""
    from metadata.settings import SettingsError, load_stack_settings

    try:
        return load_stack_settings(root, stack)
    except (SettingsError, OSError, UnicodeDecodeError) as err:
        return str(err)
