"""Unity Catalog look-ups by full name and the data-quality monitors API (/api/data-quality/v1).

Tables are those of devtools/workspace/catalog.py (a Delta table under the tables root, its
`table_id`); schemas are not modelled: `GET /api/2.1/unity-catalog/schemas/{full_name}` answers
any well-formed name with an id minted on first sight and kept in the state (so the same name
always has the same UUID). A data-quality monitor names its object by
that id (`object_type` + `object_id`), as the real service does (databricks-sdk
`service/dataquality.py` DataQualityAPI: create_monitor POST /api/data-quality/v1/monitors,
get_monitor/delete_monitor /monitors/{object_type}/{object_id}, update_monitor PATCH with
`update_mask`, list_monitor with page_size/page_token).
"""

from __future__ import annotations

import uuid
from typing import Any

from devtools.workspace import catalog, paging
from devtools.workspace.app import Request, Workspace, route
from devtools.workspace.errors import ApiError, invalid, missing

OBJECT_TYPES = ("schema", "table")
PROFILE_TYPES = ("snapshot", "time_series", "inference_log")
CONFIGS = {"schema": "anomaly_detection_config", "table": "data_profiling_config"}
"""The configuration each object type takes (DataQualityMonitor docs: anomaly detection
"applicable to `schema` object types", data profiling "applicable to `table` object types")."""
UPDATABLE = ("anomaly_detection_config", "data_profiling_config")
PROFILING_SERVER_FIELDS = (
    "dashboard_id",
    "drift_metrics_table_name",
    "effective_warehouse_id",
    "latest_monitor_failure_message",
    "monitor_version",
    "monitored_table_name",
    "profile_metrics_table_name",
    "status",
)
"""DataProfilingConfig fields the service fills (databricks-sdk: "output only")."""


def _catalog(ws: Workspace) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = ws.store.data.setdefault(
        "unity_catalog", {"schemas": {}, "tables": {}}
    )
    return found


def _schema_info(ws: Workspace, full_name: str) -> dict[str, Any]:
    parts = full_name.split(".")
    if len(parts) != 2 or not all(parts):
        raise missing(f"Schema '{full_name}' does not exist.")
    schemas = _catalog(ws)["schemas"]
    if full_name not in schemas:
        schemas[full_name] = str(uuid.uuid4())
    return {
        "name": parts[1],
        "catalog_name": parts[0],
        "full_name": full_name,
        "schema_id": schemas[full_name],
        "owner": ws.store.data["user_name"],
    }


def get_schema(ws: Workspace, req: Request) -> dict[str, Any]:
    return _schema_info(ws, req.params["full_name"])


def _known_schemas(ws: Workspace) -> list[str]:
    """Every schema a look-up minted, and those holding a table (given an id here)."""
    for table in catalog.all_tables(ws):
        _schema_info(ws, table.rsplit(".", 1)[0])
    return sorted(_catalog(ws)["schemas"])


def _page(req: Request, field: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    # UC lists page by max_results/page_token (databricks-sdk CatalogsAPI.list, SchemasAPI.list)
    size = req.arg_int("max_results", 0) or 1000
    offset = paging.offset(req)
    answer: dict[str, Any] = {field: items[offset : offset + size]}
    if offset + size < len(items):
        answer["next_page_token"] = paging.token(offset + size)
    return answer


def list_catalogs(ws: Workspace, req: Request) -> dict[str, Any]:
    """GET /api/2.1/unity-catalog/catalogs (CatalogsAPI.list): the catalogs of known schemas."""
    names = sorted({name.split(".")[0] for name in _known_schemas(ws)})
    return _page(req, "catalogs", [{"name": n, "full_name": n} for n in names])


def list_schemas(ws: Workspace, req: Request) -> dict[str, Any]:
    """GET /api/2.1/unity-catalog/schemas?catalog_name= (SchemasAPI.list)."""
    wanted = req.arg("catalog_name")
    if not wanted:
        raise invalid("catalog_name is required")
    names = [n for n in _known_schemas(ws) if n.split(".")[0] == wanted]
    return _page(req, "schemas", [_schema_info(ws, n) for n in names])


def _object_name(ws: Workspace, object_type: str, object_id: str) -> str:
    """The full name of the schema or table with that id (minted by a look-up above)."""
    if object_type not in OBJECT_TYPES:
        raise invalid(f"object_type must be one of {', '.join(OBJECT_TYPES)}; got {object_type!r}")
    if object_type == "table":
        # Tables are devtools/workspace/catalog.py's: a Delta table under the tables root.
        names = {name: catalog.table_id(ws, name) for name in catalog.all_tables(ws)}
    else:
        names = _catalog(ws)["schemas"]
    for name, ident in names.items():
        if ident == object_id:
            return name
    raise missing(f"{object_type.capitalize()} with id '{object_id}' does not exist.")


def _monitors(ws: Workspace) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = ws.store.data.setdefault("data_quality_monitors", {})
    return found


def _key(object_type: str, object_id: str) -> str:
    return f"{object_type}/{object_id}"


def _config(ws: Workspace, object_type: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The monitor's configuration as stored: the one block its object type takes."""
    wanted = CONFIGS[object_type]
    other = next(c for c in UPDATABLE if c != wanted)
    if body.get(other) is not None:
        raise invalid(f"{other} does not apply to object_type {object_type}; use {wanted}")
    given = body.get(wanted)
    if not isinstance(given, dict):
        raise invalid(f"a {object_type} monitor needs {wanted}")
    config = {k: v for k, v in given.items() if k not in PROFILING_SERVER_FIELDS}
    if wanted == "data_profiling_config":
        if not config.get("output_schema_id"):
            raise invalid("data_profiling_config.output_schema_id is required")
        kinds = [k for k in PROFILE_TYPES if config.get(k) is not None]
        if len(kinds) != 1:
            raise invalid(
                "data_profiling_config needs exactly one of snapshot, time_series and "
                f"inference_log (found: {', '.join(kinds) or 'none'})"
            )
        short = name.split(".")[-1]
        out = _object_name(ws, "schema", str(config["output_schema_id"]))
        config.update(
            monitored_table_name=name,
            status="DATA_PROFILING_STATUS_ACTIVE",
            profile_metrics_table_name=f"{out}.{short}_profile_metrics",
            drift_metrics_table_name=f"{out}.{short}_drift_metrics",
        )
        if not config.get("skip_builtin_dashboard"):
            config["dashboard_id"] = uuid.uuid4().hex
    return config


def create(ws: Workspace, req: Request) -> dict[str, Any]:
    body = req.json()
    object_type, object_id = str(body.get("object_type") or ""), str(body.get("object_id") or "")
    if not object_type or not object_id:
        raise invalid("object_type and object_id are required")
    name = _object_name(ws, object_type, object_id)
    key = _key(object_type, object_id)
    if key in _monitors(ws):
        raise ApiError(
            409, "RESOURCE_ALREADY_EXISTS", f"Monitor already exists for {object_type} '{name}'."
        )
    config = _config(ws, object_type, name, body)
    if "data_profiling_config" in config or object_type == "table":
        config["monitor_version"] = 1
    monitor = {"object_type": object_type, "object_id": object_id, CONFIGS[object_type]: config}
    _monitors(ws)[key] = monitor
    return monitor


def _monitor(ws: Workspace, req: Request) -> dict[str, Any]:
    object_type, object_id = req.params["object_type"], req.params["object_id"]
    name = _object_name(ws, object_type, object_id)
    monitor = _monitors(ws).get(_key(object_type, object_id))
    if monitor is None:
        raise missing(f"Monitor for {object_type} '{name}' does not exist.")
    return monitor


def get(ws: Workspace, req: Request) -> dict[str, Any]:
    return _monitor(ws, req)


def update(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req)
    body = req.json()
    mask = [m.strip() for m in (req.arg("update_mask") or "").split(",") if m.strip()]
    if not mask:
        raise invalid("update_mask is required")
    object_type = monitor["object_type"]
    wanted = CONFIGS[object_type]
    name = _object_name(ws, object_type, monitor["object_id"])
    for field in mask:
        top = field.split(".")[0]
        if top not in UPDATABLE:
            raise invalid(f"update_mask: {field!r} cannot be updated")
    if any(f.split(".")[0] == wanted for f in mask):
        old = monitor[wanted]
        config = _config(ws, object_type, name, {wanted: body.get(wanted)})
        if wanted == "data_profiling_config":
            # Output tables and the dashboard are the monitor's: an update keeps them.
            for key in ("profile_metrics_table_name", "drift_metrics_table_name", "dashboard_id"):
                if key in old:
                    config[key] = old[key]
                else:
                    config.pop(key, None)
            config["monitor_version"] = int(old.get("monitor_version", 1)) + 1
        monitor[wanted] = config
    return monitor


def delete(ws: Workspace, req: Request) -> dict[str, Any]:
    monitor = _monitor(ws, req)
    del _monitors(ws)[_key(monitor["object_type"], monitor["object_id"])]
    return {}


def list_monitors(ws: Workspace, req: Request) -> dict[str, Any]:
    size = req.arg_int("page_size", 100) or 100
    offset = paging.offset(req)
    monitors = list(_monitors(ws).values())
    answer: dict[str, Any] = {"monitors": monitors[offset : offset + size]}
    if offset + size < len(monitors):
        answer["next_page_token"] = paging.token(offset + size)
    return answer


_M = r"/api/data-quality/v1/monitors"
_ONE = _M + r"/(?P<object_type>[^/]+)/(?P<object_id>[^/]+)"
ROUTES = [
    route(
        "GET", r"/api/2\.1/unity-catalog/schemas/(?P<full_name>[^/]+)", "uc.schemas.get", get_schema
    ),
    route("GET", r"/api/2\.1/unity-catalog/catalogs", "uc.catalogs.list", list_catalogs),
    route("GET", r"/api/2\.1/unity-catalog/schemas", "uc.schemas.list", list_schemas),
    route("POST", _M, "data_quality.create_monitor", create),
    route("GET", _M, "data_quality.list_monitor", list_monitors),
    route("GET", _ONE, "data_quality.get_monitor", get),
    route("PATCH", _ONE, "data_quality.update_monitor", update),
    route("DELETE", _ONE, "data_quality.delete_monitor", delete),
]
