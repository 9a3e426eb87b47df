"""The data_quality_monitors plug-in: Data Quality Monitoring (the successor of Lakehouse
monitors): anomaly detection on a schema, data profiling of a table, named by full name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from metadata.checks import CheckContext, check_schedule
from metadata.errors import Problem
from metadata.kinds.base import Kind
from metadata.located import Locator
from metadata.models.data_quality_monitors import KIND, DataQualityMonitorRow
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


def _replaced_by(row: DataQualityMonitorRow) -> dict[str, Any]:
    # object_type and object_id carry no RequiresReplace in the provider: a changed object is a
    # PATCH to the other object's monitor, leaving this one behind. Lakeform replaces instead.
    return {"object_type": row.object_type, "object": row.object_name}


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
)
