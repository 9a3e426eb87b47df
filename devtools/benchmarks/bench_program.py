"""Program figures: Lakeform's __main__.py alone, under Pulumi's mocks (no engine, no provider,
no workspace), for the rows of bench_deploy at N jobs: as 1 stack, and as one shard of S
(prints figures; nothing asserted).

    uv run python -m devtools.benchmarks.bench_program --jobs 1000 10000 --shards 10

Per case, in a fresh process: wall and CPU seconds of the program's body (imports excluded,
printed apart), the resources it registered and the process's peak resident memory. The mocks
answer each registration at once in the same process, so this is the program's own cost per
row; under the real engine the SDK's gRPC serialisation is added and the mocks' bookkeeping
(one dict per resource) is not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def one(project: Path, stack: str) -> dict[str, Any]:
    """Run the program in `project` as `stack` under mocks; its figures."""
    started = time.monotonic()
    import pulumi
    import pulumi_databricks  # noqa: F401  # the program's imports, timed apart
    from pulumi.runtime import settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await  # pyright: ignore[reportPrivateUsage]

    import stacks.build  # noqa: F401

    imported = time.monotonic() - started
    registered = [0]

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            registered[0] += 1
            return f"{args.name}-id", dict(args.inputs)

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
            return {}, None

    import yaml

    stack_file = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())
    config = stack_file.get("config") or {}
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    )
    pulumi.runtime.set_mocks(Mocks(), project="lakeform", stack=stack, preview=True)
    os.chdir(project)
    sys.path.insert(0, str(project))
    cpu = time.process_time()
    wall = time.monotonic()

    def program() -> None:
        runpy.run_path(str(project / "__main__.py"))

    _sync_await(run_pulumi_func(program))
    outputs = dict(getattr(settings.get_root_resource(), "outputs", {}))
    _sync_await(pulumi.Output.from_input(outputs).future())
    return {
        "imports": imported,
        "wall": time.monotonic() - wall,
        "cpu": time.process_time() - cpu,
        "resources": registered[0],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def make_project(tmp: Path, jobs: int, shards: int) -> Path:
    """The benchmark's rows and settings (as bench_shards: one folder per shard), with the
    shards' stack files written as `lakeform shards --write` writes them."""
    import yaml

    from devtools.benchmarks.bench_deploy import BENCH_PROGRAM, lakeform_rows, model
    from devtools.benchmarks.bench_shards import shard_files
    from tests.e2e.harness import copy_from_repository

    source = tmp / "project"
    source.mkdir()
    copy_from_repository(BENCH_PROGRAM, source)
    rows = lakeform_rows(model(jobs, ""))
    settings: dict[str, Any] = {"metadata_paths": ["rows"]}
    files = {"bench.yaml": rows}
    if shards > 1:
        files, settings["shards"] = shard_files(rows, shards)
    for name, content in files.items():
        (source / "rows" / name).parent.mkdir(parents=True, exist_ok=True)
        (source / "rows" / name).write_text(yaml.safe_dump(content, sort_keys=False))
    stack_config = {"lakeform:settings": settings, "databricks:host": "http://127.0.0.1:9"}
    (source / "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    if shards > 1:
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "lakeform"), "shards", "--stack", "bench", "--write"],
            cwd=source,
            check=True,
            capture_output=True,
        )
    return source


def main() -> None:
    parser = argparse.ArgumentParser(description="Program figures under Pulumi's mocks.")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--shards", type=int, default=10)
    parser.add_argument("--one", nargs=2, metavar=("PROJECT", "STACK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1])))
        return
    print(f"# {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} cores")
    print(
        f"{'jobs':>6} {'stack':>12} {'resources':>9} {'imports':>8} {'body':>8} {'body CPU':>9} "
        f"{'peak MB':>8} {'load':>5}"
    )
    for jobs in args.jobs:
        for shards, stack in ((1, "bench"), (args.shards, "bench.01")):
            with tempfile.TemporaryDirectory() as tmp:
                project = make_project(Path(tmp), jobs, shards)
                done = subprocess.run(
                    [sys.executable, "-m", "devtools.benchmarks.bench_program", "--one",
                     str(project), stack],
                    cwd=REPO, capture_output=True, text=True, check=False,
                )  # fmt: skip
                if done.returncode != 0:
                    raise RuntimeError(done.stderr[-3000:])
                f = json.loads(done.stdout.splitlines()[-1])
            label = "1 stack" if shards == 1 else f"1 of {shards}"
            print(
                f"{jobs:>6} {label:>12} {f['resources']:>9} {f['imports']:>7.1f}s "
                f"{f['wall']:>7.1f}s {f['cpu']:>8.1f}s {f['peak_mb']:>8.0f} "
                f"{os.getloadavg()[0]:>5.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
