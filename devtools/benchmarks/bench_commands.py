"""CPU and wall time of each `lakeform` command on a small deployed stack (tests/e2e/programs/
lakeform: 3 jobs and a pipeline): `plan`, `up` with nothing to deploy, `up` of one changed row,
`drift`, `outputs` and `validate`, the median of N runs each.

    uv run python -m devtools.benchmarks.bench_commands [-n 3] [--only plan,up] [--calls]

CPU is user+sys from getrusage: `self` is the lakeform process, `children` every process it
waited for (the engine, the program, the provider plugin). Compare CPU, not wall, on a loaded
machine. `--calls` also counts, per command, the processes its first run started (traced with
`strace -f -e trace=execve`): `build.py` runs by command, `pulumi` runs by verb.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.e2e.harness import LAKEFORM_PROGRAM, Project, deploy_once  # noqa: E402

# The lakeform command run in a Python that prints its own and its children's CPU on exit.
MEASURED = """
import atexit, resource, sys
def report():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"LAKEFORM-CPU {s.ru_utime + s.ru_stime:.3f} {c.ru_utime + c.ru_stime:.3f}",
          file=sys.stderr)
atexit.register(report)
sys.argv = ["lakeform", *sys.argv[1:]]
from cli.main import main
sys.exit(main())
"""


@dataclass
class Measured:
    self_cpu: float
    children_cpu: float
    wall: float


def measure(project: Project, *args: str, trace: Path | None = None) -> Measured:
    strace = ["strace", "-f", "-qq", "-e", "trace=execve", "-s", "200", "-o", str(trace)]
    started = time.monotonic()
    done = subprocess.run(
        [*(strace if trace else []), str(REPO / ".venv" / "bin" / "python"), "-c", MEASURED, *args],
        cwd=project.dir,
        env={**project.env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    cpu = [line for line in done.stderr.splitlines() if line.startswith("LAKEFORM-CPU ")]
    if done.returncode not in (0, 2) or not cpu:
        raise SystemExit(f"lakeform {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    self_cpu, children_cpu = (float(x) for x in cpu[-1].split()[1:])
    return Measured(self_cpu, children_cpu, wall)


EXECVE = re.compile(r'execve\("([^"]*)", \[(.*?)\]')


def calls(trace: Path) -> Counter[str]:
    """The traced processes worth counting: `build.py <command>` and `pulumi <verb>`."""
    counted: Counter[str] = Counter()
    for line in trace.read_text().splitlines():
        found = EXECVE.search(line)
        if found is None or "= -1" in line:
            continue
        argv = re.findall(r'"((?:[^"\\]|\\.)*)"', found.group(2))
        if any(a.endswith("build.py") for a in argv):
            counted[f"build.py {argv[-1]}"] += 1
        elif found.group(1).endswith("/pulumi"):
            words = [a for a in argv[1:] if not a.startswith("-")]
            two = words[0] in ("stack", "plugin") if words else False
            counted["pulumi " + " ".join(words[: 2 if two else 1])] += 1
    return counted


def change_one_row(project: Project, run: int) -> None:
    """A new timeout for job `daily`: one row to update."""
    rows_file = project.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    rows["jobs"]["daily"]["timeout_seconds"] = 3600 + 60 * (run + 1)
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))


def commands(stack: str) -> dict[str, tuple[tuple[str, ...], Callable[[Project, int], None]]]:
    """name -> (lakeform arguments, what to do to the project before each run)."""
    nothing: Callable[[Project, int], None] = lambda _project, _run: None  # noqa: E731
    return {
        "validate": (("validate", "--stack", stack), nothing),
        "outputs": (("outputs", "--stack", stack), nothing),
        "plan": (("plan", "--stack", stack), nothing),
        "drift": (("drift", "--stack", stack), nothing),
        "up (no change)": (("up", "--stack", stack, "--yes"), nothing),
        "up (one row)": (("up", "--stack", stack, "--yes"), change_one_row),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--only", help="comma-separated command names (as printed)")
    parser.add_argument("--calls", action="store_true", help="count build.py and pulumi runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as tmp:
        deployed = deploy_once(
            Path(tmp) / "deployed",
            lambda root, ws: Project.copy_of(
                REPO / "tests" / "e2e" / "programs" / "lakeform",
                root,
                workspace=ws,
                stack="e2e",
                include=LAKEFORM_PROGRAM,
            ),
        )
        with deployed.started(Path(tmp) / "copy") as project:
            print(f"{'command':<16} {'self CPU':>9} {'children':>9} {'total':>7} {'wall':>7}")
            for name, (argv, before) in commands(project.stack).items():
                if args.only and name.split(" ")[0] not in args.only.split(","):
                    continue
                runs: list[Measured] = []
                trace = Path(tmp) / "trace" if args.calls else None
                for run in range(args.n):
                    before(project, run)
                    runs.append(measure(project, *argv, trace=trace if run == 0 else None))
                own = statistics.median(r.self_cpu for r in runs)
                kids = statistics.median(r.children_cpu for r in runs)
                total = statistics.median(r.self_cpu + r.children_cpu for r in runs)
                wall = statistics.median(r.wall for r in runs)
                print(f"{name:<16} {own:>8.2f}s {kids:>8.2f}s {total:>6.2f}s {wall:>6.1f}s")
                if trace is not None:
                    counted = calls(trace)
                    listed = ", ".join(f"{k} {n}" for k, n in sorted(counted.items()))
                    print(f"  {sum(counted.values())} runs: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
