"""Shard figures: one environment of N jobs as 1 stack against shards (lakeform:settings.shards,
by folder: one file per shard), through the `lakeform` command, one local workspace each (prints
figures; nothing asserted).

    uv run python -m devtools.benchmarks.bench_shards --jobs 500 2000   # sizes
    uv run python -m devtools.benchmarks.bench_shards --jobs 500 -j 4 --shards 10

Per size and layout: `lakeform up --yes` from empty (preview, then deploy; the shards `-j` at
once, each its own engine), `lakeform plan --no-refresh` (which trusts the state and reads
nothing; every shard previewed: the records of shards unchanged since their last up are removed
first), the same again (sharded: with those records, cli/unchanged.py: no shard previewed), a
no-change `lakeform plan` (which reads every resource: Pulumi.yaml's `refresh: always`), a
`plan --no-refresh` of one changed row (sharded: its shard previewed),
`lakeform up` of one changed row (its write calls, counted at the local workspace; `--plans-only`
leaves it out), and the peak resident memory (VmHWM, sampled from
/proc while they run) of the largest process of each kind: the Python program the language host
runs (__main__.py), the engine (`pulumi`), the provider plugin and the `lakeform` command. Per
command, a `#` line adds its CPU seconds (every process under it), when its first preview and
first deploy began, the workspace calls, the load average before and after (the machine is
shared, so wall times are upper bounds) and the `lakeform` process's own peak memory (which
command the `lakeform` column's peak is); then the `# goal:` lines (issue 22's four figures).
`--log FILE` copies the commands' progress lines there as they come, with each command's
figures as it ends and one line per shard run (its start, end, the CPU seconds of its processes
by kind and their peak memory): what a run stopped half-way got to.
Rows as in bench_deploy (4 tasks a job; 1 pipeline per 10 jobs, 1 monitor per 20), the
provider's default rate limit (15 requests/s per provider process), the engine's default
checkpoints (one state save per step). Defaults: one shard per `JOBS_PER_SHARD` jobs, `up` 4
shards at once, `plan` 2 (docs/performance.md, "Scale", says why). Run it under `nice`.
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
from typing import Any, TextIO

import yaml

from cli.unchanged import RECORD
from devtools.benchmarks.bench_deploy import BENCH_PROGRAM, lakeform_rows, model
from devtools.workspace.testing import running_workspace
from metadata.settings import dump_for_pulumi
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
    by_pid: dict[int, int] = field(default_factory=dict[int, int])
    """pid -> its VmHWM (kB) as last sampled: each `lakeform` command's own peak."""


@dataclass
class Proc:
    """One process as last sampled: its parent, role, CPU seconds so far and peak memory (kB)."""

    ppid: int
    role: str | None
    argv: list[bytes]
    cpu: float = 0.0
    hwm: int = 0


TICKS = os.sysconf("SC_CLK_TCK")
ENGINE_RUNS = (b"preview", b"up", b"refresh", b"destroy")


def engine_run(argv: list[bytes]) -> tuple[str, str] | None:
    """(command, stack) of an engine process that previews or deploys one stack."""
    if os.path.basename(argv[0]) != b"pulumi":
        return None
    words = [a for a in argv[1:] if not a.startswith(b"-")]  # after `--non-interactive`
    if not words or words[0] not in ENGINE_RUNS:
        return None
    command = words[0]
    stack = argv[argv.index(b"--stack") + 1] if b"--stack" in argv[:-1] else b"?"
    return command.decode(), stack.decode()


class ShardLog:
    """One line per finished engine run (a shard's preview or deploy) as it ends: its start, its
    end, the CPU seconds of its whole process tree (engine, language host, program, provider
    plugin) and the peak memory of each of them; so a run stopped half-way still tells per
    shard what it cost."""

    def __init__(self, out: TextIO | None, start: float) -> None:
        self.out = out
        self.start = start
        self.procs: dict[int, Proc] = {}
        self.engines: dict[int, float] = {}  # engine pid -> when first seen
        self.lines: list[str] = []

    def seen(self, pid: int, proc: Proc) -> None:
        known = self.procs.get(pid)
        if known is not None and proc.argv == [b""]:
            # exiting (a zombie): no command line nor VmHWM any more; without its argv, the
            # engine run's line could not be made (the sampler thread stopped at the assert)
            proc.role, proc.argv, proc.hwm = known.role, known.argv, max(known.hwm, proc.hwm)
        self.procs[pid] = proc
        if engine_run(proc.argv) is not None:
            self.engines.setdefault(pid, time.monotonic())

    def _pids(self, root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid, proc in self.procs.items():
            children.setdefault(proc.ppid, []).append(pid)
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo += children.get(pid, [])
        return out

    def _tree(self, root: int) -> list[Proc]:
        return [self.procs[pid] for pid in self._pids(root)]

    def ended(self, alive: set[int]) -> None:
        """Report the engine runs no longer alive, then forget their processes."""
        for pid in [p for p in self.engines if p not in alive]:
            began = self.engines.pop(pid)
            if pid not in self.procs:
                # forgotten with an ended run's tree it sat in: KeyError here stopped the
                # sampler thread, and every peak after it (2026-12-07, 10,000-job run)
                continue
            what = engine_run(self.procs[pid].argv) or ("?", "?")
            tree = self._tree(pid)
            roles = ("program", "engine", "provider")
            mb = {
                role: max((p.hwm for p in tree if p.role == role), default=0) / 1024
                for role in roles
            }
            cpu = {role: sum(p.cpu for p in tree if p.role == role) for role in roles}
            line = (
                f"#   shard run: {what[0]:>7} {what[1]:<12} {began - self.start:7.0f}s to "
                f"{time.monotonic() - self.start:7.0f}s, {sum(p.cpu for p in tree):6.1f} CPU-s "
                f"(program {cpu['program']:.1f}, engine {cpu['engine']:.1f}, "
                f"provider {cpu['provider']:.1f}); "
                f"peak MB program {mb['program']:.0f}, engine {mb['engine']:.0f}, "
                f"provider {mb['provider']:.0f}"
            )
            self.lines.append(line)
            if self.out is not None:
                print(line, file=self.out, flush=True)
            # its processes that ended (not those of runs still going: their tree needs them)
            for proc_pid in [q for q in self._pids(pid) if q not in alive]:
                del self.procs[proc_pid]


@contextmanager
def peak_memory(project_dir: Path, shards: ShardLog | None = None) -> Iterator[Peaks]:
    """Sample /proc twice a second for processes whose working directory is `project_dir`
    (VmHWM is the process's own peak, so a late sample still sees it); with `shards`, each
    engine run's tree too (its CPU as last sampled: up to half a second of it is not seen)."""
    peaks = Peaks()
    stop = threading.Event()
    root = str(project_dir)

    def sample() -> None:
        while not stop.is_set():
            alive: set[int] = set()
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if not os.readlink(f"/proc/{pid}/cwd").startswith(root):
                        continue
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    role = next((r for r, test in ROLES.items() if test(argv)), None)
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    hwm = 0
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            hwm = int(line.split()[1])
                    if shards is not None:
                        alive.add(int(pid))
                        cpu = (int(stat[11]) + int(stat[12])) / TICKS
                        shards.seen(int(pid), Proc(int(stat[1]), role, argv, cpu, hwm))
                    if role is not None:
                        peaks.kb[role] = max(peaks.kb[role], hwm)
                        peaks.pids[role].add(int(pid))
                        peaks.by_pid[int(pid)] = max(peaks.by_pid.get(int(pid), 0), hwm)
                except (OSError, IndexError, ValueError):
                    continue
            if shards is not None:
                shards.ended(alive)
            stop.wait(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peaks
    finally:
        stop.set()
        thread.join()


def shard_files(rows: dict[str, Any], shards: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rows as one file per shard, `rows/<shard>/bench.yaml`, and the
    `lakeform:settings.shards` that splits them by folder (as one folder per team would).

    Pipeline i goes to shard i mod N, each job with the pipeline it runs (by hash, jobs and
    pipelines of two shards could name each other both ways, a cycle `lakeform validate`
    refuses), monitor i to shard i mod N: every shard the same size, since a shard's engine
    costs grow with the square of its resources (docs/performance.md). A shard's program reads
    its own file only (a file holding none of its rows is not read)."""
    names = [f"{n:02d}" for n in range(shards)]
    files: dict[str, Any] = {n: {kind: {} for kind in rows} for n in names}
    pipelines = list(rows["pipelines"])
    where = {key: names[i % shards] for i, key in enumerate(pipelines)}
    for kind, entries in rows.items():
        for i, (key, row) in enumerate(entries.items()):
            if kind == "jobs":
                shard = names[(i % len(pipelines)) % shards]  # its pipeline's (bench_deploy.model)
            else:
                shard = where.get(key, names[i % shards])
            files[shard][kind][key] = row
    settings = {"by": "folder", "folders": {n: [f"rows/{n}"] for n in names}}
    return {f"{n}/bench.yaml": part for n, part in files.items()}, settings


def project(tmp: Path, ws: Any, rows: dict[str, Any], shards: int) -> Project:
    source = tmp / "src"
    source.mkdir(parents=True)
    copy_from_repository(BENCH_PROGRAM, source)
    settings: dict[str, Any] = {"metadata_paths": ["rows"]}
    files = {"bench.yaml": rows}
    if shards > 1:
        files, settings["shards"] = shard_files(rows, shards)
    for name, content in files.items():
        (source / "rows" / name).parent.mkdir(parents=True, exist_ok=True)
        (source / "rows" / name).write_text(yaml.safe_dump(content, sort_keys=False))
    (source / "Pulumi.bench.yaml").write_text(
        dump_for_pulumi({"config": {"lakeform:settings": settings}})  # shard `08` stays `08`
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
    pid: int
    """The `lakeform` process's: its peak memory is `Peaks.by_pid[pid]`."""
    lakeform_mb: float = 0.0
    """Its peak memory (VmHWM, sampled twice a second while it ran)."""

    def phases(self) -> str:
        def at(t: float | None) -> str:
            return "-" if t is None else f"{t:.0f}s"

        return (
            f"{self.cpu:.0f} CPU-s; first preview at {at(self.first_plan)}, "
            f"first deploy at {at(self.first_deploy)}; "
            f"{self.requests} workspace calls ({self.server_seconds:.1f}s in the server), "
            f"load {self.load[0]:.1f} -> {self.load[1]:.1f}; "
            f"lakeform peak {self.lakeform_mb:.0f} MB"
        )


def lakeform(p: Project, ws: Any, *args: str, log: TextIO | None = None) -> Timed:
    """Run `lakeform ARGS --stack bench` in the project, timing its progress lines (copied to
    `log`, each after the seconds since the command began)."""
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
        if log is not None:
            print(f"{time.monotonic() - start:7.0f}s {line}", end="", file=log, flush=True)
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
        pid=proc.pid,
    )


def measure(
    jobs: int,
    shards: int,
    parallel: int,
    plans_only: bool = False,
    log: TextIO | None = None,
    plan_parallel: int | None = None,
    goals_only: bool = False,
) -> tuple[dict[str, Timed], Peaks]:
    """The commands, the cheapest first (`plan --no-refresh` reads nothing), each's figures on
    the `log` as it ends, with one line per shard run (so a run stopped half-way tells what it
    got to). The `up`s run `parallel` shards at once, the plans `plan_parallel` (default the
    same). `goals_only` leaves out the two plans no goal of issue 22 names: the one with every
    shard previewed as before unchanged shards were skipped, and the refreshing `plan`."""
    figures: dict[str, Timed] = {}

    def run(what: str, *args: str) -> None:
        at_once = parallel if args[0] == "up" else (plan_parallel or parallel)
        j = ["-j", str(at_once)]
        if log is not None:
            print(
                f"# {datetime.now(UTC):%H:%M:%S} {what}: lakeform {' '.join([*args, *j])}",
                file=log,
            )
        figures[what] = lakeform(p, ws, *args, *j, log=log)
        figures[what].lakeform_mb = peaks.by_pid.get(figures[what].pid, 0) / 1024
        if log is not None:
            t = figures[what]
            print(f"# {what}: {t.seconds:.1f}s wall; {t.phases()}", file=log, flush=True)

    with tempfile.TemporaryDirectory() as tmpdir, running_workspace() as ws:
        p = project(Path(tmpdir), ws, lakeform_rows(model(jobs, "")), shards)
        shard_log = ShardLog(log, time.monotonic())
        with peak_memory(p.dir, shard_log) as peaks:
            run("up", "up", "--yes")
            # every shard previewed: without the records of shards unchanged since their last
            # up (cli/unchanged.py), as before them; then with the records that plan left
            if not goals_only:
                (p.dir / RECORD.format(env="bench")).unlink(missing_ok=True)
                run("plan_no_refresh", "plan", "--no-refresh")
            if shards > 1:
                run("plan_no_refresh_unchanged", "plan", "--no-refresh")
            elif goals_only:
                run("plan_no_refresh", "plan", "--no-refresh")
            if not goals_only:
                run("plan", "plan")
            if plans_only:
                return figures, peaks
            path, rows = next(  # the file holding job j0
                (f, r)
                for f in sorted((p.dir / "rows").rglob("*.yaml"))
                if "j0" in (r := yaml.safe_load(f.read_text()))["jobs"]
            )
            rows["jobs"]["j0"]["timeout_seconds"] = 7200
            path.write_text(yaml.safe_dump(rows, sort_keys=False))
            if shards > 1:
                run("plan_no_refresh_one_row", "plan", "--no-refresh")
            run("one_row", "up", "--yes")
    return figures, peaks


JOBS_PER_SHARD = 200
"""The default shard size: a shard's engine costs grow with the square of its resources, each
engine run adds a fixed cost; docs/performance.md ("Scale", 2026-12-07 afternoon) has the
figures this balances."""


def goals(f: dict[str, Timed], peaks: Peaks, shards: int, parallel: int, plan_j: int) -> str:
    """Issue 22's goal figures of one layout, one a line."""
    up, one = f["up"], f.get("one_row")
    quiet = f.get("plan_no_refresh_unchanged") or f["plan_no_refresh"]
    mb = {role: kb / 1024 for role, kb in peaks.kb.items()}
    lines = [
        f"#   goal: up from empty (-j {parallel}): {up.seconds:.1f} s wall "
        f"({up.seconds / 60:.1f} min), {up.cpu:.0f} CPU-s",
        f"#   goal: no-change plan --no-refresh (-j {plan_j}): {quiet.seconds:.1f} s wall, "
        f"{quiet.cpu:.0f} CPU-s" + (" (unchanged shards not previewed)" if shards > 1 else ""),
        "#   goal: one changed row: "
        + (f"{sum(one.writes.values())} write(s) {one.writes}" if one else "not run"),
        "#   goal: peak MB per process: " + ", ".join(f"{role} {mb[role]:.0f}" for role in ROLES),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Shard figures: 1 stack against N shards.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[500, 2000])
    parser.add_argument(
        "--shards",
        type=int,
        help=f"shards of the sharded layout (default: one per {JOBS_PER_SHARD} jobs, at least 2)",
    )
    parser.add_argument("-j", type=int, default=4, help="shards at once in `up` (default 4)")
    parser.add_argument(
        "--plan-j", type=int, default=2, help="shards at once in `plan` (default 2)"
    )
    parser.add_argument(
        "--only", choices=("stack", "shards"), help="measure one layout only (default both)"
    )
    parser.add_argument(
        "--plans-only", action="store_true", help="up from empty and the plans; no one-row up"
    )
    parser.add_argument(
        "--goals-only",
        action="store_true",
        help="only the commands issue 22's goals name: up from empty, the no-change "
        "plan --no-refresh, the one-row change (leaves out the every-shard and refreshing plans)",
    )
    parser.add_argument(
        "--log",
        type=Path,
        help="append every command's progress lines, its figures and one line per shard run "
        "(start, end, CPU, peak memory) to this file as they come",
    )
    args = parser.parse_args()
    log = args.log.open("a", encoding="utf-8") if args.log else None
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, {os.cpu_count()} cores")
    print(f"# provider: {provider_used()}; provider's default rate limit; default checkpoints")
    print(
        f"{'jobs':>6} {'layout':>14} {'up (empty)':>11} {'plan (no change)':>17} "
        f"{'--no-refresh':>13} {'up (1 row)':>11} {'writes':>7} {'peak MB: program':>17} "
        f"{'engine':>7} {'provider':>9} {'lakeform':>9}"
    )
    for jobs in args.jobs:
        shards = args.shards or max(2, round(jobs / JOBS_PER_SHARD))
        for name, count in [("stack", 1), ("shards", shards)]:
            if args.only and args.only != name:
                continue
            f, peaks = measure(
                jobs, count, args.j, args.plans_only, log, args.plan_j, args.goals_only
            )
            label = "1 stack" if count == 1 else f"{count} shards -j{args.j}"
            mb = {role: kb / 1024 for role, kb in peaks.kb.items()}
            one = f.get("one_row")
            one_row = f"{one.seconds:>10.1f}s" if one else f"{'-':>11}"
            writes = sum(one.writes.values()) if one else "-"
            plan, quiet = (
                f.get("plan"),
                f.get("plan_no_refresh", f.get("plan_no_refresh_unchanged")),
            )
            print(
                f"{jobs:>6} {label:>14} {f['up'].seconds:>10.1f}s "
                + (f"{plan.seconds:>16.1f}s " if plan else f"{'-':>17} ")
                + (f"{quiet.seconds:>12.1f}s " if quiet else f"{'-':>13} ")
                + f"{one_row} {writes:>7} "
                f"{mb['program']:>17.0f} {mb['engine']:>7.0f} {mb['provider']:>9.0f} "
                f"{mb['lakeform']:>9.0f}",
                flush=True,
            )
            for what, timed in f.items():
                print(f"#   {what}: {timed.seconds:.1f}s wall, {timed.phases()}", flush=True)
            if one:
                print(f"#   one-row writes: {one.writes}", flush=True)
            print(goals(f, peaks, count, args.j, args.plan_j), flush=True)
            starts = ", ".join(f"{r} {len(p)}" for r, p in peaks.pids.items())
            print(f"#   processes seen: {starts}", flush=True)


if __name__ == "__main__":
    main()
