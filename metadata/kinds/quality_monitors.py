"""The quality_monitors plug-in: Lakehouse monitors on a table (Quality Monitors API)."""

from __future__ import annotations

from typing import Any

from metadata.checks import check_monitor
from metadata.formats.api import monitor_row
from metadata.kinds.base import Kind, Recovery, Rest
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
)
