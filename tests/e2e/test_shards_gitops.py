"""The shell steps of the GitOps workflows (.github/workflows/plan.yml, deploy-stack.yml) run as
written against a local sharded stack: the pull request's saved plan, then `prepare` (the waves
from `lakeform shards --json`, every shard checked, the guard, the moves), then each wave's
matrix of shards, then the outputs. Not GitHub Actions: the `run:` scripts, with `${{ }}`
expressions filled in as Actions would, `uv run lakeform` as the repository's `lakeform`."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import yaml

from tests.e2e.harness import REPO, Project
from tests.e2e.test_shards import job_settings, outputs, stack_rows

WORKFLOWS = REPO / ".github" / "workflows"
STACK = "e2e"


def workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in job["steps"] if s.get("name") == name)


def run_step(project: Project, step: dict[str, Any], **values: str) -> dict[str, str]:
    """Run a step's script in the project as the runner would (bash -e); returns what it wrote
    to $GITHUB_OUTPUT."""
    script = str(step["run"])
    for name, value in values.items():
        script = re.sub(r"\$\{\{ *" + re.escape(name) + r" *\}\}", value, script)
    assert "${{" not in script, script
    script = script.replace("uv run lakeform", str(REPO / ".venv" / "bin" / "lakeform"))
    output = project.dir / "github-output"
    output.write_text("")
    env = {
        **project.env,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(project.dir / "summary.md"),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=project.dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"{step.get('name')}:\n{done.stdout}\n{done.stderr}"
    return dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)


def test_the_workflow_steps_deploy_a_sharded_stack_wave_by_wave(
    sharded_deployed: Project,
) -> None:
    # The stack as deployed before the pull request (`lakeform up`, conftest.sharded_once): the
    # steps apply a change to a deployed stack; a first deploy is tests/e2e/test_shards.py's.
    project, workspace = sharded_deployed, sharded_deployed.workspace
    before = outputs(project)
    # The pull request: the pipeline moves to shard finance (its own file there), and campaigns,
    # still in marketing (naming ledger of finance: the second wave), gets a timeout.
    resources = project.dir / "resources"
    rows = yaml.safe_load((resources / "marketing" / "jobs.yaml").read_text())
    (resources / "finance" / "reports.yaml").write_text(
        yaml.safe_dump({"pipelines": rows.pop("pipelines")})
    )
    rows["jobs"]["campaigns"]["timeout_seconds"] = 700
    (resources / "marketing" / "jobs.yaml").write_text(yaml.safe_dump(rows))

    plan = workflow("plan.yml")["jobs"]["plan"]
    run_step(project, step(plan, "lakeform plan (saved)"), **{"matrix.stack": STACK})
    assert "Lakeform plan: stack `e2e`" in (project.dir / "plan.md").read_text()
    saved = project.dir / "saved-plan"  # actions/download-artifact of plan-<stack>
    saved.mkdir()
    (project.dir / f"plan-{STACK}.json").rename(saved / f"plan-{STACK}.json")

    jobs = workflow("deploy-stack.yml")["jobs"]
    prepare = jobs["prepare"]
    listed = run_step(
        project, step(prepare, "Shards in reference order"), **{"inputs.stack": STACK}
    )
    assert listed["sharded"] == "true"
    waves: list[list[dict[str, Any]]] = json.loads(listed["waves"])
    assert [[e["stack"] for e in wave] for wave in waves] == [["e2e.finance"], ["e2e.marketing"]]

    guard = step(prepare, "Check every shard's saved plan, guard the environment, move rows")
    assert "steps.shards.outputs.sharded == 'true'" in guard["if"]
    workspace.requests.clear()
    run_step(project, guard, **{"inputs.stack": STACK})
    assert sum(workspace.requests.writes().values()) == 0  # only the states changed: the move
    assert stack_rows(project, "e2e.finance") == {"ledger", "reports"}

    for n, wave in enumerate(waves):
        job = jobs[f"wave-{n + 1}"]
        for entry in wave:  # a matrix: one runner each, in any order within the wave
            values = {
                "inputs.stack": STACK,
                "matrix.stack": entry["stack"],
                "matrix.shard": entry["shard"],
            }
            run_step(project, step(job, "lakeform up (the shard's saved plan, exactly)"), **values)

    run_step(project, step(jobs["outputs"], "Stack outputs"), **{"inputs.stack": STACK})
    after = json.loads((project.dir / f"outputs-{STACK}.json").read_text())
    assert after["pipelines"]["reports"]["id"] == before["pipelines"]["reports"]["id"]
    assert after["jobs"]["campaigns"]["id"] == before["jobs"]["campaigns"]["id"]
    assert job_settings(workspace, after["jobs"]["campaigns"]["id"])["timeout_seconds"] == 700
    assert stack_rows(project, "e2e.marketing") == {"campaigns"}
    again = project.lakeform("plan", "--stack", STACK, "--json")
    assert json.loads(again.stdout)["rows"] == []
