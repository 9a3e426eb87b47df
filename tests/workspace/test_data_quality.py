"""Unity Catalog look-ups by name and data-quality monitors, through databricks-sdk."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists
from databricks.sdk.service import dataquality

from devtools.workspace.testing import RunningWorkspace


@pytest.fixture(autouse=True)
def _orders_table(ws: RunningWorkspace) -> None:
    # A table exists for the Tables API when a Delta table is in its folder (catalog.py).
    (ws.table_folder("main.sales.orders") / "_delta_log").mkdir(parents=True)


def test_a_schema_and_a_table_keep_their_id_by_full_name(w: WorkspaceClient) -> None:
    schema = w.schemas.get("main.sales")
    table = w.tables.get("main.sales.orders")
    assert (schema.full_name, schema.catalog_name, schema.name) == ("main.sales", "main", "sales")
    assert table.full_name == "main.sales.orders" and table.schema_name == "sales"
    assert schema.schema_id and table.table_id and schema.schema_id != table.table_id
    assert w.schemas.get("main.sales").schema_id == schema.schema_id
    assert w.tables.get("main.sales.orders").table_id == table.table_id


def test_a_malformed_name_does_not_exist(w: WorkspaceClient) -> None:
    with pytest.raises(NotFound, match="Schema 'sales' does not exist"):
        w.schemas.get("sales")
    with pytest.raises(NotFound, match=r"Table 'main\.sales\.gone' does not exist"):
        w.tables.get("main.sales.gone")


def test_a_schema_monitor_with_anomaly_detection(w: WorkspaceClient) -> None:
    schema_id = str(w.schemas.get("main.sales").schema_id)
    made = w.data_quality.create_monitor(
        dataquality.Monitor(
            object_type="schema",
            object_id=schema_id,
            anomaly_detection_config=dataquality.AnomalyDetectionConfig(
                excluded_table_full_names=["main.sales.tmp"]
            ),
        )
    )
    got = w.data_quality.get_monitor("schema", schema_id)
    assert got == made
    assert got.anomaly_detection_config is not None
    assert got.anomaly_detection_config.excluded_table_full_names == ["main.sales.tmp"]
    assert [m.object_id for m in w.data_quality.list_monitor()] == [schema_id]
    with pytest.raises(ResourceAlreadyExists, match=r"main\.sales"):
        w.data_quality.create_monitor(
            dataquality.Monitor(
                object_type="schema",
                object_id=schema_id,
                anomaly_detection_config=dataquality.AnomalyDetectionConfig(),
            )
        )
    w.data_quality.delete_monitor("schema", schema_id)
    with pytest.raises(NotFound, match=r"Monitor for schema 'main\.sales' does not exist"):
        w.data_quality.get_monitor("schema", schema_id)


def test_a_table_monitor_with_data_profiling_and_its_update(w: WorkspaceClient) -> None:
    table_id = str(w.tables.get("main.sales.orders").table_id)
    out_id = str(w.schemas.get("main.monitoring").schema_id)
    profiling = dataquality.DataProfilingConfig(
        output_schema_id=out_id, snapshot=dataquality.SnapshotConfig()
    )
    made = w.data_quality.create_monitor(
        dataquality.Monitor(
            object_type="table", object_id=table_id, data_profiling_config=profiling
        )
    )
    config = made.data_profiling_config
    assert config is not None and config.monitored_table_name == "main.sales.orders"
    assert config.profile_metrics_table_name == "main.monitoring.orders_profile_metrics"
    assert config.status == dataquality.DataProfilingStatus.DATA_PROFILING_STATUS_ACTIVE
    changed = dataquality.DataProfilingConfig(
        output_schema_id=out_id,
        snapshot=dataquality.SnapshotConfig(),
        slicing_exprs=["region"],
    )
    after = w.data_quality.update_monitor(
        "table",
        table_id,
        dataquality.Monitor(object_type="table", object_id=table_id, data_profiling_config=changed),
        "data_profiling_config",
    )
    assert after.data_profiling_config is not None
    assert after.data_profiling_config.slicing_exprs == ["region"]
    assert after.data_profiling_config.dashboard_id == config.dashboard_id
    assert after.data_profiling_config.monitor_version == 2


@pytest.mark.parametrize(
    ("monitor", "message"),
    [
        (
            dataquality.Monitor(
                object_type="table",
                object_id="TABLE",
                anomaly_detection_config=dataquality.AnomalyDetectionConfig(),
            ),
            "anomaly_detection_config does not apply to object_type table",
        ),
        (
            dataquality.Monitor(object_type="schema", object_id="SCHEMA"),
            "a schema monitor needs anomaly_detection_config",
        ),
        (
            dataquality.Monitor(
                object_type="table",
                object_id="TABLE",
                data_profiling_config=dataquality.DataProfilingConfig(output_schema_id="SCHEMA"),
            ),
            "exactly one of snapshot, time_series and inference_log",
        ),
        (
            dataquality.Monitor(object_type="view", object_id="TABLE"),
            "object_type must be one of schema, table",
        ),
    ],
)
def test_a_monitor_the_service_refuses(
    w: WorkspaceClient, monitor: dataquality.Monitor, message: str
) -> None:
    ids = {
        "TABLE": str(w.tables.get("main.sales.orders").table_id),
        "SCHEMA": str(w.schemas.get("main.sales").schema_id),
    }
    monitor.object_id = ids[monitor.object_id]
    if monitor.data_profiling_config is not None:
        monitor.data_profiling_config.output_schema_id = ids["SCHEMA"]
    with pytest.raises(InvalidParameterValue, match=message):
        w.data_quality.create_monitor(monitor)


def test_an_unknown_object_id_does_not_exist(w: WorkspaceClient) -> None:
    with pytest.raises(NotFound, match="Schema with id 'nope' does not exist"):
        w.data_quality.create_monitor(
            dataquality.Monitor(
                object_type="schema",
                object_id="nope",
                anomaly_detection_config=dataquality.AnomalyDetectionConfig(),
            )
        )
    assert list(w.data_quality.list_monitor()) == []
