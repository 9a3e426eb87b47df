"""Shard figures: one environment of N jobs as 1 stack against 10 shards (lakeform:settings.shards,
by a tag), through the `lakeform` command, one local workspace each (prints figures; nothing
asserted).

    uv run python -m devtools.benchmarks.bench_shards --jobs 500 2000   # sizes
    uv run python -m devtools.benchmarks.bench_shards --jobs 500 -j 2 --shards 10

Per size and layout: `lakeform up --yes` from empty (preview, then deploy; the shards `-j` at
once, each its own engine), a no-change `lakeform plan`, `lakeform up` of one changed row (its
write calls to the workspace), and the peak resident memory of the largest program process (the
Python language host running __main__.py: VmHWM, sampled from /proc while it runs). Rows as in
bench_deploy (4 tasks a job; 1 pipeline per 10 jobs, 1 monitor per 20), the provider's default
rate limit, the engine's default checkpoints (one state save per step).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from devtools.benchmarks.bench_deploy import lakeform_rows, model
from devtools.workspace.testing import running_workspace
from tests.e2e.harness import REPO, Project, provider_used


@contextmanager
def peak_program_memory(project_dir: Path) -> Iterator[list[int]]:
    """The largest VmHWM (kB) of a Python program process running in `project_dir`, sampled
    twice a second (the value is the process's own peak, so a late sample still sees it)."""
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if os.readlink(f"/proc/{pid}/cwd") != str(project_dir):
                        continue
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"language-python-exec" not in cmdline:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
                except OSError:
                    continue
            stop.wait(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def project(tmp: Path, ws: Any, rows: dict[str, Any], shards: int) -> Project:
    source = tmp / "src"
    source.mkdir(parents=True)
    for name in ("__main__.py", "Pulumi.yaml", "metadata", "stacks", "components"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / name)
    settings: dict[str, Any] = {"metadata_paths": ["rows"]}
    if shards > 1:
        # By a `shard` tag that keeps each job with the pipeline it runs (as a team tag would):
        # by hash, jobs and pipelines of two shards name each other both ways, a cycle that
        # `lakeform validate` refuses.
        names = [str(n) for n in range(shards)]
        pipelines = len(rows["pipelines"])
        for i, key in enumerate(rows["pipelines"]):
            rows["pipelines"][key]["tags"] = {"shard": names[i % shards]}
        for i, key in enumerate(rows["jobs"]):
            rows["jobs"][key]["tags"] = {"shard": names[(i % pipelines) % shards]}
        settings["shards"] = {"by": "tag", "tag": "shard", "names": names, "default": "0"}
    (source / "rows").mkdir()
    (source / "rows" / "bench.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))
    (source / "Pulumi.bench.yaml").write_text(
        yaml.safe_dump({"config": {"lakeform:settings": settings}})
    )
    return Project.copy_of(source, tmp / "project", workspace=ws, stack="bench", rate_limit=None)


def lakeform(p: Project, *args: str) -> float:
    start = time.monotonic()
    done = p.lakeform(*args, "--stack", "bench", timeout=6 * 3600)
    if done.returncode != 0:
        raise RuntimeError(f"lakeform {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.monotonic() - start


def measure(jobs: int, shards: int, parallel: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    j = ["-j", str(parallel)]
    with tempfile.TemporaryDirectory() as tmpdir, running_workspace() as ws:
        p = project(Path(tmpdir), ws, lakeform_rows(model(jobs, "")), shards)
        with peak_program_memory(p.dir) as peak:
            figures["up"] = lakeform(p, "up", "--yes", *j)
            figures["plan"] = lakeform(p, "plan", *j)
            path = p.dir / "rows" / "bench.yaml"
            rows = yaml.safe_load(path.read_text())
            rows["jobs"]["j0"]["timeout_seconds"] = 7200
            path.write_text(yaml.safe_dump(rows, sort_keys=False))
            ws.requests.clear()
            figures["one_row"] = lakeform(p, "up", "--yes", *j)
            figures["one_row_writes"] = sum(ws.requests.writes().values())
        figures["peak_mb"] = peak[0] / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Shard figures: 1 stack against N shards.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--shards", type=int, default=10)
    parser.add_argument("-j", type=int, default=2, help="shards at once (default 2)")
    parser.add_argument(
        "--only", choices=("stack", "shards"), help="measure one layout only (default both)"
    )
    args = parser.parse_args()
    print(f"# {datetime.now(UTC):%Y-%m-%d} on {platform.node()}, {os.cpu_count()} cores")
    print(f"# provider: {provider_used()}; provider's default rate limit; default checkpoints")
    print(
        f"{'jobs':>6} {'layout':>12} {'up (empty)':>11} {'plan (no change)':>17} "
        f"{'up (1 row)':>11} {'writes':>7} {'peak MB/program':>16}"
    )
    layouts = [("stack", 1), ("shards", args.shards)]
    for jobs in args.jobs:
        for name, count in layouts:
            if args.only and args.only != name:
                continue
            f = measure(jobs, count, args.j)
            label = "1 stack" if count == 1 else f"{count} shards -j{args.j}"
            print(
                f"{jobs:>6} {label:>12} {f['up']:>10.1f}s {f['plan']:>16.1f}s "
                f"{f['one_row']:>10.1f}s {f['one_row_writes']:>7} {f['peak_mb']:>15.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
