"""Shard figures: one environment of N jobs as 1 stack against 10 shards (lakeform:settings.shards,
by a tag), through the `lakeform` command, one local workspace each (prints figures; nothing
asserted).

    uv run python -m devtools.benchmarks.bench_shards --jobs 500 2000   # sizes
    uv run python -m devtools.benchmarks.bench_shards --jobs 500 -j 2 --shards 10

Per size and layout: `lakeform up --yes` from empty (preview, then deploy; the shards `-j` at
once, each its own engine), a no-change `lakeform plan` (which reads every resource: Pulumi.yaml's
`refresh: always`) and `lakeform plan --no-refresh` (which trusts the state and reads nothing),
`lakeform up` of one changed row (its write calls, counted at the local workspace; `--plans-only`
leaves it out), and the peak resident memory (VmHWM, sampled from
/proc while they run) of the largest process of each kind: the Python program the language host
runs (__main__.py), the engine (`pulumi`), the provider plugin and the `lakeform` command. Per
command, a `#` line adds its CPU seconds (every process under it), when its first preview and
first deploy began, the workspace calls and the load average before and after: the machine is
shared, so wall times are upper bounds. Rows as in bench_deploy (4 tasks a job; 1 pipeline per
10 jobs, 1 monitor per 20), the provider's default rate limit (15 requests/s per provider
process), the engine's default checkpoints (one state save per step). Run it under `nice`.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from devtools.benchmarks.bench_deploy import BENCH_PROGRAM, lakeform_rows, model
from devtools.workspace.testing import running_workspace
from tests.e2e.harness import REPO, Project, copy_from_repository, provider_used

ROLES = {
    "program": lambda argv: any(b"language-python-exec" in a for a in argv),
    "engine": lambda argv: os.path.basename(argv[0]) == b"pulumi",
    "provider": lambda argv: (
        any(b"pulumi-resource-databricks" in a for a in argv[:2])
        or any(b"devtools.localprovider" in a for a in argv)
    ),
    "lakeform": lambda argv: any(a.endswith(b"/bin/lakeform") for a in argv[:2]),
}
"""What each process under the project is, from its command line: the Python program the
language host runs (__main__.py), the engine (`pulumi`), the provider plugin, and the `lakeform`
command itself."""


@dataclass
class Peaks:
    """Per role: the largest VmHWM (kB) of one process, and how many such processes ran."""

    kb: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    pids: dict[str, set[int]] = field(default_factory=lambda: {r: set() for r in ROLES})


@contextmanager
def peak_memory(project_dir: Path) -> Iterator[Peaks]:
    """Sample /proc twice a second for processes whose working directory is `project_dir`
    (VmHWM is the process's own peak, so a late sample still sees it)."""
    peaks = Peaks()
    stop = threading.Event()
    root = str(project_dir)

    def sample() -> None:
        while not stop.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if not os.readlink(f"/proc/{pid}/cwd").startswith(root):
                        continue
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    role = next((r for r, test in ROLES.items() if test(argv)), None)
                    if role is None:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peaks.kb[role] = max(peaks.kb[role], int(line.split()[1]))
                            peaks.pids[role].add(int(pid))
                except OSError:
                    continue
            stop.wait(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def shard_rows(rows: dict[str, Any], shards: int) -> dict[str, Any]:
    """Tag each pipeline and job with its shard; the `lakeform:settings.shards` that reads it.

    By a `shard` tag that keeps each job with the pipeline it runs (as a team tag would): by
    hash, jobs and pipelines of two shards name each other both ways, a cycle that
    `lakeform validate` refuses."""
    names = [str(n) for n in range(shards)]
    pipelines = len(rows["pipelines"])
    for i, key in enumerate(rows["pipelines"]):
        rows["pipelines"][key]["tags"] = {"shard": names[i % shards]}
    for i, key in enumerate(rows["jobs"]):
        rows["jobs"][key]["tags"] = {"shard": names[(i % pipelines) % shards]}
    return {"by": "tag", "tag": "shard", "names": names, "default": "0"}


def project(tmp: Path, ws: Any, rows: dict[str, Any], shards: int) -> Project:
    source = tmp / "src"
    source.mkdir(parents=True)
    copy_from_repository(BENCH_PROGRAM, source)
    settings: dict[str, Any] = {"metadata_paths": ["rows"]}
    if shards > 1:
        settings["shards"] = shard_rows(rows, shards)
    (source / "rows").mkdir()
    (source / "rows" / "bench.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))
    (source / "Pulumi.bench.yaml").write_text(
        yaml.safe_dump({"config": {"lakeform:settings": settings}})
    )
    return Project.copy_of(source, tmp / "project", workspace=ws, stack="bench", rate_limit=None)


@dataclass
class Timed:
    """One `lakeform` command: wall time, when its first preview and first deploy began (its
    `==>` progress lines), the workspace calls it made and the load average around it."""

    seconds: float
    cpu: float
    """CPU seconds of the command and every process under it (engines, plugins, programs): what
    a loaded machine does not inflate the way it inflates wall time."""
    first_plan: float | None
    first_deploy: float | None
    requests: int
    writes: dict[str, int]
    server_seconds: float
    load: tuple[float, float]

    def phases(self) -> str:
        def at(t: float | None) -> str:
            return "-" if t is None else f"{t:.0f}s"

        return (
            f"{self.cpu:.0f} CPU-s; first preview at {at(self.first_plan)}, "
            f"first deploy at {at(self.first_deploy)}; "
            f"{self.requests} workspace calls ({self.server_seconds:.1f}s in the server), "
            f"load {self.load[0]:.1f} -> {self.load[1]:.1f}"
        )


def lakeform(p: Project, ws: Any, *args: str) -> Timed:
    """Run `lakeform ARGS --stack bench` in the project, timing its progress lines."""
    ws.requests.clear()
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks: dict[str, float] = {}
    start = time.monotonic()
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "lakeform"), *args, "--stack", "bench"],
        cwd=p.dir,
        env=p.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    tail: list[str] = []
    for line in proc.stderr:
        for word, mark in (("==> planning", "plan"), ("==> deploying", "deploy")):
            if line.startswith(word):
                marks.setdefault(mark, time.monotonic() - start)
        tail = [*tail[-40:], line]
    code = proc.wait()
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if code != 0:
        raise RuntimeError(f"lakeform {' '.join(args)} failed:\n{''.join(tail)}")
    records = ws.requests.records
    return Timed(
        seconds=seconds,
        cpu=cpu,
        first_plan=marks.get("plan"),
        first_deploy=marks.get("deploy"),
        requests=len(records),
        writes=dict(ws.requests.writes()),
        server_seconds=sum(r.duration for r in records),
        load=(load, os.getloadavg()[0]),
    )


def measure(
    jobs: int, shards: int, parallel: int, plans_only: bool = False
) -> tuple[dict[str, Timed], Peaks]:
    figures: dict[str, Timed] = {}
    j = ["-j", str(parallel)]
    with tempfile.TemporaryDirectory() as tmpdir, running_workspace() as ws:
        p = project(Path(tmpdir), ws, lakeform_rows(model(jobs, "")), shards)
        with peak_memory(p.dir) as peaks:
            figures["up"] = lakeform(p, ws, "up", "--yes", *j)
            figures["plan"] = lakeform(p, ws, "plan", *j)
            figures["plan_no_refresh"] = lakeform(p, ws, "plan", "--no-refresh", *j)
            if plans_only:
                return figures, peaks
            path = p.dir / "rows" / "bench.yaml"
            rows = yaml.safe_load(path.read_text())
            rows["jobs"]["j0"]["timeout_seconds"] = 7200
            path.write_text(yaml.safe_dump(rows, sort_keys=False))
            figures["one_row"] = lakeform(p, ws, "up", "--yes", *j)
    return figures, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description="Shard figures: 1 stack against N shards.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--shards", type=int, default=10)
    parser.add_argument("-j", type=int, default=2, help="shards at once (default 2)")
    parser.add_argument(
        "--only", choices=("stack", "shards"), help="measure one layout only (default both)"
    )
    parser.add_argument(
        "--plans-only", action="store_true", help="up from empty and the plans; no one-row up"
    )
    args = parser.parse_args()
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, {os.cpu_count()} cores")
    print(f"# provider: {provider_used()}; provider's default rate limit; default checkpoints")
    print(
        f"{'jobs':>6} {'layout':>14} {'up (empty)':>11} {'plan (no change)':>17} "
        f"{'--no-refresh':>13} {'up (1 row)':>11} {'writes':>7} {'peak MB: program':>17} "
        f"{'engine':>7} {'provider':>9} {'lakeform':>9}"
    )
    layouts = [("stack", 1), ("shards", args.shards)]
    for jobs in args.jobs:
        for name, count in layouts:
            if args.only and args.only != name:
                continue
            f, peaks = measure(jobs, count, args.j, args.plans_only)
            label = "1 stack" if count == 1 else f"{count} shards -j{args.j}"
            mb = {role: kb / 1024 for role, kb in peaks.kb.items()}
            one = f.get("one_row")
            one_row = f"{one.seconds:>10.1f}s" if one else f"{'-':>11}"
            writes = sum(one.writes.values()) if one else "-"
            print(
                f"{jobs:>6} {label:>14} {f['up'].seconds:>10.1f}s {f['plan'].seconds:>16.1f}s "
                f"{f['plan_no_refresh'].seconds:>12.1f}s {one_row} {writes:>7} "
                f"{mb['program']:>17.0f} {mb['engine']:>7.0f} {mb['provider']:>9.0f} "
                f"{mb['lakeform']:>9.0f}",
                flush=True,
            )
            for what, timed in f.items():
                print(f"#   {what}: {timed.phases()}", flush=True)
            if one:
                print(f"#   one-row writes: {one.writes}", flush=True)
            starts = ", ".join(f"{r} {len(p)}" for r, p in peaks.pids.items())
            print(f"#   processes seen: {starts}", flush=True)


if __name__ == "__main__":
    main()
