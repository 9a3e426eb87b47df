"""A monitor row: a quality monitor (`databricks:index/qualityMonitor:QualityMonitor`), updated
in place, under the `quality_monitors` component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components import names
from components._aliases import renamed_from
from components._convert import to_wire
from components.provider import DatabricksResource
from components.wiring import ComponentKind, Wiring
from metadata.kinds import KINDS
from metadata.models.monitors import KIND, QualityMonitorRow

LAKEFORM_ONLY = ("previous_keys", "disabled", "stack_overrides", "reset")
REPORTED_BY_THE_SERVICE = ("latestMonitorFailureMsg",)
"""Provider inputs no row sets that a refresh fills from the service: their changes are ignored."""


@dataclass(frozen=True, kw_only=True)
class QualityMonitorArgs:
    """A validated monitor row and how carefully to treat it."""

    key: str
    """Row key: the logical name of the monitor."""
    row: QualityMonitorRow
    protect: bool = False
    """Protect the monitor and retain it on delete (deleting it loses its history)."""


def _replaced_by(row: QualityMonitorRow) -> dict[str, Any]:
    """The row's fields whose change replaces the monitor: the kind's one list (metadata.kinds),
    which the guard reads too, so what is replaced and what is guarded cannot part."""
    replaced_by = KINDS[KIND].replaced_by
    return {} if replaced_by is None else replaced_by(row)


def monitor_spec(args: QualityMonitorArgs) -> dict[str, Any]:
    """The API-shaped monitor definition (no Lakeform-only fields)."""
    spec: dict[str, Any] = args.row.model_dump(exclude_none=True, by_alias=True)
    for name in LAKEFORM_ONLY:
        spec.pop(name, None)
    if spec.get("skip_builtin_dashboard") is False:
        # The provider reads it back only when true: an explicit false would never settle.
        del spec["skip_builtin_dashboard"]
    return spec


def monitor_args(key: str, row: QualityMonitorRow, wiring: Wiring) -> QualityMonitorArgs:
    """The monitor's arguments from its final row and how carefully the stack treats it."""
    return QualityMonitorArgs(key=key, row=row, protect=wiring.protect)


RESOURCE_TYPE = "databricks:index/qualityMonitor:QualityMonitor"


def _wire_name(api_name: str) -> str:
    """The provider's property name of a top-level API field (`table_name` -> `tableName`), from
    the names table."""
    return names.by_rest(names.inputs(RESOURCE_TYPE))[api_name][0]


def monitor_inputs(args: QualityMonitorArgs) -> dict[str, Any]:
    """The provider inputs of the monitor (no resources): what preflight checks."""
    return to_wire(monitor_spec(args), RESOURCE_TYPE)


class QualityMonitor:
    """A quality monitor on one table.

    Changes update it in place (keeping its history); it is replaced when the row bumps
    `reset` (Pulumi's `replacement_trigger`) or changes `table_name`, `warehouse_id` or
    `skip_builtin_dashboard`, which the provider cannot update. The monitor's id is its table
    name, so the old one is deleted before the new one is created."""

    table_name: pulumi.Output[str]
    dashboard_id: pulumi.Output[str]
    profile_metrics_table_name: pulumi.Output[str]
    drift_metrics_table_name: pulumi.Output[str]
    protected: bool
    reset: int
    replaced_by: dict[str, Any]

    def __init__(
        self, name: str, args: QualityMonitorArgs, parent: pulumi.Resource | None = None
    ) -> None:
        previous = args.row.previous_keys or []
        aliases = renamed_from(previous)
        replaced_by = _replaced_by(args.row)
        monitor = DatabricksResource(
            RESOURCE_TYPE,
            name,
            to_wire(monitor_spec(args), RESOURCE_TYPE),
            opts=pulumi.ResourceOptions(
                parent=parent,
                aliases=aliases,
                protect=args.protect,
                retain_on_delete=args.protect,
                replacement_trigger=args.row.reset,
                # The provider would PUT a new table_name to that table's monitor and cannot
                # update these two at all: a change is a deliberate replacement instead.
                replace_on_changes=[_wire_name(name) for name in replaced_by],
                # The provider's schema has the failure of the latest refresh as an optional
                # input, so a refresh records it and a row without it would plan an update on
                # every run; ignoring it keeps the refreshed value and the diff empty.
                ignore_changes=list(REPORTED_BY_THE_SERVICE),
                delete_before_replace=True,
            ),
        )
        self.protected = args.protect
        self.reset = args.row.reset
        self.replaced_by = replaced_by
        self.table_name = monitor.output("tableName")
        self.dashboard_id = monitor.output("dashboardId")
        self.profile_metrics_table_name = monitor.output("profileMetricsTableName")
        self.drift_metrics_table_name = monitor.output("driftMetricsTableName")

    @property
    def reference(self) -> pulumi.Output[str]:
        """The monitored table, the monitor's id."""
        return self.table_name

    def stack_output(self, host: str | None) -> dict[str, Any]:
        del host
        return {
            "table_name": self.table_name,
            "dashboard_id": self.dashboard_id,
            "profile_metrics_table_name": self.profile_metrics_table_name,
            "drift_metrics_table_name": self.drift_metrics_table_name,
            "protected": self.protected,
            "reset": self.reset,
            "replaced_by": self.replaced_by,
        }


COMPONENT = ComponentKind(
    create=lambda key, row, w: QualityMonitor(key, monitor_args(key, row, w), w.parent),
    inputs=lambda key, row, w: monitor_inputs(monitor_args(key, row, w)),
)
"""How a row of this kind becomes its component (components/registry.py reads it)."""
