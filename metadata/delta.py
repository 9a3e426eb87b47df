"""Delta tables by name: where one is (Unity Catalog or a storage URI), reading and writing."""

# A Unity Catalog name is located the way Databricks documents for engines outside a cluster
# (docs.databricks.com/external-access/credential-vending.html): the Tables API gives the table's
# storage_location and table_id (GET /api/2.1/unity-catalog/tables/{full_name}), and temporary
# table credentials (POST .../unity-catalog/temporary-table-credentials {table_id, operation})
# give short-lived cloud credentials for that location, handed to delta-rs as storage options.
# Both through databricks-sdk: `w.tables.get`, `w.temporary_table_credentials`.

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# deltalake, arro3 and databricks-sdk are imported where used: a stack without control tables
# (and every `lakeform validate` of one) does not pay for loading them.
if TYPE_CHECKING:
    from databricks.sdk.service.catalog import GenerateTemporaryTableCredentialResponse
    from deltalake import DeltaTable

ClientFactory = Callable[[], Any]
"""Makes the databricks-sdk WorkspaceClient for Unity Catalog calls (only called for UC names)."""


class TableError(Exception):
    """A table cannot be found, reached or written; the message names it and says what to do."""


class TableMissing(TableError):
    """Unity Catalog has no table of that name."""


@dataclass(frozen=True)
class Located:
    """Where a table's Delta log is and the storage options delta-rs needs to reach it."""

    name: str
    uri: str
    options: dict[str, str] = field(default_factory=dict[str, str])
    table_id: str | None = None


def is_uri(name: str) -> bool:
    return "://" in name


def storage_options(creds: GenerateTemporaryTableCredentialResponse, name: str) -> dict[str, str]:
    """Temporary table credentials -> delta-rs (object_store) storage options."""
    if creds.aws_temp_credentials is not None:
        aws = creds.aws_temp_credentials
        opts = {
            "AWS_ACCESS_KEY_ID": aws.access_key_id or "",
            "AWS_SECRET_ACCESS_KEY": aws.secret_access_key or "",
            "AWS_SESSION_TOKEN": aws.session_token or "",
        }
        return {k: v for k, v in opts.items() if v}
    if creds.azure_user_delegation_sas is not None:
        return {"AZURE_STORAGE_SAS_TOKEN": creds.azure_user_delegation_sas.sas_token or ""}
    if creds.azure_aad is not None:
        return {"AZURE_STORAGE_TOKEN": creds.azure_aad.aad_token or ""}
    if creds.gcp_oauth_token is not None:
        # object_store's GCS client takes service-account keys or application credentials, no
        # bare OAuth token (deltalake 1.6): name the table by its gs:// URI instead.
        raise TableError(
            f"{name}: Unity Catalog vends a GCS OAuth token, which delta-rs cannot use; list "
            "the table by its gs:// storage location in control_tables (credentials from "
            "GOOGLE_APPLICATION_CREDENTIALS)"
        )
    return {}


class Tables:
    """Locates, reads and writes Delta tables named by a Unity Catalog name or a storage URI."""

    def __init__(self, client: ClientFactory | None = None) -> None:
        self._factory = client
        self._client: Any = None

    def client(self) -> Any:
        """The workspace client Unity Catalog names are located with."""
        return self._uc()

    def _uc(self) -> Any:
        if self._client is None and self._factory is not None:
            self._client = self._factory()
        if self._client is None:
            # without a factory: databricks-sdk's own auth (DATABRICKS_HOST/_TOKEN, a profile)
            from databricks.sdk import WorkspaceClient

            self._client = WorkspaceClient()
        return self._client

    def locate(self, name: str, *, write: bool = False) -> Located:
        if is_uri(name):
            return Located(name, name)
        from databricks.sdk.errors import NotFound, PermissionDenied
        from databricks.sdk.service.catalog import TableOperation

        w = self._uc()
        try:
            info = w.tables.get(name)
        except NotFound:
            raise TableMissing(
                f"{name}: no such table in Unity Catalog; check lakeform:settings.control_tables "
                "(`lakeform table push` prints the CREATE TABLE statement of a new one)"
            ) from None
        except PermissionDenied as err:
            raise TableError(
                f"{name}: Unity Catalog refused to describe the table: {err}"
            ) from None
        if not info.storage_location or not info.table_id:
            raise TableError(f"{name}: Unity Catalog gives no storage location for the table")
        operation = TableOperation.READ_WRITE if write else TableOperation.READ
        try:
            creds = w.temporary_table_credentials.generate_temporary_table_credentials(
                table_id=info.table_id, operation=operation
            )
        except PermissionDenied as err:
            raise TableError(
                f"{name}: no temporary credentials for {operation.value} ({err}); the metastore "
                "needs external access enabled and you EXTERNAL USE SCHEMA on its schema"
            ) from None
        uri = creds.url or info.storage_location
        return Located(name, uri, storage_options(creds, name), info.table_id)

    def open(self, name: str, *, write: bool = False) -> tuple[Located, DeltaTable | None]:
        """The table, or None when there is no Delta table at its location yet."""
        from deltalake import DeltaTable

        where = self.locate(name, write=write)
        if not DeltaTable.is_deltatable(where.uri, storage_options=where.options):
            return where, None
        try:
            return where, DeltaTable(where.uri, storage_options=where.options)
        except Exception as err:  # delta-rs raises its own errors for unreadable logs
            raise TableError(f"{name}: cannot open the Delta table at {where.uri}: {err}") from None

    def read(self, name: str) -> tuple[list[str], list[dict[str, Any]]]:
        """Columns and rows (dicts) of the table; a missing table is an error."""
        where, table = self.open(name)
        if table is None:
            raise TableError(f"{name}: no Delta table at {where.uri}")
        return columns(table), rows(table)

    def version(self, name: str) -> int | None:
        """The table's current Delta version, from its log (no data file is read); None when
        there is no table yet."""
        from deltalake import DeltaTable

        where = self.locate(name)
        if not DeltaTable.is_deltatable(where.uri, storage_options=where.options):
            return None
        return DeltaTable(where.uri, storage_options=where.options).version()


def columns(table: DeltaTable) -> list[str]:
    return [f.name for f in table.schema().fields]


def rows(table: DeltaTable) -> list[dict[str, Any]]:
    from deltalake import QueryBuilder

    result = QueryBuilder().register("t", table).execute("SELECT * FROM t").read_all()
    names = list(result.column_names)
    values: list[list[Any]] = [
        result.column(n).to_pylist()  # pyright: ignore[reportUnknownMemberType]
        for n in names
    ]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def arrow_table(schema: Sequence[tuple[str, str]], records: Sequence[Mapping[str, Any]]) -> Any:
    """Records -> an Arrow table with the given (column, Spark SQL type) schema."""
    import arro3.core as ac

    types = {
        "string": ac.DataType.string(),
        "bigint": ac.DataType.int64(),
        "boolean": ac.DataType.bool(),
        "timestamp": ac.DataType.timestamp("us", tz="UTC"),
    }
    data: dict[str, Any] = {}
    for name, kind in schema:
        values = [r.get(name) for r in records]
        if kind == "timestamp":
            micros = [None if v is None else _micros(v) for v in values]
            data[name] = ac.Array(micros, types["bigint"]).cast(types["timestamp"])
        else:
            data[name] = ac.Array(values, types[kind])
    return ac.Table.from_pydict(data)  # pyright: ignore[reportUnknownMemberType]


def _micros(value: dt.datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def create(where: Located, schema: Sequence[tuple[str, str]], description: str) -> DeltaTable:
    """A new, empty table at `where` (storage URIs only: UC tables are created in SQL)."""
    from deltalake import DeltaTable, write_deltalake

    write_deltalake(
        where.uri,
        arrow_table(schema, []),
        mode="error",
        storage_options=where.options,
        description=description,
    )
    return DeltaTable(where.uri, storage_options=where.options)


def create_statement(name: str, schema: Sequence[tuple[str, str]]) -> str:
    """The CREATE TABLE statement for a Unity Catalog table of `schema`."""
    cols = ",\n  ".join(f"{col} {kind.upper()}" for col, kind in schema)
    return f"CREATE TABLE IF NOT EXISTS {name} (\n  {cols}\n)"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def versions(names: Sequence[str], tables: Tables) -> dict[str, int | None]:
    """Each table's current Delta version (None: no table there yet), read from the Delta logs
    only: what a watcher compares between iterations to know whether any row may have changed."""
    return {name: tables.version(name) for name in names}
