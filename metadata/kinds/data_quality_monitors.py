"""The data_quality_monitors plug-in: Data Quality Monitoring (the successor of Lakehouse
monitors): anomaly detection on a schema, data profiling of a table, named by full name."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from metadata.checks import CheckContext, check_schedule
from metadata.errors import Problem
from metadata.formats.api import ExportedRow, as_dict, known_fields
from metadata.kinds.base import Browse, ExportOption, Kind, Rest
from metadata.located import Locator
from metadata.models.data_quality_monitors import (
    KIND,
    PROFILE_TYPES,
    AnomalyDetectionConfig,
    DataProfilingConfig,
    DataQualityMonitorRow,
)
from metadata.validated import Resolved

_PART = r"[^.\s]+"
FULL_NAMES = {
    "schema": re.compile(rf"^{_PART}\.{_PART}$"),
    "table": re.compile(rf"^{_PART}\.{_PART}\.{_PART}$"),
}
SHAPES = {"schema": "catalog.schema", "table": "catalog.schema.table"}
CONFIGS = {"schema": "anomaly_detection_config", "table": "data_profiling_config"}
"""The configuration each object type takes (the provider's docs: anomaly detection is
"applicable to `schema` object types", data profiling to `table` ones)."""


def _object(row: DataQualityMonitorRow, loc: Locator) -> Iterator[Problem]:
    kind = row.object_type
    other = "table" if kind == "schema" else "schema"
    name = row.schema_ if kind == "schema" else row.table
    if name is None:
        yield loc.problem(
            (kind,), f"an object_type {kind} monitor names its {kind}: {kind}: {SHAPES[kind]}"
        )
    elif not FULL_NAMES[kind].match(name):
        yield loc.problem((kind,), f"'{name}' is not a full {kind} name ({SHAPES[kind]})")
    if (row.schema_ if other == "schema" else row.table) is not None:
        yield loc.problem(
            (other,), f"object_type is {kind}: name the {kind} in '{kind}', not '{other}'"
        )
    wanted, unwanted = CONFIGS[kind], CONFIGS[other]
    if getattr(row, wanted) is None:
        example = "{}" if kind == "schema" else "{output_schema: catalog.schema, snapshot: {}}"
        yield loc.problem(
            (wanted,), f"an object_type {kind} monitor needs {wanted} (e.g. {wanted}: {example})"
        )
    if getattr(row, unwanted) is not None:
        yield loc.problem((unwanted,), f"{unwanted} is for object_type {other}, not {kind}")


def check_data_quality_monitor(row: Resolved, ctx: CheckContext) -> Iterator[Problem]:
    """The object named as its type says, the configuration of that type, the schedule."""
    del ctx
    monitor, loc = row.model, row.loc
    assert isinstance(monitor, DataQualityMonitorRow)
    yield from _object(monitor, loc)
    profiling = monitor.data_profiling_config
    if profiling is not None:
        if profiling.output_schema is not None and not FULL_NAMES["schema"].match(
            profiling.output_schema
        ):
            yield loc.problem(
                ("data_profiling_config", "output_schema"),
                f"'{profiling.output_schema}' is not a full schema name (catalog.schema)",
            )
        if profiling.schedule is not None:
            yield from check_schedule(
                loc,
                ("data_profiling_config", "schedule"),
                profiling.schedule.quartz_cron_expression,
                profiling.schedule.timezone_id,
            )


def _by_name(name: str) -> tuple[str, str, str]:
    """`catalog.schema` or `catalog.schema.table` -> its Unity Catalog look-up (SchemasAPI.get,
    TablesAPI.get), the answer's id field and the monitor's id around it."""
    if FULL_NAMES["table"].match(name):
        return f"/api/2.1/unity-catalog/tables/{name}", "table_id", "table/{}"
    if FULL_NAMES["schema"].match(name):
        return f"/api/2.1/unity-catalog/schemas/{name}", "schema_id", "schema/{}"
    raise ValueError(f"{name!r} is neither a schema (catalog.schema) nor a table (c.s.t)")


def _replaced_by(row: DataQualityMonitorRow) -> dict[str, Any]:
    # object_type and object_id carry no RequiresReplace in the provider: a changed object is a
    # PATCH to the other object's monitor, leaving this one behind. Lakeform replaces instead.
    return {"object_type": row.object_type, "object": row.object_name}


PROFILING_SERVER_FIELDS = frozenset(
    {
        "dashboard_id",
        "drift_metrics_table_name",
        "effective_warehouse_id",
        "latest_monitor_failure_message",
        "monitor_version",
        "monitored_table_name",
        "profile_metrics_table_name",
        "status",
    }
)
"""DataProfilingConfig fields the service fills (databricks-sdk `service/dataquality.py`)."""
UNPAUSED = "CRON_SCHEDULE_PAUSE_STATUS_UNPAUSED"


def catalog_ids(monitor: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The Unity Catalog ids a Monitor answer names: its object and the profile's output schema."""
    found = [(str(monitor.get("object_type") or ""), str(monitor.get("object_id") or ""))]
    output = (as_dict(monitor.get("data_profiling_config")) or {}).get("output_schema_id")
    if output:
        found.append(("schema", str(output)))
    return found


def _full_name(monitor: Mapping[str, Any], ident: str) -> str | None:
    names = as_dict(monitor.get("full_names")) or {}
    name = names.get(ident)
    return str(name) if name else None


def _object_name(monitor: Mapping[str, Any]) -> str:
    ident = str(monitor.get("object_id") or "")
    profiling = as_dict(monitor.get("data_profiling_config")) or {}
    # A table's full name is in the answer too (monitored_table_name, filled by the service).
    return _full_name(monitor, ident) or str(profiling.get("monitored_table_name") or "")


def monitor_row(monitor: Mapping[str, Any]) -> ExportedRow:
    """A data-quality Monitor answer (with the `full_names` of the ids it names) -> a row that
    names its object and output schema by full name, as rows do."""
    dropped: list[str] = []
    notes: list[str] = []
    object_type = str(monitor.get("object_type") or "")
    object_id = str(monitor.get("object_id") or "")
    for k in monitor:
        if k not in {"object_type", "object_id", "full_names", *CONFIGS.values()}:
            dropped.append(f"{k} (no Lakeform field)")
    name = _object_name(monitor)
    row: dict[str, Any] = {"object_type": object_type}
    if object_type in SHAPES:
        # An object whose name was not found keeps no name: the row then does not validate.
        row[object_type] = name
    anomaly = as_dict(monitor.get("anomaly_detection_config"))
    if anomaly is not None:
        row["anomaly_detection_config"] = known_fields(
            anomaly, AnomalyDetectionConfig, "anomaly_detection_config.", dropped
        )
    profiling = as_dict(monitor.get("data_profiling_config"))
    if profiling is not None:
        given = {k: v for k, v in profiling.items() if k not in PROFILING_SERVER_FIELDS}
        schedule = as_dict(given.get("schedule"))
        if schedule is not None and schedule.get("pause_status") == UNPAUSED:
            # Read-only in the API; UNPAUSED is what a schedule is unless someone paused it.
            given["schedule"] = {k: v for k, v in schedule.items() if k != "pause_status"}
        output_id = given.get("output_schema_id")
        output = _full_name(monitor, str(output_id)) if output_id else None
        if output is not None:
            del given["output_schema_id"]
            given = {"output_schema": output, **given}
        elif output_id:
            notes.append(f"output schema {output_id} kept as an id (its name was not found)")
        row["data_profiling_config"] = known_fields(
            given, DataProfilingConfig, "data_profiling_config.", dropped
        )
    ident = f"{object_type},{object_id}"  # the provider's import id: "object_type,object_id"
    return ExportedRow(KIND, ident, name, row, dropped, notes)


def browse_labels(monitor: Mapping[str, Any]) -> dict[str, Any]:
    """A Monitor answer (with `full_names`) -> its labels in `lakeform browse`."""
    object_type = str(monitor.get("object_type") or "")
    profiling = as_dict(monitor.get("data_profiling_config")) or {}
    schedule = as_dict(profiling.get("schedule")) or {}
    cron = schedule.get("quartz_cron_expression")
    profile = next((k for k in PROFILE_TYPES if k in profiling), "")
    what = "anomaly detection" if object_type == "schema" else f"{profile or 'data'} profiling"
    status = str(profiling.get("status") or "").removeprefix("DATA_PROFILING_STATUS_").lower()
    return {
        "id": f"{object_type}/{monitor.get('object_id', '')}",
        "name": _object_name(monitor) or f"{object_type} {monitor.get('object_id', '')}",
        "trigger": f"{cron} ({schedule.get('timezone_id', '')})" if cron else "manual refresh",
        "state": status or ("active" if object_type == "schema" else ""),
        "tags": {"monitors": what},
    }


DATA_QUALITY_MONITORS = Kind(
    name=KIND,
    row_model=DataQualityMonitorRow,
    component_type="lakeform:data_quality_monitors:DataQualityMonitor",
    resource_type="databricks:index/dataQualityMonitor:DataQualityMonitor",
    key_word="data_quality_monitor",
    description=(
        "Data quality monitors (Data Quality Monitoring API): anomaly detection on a schema or "
        "data profiling of a table, keyed by row key."
    ),
    check=check_data_quality_monitor,
    protected="deleting a monitor loses its history",
    replaced_by=_replaced_by,
    export=monitor_row,
    # databricks-sdk DataQualityAPI: get_monitor GET /monitors/{object_type}/{object_id},
    # list_monitor GET /monitors (page_size, page_token).
    rest=Rest(
        get="/api/data-quality/v1/monitors/{id}",
        id_field="object_type/object_id",
        noun="data quality monitor",
        list_path="/api/data-quality/v1/monitors",
        list_items="monitors",
        list_query={"page_size": 100},
        catalog_ids=catalog_ids,
    ),
    export_option=ExportOption(
        flag="--data-quality-monitor",
        metavar="OBJECT",
        help="the data quality monitor of this schema (catalog.schema) or table "
        "(catalog.schema.table) (repeatable)",
        all_flag="--all-data-quality-monitors",
        list_name=_object_name,
        by_name=_by_name,
    ),
    browse=Browse(
        item=browse_labels,
        link="/explore/data/{path}?activeTab=quality",
        row_object=lambda row: row.object_name,
    ),
    output_id="object",
)
