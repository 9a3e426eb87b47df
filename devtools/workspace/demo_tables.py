"""`make demo`'s control tables: made and filled in the local workspace's Unity Catalog once.

    python -m devtools.workspace.demo_tables STATE_DIR STACK_FILE

Creates, when missing, two Unity Catalog tables of the local workspace whose state is in
STATE_DIR (its tables live in STATE_DIR/unity-catalog): lakeflow-jobs-meta's control table
`lakeform_local.ops.etl_control` (its v0.2 layout and JSON encodings, as its MERGE writes them)
and a Lakeform table `lakeform_local.ops.lakeform_rows`. Tables already there are left as they
are: edit them (deltalake, or SQL elsewhere) and run `make demo` again. Then names them as
`control_tables` in the clone settings file STACK_FILE names (`lakeform:settings.clone_settings`,
in .lakeform/, not in git), which every `lakeform` command and the Pulumi program read with the
stack file: the stack `make demo` deploys is the one `lakeform plan --stack local` compares with.
Pulumi.local.yaml itself names no table: a stack naming one can be validated only where the
table can be read, and CI and a fresh clone have no such table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from deltalake import DeltaTable, write_deltalake

from devtools.workspace.catalog import table_folder
from metadata.delta import arrow_table, now
from metadata.formats.control_table import LAKEFORM, LFJM_V2

ETL = "lakeform_local.ops.etl_control"
ROWS = "lakeform_local.ops.lakeform_rows"
NOTEBOOK = "src/lakeflow_jobs_meta/notebook_task/sample_ingestion_notebook.py"
WHO = "demo@lakeform.local"


def _etl_row(task_key: str, task_type: str, depends_on: list[str], **config: Any) -> dict[str, Any]:
    job_config = {"timeout_seconds": 3600, "tags": {"source": "control_table"}}
    return {
        "resource_id": "table_ingest",
        "job_name": "Control table - ingest and check",
        "task_key": task_key,
        "depends_on": json.dumps(depends_on),
        "task_type": task_type,
        "job_config": json.dumps(job_config),
        "task_config": json.dumps(config),
        "disabled": False,
        "created_by": WHO,
        "created_timestamp": now(),
        "updated_by": WHO,
        "updated_timestamp": now(),
    }


ETL_ROWS = [
    _etl_row(
        "ingest", "notebook", [], file_path=NOTEBOOK, parameters={"catalog": "${var.catalog}"}
    ),
    _etl_row(
        "row_count",
        "sql_query",
        ["ingest"],
        sql_query="SELECT COUNT(*) FROM IDENTIFIER(:catalog || '.bronze.customers')",
        parameters={"catalog": "${var.catalog}"},
    ),
]
LAKEFORM_ROWS = [
    {
        "kind": "jobs",
        "key": "table_weekly_report",
        "row": json.dumps(
            {
                "name": "Control table - weekly report",
                "schedule": {"quartz_cron_expression": "0 0 7 ? * MON", "timezone_id": "UTC"},
                "tasks": [{"task_key": "report", "notebook_task": {"notebook_path": NOTEBOOK}}],
            }
        ),
        "disabled": False,
        "created_by": WHO,
        "created_timestamp": now(),
        "updated_by": WHO,
        "updated_timestamp": now(),
    }
]


def ensure(root: Path, name: str, schema: Any, records: list[dict[str, Any]]) -> str:
    uri = table_folder(root, name).as_uri()
    if DeltaTable.is_deltatable(uri):
        return f"{name}: kept (Delta version {DeltaTable(uri).version()})"
    write_deltalake(uri, arrow_table(schema, records))
    return f"{name}: created with {len(records)} rows"


def main(argv: list[str]) -> int:
    state_dir, stack_file = (Path(a) for a in argv)
    root = state_dir / "unity-catalog"
    for said in (
        ensure(root, ETL, LFJM_V2, ETL_ROWS),
        ensure(root, ROWS, LAKEFORM, LAKEFORM_ROWS),
    ):
        print(f"==> control table {said}")
    doc = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    name = doc["config"]["lakeform:settings"].get("clone_settings")
    if not name:
        print(
            f"error: {stack_file}: lakeform:settings.clone_settings names no file", file=sys.stderr
        )
        return 1
    out = stack_file.parent / name
    clone = yaml.safe_load(out.read_text(encoding="utf-8")) if out.is_file() else None
    fields = clone if isinstance(clone, dict) else {}
    fields["control_tables"] = [ETL, ROWS]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"# Settings of the stack in {stack_file.name} that only this clone has\n"
        "# (lakeform:settings.clone_settings); `make demo` names its control tables here\n"
        "# (devtools/workspace/demo_tables.py).\n" + yaml.safe_dump(fields, sort_keys=False),
        encoding="utf-8",
    )
    print(f"==> {name}: control_tables: {', '.join(fields['control_tables'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
