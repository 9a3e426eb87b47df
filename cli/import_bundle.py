"""`lakeform import-bundle`: a Databricks Asset Bundle -> rows and stack settings, validated."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import-bundle",
        help="turn a Databricks Asset Bundle into rows and stack settings",
        description="Read a bundle (databricks.yml, its include globs, variables, targets with "
        "their mode, presets, run_as, workspace and permissions, resources) and write Lakeform "
        "rows to DIR/<bundle>.yaml and each target's lakeform:settings (and workspace host) to "
        "DIR/stack_settings/<target>.yaml. The settings and rows are validated (relative to the "
        "current directory, the project root) before anything is written; whatever has no "
        "place in Lakeform is listed on stderr, and what is carried over only approximately is "
        "noted there.",
    )
    p.add_argument("path", type=Path, help="the bundle folder or its databricks.yml")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("resources"),
        metavar="DIR",
        help="folder to write (default: resources)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from metadata import MetadataError, load_rows
    from metadata.bundle import BundleError, import_bundle
    from metadata.settings import SETTINGS_KEY, SettingsError, StackSettings, parse_settings

    root = Path.cwd()
    bundle: Path = args.path
    try:
        imported = import_bundle(bundle, root)
    except BundleError as err:
        for line in str(err).splitlines():
            print(f"lakeform import-bundle: {line}", file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    name = imported.name
    rows_text = yaml.safe_dump(imported.rows, sort_keys=False, allow_unicode=True)
    out_dir: Path = args.output
    rows_file = out_dir / f"{name}.yaml"
    settings_files: dict[Path, str] = {}
    parsed: dict[str, StackSettings] = {}
    for target, settings in imported.settings.items():
        path = out_dir / "stack_settings" / f"{target}.yaml"
        try:  # what is written must be what a stack file accepts
            parsed[target] = parse_settings(settings, str(path))
        except SettingsError as err:
            print(err)
            print("FAILED: nothing written", file=sys.stderr)
            return 1
        host = imported.hosts.get(target)
        config = {**({"databricks:host": host} if host else {}), SETTINGS_KEY: settings}
        settings_files[path] = yaml.safe_dump({"config": config}, sort_keys=False)
    with tempfile.TemporaryDirectory(prefix="lakeform-import-") as tmp:
        check = Path(tmp) / rows_file.name
        check.write_text(rows_text, encoding="utf-8")
        for stack in sorted(parsed) or [None]:
            settings = parsed[stack] if stack else None
            try:
                load_rows([check], root=root, stack=stack, settings=settings)
            except MetadataError as err:
                for p in err.problems:
                    where = f" [stack: {stack}]" if stack else ""
                    print(str(p).replace(str(check), str(rows_file)) + where)
                print("FAILED: nothing written", file=sys.stderr)
                return 1
    for what in imported.skipped:
        print(f"not imported: {what}", file=sys.stderr)
    for what in imported.notes:
        print(f"note: {what}", file=sys.stderr)
    return write_all(out_dir, {rows_file: rows_text, **settings_files}, force=args.force)


def write_all(out_dir: Path, files: dict[Path, str], *, force: bool) -> int:
    """Write `files`, each checked first to stay inside `out_dir` once resolved (symlinks
    followed) and not to overwrite a file unless `force`: all or nothing. Every file the import
    writes goes through here, and each is written whole or not at all (cli/files.py)."""
    from cli.files import write_atomic
    from metadata.paths import resolve_within

    refused: list[str] = []
    for path in files:
        target, inside = resolve_within(out_dir, path)
        if not inside:
            refused.append(f"{path}: resolves to '{target}', outside the output folder {out_dir}")
        elif path.exists() and not force:
            refused.append(f"{path}: exists (use --force to overwrite)")
    if refused:
        for line in refused:
            print(line, file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    write_atomic(files)
    for path in files:
        print(f"wrote {path}")
    return 0
