"""`lakeform import-bundle`: a Databricks Asset Bundle -> rows and stack settings, validated."""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

import yaml


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import-bundle",
        help="turn a Databricks Asset Bundle into rows and stack settings",
        description="Read a bundle (databricks.yml, its include globs, variables, targets with "
        "their mode, presets, run_as, workspace and permissions, resources) and write Lakeform "
        "rows to DIR/<bundle>.yaml; each target's lakeform:settings (and workspace host) are "
        "merged into Pulumi.<target>.yaml at the project root (created when missing; values "
        "already there are kept, and each differing one is named). Stacks that read DIR but "
        "are no target get the default target's variables (else the defaults). The rows are "
        "validated for every such stack (relative to the current directory, the project root) "
        "before anything is written; "
        "whatever has no place in Lakeform is listed on stderr, and what is carried over only "
        "approximately is noted there.",
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
    p.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a bundle variable's value, as `databricks bundle deploy --var` takes it "
        "(repeatable; comma-separated pairs as well); the environment variable "
        "BUNDLE_VAR_NAME gives one too, ranked below --var. Over the variable's default and "
        "every target's value, written to every stack's lakeform:settings.variables",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from metadata import MetadataError, load_rows
    from metadata.formats.bundle import BundleError, import_bundle
    from metadata.settings import StackSettings

    root = Path.cwd()
    bundle: Path = args.path
    out_dir: Path = args.output
    readers = _stacks_reading(root, out_dir)
    given = given_vars(args.var)
    if isinstance(given, str):
        print(f"lakeform import-bundle: {given}", file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    try:
        imported = import_bundle(bundle, root, sorted(readers), given, os.environ)
    except BundleError as err:
        for line in str(err).splitlines():
            print(f"lakeform import-bundle: {line}", file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    if not any(imported.rows.values()):
        # not Lakeform failing: the bundle is out of its scope, so only what it has is said
        # (the notes on its targets and variables would be about rows there are none of)
        print(nothing_to_import(bundle, imported), file=sys.stderr)
        print("nothing written", file=sys.stderr)
        return 1
    # what has no place in Lakeform is said whatever happens next: it often explains a failure
    for what in imported.skipped:
        print(f"not imported: {what}", file=sys.stderr)
    for what in imported.notes:
        print(f"note: {what}", file=sys.stderr)
    if imported.problems:
        for line in imported.problems:
            print(f"lakeform import-bundle: {line}", file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    rows_text = yaml.safe_dump(imported.rows, sort_keys=False, allow_unicode=True)
    rows_file = out_dir / f"{imported.name}.yaml"
    stack_files: dict[Path, str] = {}
    parsed: dict[str, StackSettings] = {}
    for stack, settings in imported.settings.items():
        merged = _stack_file(root, out_dir, stack, settings, imported.hosts.get(stack))
        if isinstance(merged, str):
            print(merged)
            print("FAILED: nothing written", file=sys.stderr)
            return 1
        parsed[stack], text, conflicts = merged
        for line in conflicts:
            print(f"note: {line}", file=sys.stderr)
        if text is not None:
            stack_files[root / f"Pulumi.{stack}.yaml"] = text
    with tempfile.TemporaryDirectory(prefix="lakeform-import-") as tmp:
        check = Path(tmp) / rows_file.name
        check.write_text(rows_text, encoding="utf-8")
        for stack in sorted(parsed) or [None]:
            settings = parsed[stack] if stack else None
            try:
                load_rows([check], root=root, stack=stack, settings=settings, stacks=parsed)
            except MetadataError as err:
                for p in err.problems:
                    where = f" [stack: {stack}]" if stack else ""
                    print(_in_bundle(p, check, imported, stack) + where)
                print("FAILED: nothing written", file=sys.stderr)
                return 1
    return write_all(
        out_dir, {rows_file: rows_text}, force=args.force, root=root, stacks=stack_files
    )


def given_vars(flags: list[str]) -> dict[str, str] | str:
    """The `--var` flags as name -> value, or why not. Each flag is read as the CLI's
    (cmd/bundle/variables.go, a pflag StringSlice: comma-separated values, CSV-quoted when a
    value holds a comma) and split at its first `=` (Root.InitializeVariables); a variable given
    twice is refused, as Variable.Set refuses a second value (bundle/config/variable)."""
    given: dict[str, str] = {}
    for flag in flags:
        try:
            pairs = next(csv.reader([flag]), [])
        except csv.Error as err:
            return f"--var {flag}: {err}"
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep:
                return (
                    f"--var {pair}: expected NAME=VALUE (the CLI refuses it too: `unexpected "
                    "flag value for variable assignment`)"
                )
            if name in given:
                return (
                    f"--var {name}: given twice ({given[name]!r}, then {value!r}); the CLI "
                    "refuses it too (`variable has already been assigned value`)"
                )
            given[name] = value
    return given


def _in_bundle(problem: Any, check: Path, imported: Any, stack: str | None) -> str:
    """A problem of the rows (in a file not yet written) at the bundle line its field comes
    from, with the bundle's field path; the rows' own path when it has none there."""
    from metadata.formats.bundle import bundle_source, give_hint

    source = None
    if problem.pos is not None and problem.pos.file == str(check):
        source = bundle_source(imported, problem.path, stack)
    if source is None:
        return str(problem).replace(str(check), "the imported rows")
    pos, path = source
    message = problem.message
    for var, at in imported.unset.items():
        if message.startswith(f"unknown variable '${{var.{var}}}'"):
            message = (
                f"variable {var} (defined at {at}) has no value: no default, and no target "
                "sets one (the CLI refuses to deploy it too): give it a default or a value in "
                f"each stack's lakeform:settings.variables, or {give_hint(var)}"
            )
    return f"{pos}: {path}: {message}"


NOTHING_TO_IMPORT = "nothing to import"
"""How the statement about a bundle with nothing Lakeform deploys begins (scripts/bundle_tally.py
counts those apart)."""


def nothing_to_import(bundle: Path, imported: Any) -> str:
    """What a bundle with no job, pipeline or quality monitor has instead, each with file:line:
    the kinds Lakeform does not deploy, or no resources at all (and the includes that match no
    file, where a script may write them before a deploy)."""
    lines = [
        f"lakeform import-bundle: {bundle}: {NOTHING_TO_IMPORT}: Lakeform deploys jobs, "
        "pipelines and quality monitors, and this bundle defines none"
    ]
    if imported.other_kinds:
        lines[0] += (
            "; it has only kinds Lakeform does not deploy (use the Databricks CLI for them):"
        )
        lines.extend(f"  {kind}" for kind in imported.other_kinds)
    else:
        lines[0] += " (no resources at all: the CLI would deploy only its synced files)"
    if imported.empty_includes:
        lines.append("  its includes that match no file: " + ", ".join(imported.empty_includes))
    return "\n".join(lines)


def _stacks_reading(root: Path, out_dir: Path) -> set[str]:
    """The project's stacks whose settings can be read and whose metadata_paths hold `out_dir`:
    they will deploy the imported rows."""
    from metadata.settings import SettingsError, load_stack_settings

    found: set[str] = set()
    for path in root.glob("Pulumi.*.yaml"):
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        try:
            settings = load_stack_settings(root, stack)
        except (SettingsError, OSError, UnicodeDecodeError):
            continue  # validate says why; the import leaves the file alone
        if _reads(root, settings.metadata_paths, out_dir):
            found.add(stack)
    return found


def _reads(root: Path, metadata_paths: list[str], out_dir: Path) -> bool:
    folder = (root / out_dir).resolve()
    return any(folder.is_relative_to((root / p).resolve()) for p in metadata_paths)


def _stack_file(
    root: Path, out_dir: Path, stack: str, settings: dict[str, Any], host: str | None
) -> tuple[Any, str | None, list[str]] | str:
    """The stack's settings once the bundle's are merged into its Pulumi.<stack>.yaml (created
    when missing; values it has are kept, each differing one named), the file's new text (None:
    unchanged) and the conflicts; or why it cannot be done."""
    from metadata.formats.bundle import merge_settings
    from metadata.settings import SETTINGS_KEY, SettingsError, parse_settings

    path = root / f"Pulumi.{stack}.yaml"
    where = path.name
    folder = Path(os.path.relpath(root / out_dir, root)).as_posix()
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    data: Any = yaml.safe_load(text) if text else None
    config: dict[str, Any] = {}
    if isinstance(data, dict) and isinstance(data.get("config"), dict):
        config = cast("dict[str, Any]", data["config"])
    kept = config.get(SETTINGS_KEY)
    if text is not None and kept is not None and not isinstance(kept, dict):
        return f"{where}: config: {SETTINGS_KEY} is not a mapping; fix the stack file first"
    kept_settings = cast("dict[str, Any]", kept or {})
    merged, conflicts = merge_settings(kept_settings, settings, f"{where}: {SETTINGS_KEY}")
    paths = cast("list[str]", merged.get("metadata_paths") or ["resources"])
    if text is None:
        merged = {"metadata_paths": [folder], **merged}
    elif not _reads(root, paths, out_dir):
        merged["metadata_paths"] = [*paths, folder]
        conflicts.append(f"{where}: {SETTINGS_KEY}.metadata_paths: {folder} added")
    host_key = "databricks:host"
    new_host = host if host and host_key not in config else None
    if host and config.get(host_key) not in (None, host):
        conflicts.append(
            f"{where}: {host_key}: keeps {config[host_key]!r}; the bundle's is {host!r}"
        )
    try:  # what is written must be what a stack file accepts
        parsed = parse_settings(merged, where)
    except SettingsError as err:
        return str(err)
    if text is not None and merged == kept_settings and new_host is None:
        return parsed, None, conflicts
    new_text = _with_settings(text, merged, new_host)
    if text is not None and not new_text.startswith(text.split(SETTINGS_KEY, 1)[0]):
        conflicts.append(
            f"{where}: written anew (its {SETTINGS_KEY} is no block mapping to replace): "
            "comments in it are not kept"
        )
    return parsed, new_text, conflicts


def _with_settings(text: str | None, settings: dict[str, Any], host: str | None) -> str:
    """The stack file's text with its `lakeform:settings` block replaced by `settings` (and
    `databricks:host` added); the rest of the file, comments included, as it was."""
    from metadata.settings import SETTINGS_KEY, dump_for_pulumi

    head = {"databricks:host": host} if host else {}
    whole = dump_for_pulumi({"config": {**head, SETTINGS_KEY: settings}}, sort_keys=False)
    if text is None:
        return whole
    node = yaml.compose(text)
    config = _child(node, "config")
    key, value = (_child(config[1], SETTINGS_KEY) if config else None) or (None, None)
    if key is None or not isinstance(value, yaml.MappingNode) or value.flow_style:
        data = yaml.safe_load(text)  # no block to replace: the file is written anew
        data.setdefault("config", {}).update(head)
        data["config"][SETTINGS_KEY] = settings
        return dump_for_pulumi(data, sort_keys=False)
    lines = text.splitlines(keepends=True)
    first, last = value.start_mark.line, value.end_mark.line
    if value.end_mark.column > 0 and value.end_mark.index >= len(text):
        last += 1  # the block runs to the end of a file with no last newline (a column > 0
        # otherwise is the next key's, `  databricks:host:` after the block, which stays)
    while last > first and (not lines[last - 1].strip() or lines[last - 1].lstrip()[0] == "#"):
        last -= 1  # comments and blank lines after the block belong to what follows
    indent = " " * value.start_mark.column
    block = dump_for_pulumi(settings, sort_keys=False)
    block = "".join(indent + line for line in block.splitlines(keepends=True))
    key_line = key.start_mark.line
    scalar = dump_for_pulumi(host).splitlines()[0] if host else ""
    added = f"{' ' * key.start_mark.column}databricks:host: {scalar}\n" if host else ""
    out = [*lines[:key_line], added, *lines[key_line:first], block, *lines[last:]]
    new = "".join(out)
    check = yaml.safe_load(new)["config"]
    if check.get(SETTINGS_KEY) != settings or (host and check.get("databricks:host") != host):
        raise AssertionError(f"merging into the stack file went wrong:\n{new}")
    return new


def _child(node: Any, key: str) -> Any:
    """The (key node, value node) of `key` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None


def write_all(
    out_dir: Path,
    files: dict[Path, str],
    *,
    force: bool,
    root: Path | None = None,
    stacks: dict[Path, str] | None = None,
) -> int:
    """Write `files`, each checked first to stay inside `out_dir` once resolved (symlinks
    followed) and not to overwrite a file unless `force`, and `stacks`, the stack files merged
    with the bundle's settings: all or nothing. Every file the import writes goes through here,
    and each is written whole or not at all (cli/files.py).

    The stack files are the one exception to `out_dir`, checked on their own: each must be
    `root/Pulumi.<stack>.yaml` with `<stack>` one safe path component, a regular file (or none)
    resolving to that same place. They are merged, not overwritten, so `force` is not needed."""
    from cli.files import write_atomic
    from metadata.formats.bundle import FILE_NAME
    from metadata.paths import resolve_within

    refused: list[str] = []
    for path in files:
        target, inside = resolve_within(out_dir, path)
        if not inside:
            refused.append(f"{path}: resolves to '{target}', outside the output folder {out_dir}")
        elif path.exists() and not force:
            refused.append(f"{path}: exists (use --force to overwrite)")
    for path in stacks or {}:
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        expected = (root or Path.cwd()).resolve() / f"Pulumi.{stack}.yaml"
        named = path.name.startswith("Pulumi.") and path.name.endswith(".yaml")
        if not (named and FILE_NAME.match(stack)) or path.resolve() != expected:
            refused.append(f"{path}: not a stack file at the project root; not written")
        elif path.is_symlink() or (path.exists() and not path.is_file()):
            refused.append(f"{path}: not a regular file; not written")
    if refused:
        for line in refused:
            print(line, file=sys.stderr)
        print("FAILED: nothing written", file=sys.stderr)
        return 1
    every = {**files, **(stacks or {})}
    write_atomic(every)
    for path in every:
        print(f"wrote {path}")
    return 0
