"""`lakeform up --run` and `lakeform run`: rows found through the real stack outputs, run only
after a good deploy. The following of runs itself is tested in tests/cli/test_run.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.conftest import PROGRAMS
from tests.e2e.harness import LAKEFORM_PROGRAM, Project

STACK = "e2e"


@pytest.fixture
def lakeform(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    return Project.copy_of(
        PROGRAMS / "lakeform", tmp_path, workspace=workspace, stack=STACK, include=LAKEFORM_PROGRAM
    )


def test_up_run_runs_the_row_only_after_a_good_deploy(
    lakeform: Project, workspace: RunningWorkspace
) -> None:
    # The workspace refuses every job: the deploy fails and nothing is run.
    workspace.faults.error("POST", "/api/2.*/jobs/create", times=100)
    failed = lakeform.lakeform("up", "--stack", STACK, "--yes", "--run", "daily")
    assert failed.returncode == 1
    assert "lakeform up: error:" in failed.stderr, failed.stderr
    assert workspace.requests.count(route="jobs.run_now") == 0
    assert "==> jobs.daily" not in failed.stderr

    workspace.faults.clear()
    up = lakeform.lakeform(
        "up", "--stack", STACK, "--yes", "--run", "daily,sales", "--poll-seconds", "0.1"
    )
    assert up.returncode == 0, up.stderr
    job_id = lakeform.outputs()["jobs"]["daily"]["id"]
    assert re.search(
        rf"==> jobs\.daily: run \d+: {workspace.url}/\?o=\d+#job/{job_id}/run/", up.stderr
    )
    for key in ("ingest", "transform", "report"):
        assert re.search(rf"^{key} +SUCCESS", up.stdout, re.MULTILINE), up.stdout
    assert "==> pipelines.sales: update " in up.stderr
    assert re.search(r"^update +COMPLETED", up.stdout, re.MULTILINE)
    assert workspace.requests.count(route="jobs.run_now") == 1

    unknown = lakeform.lakeform("run", "dialy", "--stack", STACK)
    assert unknown.returncode == 1
    assert unknown.stderr.strip().endswith(
        "stack e2e has no row 'dialy' (did you mean daily?); known: jobs.daily, "
        "jobs.legacy, jobs.weekly, pipelines.sales"
    )
