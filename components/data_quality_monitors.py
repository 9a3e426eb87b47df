"""A data quality monitor row: a `databricks:index/dataQualityMonitor:DataQualityMonitor` on a
schema or a table, the object's id looked up by its full name (the provider's `getSchema` /
`getTable` data sources)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components._aliases import renamed_from
from components._convert import to_wire
from components.provider import DatabricksResource, invoke_output
from components.wiring import ComponentKind, Wiring
from metadata.kinds import KINDS
from metadata.models.data_quality_monitors import KIND, DataQualityMonitorRow

LAKEFORM_ONLY = ("schema", "table", "previous_keys", "disabled", "stack_overrides")


@dataclass(frozen=True, kw_only=True)
class DataQualityMonitorArgs:
    """A validated data quality monitor row, the ids its names stand for, how carefully to
    treat it."""

    key: str
    """Row key: the logical name of the monitor."""
    row: DataQualityMonitorRow
    object_id: pulumi.Input[str]
    """The monitored schema's or table's id (Unity Catalog's `schema_id` / `table_id`)."""
    output_schema_id: pulumi.Input[str] | None = None
    """The id of `data_profiling_config.output_schema`, when the row names it."""
    protect: bool = False


def schema_id(full_name: str, parent: pulumi.Resource | None) -> pulumi.Output[str]:
    """Unity Catalog's id of the schema `catalog.schema`, through the provider's data source."""
    found = invoke_output(
        "databricks:index/getSchema:getSchema",
        {"name": full_name},
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return found.apply(_schema_id)


def _schema_id(result: Mapping[str, Any]) -> str:
    """`schemaInfo.schemaId` of the data source's answer ("" when it has none)."""
    info: Mapping[str, Any] = result.get("schemaInfo") or {}
    return str(info.get("schemaId") or "")


def table_id(full_name: str, parent: pulumi.Resource | None) -> pulumi.Output[str]:
    """Unity Catalog's id of the table `catalog.schema.table` (the data source's id)."""
    found = invoke_output(
        "databricks:index/getTable:getTable",
        {"name": full_name},
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return found.apply(lambda result: result.get("id"))


def data_quality_monitor_spec(args: DataQualityMonitorArgs) -> dict[str, Any]:
    """The API-shaped monitor (`object_type`, `object_id` and its configuration block)."""
    spec: dict[str, Any] = args.row.model_dump(exclude_none=True, by_alias=True)
    for name in LAKEFORM_ONLY:
        spec.pop(name, None)
    spec["object_id"] = args.object_id
    profiling = spec.get("data_profiling_config")
    if profiling is not None and profiling.pop("output_schema", None) is not None:
        profiling["output_schema_id"] = args.output_schema_id
    return spec


def data_quality_monitor_args(
    key: str, row: DataQualityMonitorRow, wiring: Wiring
) -> DataQualityMonitorArgs:
    """The monitor's arguments: its final row and the ids of the objects it names."""
    lookup = schema_id if row.object_type == "schema" else table_id
    profiling = row.data_profiling_config
    output = None if profiling is None else profiling.output_schema
    return DataQualityMonitorArgs(
        key=key,
        row=row,
        object_id=lookup(row.object_name, wiring.parent),
        output_schema_id=None if output is None else schema_id(output, wiring.parent),
        protect=wiring.protect,
    )


def _preflight_args(key: str, row: DataQualityMonitorRow, wiring: Wiring) -> DataQualityMonitorArgs:
    # Preflight creates nothing and calls no data source: names stand in for the ids.
    profiling = row.data_profiling_config
    return DataQualityMonitorArgs(
        key=key,
        row=row,
        object_id=row.object_name,
        output_schema_id=None if profiling is None else profiling.output_schema,
        protect=wiring.protect,
    )


RESOURCE_TYPE = "databricks:index/dataQualityMonitor:DataQualityMonitor"


def data_quality_monitor_inputs(args: DataQualityMonitorArgs) -> dict[str, Any]:
    """The provider inputs of the monitor (no resources): what preflight checks."""
    return to_wire(data_quality_monitor_spec(args), RESOURCE_TYPE)


class DataQualityMonitor:
    """A data quality monitor on one schema or table.

    Configuration changes update it in place; naming another object replaces it (the provider
    would PATCH the other object's monitor and leave this one behind)."""

    object_type: str
    object_id: pulumi.Output[str]
    protected: bool
    replaced_by: dict[str, Any]

    def __init__(
        self, name: str, args: DataQualityMonitorArgs, parent: pulumi.Resource | None = None
    ) -> None:
        replaced = KINDS[KIND].replaced_by
        self.replaced_by = {} if replaced is None else replaced(args.row)
        monitor = DatabricksResource(
            RESOURCE_TYPE,
            name,
            to_wire(data_quality_monitor_spec(args), RESOURCE_TYPE),
            opts=pulumi.ResourceOptions(
                parent=parent,
                aliases=renamed_from(args.row.previous_keys or []),
                protect=args.protect,
                replace_on_changes=["objectType", "objectId"],
                delete_before_replace=True,
            ),
        )
        self.object_type = args.row.object_type
        self.object_name = args.row.object_name
        self.object_id = monitor.output("objectId")
        self.protected = args.protect

    @property
    def reference(self) -> pulumi.Output[str]:
        """The monitored object's id."""
        return self.object_id

    def stack_output(self, host: str | None) -> dict[str, Any]:
        del host
        return {
            "object_type": self.object_type,
            "object": self.object_name,
            "object_id": self.object_id,
            "protected": self.protected,
            "replaced_by": self.replaced_by,
        }


COMPONENT = ComponentKind(
    create=lambda key, row, w: DataQualityMonitor(
        key, data_quality_monitor_args(key, row, w), w.parent
    ),
    inputs=lambda key, row, w: data_quality_monitor_inputs(_preflight_args(key, row, w)),
)
"""How a row of this kind becomes its component (components/registry.py reads it)."""
