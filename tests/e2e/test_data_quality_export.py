"""Data quality monitors deployed by the real engine, then exported: `lakeform export` gives
back the rows that deployed them (the ids the deploy looked up turned back into names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from devtools.workspace.testing import RunningWorkspace
from metadata import load_rows
from tests.e2e.harness import LAKEFORM_PROGRAM, Project
from tests.e2e.test_data_quality import PROGRAMS, ROWS


def test_deployed_monitors_export_as_the_rows_that_deployed_them(
    workspace: RunningWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project.copy_of(
        PROGRAMS / "lakeform", tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )
    rows_file = project.dir / "resources" / "rows.yaml"
    rows_file.write_text(ROWS, encoding="utf-8")
    (workspace.table_folder("main.sales.orders") / "_delta_log").mkdir(parents=True)
    project.up()

    for k, v in workspace.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(project.dir)
    out = tmp_path / "exported.yaml"
    assert main(["export", "--all-data-quality-monitors", "-o", str(out)]) == 0

    deployed = load_rows([rows_file], root=project.dir).data_quality_monitors
    exported = load_rows([out], root=project.dir).data_quality_monitors
    assert exported == {
        "main_sales": deployed["sales"],
        "main_sales_orders": deployed["orders"],
    }
