"""A stack deployed as `make demo` deploys stack `local`: its control tables named in the stack's
clone settings file (lakeform:settings.clone_settings, in .lakeform/, not in git). Every
`lakeform` command must then read the same tables the deploy read: `lakeform plan` right after
the deploy shows no change (it showed the tables' jobs as deletes when the demo deployed with a
`--config-file` no command knew), `lakeform drift` none, `lakeform outputs` every row."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from deltalake import write_deltalake

from devtools.workspace.testing import RunningWorkspace
from metadata.delta import arrow_table
from metadata.formats.control_table import LAKEFORM, LFJM_V2
from tests.e2e import test_control_table as control_table
from tests.e2e.harness import Project
from tests.e2e.test_control_table import ETL, NOTEBOOK, ROWS, STACK, etl_row

CLONE_FILE = ".lakeform/local-settings.yaml"


def project(tmp: Path, workspace: RunningWorkspace) -> Project:
    """test_control_table's project, but the stack file names a clone settings file, as
    Pulumi.local.yaml does, and that file names the two control tables, as `make demo` writes."""
    made = control_table.project(tmp, workspace, tables={"clone_settings": CLONE_FILE})
    clone = made.dir / CLONE_FILE
    clone.parent.mkdir(parents=True, exist_ok=True)
    clone.write_text(yaml.safe_dump({"control_tables": [ETL, ROWS]}))
    return made


def test_plan_drift_and_outputs_after_a_deploy_read_the_clone_settings_tables(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    lakeform = project(tmp_path, workspace)
    write_deltalake(workspace.table_folder(ETL).as_uri(), arrow_table(LFJM_V2, [etl_row("load")]))
    row = {"name": "Table daily", "tasks": [{"task_key": "only", "notebook_task": NOTEBOOK}]}
    write_deltalake(
        workspace.table_folder(ROWS).as_uri(),
        arrow_table(
            LAKEFORM,
            [{"kind": "jobs", "key": "tbl_daily", "row": json.dumps(row), "disabled": False}],
        ),
    )

    # as scripts/demo.sh deploys: `pulumi up` of the program, no --config-file
    lakeform.up()
    w = workspace.client()
    assert {j.settings.name for j in w.jobs.list()} == {"YAML job", "Ingest", "Table daily"}

    plan = lakeform.lakeform("plan", "--stack", STACK)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith(
        f"plan for stack {STACK}: 0 to create, 0 to update, 0 to replace, 0 to delete "
        "(3 rows in the stack, 3 unchanged)"
    ), plan.stdout

    drift = lakeform.lakeform("drift", "--stack", STACK)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert drift.stdout.startswith(f"drift in stack {STACK}: none (3 rows in the stack"), (
        drift.stdout
    )

    outputs = lakeform.lakeform("outputs", "--stack", STACK)
    assert outputs.returncode == 0, outputs.stderr
    listed = [line.split()[0] for line in outputs.stdout.splitlines() if line.strip()]
    assert listed == ["jobs.from_yaml", "jobs.ingest", "jobs.tbl_daily"], outputs.stdout

    # without the clone file (a fresh clone, CI), the stack has no tables: their jobs would go
    (lakeform.dir / CLONE_FILE).unlink()
    without = lakeform.lakeform("plan", "--stack", STACK)
    assert without.returncode == 0, without.stderr
    assert without.stdout.startswith(
        f"plan for stack {STACK}: 0 to create, 0 to update, 0 to replace, 2 to delete"
    ), without.stdout
