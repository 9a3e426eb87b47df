"""The local provider's DataQualityMonitor and the Unity Catalog data sources it needs, as the
real provider behaves (resource_data_quality_monitor.go; catalog/data_schema.go, data_table.go)."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.localprovider.client import Client
from devtools.localprovider.resources import DataQualityMonitor, get_schema, get_table
from devtools.workspace.testing import RunningWorkspace


@pytest.fixture(autouse=True)
def _orders_table(ws: RunningWorkspace) -> None:
    # A table exists for the Tables API when a Delta table is in its folder (catalog.py).
    (ws.table_folder("main.sales.orders") / "_delta_log").mkdir(parents=True)


def test_the_data_sources_answer_ids_by_full_name(client: Client) -> None:
    schema = get_schema(client, {"name": "main.sales"})
    table = get_table(client, {"name": "main.sales.orders"})
    assert schema["id"] == "main.sales" and schema["schemaInfo"]["fullName"] == "main.sales"
    assert schema["schemaInfo"]["schemaId"]
    assert (
        table["id"] == table["tableInfo"]["tableId"] and table["tableInfo"]["schemaName"] == "sales"
    )
    assert get_schema(client, {"name": "main.sales"}) == schema


def _schema_monitor(client: Client, **config: Any) -> dict[str, Any]:
    schema_id = get_schema(client, {"name": "main.sales"})["schemaInfo"]["schemaId"]
    return {"objectType": "schema", "objectId": schema_id, "anomalyDetectionConfig": config}


def test_create_read_update_delete(ws: RunningWorkspace, client: Client) -> None:
    kind = DataQualityMonitor()
    news = kind.check(_schema_monitor(client))
    id_, state = kind.create(client, news)
    assert id_ == "missing ID"  # no id attribute: the bridge's placeholder
    assert state["objectType"] == "schema" and state["objectId"] == news["objectId"]
    assert kind.read(client, id_, state) == state
    assert kind.diff(state, news) == {}

    changed = kind.check(_schema_monitor(client, excludedTableFullNames=["main.sales.tmp"]))
    # An empty block counts as absent in the differ: the change shows on the block.
    assert list(kind.diff(state, changed)) == ["anomalyDetectionConfig"]
    after = kind.update(client, id_, state, changed)
    answer = ws.client().data_quality.get_monitor("schema", news["objectId"])
    assert answer.anomaly_detection_config is not None
    assert answer.anomaly_detection_config.excluded_table_full_names == ["main.sales.tmp"]
    assert after["anomalyDetectionConfig"] == {"excludedTableFullNames": ["main.sales.tmp"]}

    kind.delete(client, id_, after)
    assert kind.read(client, id_, after) is None  # gone: refresh drops it
    kind.delete(client, id_, after)  # a missing monitor is not an error


def test_server_filled_profiling_fields_show_no_diff(client: Client) -> None:
    kind = DataQualityMonitor()
    table_id = get_table(client, {"name": "main.sales.orders"})["id"]
    out_id = get_schema(client, {"name": "main.mon"})["schemaInfo"]["schemaId"]
    news = kind.check(
        {
            "objectType": "table",
            "objectId": table_id,
            "dataProfilingConfig": {"outputSchemaId": out_id, "snapshot": {}},
        }
    )
    _, state = kind.create(client, news)
    assert (
        state["dataProfilingConfig"]["profileMetricsTableName"] == "main.mon.orders_profile_metrics"
    )
    assert state["dataProfilingConfig"]["status"] == "DATA_PROFILING_STATUS_ACTIVE"
    assert kind.diff(state, news) == {}
