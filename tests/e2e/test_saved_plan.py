"""`lakeform plan --save PLAN` and `lakeform up --plan PLAN` through the real engine: a saved plan
is applied exactly, and a stale one is refused before any write, naming what changed."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import Project
from tests.e2e.test_plan import STACK, contents, edit_rows, job_names, weekly_timeout

WORDS = {"create": "created", "update": "updated", "delete": "deleted", "replace": "replaced"}


@pytest.fixture
def saved(lakeform_deployed: Project) -> Project:
    """Lakeform's program on tests/e2e/programs/lakeform's rows, deployed (a copy,
    conftest.lakeform_deployed), then every kind of change made to the rows and saved as
    plan.json."""
    project = lakeform_deployed
    edit_rows(project)
    made = project.lakeform("plan", "--stack", STACK, "--save", "plan.json")
    assert made.returncode == 0, made.stderr
    return project


def apply(project: Project) -> subprocess.CompletedProcess[str]:
    return project.lakeform(
        "up", "--stack", STACK, "--plan", "plan.json", "--yes", "--allow-deletes", "1"
    )


def refused(project: Project, workspace: RunningWorkspace, *expected: str) -> None:
    """`up --plan` exits 1 naming each of `expected`, with no write to the workspace or the
    stack: not one file of the stack's backend (its checkpoint, history, backups) is written,
    which says more than the count `pulumi stack history` gave, without a process each."""
    workspace.requests.clear()
    backend = project.dir.parent / "state"
    before = contents(backend)
    result = apply(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "lakeform up: error: refusing to apply the saved plan plan.json" in result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert sum(workspace.requests.writes().values()) == 0, workspace.requests.writes()
    after = contents(backend)
    assert sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)) == []


def test_a_stale_saved_plan_is_refused_before_any_write_and_a_fresh_one_applies_exactly(
    saved: Project,
) -> None:
    """One saved plan (its `lakeform plan --save` is the set-up): refused while anything it
    depends on differs, applied exactly once all is put back, then refused once more because
    that apply deployed the stack since it was saved."""
    workspace = saved.workspace
    rows_file = saved.dir / "resources" / "rows.yaml"
    reviewed = rows_file.read_text()
    rows = yaml.safe_load(reviewed)
    rows["jobs"]["weekly"]["timeout_seconds"] = 901
    rows_file.write_text(yaml.safe_dump(rows, sort_keys=False))
    refused(
        saved,
        workspace,
        "the rows or settings changed since:\n  jobs.weekly.timeout_seconds: changed\n",
    )
    rows_file.write_text(reviewed)

    program = saved.dir / "components" / "jobs.py"
    source = program.read_text()
    program.write_text(source + "\n# another program version\n")
    refused(saved, workspace, "the program changed since:\n  sources: ")
    program.write_text(source)

    plan_file = saved.dir / "plan.json"
    reviewed_plan = plan_file.read_text()
    record = json.loads(reviewed_plan)
    provider = record["program"]["provider"]
    record["program"]["provider"] = "another databricks provider"  # as if saved elsewhere
    plan_file.write_text(json.dumps(record))
    refused(
        saved,
        workspace,
        "the program changed since:\n  provider: another databricks provider when saved, now "
        f"{provider}\n",
    )
    plan_file.write_text(reviewed_plan)

    notebook = saved.dir / "src" / "ingest.py"
    content = notebook.read_text()
    notebook.write_text(content + "# edited after the plan was saved\n")
    refused(
        saved,
        workspace,
        "a deploy now would do otherwise:\n  jobs.daily.files: planned {}, now {'src/ingest': "
        "'update'}\n",
    )
    notebook.write_text(content)

    timeout = weekly_timeout(workspace)
    timeout(42)
    refused(
        saved, workspace, "the workspace changed since:\n  jobs.weekly.timeout_seconds: 600 -> 42"
    )
    timeout(600)

    # All put back: the plan applies exactly its creates, updates, replaces and deletes.
    planned = json.loads((saved.dir / "plan.json").read_text())["plan"]
    applied = apply(saved)
    assert applied.returncode == 0, applied.stderr
    done = {line.strip() for line in applied.stderr.splitlines() if line.startswith("  ")}
    rows = {f"{r['kind']}.{r['key']}: {WORDS[r['action']]}" for r in planned}
    assert rows == {
        "jobs.hourly: created",
        "jobs.daily: updated",
        "jobs.weekly: updated",
        "jobs.legacy: deleted",
        "pipelines.sales: replaced",
    }
    assert {line for line in done if line.split(": ")[-1] in WORDS.values()} == rows
    assert sorted(job_names(workspace)) == ["Daily", "Hourly", "Weekly"]
    again = saved.lakeform("plan", "--stack", STACK)
    assert again.returncode == 0, again.stderr
    assert "0 to create, 0 to update, 0 to replace, 0 to delete" in again.stdout

    # The stack was deployed since the plan was saved (by that apply): the plan is stale.
    refused(
        saved,
        workspace,
        f"stack {STACK} was deployed since (last update when saved: update 0 started ",
    )
