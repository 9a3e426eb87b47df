"""Pipelines and quality monitors: mapping, development mode, protection, release and reset."""

from __future__ import annotations

import json
from typing import Any

import pytest

from metadata.settings import StackSettings
from stacks.config import LakeformError
from tests.unit.rows import FILE, MONITOR, NOTEBOOK, PIPELINE, build_rows, monitor, pipeline, rows

BASE = "/Workspace/Shared/lakeform/prod/pipelines/main"

MAIN: dict[str, Any] = {
    "name": "olist_main_pipeline",
    "catalog": "olist",
    "schema": "lakehouse",
    "serverless": True,
    "continuous": True,
    "configuration": {"z.key": "1", "a.key": "2"},
    "libraries": [
        {"glob": {"include": "src/pipelines/main/**"}},
        {"notebook": {"path": "src/pipelines/cdc.py"}},
        {"file": {"path": "/Workspace/abs/file.py"}},
    ],
    "root_path": "src/pipelines",
    "notifications": [{"email_recipients": ["a@example.com"], "alerts": ["on-update-failure"]}],
    "restart_window": {"start_hour": 2, "days_of_week": ["SUNDAY"]},
    "tags": {"team": "data"},
}


def test_pipeline_mapping_and_uploads(program) -> None:
    p = program("prod")
    p.run(lambda: build_rows(StackSettings(), rows(pipelines={"main": pipeline(**MAIN)}), "prod"))
    inputs = p.one(PIPELINE, "main").inputs
    # Replacing a pipeline (storage) must not create a second one of the same name first.
    assert p.one(PIPELINE, "main").delete_before_replace is True
    assert inputs["name"] == "olist_main_pipeline"
    assert inputs["schema"] == "lakehouse"
    assert inputs["continuous"] is True and "development" not in inputs
    assert inputs["configuration"] == {"a.key": "2", "z.key": "1"}
    assert inputs["libraries"] == [
        {"glob": {"include": f"{BASE}/src/pipelines/main/**"}},
        {"notebook": {"path": f"{BASE}/src/pipelines/cdc"}},
        {"file": {"path": "/Workspace/abs/file.py"}},
    ]
    assert inputs["rootPath"] == f"{BASE}/src/pipelines"
    assert inputs["notifications"] == [
        {"emailRecipients": ["a@example.com"], "alerts": ["on-update-failure"]}
    ]
    assert inputs["restartWindow"] == {"startHour": 2.0, "daysOfWeeks": ["SUNDAY"]}
    assert inputs["tags"] == {
        "team": "data",
        "lakeform_managed": "true",
        "lakeform_stack": "prod",
        "lakeform_key": "main",
    }
    assert p.names(FILE) == [
        "main/src/pipelines/main/bronze.py",
        "main/src/pipelines/main/silver.sql",
    ]
    assert p.names(NOTEBOOK) == ["main/src/pipelines/cdc"]
    assert p.one(FILE, "main/src/pipelines/main/silver.sql").inputs["path"] == (
        f"{BASE}/src/pipelines/main/silver.sql"
    )


def test_development_stack_forces_development_mode_and_no_continuous(program) -> None:
    p = program("dev")
    settings = StackSettings(development=True, name_prefix="[DEV] ")
    p.run(lambda: build_rows(settings, rows(pipelines={"main": pipeline(**MAIN)}), "dev"))
    inputs = p.one(PIPELINE, "main").inputs
    assert inputs["development"] is True
    assert inputs["continuous"] is False
    assert inputs["name"] == "[DEV] olist_main_pipeline"


def test_protected_stack_protects_pipelines_and_monitors(program) -> None:
    p = program("prod")
    the_rows = rows(pipelines={"main": pipeline(**MAIN)}, quality_monitors={"orders": monitor()})
    p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    assert p.one(PIPELINE, "main").protect is True
    mon = p.one(MONITOR, "orders")
    assert mon.protect is True
    assert mon.retain_on_delete is True
    assert mon.delete_before_replace is True
    # Uploaded sources stay unprotected: replacing a file loses nothing.
    assert all(not r.protect for r in p.of_type(FILE))


def test_unprotected_stack_leaves_deletes_possible(program) -> None:
    p = program("dev")
    the_rows = rows(pipelines={"main": pipeline(**MAIN)}, quality_monitors={"orders": monitor()})
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert p.one(PIPELINE, "main").protect is False
    assert p.one(MONITOR, "orders").protect is False
    assert p.one(MONITOR, "orders").retain_on_delete is False


def test_release_lifts_protection_and_retention_for_listed_rows_only(program) -> None:
    p = program("prod")
    settings = StackSettings(protect=True, release=["pipelines.main", "quality_monitors.orders"])
    the_rows = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(catalog="olist")},
        quality_monitors={"orders": monitor(), "items": monitor(table_name="olist.gold.items")},
    )
    p.run(lambda: build_rows(settings, the_rows, "prod"))
    assert p.one(PIPELINE, "main").protect is False
    assert p.one(PIPELINE, "cdc").protect is True
    assert p.one(MONITOR, "orders").protect is False
    assert p.one(MONITOR, "orders").retain_on_delete is False
    assert p.one(MONITOR, "items").protect is True
    assert p.one(MONITOR, "items").retain_on_delete is True


def test_monitor_reset_is_the_replacement_trigger(program) -> None:
    p = program("dev")
    the_rows = rows(quality_monitors={"orders": monitor(), "items": monitor(reset=2)})
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert p.one(MONITOR, "orders").replacement_trigger == 0
    assert p.one(MONITOR, "items").replacement_trigger == 2
    assert "reset" not in p.one(MONITOR, "items").inputs


def test_monitor_mapping(program) -> None:
    p = program("prod")
    row = monitor(
        snapshot=None,
        time_series={"timestamp_col": "ts", "granularities": ["1 day"]},
        custom_metrics=[
            {
                "type": "AGGREGATE",
                "name": "revenue",
                "input_columns": [":table"],
                "definition": "SUM(price)",
                "output_data_type": "double",
            }
        ],
        slicing_exprs=["state"],
        schedule={"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"},
        notifications={"on_failure": {"email_addresses": ["a@example.com"]}},
        previous_keys=["orders_old"],
    )
    p.run(lambda: build_rows(StackSettings(), rows(quality_monitors={"orders": row}), "prod"))
    reg = p.one(MONITOR, "orders")
    assert reg.inputs["tableName"] == "olist.gold.orders"
    assert reg.inputs["timeSeries"] == {"timestampCol": "ts", "granularities": ["1 day"]}
    (metric,) = reg.inputs["customMetrics"]
    assert metric["type"] == "CUSTOM_METRIC_TYPE_AGGREGATE"
    assert json.loads(metric["outputDataType"])["type"] == "double"
    assert metric["inputColumns"] == [":table"]
    assert reg.inputs["slicingExprs"] == ["state"]
    assert reg.inputs["notifications"] == {"onFailure": {"emailAddresses": ["a@example.com"]}}
    assert reg.aliases == ["orders_old"]
    assert "previousKeys" not in reg.inputs and "tags" not in reg.inputs


PREVIOUS = {
    "pipelines": {"main": {"id": "p1", "protected": True}, "cdc": {"id": "p2", "protected": True}},
    "quality_monitors": {
        "orders": {"table_name": "olist.gold.orders", "protected": True, "reset": 0},
        "items": {"table_name": "olist.gold.items", "protected": True, "reset": 0},
    },
}
ITEMS = monitor(table_name="olist.gold.items")


def test_removing_a_protected_row_fails_with_the_release_steps(program) -> None:
    p = program("prod", None, PREVIOUS)
    the_rows = rows(pipelines={"main": pipeline(**MAIN)}, quality_monitors={"items": ITEMS})
    with pytest.raises(LakeformError) as err:
        p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    message = str(err.value)
    assert message.startswith("stack prod protects pipelines and quality monitors")
    assert "  pipelines.cdc: removed from the metadata, but protected\n" in message
    assert "  quality_monitors.orders: removed from the metadata, but protected\n" in message
    assert "add them to lakeform:settings.release in Pulumi.prod.yaml" in message
    assert "(release: [pipelines.cdc, quality_monitors.orders])" in message


def test_release_must_be_deployed_before_the_row_goes(program) -> None:
    # Released and removed in the same run: the last deployment still protects them, so Pulumi
    # would refuse the delete; the guard says so first.
    p = program("prod", None, PREVIOUS)
    settings = StackSettings(protect=True, release=["pipelines.cdc", "quality_monitors.orders"])
    the_rows = rows(pipelines={"main": pipeline(**MAIN)}, quality_monitors={"items": ITEMS})
    with pytest.raises(LakeformError, match=r"pipelines\.cdc: removed from the metadata"):
        p.run(lambda: build_rows(settings, the_rows, "prod"))


def test_released_deployed_or_renamed_rows_may_go(program) -> None:
    previous = {
        "pipelines": {**PREVIOUS["pipelines"], "cdc": {"id": "p2", "protected": False}},
        "quality_monitors": PREVIOUS["quality_monitors"],
    }
    p = program("prod", None, previous)
    the_rows = rows(
        pipelines={"main": pipeline(**MAIN)},
        quality_monitors={"orders_v2": monitor(previous_keys=["orders"]), "items": ITEMS},
    )
    p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    assert p.names(PIPELINE) == ["main"]
    assert p.one(MONITOR, "orders_v2").aliases == ["orders"]


def test_resetting_a_protected_monitor_needs_a_deployed_release(program) -> None:
    the_rows = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(catalog="olist")},
        quality_monitors={"orders": monitor(reset=1), "items": ITEMS},
    )
    p = program("prod", None, PREVIOUS)
    with pytest.raises(
        LakeformError,
        match=r"quality_monitors\.orders: reset changed from 0 to 1, but the monitor is protected",
    ):
        p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    released_before = {
        **PREVIOUS,
        "quality_monitors": {
            **PREVIOUS["quality_monitors"],
            "orders": {"table_name": "olist.gold.orders", "protected": False, "reset": 0},
        },
    }
    p = program("prod", None, released_before)
    settings = StackSettings(protect=True, release=["quality_monitors.orders"])
    p.run(lambda: build_rows(settings, the_rows, "prod"))
    reset = p.one(MONITOR, "orders")
    assert reset.replacement_trigger == 1 and reset.protect is False
    assert p.outputs["quality_monitors"]["orders"]["reset"] == 1


def test_a_monitor_table_or_warehouse_change_is_a_replacement_not_an_update(program) -> None:
    # The provider would PUT a new table_name to that table's monitor, and its update carries
    # warehouse_id and skip_builtin_dashboard over from the prior state.
    p = program("dev")
    p.run(lambda: build_rows(StackSettings(), rows(quality_monitors={"orders": monitor()}), "dev"))
    registered = p.one(MONITOR, "orders")
    assert registered.replace_on_changes == ["tableName", "warehouseId", "skipBuiltinDashboard"]
    assert registered.delete_before_replace is True


def test_a_reported_monitor_failure_is_ignored_as_a_change(program) -> None:
    # latest_monitor_failure_msg is an optional input of the provider that a refresh records
    # from the service; no row sets it, so without this every run would plan to remove it.
    p = program("dev")
    p.run(lambda: build_rows(StackSettings(), rows(quality_monitors={"orders": monitor()}), "dev"))
    registered = p.one(MONITOR, "orders")
    assert registered.ignore_changes == ["latestMonitorFailureMsg"]
    assert "latestMonitorFailureMsg" not in registered.inputs


def test_skip_builtin_dashboard_false_is_not_sent(program) -> None:
    # Read back only when true: an explicit false would be a diff on every refresh.
    p = program("dev")
    the_rows = rows(
        quality_monitors={
            "orders": monitor(skip_builtin_dashboard=False),
            "items": monitor(table_name="olist.gold.items", skip_builtin_dashboard=True),
        }
    )
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert "skipBuiltinDashboard" not in p.one(MONITOR, "orders").inputs
    assert p.one(MONITOR, "items").inputs["skipBuiltinDashboard"] is True


def test_changing_a_protected_monitors_table_needs_a_deployed_release(program) -> None:
    before = {
        **PREVIOUS,
        "quality_monitors": {
            **PREVIOUS["quality_monitors"],
            "orders": {
                "table_name": "olist.gold.orders",
                "protected": True,
                "reset": 0,
                "replaced_by": {
                    "table_name": "olist.gold.orders",
                    "warehouse_id": None,
                    "skip_builtin_dashboard": False,
                },
            },
        },
    }
    moved = monitor(table_name="olist.gold.orders_v2")
    the_rows = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(catalog="olist")},
        quality_monitors={"orders": moved, "items": ITEMS},
    )
    p = program("prod", None, before)
    with pytest.raises(
        LakeformError,
        match=r"quality_monitors\.orders: table_name changed from 'olist\.gold\.orders' to "
        r"'olist\.gold\.orders_v2', which replaces the monitor, but it is protected",
    ):
        p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    # unchanged fields pass
    same = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(catalog="olist")},
        quality_monitors={"orders": monitor(), "items": ITEMS},
    )
    p = program("prod", None, before)
    p.run(lambda: build_rows(StackSettings(protect=True), same, "prod"))
    assert p.one(MONITOR, "orders").protect is True


def test_removing_a_protected_pipelines_storage_needs_a_deployed_release(program) -> None:
    # storage is ForceNew; only the service's default dbfs:/pipelines/<uuid> is suppressed, so
    # removing a custom storage replaces the pipeline (deleted first: its tables dropped).
    before = {
        **PREVIOUS,
        "pipelines": {
            **PREVIOUS["pipelines"],
            "cdc": {"id": "p2", "protected": True, "replaced_by": {"storage": "dbfs:/custom"}},
        },
    }
    the_rows = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(catalog="olist")},
        quality_monitors={"orders": monitor(), "items": ITEMS},
    )
    p = program("prod", None, before)
    with pytest.raises(
        LakeformError,
        match=r"pipelines\.cdc: storage changed from 'dbfs:/custom' to None, which replaces the "
        r"pipeline, but it is protected",
    ):
        p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    kept = rows(
        pipelines={"main": pipeline(**MAIN), "cdc": pipeline(storage="dbfs:/custom")},
        quality_monitors={"orders": monitor(), "items": ITEMS},
    )
    p = program("prod", None, before)
    p.run(lambda: build_rows(StackSettings(protect=True), kept, "prod"))
    assert p.outputs["pipelines"]["cdc"]["replaced_by"] == {"storage": "dbfs:/custom"}


def test_unprotected_stacks_do_not_check_previous_rows(program) -> None:
    p = program("dev", None, PREVIOUS)
    p.run(lambda: build_rows(StackSettings(), rows(pipelines={"main": pipeline(**MAIN)}), "dev"))
    assert p.names(PIPELINE) == ["main"]
