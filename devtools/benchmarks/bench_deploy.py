"""Deploy figures: Lakeform's program against a plain pulumi_databricks program declaring the same
resources, same engine, same provider, one local workspace (prints figures; nothing asserted).

    uv run python -m devtools.benchmarks.bench_deploy                 # 50, 200 and 1,000 jobs
    uv run python -m devtools.benchmarks.bench_deploy --jobs 50       # one size

Per size: `up` from empty, a no-change `preview` without refresh (the ratio the issue asks for;
`--repeat N`: N of each, interleaved, and their median; `plain+gc` is the plain program again with
Lakeform's collector settings, stacks/heap.py, so that the second ratio is Lakeform's own cost),
a no-change `preview` with Lakeform's default refresh (one read per resource), the write calls of a
no-op deploy and of one changed row. Each job has 4 tasks; pipelines are 1 per 10 jobs, monitors 1
per 20. Needs `make toolchain` (the harness uses the provider it chose, at its rate limit).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from devtools.workspace.testing import running_workspace
from tests.e2e.harness import REPO, Project, copy_from_repository, provider_used

NOTEBOOK = "/Workspace/Shared/bench/ingest"
SQL_FILE = "/Workspace/Shared/bench/report.sql"
PIPELINE_FILE = "/Workspace/Shared/bench/pipeline.py"

PLAIN_PROGRAM = Path(__file__).with_name("plain_program") / "__main__.py"
BENCH_PROGRAM = ("__main__.py", "Pulumi.yaml", "metadata", "stacks", "components")
"""What the benchmarks copy of Lakeform's program (no policy pack: their stacks name none)."""
"""The same resources written directly with pulumi_databricks (reads spec.json)."""


def model(jobs: int, prefix: str) -> dict[str, Any]:
    """One size's resources as plain data; `prefix` keeps the two programs' names apart."""
    pipelines = max(1, jobs // 10)
    monitors = max(1, jobs // 20)
    return {
        "pipelines": [
            {
                "key": f"p{i}",
                "name": f"{prefix}pipeline {i}",
                "catalog": "main",
                "schema": f"bench_{i}",
                "file": PIPELINE_FILE,
            }
            for i in range(pipelines)
        ],
        "jobs": [
            {
                "key": f"j{i}",
                "name": f"{prefix}job {i}",
                "timeout_seconds": 3600,
                "cron": f"0 {i % 60} {i % 24} * * ?",
                "tasks": {"notebook": NOTEBOOK, "sql": SQL_FILE, "pipeline": f"p{i % pipelines}"},
            }
            for i in range(jobs)
        ],
        "monitors": [
            {
                "key": f"m{i}",
                "table": f"main.{prefix.strip().lower() or 'lf'}_bench.t{i}",
                "assets_dir": f"/Workspace/Shared/bench/{prefix.strip() or 'lf'}/m{i}",
                "schema": "main.bench_monitoring",
            }
            for i in range(monitors)
        ],
    }


def lakeform_rows(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "pipelines": {
            p["key"]: {
                "name": p["name"],
                "catalog": p["catalog"],
                "schema": p["schema"],
                "serverless": True,
                "libraries": [{"file": {"path": p["file"]}}],
            }
            for p in data["pipelines"]
        },
        "jobs": {
            j["key"]: {
                "name": j["name"],
                "timeout_seconds": j["timeout_seconds"],
                "schedule": {"quartz_cron_expression": j["cron"], "timezone_id": "UTC"},
                "tasks": [
                    {"task_key": "extract", "max_retries": 1,
                     "notebook_task": {"notebook_path": j["tasks"]["notebook"]}},
                    {"task_key": "load", "depends_on": ["extract"],
                     "pipeline_task": {"pipeline": j["tasks"]["pipeline"]}},
                    {"task_key": "report", "depends_on": ["load"],
                     "sql_task": {"warehouse_id": "bench-warehouse",
                                  "file": {"path": j["tasks"]["sql"], "source": "WORKSPACE"}}},
                    {"task_key": "verify", "depends_on": ["load"],
                     "notebook_task": {"notebook_path": j["tasks"]["notebook"]}},
                ],
            }
            for j in data["jobs"]
        },
        "quality_monitors": {
            m["key"]: {
                "table_name": m["table"],
                "assets_dir": m["assets_dir"],
                "output_schema_name": m["schema"],
                "snapshot": {},
            }
            for m in data["monitors"]
        },
    }  # fmt: skip


def plain_tags(data: dict[str, Any]) -> dict[str, Any]:
    """The plain program carries the same tags Lakeform adds, so both send the same bytes."""
    for kind in ("pipelines", "jobs"):
        for item in data[kind]:
            item["tags"] = {
                "lakeform_key": item["key"],
                "lakeform_managed": "true",
                "lakeform_stack": "bench",
            }
    return data


def timed(action: Callable[[], object]) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def lakeform_project(tmp: Path, ws: Any, rows: dict[str, Any]) -> Project:
    source = tmp / "lakeform-src"
    source.mkdir()
    copy_from_repository(BENCH_PROGRAM, source)
    (source / "rows").mkdir()
    (source / "rows" / "bench.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))
    stack = {"config": {"lakeform:settings": {"metadata_paths": ["rows"]}}}
    (source / "Pulumi.bench.yaml").write_text(yaml.safe_dump(stack))
    # rate_limit None: the provider's default (15 requests/s, as the real one), not the tests' off
    return Project.copy_of(source, tmp / "lakeform", workspace=ws, stack="bench", rate_limit=None)


def plain_project(tmp: Path, ws: Any, data: dict[str, Any]) -> Project:
    source = tmp / "plain-src"
    source.mkdir()
    shutil.copy2(PLAIN_PROGRAM, source / "__main__.py")
    shutil.copy2(REPO / "stacks" / "heap.py", source / "lakeform_heap.py")
    (source / "spec.json").write_text(json.dumps(data))
    (source / "Pulumi.yaml").write_text("name: plain\nruntime: python\n")
    return Project.copy_of(source, tmp / "plain", workspace=ws, stack="bench", rate_limit=None)


def measure(
    jobs: int, rate_limit: int | None, skip_checkpoints: bool, repeat: int = 1
) -> dict[str, Any]:
    figures: dict[str, Any] = {"jobs": jobs}
    with tempfile.TemporaryDirectory() as tmpdir, running_workspace() as ws:
        tmp = Path(tmpdir)
        for sub in ("lakeform", "plain"):
            (tmp / sub).mkdir()
        os.environ.setdefault("DATABRICKS_TOKEN", ws.token)
        lakeform = lakeform_project(tmp, ws, lakeform_rows(model(jobs, "")))
        plain = plain_project(tmp, ws, plain_tags(model(jobs, "Plain ")))
        for project in (lakeform, plain):
            if rate_limit:
                project.config("databricks:rateLimit", str(rate_limit))
            if skip_checkpoints:  # the engine then saves the state once, at the end of a run
                project.env["PULUMI_SKIP_CHECKPOINTS"] = "true"
        for name, project in (("lakeform", lakeform), ("plain", plain)):
            figures[f"{name}_up"] = timed(project.up)
        # Previews interleaved, `repeat` times each: the median, so that the ratio does not rest
        # on one run of each on a machine where other work comes and goes. "plain_gc": the
        # plain program with Lakeform's collector settings (stacks/heap.py).
        previews: dict[str, list[float]] = {"lakeform": [], "plain": [], "plain_gc": []}
        for _ in range(repeat):
            for name, project in (("lakeform", lakeform), ("plain", plain), ("plain_gc", plain)):
                if name == "plain_gc":
                    project.env["PLAIN_WITH_LAKEFORM_GC"] = "1"
                previews[name].append(timed(lambda p=project: p.preview("--refresh=false")))
                project.env.pop("PLAIN_WITH_LAKEFORM_GC", None)
        for name, times in previews.items():
            figures[f"{name}_preview"] = statistics.median(times)
            figures[f"{name}_previews"] = times
        for name, project in (("lakeform", lakeform), ("plain", plain)):
            figures[f"{name}_preview_refresh"] = timed(lambda p=project: p.preview("--refresh"))
        ws.requests.clear()
        lakeform.up("--refresh=false")
        figures["noop_writes"] = sum(ws.requests.writes().values())
        path = lakeform.dir / "rows" / "bench.yaml"
        rows = yaml.safe_load(path.read_text())
        rows["jobs"]["j0"]["timeout_seconds"] = 7200
        path.write_text(yaml.safe_dump(rows, sort_keys=False))
        ws.requests.clear()
        lakeform.up("--refresh=false")
        figures["one_row_writes"] = dict(ws.requests.writes())
        figures["resources"] = len(lakeform.state())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Deploy figures: Lakeform vs plain Pulumi.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--rate-limit", type=int, help="databricks:rateLimit (default: 15)")
    parser.add_argument(
        "--skip-checkpoints",
        action="store_true",
        help="PULUMI_SKIP_CHECKPOINTS=true: to see what the file backend's per-step saves cost",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="no-change previews of each program, interleaved; the median is shown (default: 1)",
    )
    args = parser.parse_args()
    print(f"# {datetime.now(UTC):%Y-%m-%d} on {platform.node()}, {os.cpu_count()} cores")
    print(f"# provider: {provider_used()}; rate limit {args.rate_limit or 'provider default'}")
    if args.skip_checkpoints:
        print("# PULUMI_SKIP_CHECKPOINTS=true (state saved once per run)")
    header = (
        f"{'jobs':>5} {'resources':>9} {'up LF':>8} {'up plain':>8} {'preview LF':>10} "
        f"{'preview plain':>13} {'ratio':>6} {'plain+gc':>8} {'ratio':>6} {'refresh LF':>10} "
        f"{'refresh plain':>13} {'no-op writes':>12} {'one-row writes'}"
    )
    print(header)
    for jobs in args.jobs:
        f = measure(jobs, args.rate_limit, args.skip_checkpoints, args.repeat)
        ratio = f["lakeform_preview"] / f["plain_preview"]
        ratio_gc = f["lakeform_preview"] / f["plain_gc_preview"]
        print(
            f"{jobs:>5} {f['resources']:>9} {f['lakeform_up']:>7.1f}s {f['plain_up']:>7.1f}s "
            f"{f['lakeform_preview']:>9.1f}s {f['plain_preview']:>12.1f}s {ratio:>6.2f} "
            f"{f['plain_gc_preview']:>7.1f}s {ratio_gc:>6.2f} "
            f"{f['lakeform_preview_refresh']:>9.1f}s {f['plain_preview_refresh']:>12.1f}s "
            f"{f['noop_writes']:>12} {f['one_row_writes']}",
            flush=True,
        )
        if args.repeat > 1:
            for name in ("lakeform", "plain", "plain_gc"):
                runs = ", ".join(f"{t:.1f}" for t in f[f"{name}_previews"])
                print(f"#   {name} previews (s): {runs}", flush=True)


if __name__ == "__main__":
    main()
