"""The quality_monitors plug-in: Lakehouse monitors on a table (Quality Monitors API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from metadata.checks import check_monitor
from metadata.formats.api import as_dict, monitor_row
from metadata.kinds.base import Browse, ExportOption, Kind, Recovery, Rest, Run
from metadata.models.monitors import KIND, QualityMonitorRow


def _reset(row: QualityMonitorRow) -> int:
    return row.reset


def _replaced_by(row: QualityMonitorRow) -> dict[str, Any]:
    # The provider would PUT a new table_name to that table's monitor, and its update cannot
    # change warehouse_id or skip_builtin_dashboard: Lakeform replaces the monitor instead.
    return {
        "table_name": row.table_name,
        "warehouse_id": row.warehouse_id,
        "skip_builtin_dashboard": bool(row.skip_builtin_dashboard),
    }


def browse_labels(monitor: Mapping[str, Any]) -> dict[str, Any]:
    """A tables/{name}/monitor answer -> its labels in `lakeform browse`."""
    schedule = as_dict(monitor.get("schedule")) or {}
    table = str(monitor.get("table_name") or "")
    profile = next((k for k in ("time_series", "snapshot", "inference_log") if k in monitor), "")
    cron = schedule.get("quartz_cron_expression")
    return {
        "id": table,
        "name": table,
        "trigger": f"{cron} ({schedule.get('timezone_id', '')})" if cron else "manual refresh",
        "state": str(monitor.get("status") or "").removeprefix("MONITOR_STATUS_").lower(),
        "tags": {"profile": profile} if profile else {},
    }


QUALITY_MONITORS = Kind(
    name=KIND,
    row_model=QualityMonitorRow,
    component_type="lakeform:monitors:QualityMonitor",
    resource_type="databricks:index/qualityMonitor:QualityMonitor",
    key_word="monitor",
    description="Quality monitors (Quality Monitors API), keyed by row key.",
    check=check_monitor,
    export=monitor_row,
    # No list call: a monitor is found by its table's name.
    rest=Rest(
        get="/api/2.1/unity-catalog/tables/{id}/monitor", id_field="table_name", noun="monitor on"
    ),
    recovery=Recovery(by="id", match="tableName"),
    protected="deleting or resetting a monitor loses its history",
    reset=_reset,
    replaced_by=_replaced_by,
    export_option=ExportOption(
        flag="--monitor", metavar="TABLE", help="the quality monitor of this table (repeatable)"
    ),
    # Monitors carry no tags and have no list call: browse asks for the stack's tables'.
    browse=Browse(item=browse_labels, link="/explore/data/{path}?activeTab=quality", read="tables"),
    run=Run(starter="cli.run:MonitorRefresh"),
    output_id="table_name",
)
