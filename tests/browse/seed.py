"""A workspace like the ones teams adopt from: 2,000 jobs, 200 pipelines, 50 monitors, a few
deployed by Lakeform stacks, notebooks the tasks name."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

TEAMS = ("finance", "marketing", "logistics", "risk", "sales", "hr", "ops", "growth")
SUBJECTS = ("revenue", "orders", "churn", "inventory", "payments", "leads", "claims", "events")
CADENCE = ("daily", "hourly", "weekly", "backfill")
NOTEBOOK_DIR = "/Workspace/Users/ana@example.com/etl"
SPECIAL_JOB = "Olist orders nightly"
REPORT = f"{NOTEBOOK_DIR}/report"


@dataclass
class Seeded:
    job_ids: list[int] = field(default_factory=list[int])
    pipeline_ids: list[str] = field(default_factory=list[str])
    tables: list[str] = field(default_factory=list[str])
    """Tables with a monitor."""
    managed: dict[str, str] = field(default_factory=dict[str, str])
    """ref -> stack, for what a Lakeform stack deployed."""
    special_job: int = 0


def _tags(i: int, key: str) -> dict[str, str]:
    tags = {"team": TEAMS[i % len(TEAMS)]}
    stack = "local" if i % 20 == 3 else "prod" if i % 50 == 7 else None
    if stack is not None:
        tags |= {"lakeform_managed": "true", "lakeform_stack": stack, "lakeform_key": key}
    return tags


def job_spec(i: int) -> dict[str, Any]:
    name = f"{TEAMS[i % 8].title()} {SUBJECTS[(i // 8) % 8]} {CADENCE[(i // 64) % 4]} {i:04d}"
    tasks: list[dict[str, Any]] = [
        {
            "task_key": "extract",
            "notebook_task": {"notebook_path": f"{NOTEBOOK_DIR}/extract_{i % 5}"},
        },
        {
            "task_key": "transform",
            "depends_on": [{"task_key": "extract"}],
            "notebook_task": {"notebook_path": f"{NOTEBOOK_DIR}/transform_{i % 5}"},
        },
    ]
    if i % 3 == 0:
        tasks.append(
            {
                "task_key": "report",
                "depends_on": [{"task_key": "transform"}, {"task_key": "extract"}],
                "notebook_task": {"notebook_path": f"{NOTEBOOK_DIR}/report"},
            }
        )
    spec: dict[str, Any] = {"name": name, "tasks": tasks, "tags": _tags(i, f"job_{i}")}
    if i % 4 == 0:
        spec["schedule"] = {"quartz_cron_expression": "0 0 6 * * ?", "timezone_id": "UTC"}
    return spec


def seed(w: Any, jobs: int = 2000, pipelines: int = 200, monitors: int = 50) -> Seeded:
    """Create it all through the REST API (eight at once)."""
    api = w.api_client.do
    seeded = Seeded()
    api("POST", "/api/2.0/workspace/mkdirs", body={"path": NOTEBOOK_DIR})
    names = [f"extract_{n}" for n in range(5)] + [f"transform_{n}" for n in range(5)] + ["report"]
    for name in names:
        source = f"# Databricks notebook source\nprint('{name}')\n"
        api(
            "POST",
            "/api/2.0/workspace/import",
            body={
                "path": f"{NOTEBOOK_DIR}/{name}",
                "format": "SOURCE",
                "language": "PYTHON",
                "content": base64.b64encode(source.encode()).decode(),
            },
        )

    def make_job(i: int) -> int:
        return int(api("POST", "/api/2.2/jobs/create", body=job_spec(i))["job_id"])

    def make_pipeline(i: int) -> str:
        spec = {
            "name": f"{TEAMS[i % 8]}_{SUBJECTS[(i // 8) % 8]}_pipeline_{i:03d}",
            "catalog": "main",
            "schema": TEAMS[i % 8],
            "serverless": True,
            "libraries": [{"notebook": {"path": f"{NOTEBOOK_DIR}/transform_{i % 5}"}}],
            "tags": _tags(i, f"pipeline_{i}"),
        }
        return str(api("POST", "/api/2.0/pipelines", body=spec)["pipeline_id"])

    def make_monitor(i: int) -> str:
        table = f"main.{TEAMS[i % 8]}.fact_{SUBJECTS[i % 8]}_{i:02d}"
        body = {
            "assets_dir": f"/Workspace/Shared/monitoring/{i}",
            "output_schema_name": "main.monitoring",
            "snapshot": {},
        }
        api("POST", f"/api/2.1/unity-catalog/tables/{table}/monitor", body=body)
        return table

    with ThreadPoolExecutor(max_workers=8) as pool:
        seeded.job_ids = list(pool.map(make_job, range(jobs)))
        seeded.pipeline_ids = list(pool.map(make_pipeline, range(pipelines)))
        seeded.tables = list(pool.map(make_monitor, range(monitors)))
    seeded.special_job = int(
        api(
            "POST",
            "/api/2.2/jobs/create",
            body={
                "name": SPECIAL_JOB,
                "tasks": [{"task_key": "load", "notebook_task": {"notebook_path": REPORT}}],
            },
        )["job_id"]
    )
    for i, job_id in enumerate(seeded.job_ids):
        tags = job_spec(i)["tags"]
        if "lakeform_stack" in tags:
            seeded.managed[f"jobs:{job_id}"] = tags["lakeform_stack"]
    for i, pipeline_id in enumerate(seeded.pipeline_ids):
        tags = _tags(i, "")
        if "lakeform_stack" in tags:
            seeded.managed[f"pipelines:{pipeline_id}"] = tags["lakeform_stack"]
    return seeded
