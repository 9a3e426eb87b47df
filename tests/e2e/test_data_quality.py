"""A data quality monitor row through the real engine and the local provider: the schema's id
looked up by name, the monitor deployed on it, the stack output, a second up that writes
nothing, then `lakeform export` giving back the rows that deployed them (the ids the deploy
looked up turned back into names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from devtools.workspace.testing import RunningWorkspace
from metadata import load_rows
from tests.e2e.harness import LAKEFORM_PROGRAM, Project

PROGRAMS = Path(__file__).parent / "programs"
ROWS = """\
data_quality_monitors:
  sales:
    object_type: schema
    schema: main.sales
    anomaly_detection_config: {excluded_table_full_names: [main.sales.scratch]}
  orders:
    object_type: table
    table: main.sales.orders
    data_profiling_config:
      output_schema: main.monitoring
      snapshot: {}
      skip_builtin_dashboard: true
"""


def test_data_quality_monitor_rows_deploy_a_second_up_writes_nothing_and_they_export_back(
    workspace: RunningWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One test for what were two (this one and test_data_quality_export.py's), each of which
    deployed these rows from empty: the export's set-up was this test's first deploy."""
    project = Project.copy_of(
        PROGRAMS / "lakeform", tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )
    rows_file = project.dir / "resources" / "rows.yaml"
    rows_file.write_text(ROWS, encoding="utf-8")
    # The monitored table exists (a Delta table in its folder, devtools/workspace/catalog.py).
    (workspace.table_folder("main.sales.orders") / "_delta_log").mkdir(parents=True)
    project.up()

    w = workspace.client()
    schema_id = str(w.schemas.get("main.sales").schema_id)
    table_id = str(w.tables.get("main.sales.orders").table_id)
    sales = w.data_quality.get_monitor("schema", schema_id)
    assert sales.anomaly_detection_config is not None
    assert sales.anomaly_detection_config.excluded_table_full_names == ["main.sales.scratch"]
    orders = w.data_quality.get_monitor("table", table_id)
    profiling = orders.data_profiling_config
    assert profiling is not None
    assert profiling.output_schema_id == w.schemas.get("main.monitoring").schema_id
    assert profiling.profile_metrics_table_name == "main.monitoring.orders_profile_metrics"
    out = project.outputs()["data_quality_monitors"]
    assert out["sales"]["object_id"] == schema_id and out["orders"]["object_id"] == table_id
    assert out["orders"]["object"] == "main.sales.orders"

    workspace.requests.clear()
    project.up()
    assert workspace.requests.writes() == {}
    assert set(project.changes()) == {"same"}

    # The deployed monitors exported: the rows that deployed them.
    for k, v in workspace.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(project.dir)
    exported_file = tmp_path / "exported.yaml"
    assert main(["export", "--all-data-quality-monitors", "-o", str(exported_file)]) == 0
    deployed = load_rows([rows_file], root=project.dir).data_quality_monitors
    exported = load_rows([exported_file], root=project.dir).data_quality_monitors
    assert exported == {
        "main_sales": deployed["sales"],
        "main_sales_orders": deployed["orders"],
    }
