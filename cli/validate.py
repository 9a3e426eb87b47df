"""`lakeform validate`: check metadata rows and report every problem with file, line and field."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = Path.cwd()
    paths: list[Path] = list(args.paths)
    stack: str | None = args.stack
    return _validate(root, paths, stack)


def _validate(root: Path, paths: list[Path], stack: str | None) -> int:
    from metadata import MetadataError, Rows, load_rows

    stacks = [stack] if stack else _stack_names(root)
    outcomes: dict[str | None, Rows | list[str]] = {}
    warnings: dict[str, None] = {}  # each once, in the order first seen, whatever the outcome
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
            rows = load_rows(folders, root=root, stack=name, settings=settings)
        except MetadataError as err:
            outcomes[name] = [str(p) for p in err.problems]
            warnings.update((str(w), None) for w in err.warnings)
            continue
        warnings.update((str(w), None) for w in rows.warnings)
        # The deploy refuses an empty stack (it would delete everything): say so here first.
        if rows.total == 0 and settings is not None and not settings.allow_empty:
            outcomes[name] = [settings.empty_refusal([str(f) for f in folders])]
        else:
            outcomes[name] = rows

    # Warnings first, also when the load fails: they often explain its problems.
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    failures = {k: v for k, v in outcomes.items() if isinstance(v, list)}
    if failures:
        for line in _merge_problems(failures, total=len(outcomes)):
            print(line)
        count = len({line for lines in failures.values() for line in lines})
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


def _summary(rows: Any) -> str:
    from metadata import KINDS

    counts = (_count(len(rows.of(kind)), kind.replace("_", " ")) for kind in KINDS)
    return "OK: " + ", ".join(counts)


def _count(n: int, plural: str) -> str:
    """`1 pipeline`, `2 pipelines` (kinds are named in the plural)."""
    return f"{n} {plural.removesuffix('s') if n == 1 else plural}"


def _merge_problems(failures: dict[str | None, list[str]], total: int) -> list[str]:
    """Problems in the order first seen; ones that only some stacks have name those stacks."""
    where: dict[str, list[str]] = {}
    for name, lines in failures.items():
        for line in lines:
            where.setdefault(line, [])
            if name is not None:
                where[line].append(name)
    out: list[str] = []
    for line, names in where.items():
        if names and len(names) < total:
            out.append(f"{line} [stack: {', '.join(names)}]")
        else:
            out.append(line)
    return out


def _stack_names(root: Path) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml")
    )


def _settings(root: Path, stack: str) -> Any:
    """The stack's StackSettings, or a message saying why they cannot be read."""
    from metadata.settings import SettingsError, load_stack_settings

    try:
        return load_stack_settings(root, stack)
    except (SettingsError, OSError, UnicodeDecodeError) as err:
        return str(err)
