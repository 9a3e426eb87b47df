"""Data quality monitors: the object's id looked up by name, the config block as the row has
it, replacement when the row names another object, protection and outputs."""

from __future__ import annotations

from metadata.settings import StackSettings
from tests.unit.rows import build_rows, data_quality_monitor, rows

DQ = "databricks:index/dataQualityMonitor:DataQualityMonitor"


def test_a_schema_monitor_is_pointed_at_the_schema_id_its_name_looks_up(program) -> None:
    p = program("dev")
    row = data_quality_monitor(
        schema="main.sales",
        anomaly_detection_config={"excluded_table_full_names": ["main.sales.t"]},
    )
    p.run(lambda: build_rows(StackSettings(), rows(data_quality_monitors={"sales": row}), "dev"))
    monitor = p.one(DQ, "sales")
    assert monitor.inputs == {
        "objectType": "schema",
        "objectId": "id:main.sales",  # the mocks' schemaInfo.schemaId for that name
        "anomalyDetectionConfig": {"excludedTableFullNames": ["main.sales.t"]},
    }
    assert sorted(monitor.replace_on_changes) == ["objectId", "objectType"]
    assert monitor.delete_before_replace is True
    out = p.outputs["data_quality_monitors"]["sales"]
    assert out["object"] == "main.sales" and out["object_id"] == "id:main.sales"
    assert out["replaced_by"] == {"object_type": "schema", "object": "main.sales"}


def test_an_empty_anomaly_detection_config_is_sent_as_an_empty_block(program) -> None:
    p = program("dev")
    the_rows = rows(data_quality_monitors={"s": data_quality_monitor()})
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert p.one(DQ, "s").inputs["anomalyDetectionConfig"] == {}


def test_a_table_monitor_looks_up_the_table_and_its_output_schema(program) -> None:
    p = program("dev")
    row = data_quality_monitor(
        object_type="table",
        schema=None,
        anomaly_detection_config=None,
        table="main.sales.orders",
        data_profiling_config={
            "output_schema": "main.monitoring",
            "time_series": {
                "timestamp_column": "ts",
                "granularities": ["AGGREGATION_GRANULARITY_1_DAY"],
            },
        },
    )
    p.run(lambda: build_rows(StackSettings(), rows(data_quality_monitors={"o": row}), "dev"))
    inputs = p.one(DQ, "o").inputs
    assert inputs["objectType"] == "table" and inputs["objectId"] == "id:main.sales.orders"
    assert inputs["dataProfilingConfig"] == {
        "outputSchemaId": "id:main.monitoring",
        "timeSeries": {"timestampColumn": "ts", "granularities": ["AGGREGATION_GRANULARITY_1_DAY"]},
    }


def test_a_protected_stack_protects_the_monitor(program) -> None:
    p = program("prod")
    the_rows = rows(data_quality_monitors={"s": data_quality_monitor()})
    p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    assert p.one(DQ, "s").protect is True
