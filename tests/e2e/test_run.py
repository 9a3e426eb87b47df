"""`lakeform up --run` and `lakeform run`: rows found through the real stack outputs, run only
after a good deploy. The following of runs itself is tested in tests/cli/test_run.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from devtools.workspace.testing import RunTimings
from tests.e2e.harness import Deployed, Project

STACK = "e2e"


@pytest.fixture
def lakeform_running(
    lakeform_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """conftest.lakeform_deployed whose workspace's runs pass each state in 0.05 s, not
    0.1 s pending and 0.9 s running: the waits for the runs followed below (a chain of three
    tasks, a pipeline update) shrink from seconds to a few polls; the states are the same."""
    with lakeform_once.started(tmp_path, timings=RunTimings.steps(0.05)) as project:
        yield project


def test_up_run_runs_the_row_only_after_a_good_deploy(lakeform_running: Project) -> None:
    lakeform, workspace = lakeform_running, lakeform_running.workspace
    # A change to deploy, and the workspace refuses every job update: the deploy fails and
    # nothing is run.
    rows_file = lakeform.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(rows_file.read_text())
    rows["jobs"]["daily"]["timeout_seconds"] = 900
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    workspace.faults.error("POST", "/api/2.*/jobs/reset", times=100)
    workspace.requests.clear()
    failed = lakeform.lakeform("up", "--stack", STACK, "--yes", "--run", "daily")
    assert failed.returncode == 1
    assert "lakeform up: error:" in failed.stderr, failed.stderr
    assert workspace.requests.count(route="jobs.reset") > 0  # the deploy did try
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
