"""Which Pulumi processes each test makes, and their CPU: every `pulumi` the tests and the
`lakeform` commands they run start is logged (argv, CPU of it and the plugins and program it
waited for), then tallied per test as engine runs (up, preview, refresh, destroy, import) and
other calls (stack select/export/output/history, version, plugin ls, ...).

    uv run python -m devtools.benchmarks.engine_runs tests/e2e/test_plan.py [more files] [-k EXPR]

Each file runs in its own `pytest -p no:cacheprovider -n 0`; the CPU printed for a file is
user+sys of that pytest and everything it waited for, its engine and other columns the logged
pulumi processes' share of it. Needs GNU time (/usr/bin/time). How: the toolchain's bin
directory is mirrored in a temporary LAKEFORM_TOOLCHAIN_HOME whose `pulumi` is a wrapper around
the real one (the harness and `lakeform` both find pulumi there); nothing else changes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "devtools" / "toolchain" / "build.py"
TIME = Path("/usr/bin/time")
ENGINE = frozenset({"up", "preview", "refresh", "destroy", "import"})
WRAPPER = """#!/bin/bash
exec {time} -a -o "$ENGINE_RUNS_LOG" -f "%U %S|${{PYTEST_CURRENT_TEST%% *}}|$*" {pulumi} "$@"
"""


def mirror_toolchain(home: Path) -> None:
    """`home`/<toolchain>/ as the built one, but for a logging `pulumi` in its bin directory."""
    bin_dir = Path(
        subprocess.run(
            [sys.executable, str(BUILD), "bin-dir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    root = home / bin_dir.parent.name
    (root / "bin").mkdir(parents=True)
    for entry in bin_dir.parent.iterdir():
        if entry.name != "bin":
            (root / entry.name).symlink_to(entry)
    for entry in bin_dir.iterdir():
        if entry.name != "pulumi":
            (root / "bin" / entry.name).symlink_to(entry)
    wrapper = root / "bin" / "pulumi"
    wrapper.write_text(WRAPPER.format(time=TIME, pulumi=bin_dir / "pulumi"))
    wrapper.chmod(0o755)


def verb(argv: str) -> str:
    """The pulumi command of a logged argv: its first word that is not a flag."""
    words = [w for w in argv.split() if not w.startswith("-")]
    if not words:
        return "?"
    return " ".join(words[:2]) if words[0] in ("stack", "plugin", "state") else words[0]


@dataclass
class Tally:
    engine: Counter[str] = field(default_factory=Counter[str])
    engine_cpu: float = 0.0
    other: int = 0
    other_cpu: float = 0.0
    other_verbs: Counter[str] = field(default_factory=Counter[str])


def tally(log: Path) -> dict[str, Tally]:
    tests: dict[str, Tally] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        cpu, _, rest = line.partition("|")
        test, _, argv = rest.partition("|")
        try:
            seconds = sum(float(x) for x in cpu.split())
        except ValueError:  # time's own "Command exited with non-zero status" line
            continue
        row = tests.setdefault(test.rsplit("::", 1)[-1] or "(outside a test)", Tally())
        command = verb(argv)
        if command in ENGINE:
            row.engine[command] += 1
            row.engine_cpu += seconds
        else:
            row.other += 1
            row.other_cpu += seconds
            row.other_verbs[command] += 1
    return tests


def run_file(path: str, home: Path, extra: list[str]) -> tuple[float, int, dict[str, Tally]]:
    log = home / f"{Path(path).stem}.log"
    env = {**os.environ, "LAKEFORM_TOOLCHAIN_HOME": str(home), "ENGINE_RUNS_LOG": str(log)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", path, *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, done.returncode, tally(log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+", help="test files, e.g. tests/e2e/test_plan.py")
    parser.add_argument("-k", help="pytest -k expression")
    args = parser.parse_args(argv)
    if not os.access(TIME, os.X_OK):
        print(f"{TIME} (GNU time) is needed", file=sys.stderr)
        return 1
    extra = ["-k", args.k] if args.k else []
    home = Path(tempfile.mkdtemp(prefix="engine-runs-"))
    try:
        mirror_toolchain(home)
        print(f"{'file / test':70} {'engine runs':>11} {'CPU-s':>7} {'other':>6} {'CPU-s':>6}")
        for path in args.files:
            cpu, code, tests = run_file(path, home, extra)
            runs = sum(sum(t.engine.values()) for t in tests.values())
            engine_cpu = sum(t.engine_cpu for t in tests.values())
            other = sum(t.other for t in tests.values())
            other_cpu = sum(t.other_cpu for t in tests.values())
            status = "" if code == 0 else f"  (pytest exit {code})"
            print(f"{path:70} {runs:11} {engine_cpu:7.1f} {other:6} {other_cpu:6.1f}{status}")
            print(f"  pytest and all it waited for: {cpu:.1f} CPU-s")
            for name, t in tests.items():
                kinds = ", ".join(f"{k} {n}" for k, n in sorted(t.engine.items()))
                print(
                    f"  {name[:68]:68} {sum(t.engine.values()):11} {t.engine_cpu:7.1f} "
                    f"{t.other:6} {t.other_cpu:6.1f}  {kinds}"
                )
                if t.other:
                    verbs = ", ".join(f"{k} {n}" for k, n in sorted(t.other_verbs.items()))
                    print(f"  {'':68} {'':11} {'':7} {'':6} {'':6}  other: {verbs}")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
