"""Where one stack's CPU goes, per process: `pulumi preview` from empty, `pulumi up` (deploy
only), and a no-change preview, of Lakeform's program with N jobs against a local workspace
(prints figures; nothing asserted). One stack of N jobs is what one shard of that size costs.

    nice uv run python -m devtools.benchmarks.bench_stack_cpu --jobs 250 500 1000

Per step: wall time, the CPU seconds of everything it ran, and per kind of process (the engine
`pulumi`, the language host, the Python program, the provider plugin) their CPU seconds and the
largest peak memory, sampled from /proc ten times a second (a process's CPU as last sampled).
Rows as in bench_deploy, the provider's default rate limit, the engine's default checkpoints,
the environment `lakeform` gives the engine (cli/pulumienv.py: GOGC) unless `--env K=V`
overrides it. To see inside a process, attach a sampler to it while it runs, e.g.
`py-spy record --gil -p PID -f raw` (program, provider) or `perf record -g -p PID` (engine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from cli.pulumienv import ENGINE_GOGC
from devtools.benchmarks.bench_deploy import lakeform_rows, model
from devtools.benchmarks.bench_shards import ROLES, TICKS, project
from devtools.workspace.testing import running_workspace
from tests.e2e.harness import Project

KINDS = {**ROLES, "langhost": lambda argv: os.path.basename(argv[0]) == b"pulumi-language-python"}
STEPS = {
    "preview from empty": ["preview", "--refresh=false"],
    "deploy (up --skip-preview)": ["up", "--yes", "--skip-preview", "--refresh=false"],
    "no-change preview": ["preview", "--refresh=false"],
}


def step(p: Project, args: list[str]) -> str:
    """Run `pulumi ARGS` in the project; its figures as one line."""
    seen: dict[str, tuple[str, float, int]] = {}  # pid -> kind, CPU seconds, VmHWM kB
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    if not os.readlink(f"/proc/{pid}/cwd").startswith(str(p.dir)):
                        continue
                    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                    kind = next((k for k, test in KINDS.items() if test(argv)), "other")
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    status = Path(f"/proc/{pid}/status").read_text().splitlines()
                    hwm = next((int(s.split()[1]) for s in status if s.startswith("VmHWM:")), 0)
                    if pid in seen:  # an exiting process has no command line nor VmHWM
                        kind, hwm = seen[pid][0], max(hwm, seen[pid][2])
                    seen[pid] = (kind, (int(stat[11]) + int(stat[12])) / TICKS, hwm)
                except (OSError, IndexError, ValueError):
                    continue
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    before, start = os.times(), time.monotonic()
    result = subprocess.run(
        ["pulumi", *args, "--non-interactive", "--stack", p.stack],
        cwd=p.dir,
        env=p.env,
        capture_output=True,
        text=True,
    )
    wall, after = time.monotonic() - start, os.times()
    stop.set()
    thread.join()
    if result.returncode:
        raise RuntimeError(f"pulumi {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    total = after.children_user + after.children_system
    total -= before.children_user + before.children_system
    kinds: dict[str, tuple[float, int]] = {}
    for kind, cpu, hwm in seen.values():
        had = kinds.get(kind, (0.0, 0))
        kinds[kind] = (had[0] + cpu, max(had[1], hwm))
    each = ", ".join(f"{k} {c:.1f} s / {m // 1024} MB" for k, (c, m) in sorted(kinds.items()))
    return f"{wall:7.1f} s wall, {total:6.1f} CPU-s: {each}"


def main() -> None:
    parser = argparse.ArgumentParser(description="One stack's CPU per process.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[250, 500, 1000])
    parser.add_argument("--env", nargs="*", default=[], metavar="K=V", help="engine variables")
    args = parser.parse_args()
    for jobs in args.jobs:
        with tempfile.TemporaryDirectory() as tmpdir, running_workspace() as ws:
            p = project(Path(tmpdir), ws, lakeform_rows(model(jobs, "")), 1)
            p.env["GOGC"] = ENGINE_GOGC
            p.env.update(kv.split("=", 1) for kv in args.env)
            print(f"# {jobs} jobs, load {os.getloadavg()[0]:.1f}, {' '.join(args.env)}")
            for name, pulumi_args in STEPS.items():
                print(f"{jobs:>6} {name:<27} {step(p, pulumi_args)}", flush=True)


if __name__ == "__main__":
    main()
