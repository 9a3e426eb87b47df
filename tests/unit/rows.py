"""Small row builders for the unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metadata import Rows
from metadata.models import JobRow, PipelineRow, QualityMonitorRow
from metadata.settings import StackSettings
from stacks.build import Built, build

JOB = "databricks:index/job:Job"
PIPELINE = "databricks:index/pipeline:Pipeline"
MONITOR = "databricks:index/qualityMonitor:QualityMonitor"
NOTEBOOK = "databricks:index/notebook:Notebook"
FILE = "databricks:index/workspaceFile:WorkspaceFile"

SOURCES = {
    "src/utils/data_generator.py": b"# Databricks notebook source\nprint('generate')\n",
    "src/jobs/report.py": b"print('report')\n",
    "src/sql/load.sql": b"SELECT 1;\n",
    "src/pipelines/main/bronze.py": b"import dlt\n",
    "src/pipelines/main/silver.sql": b"CREATE MATERIALIZED VIEW s AS SELECT 1;\n",
    "src/pipelines/cdc.py": b"import dlt\n",
    "src/explore.ipynb": b'{"cells": [], "metadata": {"language_info": {"name": "sql"}}}',
    "dist/demo-0.1-py3-none-any.whl": b"PK\x03\x04 a wheel",
    "lib/print_args.jar": b"PK\x03\x04 a jar",
}
GLOBS = {"src/pipelines/main/**": ["src/pipelines/main/bronze.py", "src/pipelines/main/silver.sql"]}


def job(**fields: Any) -> JobRow:
    return JobRow.model_validate(fields)


def pipeline(**fields: Any) -> PipelineRow:
    return PipelineRow.model_validate(fields)


def monitor(**fields: Any) -> QualityMonitorRow:
    base: dict[str, Any] = {
        "table_name": "olist.gold.orders",
        "assets_dir": "/Workspace/Shared/lakeform/monitors/orders",
        "output_schema_name": "olist.monitoring",
        "snapshot": {},
    }
    return QualityMonitorRow.model_validate({**base, **fields})


def rows(
    jobs: dict[str, JobRow] | None = None,
    pipelines: dict[str, PipelineRow] | None = None,
    quality_monitors: dict[str, QualityMonitorRow] | None = None,
) -> Rows:
    return Rows(jobs=jobs or {}, pipelines=pipelines or {}, quality_monitors=quality_monitors or {})


def build_rows(
    settings: StackSettings, the_rows: Rows, stack: str, host: str | None = "https://ws.example"
) -> Built:
    return build(
        settings,
        the_rows,
        stack=stack,
        root=Path("/nonexistent"),
        host=host,
        sources=SOURCES,
        glob_matches=GLOBS,
    )
