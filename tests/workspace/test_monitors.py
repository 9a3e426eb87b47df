"""Quality monitors through databricks-sdk: echo, server fields, update, delete, refreshes."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service import catalog

from devtools.workspace.testing import RunningWorkspace
from tests.workspace.helpers import call
from tests.workspace.specs import inference_monitor, snapshot_monitor, time_series_monitor

SERVER_FIELDS = {
    "status",
    "monitor_version",
    "profile_metrics_table_name",
    "drift_metrics_table_name",
    "dashboard_id",
    "table_name",
}
WRITE_ONLY = ("warehouse_id", "skip_builtin_dashboard")


def path(table: str) -> str:
    return f"/api/2.1/unity-catalog/tables/{table}/monitor"


def expected_echo(body: dict[str, Any]) -> dict[str, Any]:
    echo = {k: v for k, v in body.items() if k not in WRITE_ONLY}
    if "schedule" in echo:
        echo["schedule"] = {**echo["schedule"], "pause_status": "UNPAUSED"}
    return echo


@pytest.mark.parametrize(
    "body",
    [time_series_monitor(), snapshot_monitor(), inference_monitor()],
    ids=["time_series", "snapshot", "inference_log"],
)
def test_monitor_is_echoed_with_server_fields(w: WorkspaceClient, body: dict[str, Any]) -> None:
    table = "main.wanderbricks_gold.fact_booking_daily"
    created = call(w, "POST", path(table), body=body)
    answer = call(w, "GET", path(table))
    assert answer == created
    assert {k: v for k, v in answer.items() if k not in SERVER_FIELDS} == expected_echo(body)
    assert answer["table_name"] == table
    assert answer["status"] == "MONITOR_STATUS_ACTIVE"
    assert answer["monitor_version"] == 1
    out = body["output_schema_name"]
    assert answer["profile_metrics_table_name"] == f"{out}.fact_booking_daily_profile_metrics"
    assert answer["drift_metrics_table_name"] == f"{out}.fact_booking_daily_drift_metrics"
    assert ("dashboard_id" in answer) == (not body.get("skip_builtin_dashboard"))
    # The SDK parses every field back to the same JSON.
    assert w.quality_monitors.get(table).as_dict() == answer


def test_percent_encoded_table_names(w: WorkspaceClient) -> None:
    table = "main.sales.orders 2024"
    encoded = urllib.parse.quote(table, safe="")
    call(w, "POST", path(encoded), body=snapshot_monitor())
    assert call(w, "GET", path(urllib.parse.quote(table)))["table_name"] == table
    assert w.quality_monitors.get(encoded).table_name == table


def test_typed_create_update_keeps_outputs_and_bumps_version(w: WorkspaceClient) -> None:
    table = "main.gold.dim_host"
    created = w.quality_monitors.create(
        table_name=table,
        assets_dir="/Workspace/Shared/monitoring/dim_host",
        output_schema_name="main.monitoring",
        snapshot=catalog.MonitorSnapshot(),
        slicing_exprs=["country"],
    )
    assert created.status == catalog.MonitorInfoStatus.MONITOR_STATUS_ACTIVE
    updated = w.quality_monitors.update(
        table_name=table,
        output_schema_name="main.monitoring",
        snapshot=catalog.MonitorSnapshot(),
        slicing_exprs=["country", "is_verified"],
        schedule=catalog.MonitorCronSchedule(
            quartz_cron_expression="0 0 8 * * ?", timezone_id="UTC"
        ),
    )
    assert updated.monitor_version == 2
    got = w.quality_monitors.get(table)
    assert got.slicing_exprs == ["country", "is_verified"]
    assert got.assets_dir == "/Workspace/Shared/monitoring/dim_host"
    assert got.dashboard_id == created.dashboard_id
    assert got.profile_metrics_table_name == created.profile_metrics_table_name
    assert got.schedule is not None
    assert got.schedule.pause_status == catalog.MonitorCronSchedulePauseStatus.UNPAUSED


def test_second_create_is_already_exists(w: WorkspaceClient) -> None:
    call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    with pytest.raises(DatabricksError) as err:
        call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


def test_delete_is_404_at_once(w: WorkspaceClient) -> None:
    call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    w.quality_monitors.delete("main.s.t")
    with pytest.raises(NotFound) as err:
        w.quality_monitors.get("main.s.t")
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(NotFound):
        w.quality_monitors.delete("main.s.t")
    with pytest.raises(NotFound):
        call(w, "PUT", path("main.s.t"), body={"output_schema_name": "main.mon", "snapshot": {}})


def test_refreshes_run_to_success_and_can_be_cancelled(w: WorkspaceClient) -> None:
    call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    first = w.quality_monitors.run_refresh("main.s.t")
    assert first.state == catalog.MonitorRefreshInfoState.PENDING
    assert first.trigger == catalog.MonitorRefreshInfoTrigger.MANUAL
    deadline = time.monotonic() + 5
    while w.quality_monitors.get_refresh("main.s.t", first.refresh_id or 0).state != (
        catalog.MonitorRefreshInfoState.SUCCESS
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = w.quality_monitors.run_refresh("main.s.t")
    w.quality_monitors.cancel_refresh("main.s.t", second.refresh_id or 0)
    listed = w.quality_monitors.list_refreshes("main.s.t").refreshes or []
    assert [(r.refresh_id, r.state) for r in listed] == [
        (second.refresh_id, catalog.MonitorRefreshInfoState.CANCELED),
        (first.refresh_id, catalog.MonitorRefreshInfoState.SUCCESS),
    ]
    with pytest.raises(NotFound):
        w.quality_monitors.get_refresh("main.s.t", 99)


BASE = {"assets_dir": "/Workspace/m", "output_schema_name": "main.mon"}
SNAP: dict[str, Any] = {"snapshot": {}}
REJECTIONS: list[tuple[str, dict[str, Any], str]] = [
    (
        "no profile type",
        BASE,
        r"exactly one of snapshot, time_series and inference_log \(found: none\)",
    ),
    (
        "two profile types",
        {**BASE, **SNAP, "time_series": {"timestamp_col": "ts", "granularities": ["1 day"]}},
        r"exactly one of .* \(found: snapshot, time_series\)",
    ),
    (
        "missing output schema",
        {"assets_dir": "/Workspace/m", **SNAP},
        r"missing required field 'output_schema_name'",
    ),
    (
        "unknown field",
        {**BASE, **SNAP, "slicing_expr": ["a"]},
        r"unknown field 'slicing_expr' .*'slicing_exprs'",
    ),
    (
        "wrong metric type",
        {
            **BASE,
            **SNAP,
            "custom_metrics": [
                {
                    "type": "AGGREGATE",
                    "name": "n",
                    "input_columns": [":table"],
                    "definition": "COUNT(*)",
                    "output_data_type": "bigint",
                }
            ],
        },
        r"custom_metrics\[0\]\.type: invalid MonitorMetricType value 'AGGREGATE'; allowed: "
        r"CUSTOM_METRIC_TYPE_AGGREGATE",
    ),
    ("wrong type", {**BASE, **SNAP, "slicing_exprs": "a"}, r"slicing_exprs: expected an array"),
    ("table name mismatch", {**BASE, **SNAP, "table_name": "main.s.u"}, r"does not match"),
]


@pytest.mark.parametrize(("case", "body", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_create_rejections(
    w: WorkspaceClient, case: str, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        call(w, "POST", path("main.s.t"), body=body)
    with pytest.raises(NotFound):
        w.quality_monitors.get("main.s.t")


def test_table_name_must_have_three_parts(w: WorkspaceClient) -> None:
    with pytest.raises(InvalidParameterValue, match="three-part name"):
        call(w, "POST", path("s.t"), body=snapshot_monitor())


def test_update_rejects_a_monitor_without_exactly_one_profile(w: WorkspaceClient) -> None:
    call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    with pytest.raises(InvalidParameterValue, match="exactly one of"):
        call(w, "PUT", path("main.s.t"), body={"output_schema_name": "main.mon"})
    assert w.quality_monitors.get("main.s.t").monitor_version == 1


def test_a_failing_refresh_is_reported_by_the_monitor_until_one_succeeds(
    ws: RunningWorkspace, w: WorkspaceClient
) -> None:
    call(w, "POST", path("main.s.t"), body=snapshot_monitor())
    ws.fail_monitor_refreshes("main.s.t", "table main.s.t not found")
    failed = w.quality_monitors.run_refresh("main.s.t")
    assert "latest_monitor_failure_msg" not in call(w, "GET", path("main.s.t"))  # still running
    done = _ended(w, failed.refresh_id or 0)
    assert (done.state, done.message) == (
        catalog.MonitorRefreshInfoState.FAILED,
        "table main.s.t not found",
    )
    assert call(w, "GET", path("main.s.t"))["latest_monitor_failure_msg"] == (
        "table main.s.t not found"
    )
    # An update keeps reporting it, and one that sends the field sets nothing; a refresh that
    # succeeds clears it.
    body = {"output_schema_name": "main.mon", "snapshot": {}, "latest_monitor_failure_msg": "x"}
    call(w, "PUT", path("main.s.t"), body=body)
    assert call(w, "GET", path("main.s.t"))["latest_monitor_failure_msg"] == (
        "table main.s.t not found"
    )
    ws.fail_monitor_refreshes("main.s.t", None)
    assert _ended(w, w.quality_monitors.run_refresh("main.s.t").refresh_id or 0).state == (
        catalog.MonitorRefreshInfoState.SUCCESS
    )
    assert "latest_monitor_failure_msg" not in call(w, "GET", path("main.s.t"))


def _ended(w: WorkspaceClient, refresh_id: int) -> catalog.MonitorRefreshInfo:
    deadline = time.monotonic() + 5
    while True:
        refresh = w.quality_monitors.get_refresh("main.s.t", refresh_id)
        if refresh.state not in (
            catalog.MonitorRefreshInfoState.PENDING,
            catalog.MonitorRefreshInfoState.RUNNING,
        ):
            return refresh
        assert time.monotonic() < deadline
        time.sleep(0.05)
