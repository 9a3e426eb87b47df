"""Rows from a Delta control table vs the same rows from YAML: load and validate (prints figures).

    uv run python devtools/benchmarks/bench_table.py [--rows 10000] [--repeat 3]

Three sources of the same N job rows (two tasks each), each loaded and validated for a stack
by `load_rows`: YAML files (100 rows a file), a Lakeform control table (one table row per job,
the row as JSON) named by its file:// URI, and the same table named catalog.schema.table in a
local workspace (Tables API and temporary credentials first). Also a lakeflow-jobs-meta table
of N task rows (N/2 jobs) against the same jobs in its YAML format, and one Delta version read
(what a watcher pays per table and iteration).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from deltalake import write_deltalake

from devtools.workspace.testing import running_workspace
from metadata import load_rows
from metadata.delta import Tables, arrow_table, now
from metadata.formats.control_table import LAKEFORM, LFJM_V2
from metadata.settings import StackSettings

ROWS_PER_FILE = 100
SETTINGS = StackSettings(metadata_paths=[], variables={"catalog": "cat"}, default_warehouse_id="wh")


def job(i: int) -> dict[str, Any]:
    return {
        "name": f"Job {i}",
        "timeout_seconds": 3600,
        "schedule": {"quartz_cron_expression": f"0 {i % 60} {i % 24} * * ?", "timezone_id": "UTC"},
        "tasks": [
            {
                "task_key": "ingest",
                "notebook_task": {
                    "notebook_path": "src/nb.py",
                    "base_parameters": {"c": "${var.catalog}"},
                },
            },
            {
                "task_key": "check",
                "depends_on": ["ingest"],
                "sql_task": {"file": {"path": "src/q.sql"}, "parameters": {"c": "${var.catalog}"}},
            },
        ],
    }


def lfjm_rows(n: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """N task rows of N/2 jobs, as lakeflow-jobs-meta's MERGE writes them, and the YAML file."""
    rows: list[dict[str, Any]] = []
    jobs: dict[str, Any] = {}
    for j in range(n // 2):
        config = {"timeout_seconds": 3600, "tags": {"n": str(j)}}
        tasks = [
            {"task_key": "ingest", "task_type": "notebook", "file_path": "src/nb.py"},
            {
                "task_key": "check",
                "task_type": "sql_query",
                "sql_query": "SELECT 1",
                "depends_on": ["ingest"],
            },
        ]
        jobs[f"j{j}"] = {"name": f"Job {j}", **config, "tasks": tasks}
        for t in tasks:
            task_config = {
                k: v for k, v in t.items() if k not in ("task_key", "task_type", "depends_on")
            }
            rows.append(
                {
                    "resource_id": f"j{j}",
                    "job_name": f"Job {j}",
                    "task_key": t["task_key"],
                    "depends_on": json.dumps(t.get("depends_on", [])),
                    "task_type": t["task_type"],
                    "job_config": json.dumps(config),
                    "task_config": json.dumps(task_config),
                    "disabled": False,
                    "created_by": "bench",
                    "created_timestamp": now(),
                    "updated_by": "bench",
                    "updated_timestamp": now(),
                }
            )
    return rows, {"metadata_version": "2.0", "jobs": jobs}


def project(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "nb.py").write_text("# Databricks notebook source\n")
    (root / "src" / "q.sql").write_text("SELECT 1\n")


def timed(repeat: int, load: Callable[[], int]) -> tuple[float, int]:
    times: list[float] = []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = load()
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n: int = args.rows
    with tempfile.TemporaryDirectory() as tmp, running_workspace() as ws:
        root = Path(tmp)
        project(root)
        jobs = {f"j{i}": job(i) for i in range(n)}
        yaml_dir = root / "yaml"
        yaml_dir.mkdir()
        keys = list(jobs)
        for f in range(0, n, ROWS_PER_FILE):
            chunk = {k: jobs[k] for k in keys[f : f + ROWS_PER_FILE]}
            (yaml_dir / f"rows_{f:05d}.yaml").write_text(yaml.safe_dump({"jobs": chunk}))
        records = [
            {"kind": "jobs", "key": k, "row": json.dumps(v), "disabled": False}
            for k, v in jobs.items()
        ]
        table = root / "table"
        write_deltalake(table.as_uri(), arrow_table(LAKEFORM, records))
        uc = "bench.ops.rows"
        write_deltalake(ws.table_folder(uc).as_uri(), arrow_table(LAKEFORM, records))
        lf_rows, lf_doc = lfjm_rows(n)
        lf_table = root / "etl_control"
        write_deltalake(lf_table.as_uri(), arrow_table(LFJM_V2, lf_rows))
        (root / "lfjm").mkdir()
        (root / "lfjm" / "jobs.yaml").write_text(yaml.safe_dump(lf_doc, sort_keys=False))
        uc_tables = Tables(ws.client)

        def load(paths: list[str], tables: list[str], via: Tables | None = None) -> int:
            settings = SETTINGS.model_copy(update={"control_tables": tables})
            rows = load_rows(
                [root / p for p in paths],
                root=root,
                stack="dev",
                settings=settings,
                tables=via or Tables(),
            )
            return len(rows.jobs)

        cases: list[tuple[str, Callable[[], int]]] = [
            (f"{n:,} job rows from YAML ({n // ROWS_PER_FILE} files)", lambda: load(["yaml"], [])),
            (f"{n:,} job rows from a Lakeform table (file://)", lambda: load([], [table.as_uri()])),
            (
                f"{n:,} job rows from a Lakeform table (Unity Catalog, local workspace)",
                lambda: load([], [uc], uc_tables),
            ),
            (f"{n // 2:,} jobs from lakeflow-jobs-meta YAML", lambda: load(["lfjm"], [])),
            (
                f"{n // 2:,} jobs ({n:,} task rows) from a lakeflow-jobs-meta table",
                lambda: load([], [lf_table.as_uri()]),
            ),
        ]
        print(f"load and validate for a stack, median of {args.repeat}:")
        for label, run in cases:
            seconds, count = timed(args.repeat, run)
            print(f"  {label:<72} {seconds:7.2f} s  ({count:,} jobs)")
        version_s, _ = timed(args.repeat, lambda: uc_tables.version(uc) or 0)
        print(
            f"  {'one Delta version read (Unity Catalog, local workspace)':<72} {version_s:7.3f} s"
        )


if __name__ == "__main__":
    main()
