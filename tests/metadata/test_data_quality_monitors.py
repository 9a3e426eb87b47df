"""Data quality monitor rows: every rejection names the file, line and field, and says what to
write instead."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.metadata.conftest import Project

OneProblem = Callable[[str], str]


def test_a_schema_row_and_a_table_row_load(project: Project) -> None:
    project.write(
        "a.yaml",
        "data_quality_monitors:\n"
        "  sales: {object_type: schema, schema: main.sales, anomaly_detection_config: {}}\n"
        "  orders:\n"
        "    object_type: table\n"
        "    table: main.sales.orders\n"
        "    data_profiling_config: {output_schema: main.mon, snapshot: {}}\n",
    )
    rows = project.load()
    assert rows.data_quality_monitors["sales"].object_name == "main.sales"
    assert rows.data_quality_monitors["orders"].object_name == "main.sales.orders"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "{object_type: schema, anomaly_detection_config: {}}",
            "resources/a.yaml:2:3: data_quality_monitors.m.schema: an object_type schema monitor "
            "names its schema: schema: catalog.schema",
        ),
        (
            "{object_type: schema, schema: sales, anomaly_detection_config: {}}",
            "resources/a.yaml:2:28: data_quality_monitors.m.schema: 'sales' is not a full schema "
            "name (catalog.schema)",
        ),
        (
            "{object_type: schema, schema: main.sales}",
            "resources/a.yaml:2:3: data_quality_monitors.m.anomaly_detection_config: an "
            "object_type schema monitor needs anomaly_detection_config (e.g. "
            "anomaly_detection_config: {})",
        ),
        (
            "{object_type: table, table: main.sales.orders, anomaly_detection_config: {},"
            " data_profiling_config: {output_schema: a.b, snapshot: {}}}",
            "resources/a.yaml:2:53: data_quality_monitors.m.anomaly_detection_config: "
            "anomaly_detection_config is for object_type schema, not table",
        ),
        (
            "{object_type: view, schema: main.sales, anomaly_detection_config: {}}",
            "resources/a.yaml:2:7: data_quality_monitors.m.object_type: must be one of "
            "'schema' or 'table'; got string 'view'",
        ),
        (
            "{object_type: table, table: main.sales.orders,"
            " data_profiling_config: {output_schema: a.b}}",
            "resources/a.yaml:2:53: data_quality_monitors.m.data_profiling_config: data "
            "profiling needs exactly one of snapshot, time_series, inference_log; found none",
        ),
    ],
)
def test_a_row_refused(one_problem: OneProblem, row: str, expected: str) -> None:
    assert one_problem(f"data_quality_monitors:\n  m: {row}\n") == expected
