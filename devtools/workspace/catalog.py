"""Unity Catalog's calls for engines outside a cluster, over Delta tables in a folder here."""

# The calls Lakeform makes for a control table named catalog.schema.table (metadata/delta.py),
# answered as the Databricks REST reference documents them:
# - GET /api/2.1/unity-catalog/tables/{full_name} -> TableInfo (databricks-sdk `TablesAPI.get`,
#   `catalog.TableInfo`): name, catalog_name, schema_name, full_name, table_type,
#   data_source_format, storage_location, table_id; a missing table is 404 TABLE_DOES_NOT_EXIST.
# - POST /api/2.0/unity-catalog/temporary-table-credentials (the path databricks-sdk 0.156
#   `TemporaryTableCredentialsAPI.generate_temporary_table_credentials` sends; 2.1 also answered)
#   {table_id, operation: READ | READ_WRITE} -> GenerateTemporaryTableCredentialResponse:
#   expiration_time (epoch ms), url, and one cloud credential block.
# Here a table is a Delta table in <tables_root>/<catalog>/<schema>/<table> (creating it there is
# this workspace's CREATE TABLE); storage_location is its file:// URI, and the credentials answer
# carries no cloud block, since a local file needs none (devtools/workspace/README.md).

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from devtools.workspace import paging
from devtools.workspace.app import Request, Response, route
from devtools.workspace.errors import ApiError, invalid

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

NAME = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$")
CREDENTIAL_SECONDS = 3600
OPERATIONS = ("READ", "READ_WRITE")


def table_folder(root: Path, full_name: str) -> Path:
    """Where table `catalog.schema.table` lives under the workspace's tables root."""
    match = NAME.match(full_name)
    if match is None:
        raise invalid(f"Invalid table name '{full_name}': expected catalog.schema.table")
    return root.joinpath(*(part.lower() for part in match.groups()))


def table_id(ws: Workspace, full_name: str) -> str:
    # stable for a name in a workspace, so no state has to remember it
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lakeform-local/{ws.workspace_id}/{full_name}"))


def _info(ws: Workspace, full_name: str) -> dict[str, object]:
    folder = table_folder(ws.tables_root, full_name)
    if not (folder / "_delta_log").is_dir():
        raise ApiError(404, "TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.")
    catalog, schema, table = full_name.lower().split(".")
    return {
        "name": table,
        "catalog_name": catalog,
        "schema_name": schema,
        "full_name": f"{catalog}.{schema}.{table}",
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "storage_location": folder.resolve().as_uri(),
        "table_id": table_id(ws, f"{catalog}.{schema}.{table}"),
        "owner": ws.user_name,
    }


def get_table(ws: Workspace, req: Request) -> Response:
    return Response(body=_info(ws, req.params["full_name"]))


def all_tables(ws: Workspace) -> list[str]:
    root = ws.tables_root
    return [
        ".".join(log.parent.relative_to(root).parts)
        for log in root.glob("*/*/*/_delta_log")
        if log.is_dir()
    ]


def list_tables(ws: Workspace, req: Request) -> Response:
    """GET /api/2.1/unity-catalog/tables?catalog_name=&schema_name= (databricks-sdk
    `TablesAPI.list`, paged by max_results/page_token)."""
    cat, schema = req.arg("catalog_name"), req.arg("schema_name")
    if not cat or not schema:
        raise invalid("catalog_name and schema_name are required")
    names = sorted(n for n in all_tables(ws) if n.split(".")[:2] == [cat.lower(), schema.lower()])
    size = req.arg_int("max_results", 0) or 1000
    start = paging.offset(req)
    body: dict[str, object] = {"tables": [_info(ws, n) for n in names[start : start + size]]}
    if start + size < len(names):
        body["next_page_token"] = paging.token(start + size)
    return Response(body=body)


def temporary_table_credentials(ws: Workspace, req: Request) -> Response:
    body = req.json()
    table_id = body.get("table_id")
    operation = body.get("operation")
    if not isinstance(table_id, str) or not table_id:
        raise invalid("table_id is required")
    if operation not in OPERATIONS:
        raise invalid(f"operation must be one of {', '.join(OPERATIONS)}; got {operation!r}")
    for name in all_tables(ws):
        info = _info(ws, name)
        if info["table_id"] == table_id:
            expires = int(time.time() * 1000) + CREDENTIAL_SECONDS * 1000
            return Response(body={"expiration_time": expires, "url": info["storage_location"]})
    raise ApiError(404, "TABLE_DOES_NOT_EXIST", f"Table with id '{table_id}' does not exist.")


ROUTES = [
    route("GET", r"/api/2\.1/unity-catalog/tables", "catalog.tables_list", list_tables),
    route(
        "GET",
        r"/api/2\.1/unity-catalog/tables/(?P<full_name>[^/]+)",
        "catalog.tables_get",
        get_table,
    ),
    route(
        "POST",
        r"/api/2\.[01]/unity-catalog/temporary-table-credentials",
        "catalog.temporary_table_credentials",
        temporary_table_credentials,
    ),
]
