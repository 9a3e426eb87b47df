"""`load_rows`: every metadata file -> rows resolved for one stack and checked."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
from collections.abc import Collection, Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metadata.checks import CheckContext, Repo, previous_keys, upload_references
from metadata.delta import TableError, Tables
from metadata.errors import MetadataError, Problem
from metadata.formats.control_table import read_records
from metadata.kinds import KINDS, Rows
from metadata.raw import RawRow, display_name, metadata_files, read_file
from metadata.resolve import resolve
from metadata.settings import STACKS, StackSettings
from metadata.yamlsrc import Keep

UPLOADING = {k.name: k.key_word for k in KINDS.values() if k.uploads_files}
"""The kinds whose rows upload repository files, with the word for a row of each."""


def known_stacks(root: Path) -> set[str]:
    """Stack names overrides may use: the standard ones and every Pulumi.<stack>.yaml."""
    names: set[str] = set(STACKS)
    for p in root.glob("Pulumi.*.yaml"):
        names.add(p.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    return names


@contextmanager
def _no_cyclic_gc() -> Generator[None]:
    """Pause the cyclic garbage collector: parsing makes millions of small objects and no cycles
    worth collecting, and each full collection walks them all, so load time grew faster than the
    row count (10,000 rows: 13.9 s with collections, 5.8 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class StaleSplit(Exception):
    """The control tables read now are not those the shards' split was made from: a shard's
    program loads every row instead (stacks/config.py)."""


@dataclass(frozen=True)
class Only:
    """The part of the rows to load: a shard's, of an environment whose rows were all read and
    checked before (metadata/shards.py). Its rows are resolved and checked as ever; the others
    are not built, and references to them are taken as known."""

    files: frozenset[str]
    """The files (as named in messages) that hold the rows: no other is read."""
    rows: Mapping[str, frozenset[str]]
    """kind -> keys of the rows to load."""
    present: Mapping[str, frozenset[str]]
    """kind -> keys of every row of the environment (what references may name)."""
    tables: str | None = None
    """The digest of the control tables the split was made from (`table_rows`): read now, they
    must be the same, else StaleSplit (the rows to load may be others)."""

    def wants(self, kind: str, key: str) -> bool:
        # a key with `${var.NAME}` is known only once resolved: read, then kept or not
        return key in self.rows.get(kind, ()) or "${" in key

    def keep(self) -> Keep:
        return {kind: functools.partial(self.wants, kind) for kind in KINDS}


def load_rows(
    paths: Sequence[Path],
    *,
    root: Path,
    stack: str | None = None,
    settings: StackSettings | None = None,
    stacks: Collection[str] = (),
    tables: Tables | None = None,
    only: Only | None = None,
) -> Rows:
    """Read, resolve for `stack` and validate every row under `paths`, and of the settings'
    `control_tables` (reached through `tables`; default: databricks-sdk's own auth).

    `settings` gives `${var.NAME}` values and the default warehouse; without settings, variable
    references are left as written, and neither they nor SQL warehouses are checked.
    `stacks` names stacks that overrides may use besides those with a Pulumi.<stack>.yaml (ones
    about to be created). `only`: load just those rows. Raises MetadataError listing every
    problem."""
    with _no_cyclic_gc():
        return _load_rows(
            paths,
            root=Path(root),
            stack=stack,
            settings=settings,
            stacks=stacks,
            tables=tables,
            only=only,
        )


def table_rows(names: Sequence[str], tables: Tables) -> tuple[list[RawRow], list[Problem], str]:
    """Raw rows of each control table, in order; a table that cannot be read is one problem.
    And a digest of what was read (each table's columns and records, in any order): a shard's
    split of the environment (metadata/shards.py) holds for the tables it was made from only."""
    raws: list[RawRow] = []
    problems: list[Problem] = []
    digest = hashlib.sha256(b"control tables\0")
    for name in names:
        digest.update(f"\0{name}\0".encode())
        try:
            columns, records = tables.read(name)
            read = read_records(name, columns, records)
        except (TableError, ValueError) as err:
            problems.append(Problem(None, "", str(err)))
            digest.update(f"unread: {err}".encode())
            continue
        digest.update(json.dumps(columns).encode())
        for line in sorted(json.dumps(r, sort_keys=True, default=str) for r in records):
            digest.update(f"\0{line}".encode())
        raws.extend(read.rows)
        problems.extend(read.problems)
    return raws, problems, digest.hexdigest()


def _load_rows(
    paths: Sequence[Path],
    *,
    root: Path,
    stack: str | None,
    settings: StackSettings | None,
    stacks: Collection[str],
    tables: Tables | None,
    only: Only | None,
) -> Rows:
    files, problems = metadata_files(paths, root)
    raws: list[RawRow] = []
    table_digest: str | None = None
    keep = only.keep() if only is not None else None
    for path in files:
        name = display_name(path, root)
        if only is not None and name not in only.files:
            continue
        rows, file_problems = read_file(path, name, keep)
        raws.extend(rows)
        problems.extend(file_problems)
    if settings is not None and settings.control_tables:
        # after the files: a key in both is reported on the table's row, naming the file's line
        rows, table_problems, read = table_rows(settings.control_tables, tables or Tables())
        if only is not None and only.tables != read:
            raise StaleSplit(
                "the control tables changed since the environment was split into shards"
            )
        table_digest = read
        raws.extend(rows)
        problems.extend(table_problems)
    if only is not None:
        raws = [r for r in raws if only.wants(r.kind, r.key)]
    res = resolve(
        raws,
        stack=stack,
        settings=settings,
        stacks=known_stacks(root) | {stack or "", *stacks},
        present=only.present if only is not None else None,
    )
    if only is not None:  # a `${var.NAME}` key read to learn it: another shard's row
        res.rows = [r for r in res.rows if r.key in only.rows.get(r.kind, ())]
    problems.extend(res.problems)
    warehouse = None if settings is None else bool(settings.default_warehouse_id)
    ctx = CheckContext(res, Repo(root), warehouse)
    problems.extend(previous_keys(res))
    for row in res.rows:
        problems.extend(KINDS[row.kind].check(row, ctx))
        problems.extend(upload_references(row, ctx, UPLOADING))
    if problems:
        raise MetadataError(_ordered(problems), _ordered(res.warnings))
    positions = {(r.kind, r.key): r.loc.key_pos for r in res.rows if r.loc.key_pos is not None}
    # A row's source (its YAML tree with every key's and item's position: at 10,000 jobs about
    # 170 MB, more than the row models) points policy findings at a field's line; kept only for
    # a stack whose policies run. Problems above were reported with them.
    sources = {(r.kind, r.key): r.loc for r in res.rows} if _policies_run(settings) else None
    out = Rows(warnings=_ordered(res.warnings), positions=positions, sources=sources)
    out.table_digest = table_digest
    for r in res.rows:
        target: dict[str, Any] = getattr(out, r.kind)
        target[r.key] = r.model
    return out


def _policies_run(settings: StackSettings | None) -> bool:
    """Whether the stack's policies (lakeform:settings.policies) run any rule: their findings
    name a field's line (`Rows.field_pos`)."""
    if settings is None:
        return False
    return any(settings.policies.level(rule) != "disabled" for rule in settings.policies.rules)


def _ordered(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.pos is None, p.pos or 0, p.path))  # type: ignore[arg-type]
