"""`lakeform export` of data quality monitors against the local workspace: the monitors' ids
turned back into full names through Unity Catalog, so the rows are those a user writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from devtools.workspace.testing import RunningWorkspace, running_workspace
from metadata import load_rows

ROWS = """\
data_quality_monitors:
  sales:
    object_type: schema
    schema: main.sales
    anomaly_detection_config:
      excluded_table_full_names: [main.sales.scratch]
  orders:
    object_type: table
    table: main.sales.orders
    data_profiling_config:
      output_schema: main.monitoring
      snapshot: {}
      skip_builtin_dashboard: true
      schedule: {quartz_cron_expression: 0 0 6 * * ?, timezone_id: UTC}
      slicing_exprs: [country]
"""


@pytest.fixture(autouse=True)
def workspace_env(
    clean_databricks_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def ws(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        for k, v in running.env().items():
            monkeypatch.setenv(k, v)
        yield running


def deploy(ws: RunningWorkspace, rows: Any) -> None:
    """Create each row's monitor as the provider does: the object's id looked up by name
    (components/data_quality_monitors.py: get_schema / get_table), then POST /monitors."""
    w = ws.client()
    (ws.table_folder("main.sales.orders") / "_delta_log").mkdir(parents=True)
    for row in rows.data_quality_monitors.values():
        body: dict[str, Any] = row.model_dump(
            exclude_none=True, by_alias=True, exclude={"schema_", "table"}
        )
        if row.object_type == "schema":
            body["object_id"] = str(w.schemas.get(row.object_name).schema_id)
        else:
            body["object_id"] = str(w.tables.get(row.object_name).table_id)
        profiling = body.get("data_profiling_config")
        if profiling is not None:
            output = profiling.pop("output_schema")
            profiling["output_schema_id"] = str(w.schemas.get(output).schema_id)
        w.api_client.do("POST", "/api/data-quality/v1/monitors", body=body)


def test_exported_monitors_are_the_rows_that_made_them(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "rows.yaml"
    source.write_text(ROWS, encoding="utf-8")
    rows = load_rows([source], root=tmp_path)
    deploy(ws, rows)

    out = tmp_path / "exported.yaml"
    code = main(["export", "--all-data-quality-monitors", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    text = out.read_text()
    assert "schema: main.sales" in text and "output_schema: main.monitoring" in text
    back = load_rows([out], root=tmp_path).data_quality_monitors
    # Keys come from the objects' names; the rows themselves are the same.
    assert back == {
        "main_sales": rows.data_quality_monitors["sales"],
        "main_sales_orders": rows.data_quality_monitors["orders"],
    }
    assert "exported 0 jobs, 0 pipelines, 0 quality monitors, 2 data quality monitors" in err


def test_monitors_are_named_by_their_objects_and_an_unknown_one_writes_nothing(
    ws: RunningWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "rows.yaml"
    source.write_text(ROWS, encoding="utf-8")
    rows = load_rows([source], root=tmp_path)
    deploy(ws, rows)

    out = tmp_path / "one.yaml"
    assert main(["export", "--data-quality-monitor", "main.sales.orders", "-o", str(out)]) == 0
    back = load_rows([out], root=tmp_path).data_quality_monitors
    assert back == {"main_sales_orders": rows.data_quality_monitors["orders"]}
    capsys.readouterr()

    missing = tmp_path / "missing.yaml"
    code = main(["export", "--data-quality-monitor", "main.other", "-o", str(missing)])
    err = capsys.readouterr().err
    assert code == 1
    assert "data quality monitor schema/" in err and "Monitor for schema 'main.other'" in err
    assert "nothing written" in err and not missing.exists()
    code = main(["export", "--data-quality-monitor", "main", "-o", str(missing)])
    err = capsys.readouterr().err
    assert code == 1 and "'main' is neither a schema (catalog.schema) nor a table" in err
