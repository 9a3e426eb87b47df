"""`lakeform watch` figures (prints them; nothing asserted): the time of a no-change check, and of
a one-row change end to end (`watch --once`: fingerprint, validate, drift check, plan, guard,
deploy), with the workspace writes it made.

    uv run python -m devtools.benchmarks.bench_watch              # 200 jobs, 20 no-change checks
    uv run python -m devtools.benchmarks.bench_watch --jobs 50 --checks 50

The rows are `--jobs` jobs of 4 notebook tasks each in 10 files, plus a volume of 10 more YAML
files (watch_volume), deployed once as stack `bench` against a local workspace. The no-change
check is timed in process (Watcher.check, as each iteration of `lakeform watch`) and through the
command (`lakeform watch --once`, a new Python process: what a file-arrival job run costs).
Needs `make toolchain`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from databricks.sdk.service.files import FilesAPI  # before the workspace's warm-up thread

from devtools.workspace.testing import running_workspace
from tests.e2e.harness import LAKEFORM_PROGRAM, Project, provider_used

VOLUME = "/Volumes/main/bench/rows"


def rows(jobs: int, start: int = 0, files: int = 10) -> dict[str, dict[str, Any]]:
    """`files` documents of jobs, keyed by file name."""
    docs: dict[str, dict[str, Any]] = {}
    for i in range(start, start + jobs):
        tasks = [
            {
                "task_key": f"t{t}",
                "notebook_task": {"notebook_path": "/Workspace/Shared/bench/ingest"},
                **({"depends_on": [f"t{t - 1}"]} if t else {}),
            }
            for t in range(4)
        ]
        doc = docs.setdefault(f"jobs_{i % files}.yaml", {"jobs": {}})
        doc["jobs"][f"j{i}"] = {"name": f"bench job {i}", "timeout_seconds": 600, "tasks": tasks}
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--checks", type=int, default=20)
    args = parser.parse_args()
    from cli.watch import Log, Watcher

    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp, running_workspace() as ws:
        source = Path(tmp) / "source"
        (source / "resources").mkdir(parents=True)
        for name, doc in rows(args.jobs).items():
            (source / "resources" / name).write_text(yaml.safe_dump(doc, sort_keys=False))
        (source / "Pulumi.yaml").write_text("name: lakeform\nruntime: python\n")
        settings = {
            "metadata_paths": ["resources"],
            "workspace_root": "/Workspace/Shared/bench",
            "watch_volume": {"path": VOLUME, "folder": "resources/volume"},
        }
        (source / "Pulumi.bench.yaml").write_text(
            yaml.safe_dump({"config": {"lakeform:settings": settings}})
        )
        files = FilesAPI(ws.client().api_client)
        for name, doc in rows(20, start=args.jobs).items():
            files.upload(f"{VOLUME}/{name}", io.BytesIO(yaml.safe_dump(doc).encode()))
        project = Project.copy_of(
            source, Path(tmp), workspace=ws, stack="bench", include=LAKEFORM_PROGRAM
        )
        os.environ.update(project.env)
        os.chdir(project.dir)
        quiet = Log(out=open(os.devnull, "w"))  # noqa: SIM115 (lives as long as the process)

        started = time.monotonic()
        first = Watcher(project.dir, "bench", log=quiet).check()
        first_deploy = time.monotonic() - started
        assert first.result == "deployed", first

        watcher = Watcher(project.dir, "bench", log=quiet)
        times: list[float] = []
        for _ in range(args.checks):
            started = time.monotonic()
            assert watcher.check().result == "unchanged"
            times.append(time.monotonic() - started)
        ws.requests.clear()
        started = time.monotonic()
        once = project.lakeform("watch", "--stack", "bench", "--once")
        command = time.monotonic() - started
        assert once.returncode == 0, once.stderr

        path = project.dir / "resources" / "jobs_0.yaml"
        doc = yaml.safe_load(path.read_text())
        doc["jobs"]["j0"]["timeout_seconds"] = 900
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        ws.requests.clear()
        started = time.monotonic()
        changed = project.lakeform("watch", "--stack", "bench", "--once", "--json")
        one_row = time.monotonic() - started
        assert changed.returncode == 0, changed.stderr
        check = json.loads(changed.stdout.splitlines()[-1])

        print(
            f"# lakeform watch, {datetime.now(UTC):%Y-%m-%d}, {platform.node()}, "
            f"{os.cpu_count()} cores, provider {provider_used()}"
        )
        print(
            f"rows: {args.jobs + 20} jobs ({args.jobs} in 10 files, 20 from a volume of 10 files)"
        )
        print(f"first deploy through watch: {first_deploy:.1f} s")
        print(
            f"no-change check in process: median {statistics.median(times) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms over {args.checks}"
        )
        print(f"no-change `lakeform watch --once` (a new process): {command:.2f} s")
        print(
            f"one row changed, `lakeform watch --once` end to end: {one_row:.1f} s; rows "
            f"{check['rows']}; writes {dict(ws.requests.writes())}"
        )


if __name__ == "__main__":
    main()
