"""`lakeform table push|pull`, a stack's control tables for the CLI, and the deployments table."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from cli.files import write_atomic
from cli.hosts import NotLoopback, loopback_url
from cli.pulumienv import LOCAL_STACK, workspace_client
from metadata import MetadataError, Rows, load_rows
from metadata.delta import (
    TableError,
    TableMissing,
    Tables,
    arrow_table,
    create,
    create_statement,
    is_uri,
    now,
    versions,
)
from metadata.delta import columns as table_columns
from metadata.delta import rows as table_records
from metadata.errors import Problem
from metadata.formats.control_table import (
    DEPLOYMENTS,
    LAKEFORM,
    Schema,
    lakeform_records,
    read_records,
    schema_of,
)
from metadata.formats.export import yaml_text
from metadata.kinds import KINDS
from metadata.raw import RawRow, display_name, metadata_files, read_file
from metadata.settings import SettingsError, StackSettings, load_stack_settings


def stack_tables(root: Path, stack: str) -> Tables:
    """The stack's tables, Unity Catalog names reached in its workspace as its provider would
    (cli.pulumienv.workspace_client; config read from Pulumi.<stack>.yaml)."""

    def client() -> Any:
        config = _stack_config(root, stack)
        host = config("databricks:host")
        if host and stack.partition(".")[0] == LOCAL_STACK and not _answers(host):
            # else databricks-sdk retries the refused connection for 5 minutes, twice (its
            # host metadata, when the client is made, then the call)
            raise TableError(
                f"the local workspace does not answer at {host} (Pulumi.{stack}.yaml "
                "databricks:host): start it with `make workspace-start` (or `make demo`)"
            )
        w = workspace_client(stack, config)
        if w is None:
            raise TableError(f"no workspace host: set databricks:host in Pulumi.{stack}.yaml")
        return w

    return Tables(client)


def _answers(host: str) -> bool:
    """Whether something listens at the loopback `host` (a refused connection fails at once)."""
    try:
        url = urllib.parse.urlsplit(loopback_url(host))
        port = url.port or (443 if url.scheme == "https" else 80)
        with socket.create_connection((url.hostname or "", port), timeout=5):
            return True
    except (NotLoopback, ValueError, OSError):
        return False


def stack_rows(root: Path, stack: str, settings: StackSettings) -> Rows:
    """The stack's rows as its program reads them: every folder of `metadata_paths` and its
    control tables (raises MetadataError)."""
    return load_rows(
        [Path(p) for p in settings.metadata_paths],
        root=root,
        stack=stack,
        settings=settings,
        tables=stack_tables(root, stack),
    )


def stack_table_versions(root: Path, stack: str) -> dict[str, int | None]:
    """The Delta version of each of the stack's control tables (no row is read): two equal
    answers mean no row of any table changed in between. For `lakeform watch`."""
    settings = load_stack_settings(root, stack)
    return versions(settings.control_tables, stack_tables(root, stack))


def _stack_config(root: Path, stack: str) -> Callable[[str], str | None]:
    path = root / f"Pulumi.{stack}.yaml"
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        data = None
    config: Any = data.get("config") if isinstance(data, dict) else None

    def get(key: str) -> str | None:
        value: Any = config.get(key) if isinstance(config, dict) else None
        return value if isinstance(value, str) else None  # a secret is a mapping: not readable here

    return get


def _settings(stack: str) -> StackSettings:
    return load_stack_settings(Path.cwd(), stack)


def _target(settings: StackSettings, given: str | None, stack: str) -> str:
    if given is not None:
        return given
    if not settings.control_tables:
        raise TableError(
            f"Pulumi.{stack}.yaml: lakeform:settings.control_tables is empty; name a table with "
            "--table or add one to the settings"
        )
    return settings.control_tables[0]


def _who(tables: Tables, name: str) -> str:
    if not is_uri(name):
        try:
            return str(tables.client().current_user.me().user_name)
        except Exception:  # who is only recorded; a workspace without SCIM still gets the rows
            pass
    return getpass.getuser()


def run_push(args: argparse.Namespace) -> int:
    root = Path.cwd()
    try:
        settings = _settings(args.stack)
        name = _target(settings, args.table, args.stack)
        paths = args.paths or [Path(p) for p in settings.metadata_paths]
        # validated as the stack deploys them, without the tables (their rows are what changes)
        yaml_only = settings.model_copy(update={"control_tables": []})
        load_rows([root / p for p in paths], root=root, stack=args.stack, settings=yaml_only)
        raws = yaml_rows(paths, root)
        tables = stack_tables(root, args.stack)
        counts, version = push(tables, name, raws, _who(tables, name))
    except MetadataError as err:
        print(
            f"lakeform table push: nothing written, the rows do not validate:\n{err}",
            file=sys.stderr,
        )
        return 1
    except (SettingsError, TableError) as err:
        print(f"lakeform table push: {err}", file=sys.stderr)
        return 1
    said = ", ".join(f"{n} {what}" for what, n in counts.items())
    print(
        f"pushed to {name}: {said}" + (f" (Delta version {version})" if version is not None else "")
    )
    return 0


def yaml_rows(paths: Sequence[Path], root: Path) -> list[RawRow]:
    """The rows of the YAML files under `paths`, as written (not resolved for a stack)."""
    files, problems = metadata_files([root / p for p in paths], root)
    rows: list[RawRow] = []
    for path in files:
        found, more = read_file(path, display_name(path, root))
        rows.extend(found)
        problems.extend(more)
    if problems:
        raise MetadataError(problems)
    return rows


def push(
    tables: Tables, name: str, raws: Sequence[RawRow], who: str
) -> tuple[dict[str, int], int | None]:
    """MERGE `raws` into Lakeform table `name` by (kind, key); counts and the new version."""
    table = _open_or_create(
        tables, name, LAKEFORM, "Lakeform control table: one metadata row per line"
    )
    schema = schema_of(name, table_columns(table))
    if schema != "lakeform":
        raise TableError(
            f"{name}: a {schema} control table; `table push` writes Lakeform tables only (push "
            "into a new table, or keep writing this one with lakeflow-jobs-meta)"
        )
    records = lakeform_records(raws)
    return _sync(
        table,
        LAKEFORM,
        records,
        keys=("kind", "key"),
        compared=("row", "disabled"),
        who=who,
    )


def _open_or_create(tables: Tables, name: str, schema: Schema, description: str) -> Any:
    """The table, created when missing if it is named by a storage URI; a Unity Catalog table
    is created in SQL (Databricks gives external engines no call for that): the statement."""
    how = (
        f"{name}: no Delta table there yet; create it in a SQL warehouse or notebook first:\n"
        f"{create_statement(name, schema)}"
    )
    try:
        where, table = tables.open(name, write=True)
    except TableMissing:
        raise TableError(how) from None
    if table is not None:
        return table
    if not is_uri(name):
        raise TableError(how)
    return create(where, schema, description)


def _sync(
    table: Any,
    schema: Schema,
    records: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    compared: Sequence[str],
    who: str,
    scope: Mapping[str, str] | None = None,
    always: Sequence[str] = (),
) -> tuple[dict[str, int], int | None]:
    """Bring the table's rows with `scope`'s column values in line with `records` in one MERGE:
    insert the new (created_* and updated_* set), update those whose `compared` columns differ
    (updated_* set, created_* kept), delete the rest; `always` columns are set on every kept row
    without counting as a change. No commit at all when nothing differs."""

    def key(r: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(r.get(k) for k in keys)

    current = {
        key(r): r
        for r in table_records(table)
        if all(r.get(c) == v for c, v in (scope or {}).items())
    }
    wanted = {key(r): r for r in records}
    inserted = [k for k in wanted if k not in current]
    deleted = [k for k in current if k not in wanted]
    changed = [
        k
        for k in wanted
        if k in current and any(wanted[k].get(c) != current[k].get(c) for c in compared)
    ]
    touched = [
        k
        for k in wanted
        if k in current and any(wanted[k].get(c) != current[k].get(c) for c in always)
    ]
    counts = {
        "inserted": len(inserted),
        "updated": len(changed),
        "deleted": len(deleted),
        "unchanged": len(wanted) - len(inserted) - len(changed),
    }
    if not (inserted or deleted or changed or touched):
        return counts, table.version()
    stamp = now()
    source = [
        {
            **r,
            "created_by": who,
            "created_timestamp": stamp,
            "updated_by": who,
            "updated_timestamp": stamp,
        }
        for r in records
    ]
    on = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    differs = " OR ".join(f"(t.{c} IS DISTINCT FROM s.{c})" for c in compared)
    in_scope = " AND ".join(f"t.{c} = '{_sql(v)}'" for c, v in (scope or {}).items()) or None
    plain = [c for c, _ in schema if c not in ("created_by", "created_timestamp")]
    # the table object carries the storage options (credentials) it was opened with
    merger = table.merge(
        source=arrow_table(schema, source), predicate=on, source_alias="s", target_alias="t"
    )
    merger = merger.when_matched_update(
        updates={c: f"s.{c}" for c in plain if c not in keys}, predicate=differs
    )
    if always:
        merger = merger.when_matched_update(updates={c: f"s.{c}" for c in always})
    merger = merger.when_not_matched_insert(updates={c: f"s.{c}" for c, _ in schema})
    merger = merger.when_not_matched_by_source_delete(predicate=in_scope)
    merger.execute()
    table.update_incremental()
    return counts, table.version()


def _sql(value: str) -> str:
    return value.replace("'", "''")


def run_pull(args: argparse.Namespace) -> int:
    root = Path.cwd()
    try:
        settings = _settings(args.stack)
        name = _target(settings, args.table, args.stack)
        written, problems = pull(stack_tables(root, args.stack), name, args.output)
    except (SettingsError, TableError, ValueError) as err:
        print(f"lakeform table pull: {err}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


def pull(tables: Tables, name: str, out: Path) -> tuple[list[Path], list[Problem]]:
    """Write the table's rows as YAML under `out`; the files written and the rows' problems."""
    cols, records = tables.read(name)
    read = read_records(name, cols, records)
    files: dict[Path, str] = {}
    if read.schema == "lakeform":
        for kind in KINDS:
            if kind in read.document:
                files[out / f"{kind}.yaml"] = yaml_text({kind: read.document[kind]})
    else:
        files[out / "lakeflow_jobs_meta.yaml"] = yaml_text(read.document)
    write_atomic(files)
    return list(files), read.problems


# --- the deployments table -----------------------------------------------------------------------


def deployment_records(
    outputs: Mapping[str, Any], stack: str, version: int
) -> list[dict[str, Any]]:
    """Stack outputs -> deployments table records, one per row of every kind."""
    records: list[dict[str, Any]] = []
    for kind, entry in KINDS.items():
        for key, out in sorted((outputs.get(kind) or {}).items()):
            if not isinstance(out, dict):
                continue
            ident = out.get(entry.output_id)
            job_id: int | None = None
            # lakeflow-jobs-meta's bigint job_id: a numeric id (a job's).
            if entry.rest is not None and entry.rest.numeric_id and ident is not None:
                try:
                    job_id = int(ident)
                except (TypeError, ValueError):
                    job_id = None
            records.append(
                {
                    "resource_id": key,
                    "job_id": job_id,
                    "job_name": out.get("name"),
                    "kind": kind,
                    "stack": stack,
                    "id": None if ident is None else str(ident),
                    "url": out.get("url"),
                    "update_version": version,
                }
            )
    return records


def record_deployments(
    tables: Tables, name: str, outputs: Mapping[str, Any], stack: str, version: int, who: str
) -> tuple[dict[str, int], int | None]:
    """Bring the deployments table's rows of `stack` in line with its outputs."""
    table = _open_or_create(
        tables, name, DEPLOYMENTS, "Lakeform deployments: what each stack deployed"
    )
    return _sync(
        table,
        DEPLOYMENTS,
        deployment_records(outputs, stack, version),
        keys=("stack", "kind", "resource_id"),
        compared=("job_id", "job_name", "id", "url"),
        always=("update_version",),
        who=who,
        scope={"stack": stack},
    )


def after_up(root: Path, stack: str, outputs: Mapping[str, Any], version: Callable[[], int]) -> int:
    """`lakeform up`'s last step: the deployments table, when the stack has one (`version`: the
    last update's number, read only then: it costs a history read or two)."""
    try:
        settings = load_stack_settings(root, stack)
        name = settings.deployments()
        if name is None:
            return 0
        tables = stack_tables(root, stack)
        counts, table_version = record_deployments(
            tables, name, outputs, stack, version(), _who(tables, name)
        )
    except (SettingsError, TableError, ValueError) as err:
        print(
            f"lakeform up: deployed, but the deployments table was not updated: {err}",
            file=sys.stderr,
        )
        return 1
    said = ", ".join(f"{n} {what}" for what, n in counts.items())
    print(f"deployments table {name}: {said} (Delta version {table_version})", file=sys.stderr)
    return 0
