"""`lakeform plan` of 1,000 new jobs through the real engine against a local workspace: prints the
plan time and the markdown size against GitHub's comment limit.

    uv run python devtools/benchmarks/bench_plan.py [--jobs 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from cli.render import COMMENT_LIMIT  # noqa: E402
from devtools.workspace.testing import running_workspace  # noqa: E402
from tests.e2e.harness import LAKEFORM_PROGRAM, Project  # noqa: E402


def rows(count: int) -> dict[str, object]:
    jobs = {
        f"job_{i:04d}": {
            "name": f"Benchmark job {i:04d}",
            "timeout_seconds": 600,
            "tasks": [
                {"task_key": "ingest", "notebook_task": {"notebook_path": "src/ingest.py"}},
                {
                    "task_key": "report",
                    "depends_on": ["ingest"],
                    "notebook_task": {"notebook_path": "src/ingest.py"},
                },
            ],
        }
        for i in range(count)
    }
    return {"jobs": jobs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_workspace() as ws:
        program = REPO / "tests" / "e2e" / "programs" / "lakeform"
        project = Project.copy_of(
            program, Path(tmp), workspace=ws, stack="e2e", include=LAKEFORM_PROGRAM
        )
        (project.dir / "resources" / "rows.yaml").write_text(yaml.safe_dump(rows(args.jobs)))
        started = time.monotonic()
        done = project.lakeform("plan", "--stack", "e2e", "--format", "markdown", "-o", "plan.md")
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        size = len((project.dir / "plan.md").read_text())
        print(f"lakeform plan, {args.jobs} new jobs: {elapsed:.1f} s")
        print(f"markdown: {size:,} characters ({size / COMMENT_LIMIT:.0%} of {COMMENT_LIMIT:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
