"""The GitOps workflows (.github/): actionlint finds nothing, every `lakeform` command they run
parses as the CLI defines it (the commands themselves are tested in tests/e2e/test_plan.py), and
no job that runs a pull request's code can write the state backend."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import make_parser

REPO = Path(__file__).resolve().parents[1]
GITHUB = REPO / ".github"
ACTIONLINT = "v1.7.7"
"""github.com/rhysd/actionlint, built from the Go module proxy into a cache outside the repo."""
CACHE = Path(os.environ.get("LAKEFORM_TOOLS_HOME", Path.home() / ".cache" / "lakeform"))


def actionlint() -> Path:
    binary = CACHE / "actionlint" / ACTIONLINT / "actionlint"
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("go is needed to build actionlint")
        pytest.skip("go is not installed: cannot build actionlint")
    subprocess.run(
        ["go", "install", f"github.com/rhysd/actionlint/cmd/actionlint@{ACTIONLINT}"],
        env={**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-mod=mod"},
        check=True,
        capture_output=True,
        timeout=900,
    )
    return binary


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run(
        [str(actionlint()), "-no-color"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def lakeform_commands() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for path in sorted(GITHUB.rglob("*.yml")):
        for line in path.read_text().splitlines():
            match = re.search(r"uv run lakeform (.*?)(?: [>|].*)?$", line)
            if match:
                command = re.sub(r"\$\{\{ *[\w.]+ *\}\}", "dev", match.group(1))
                found.append((path.name, shlex.split(command)))
    return found


def test_workflows_run_each_lakeform_command_with_arguments_it_takes() -> None:
    commands = lakeform_commands()
    assert {argv[0] for _, argv in commands} == {
        "validate",
        "plan",
        "up",
        "outputs",
        "drift",
        "shards",
    }
    for where, argv in commands:
        args = make_parser().parse_args(argv)
        assert args.command == argv[0], where
        if argv[0] != "validate":
            assert args.stack == "dev", f"{where}: {argv} names no --stack"


# Pull requests run their own code (rows, program, even workflow files) in `validate` and `plan`:
# nothing there may write the state backend. Secrets a pull-request job may hold: the read-only
# state credentials of a `<stack>-plan` environment, and what `pulumi preview` needs besides.
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
PULL_REQUEST_SECRETS = re.compile(
    r"STATE_BACKEND_READ_\w+|DATABRICKS_TOKEN|PULUMI_CONFIG_PASSPHRASE|GITHUB_TOKEN"
)
SECRET = re.compile(r"secrets\.(\w+)|secrets\[|toJSON\(\s*secrets\s*\)")
PULL_REQUEST_HEAD = re.compile(r"pull_request\.head|head_ref|refs/pull/|merge_commit_sha")


def workflows() -> dict[str, dict[Any, Any]]:
    return {p.name: yaml.safe_load(p.read_text()) for p in sorted(GITHUB.glob("workflows/*.yml"))}


def triggers(workflow: dict[Any, Any]) -> set[str]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as True
    return {on} if isinstance(on, str) else set(on or ())


def secrets_in(node: Any) -> list[str]:
    """The secrets an expression tree reads (`*` for all of them at once)."""
    return [m[1] or "*" for m in SECRET.finditer(json.dumps(node))]


def pull_request_findings(workflow: dict[Any, Any]) -> list[str]:
    """What gives a pull request's code more than read access to the state backend."""
    events = triggers(workflow) & set(PULL_REQUEST_EVENTS)
    if not events:
        return []
    found = [
        f"the workflow env gives every job secret {s}" for s in secrets_in(workflow.get("env"))
    ]
    for name, job in (workflow.get("jobs") or {}).items():
        if job.get("secrets") == "inherit":
            found.append(f"{name}: passes every secret on (secrets: inherit)")
        held = secrets_in({k: v for k, v in job.items() if k != "secrets"})
        for secret in held:
            if not PULL_REQUEST_SECRETS.fullmatch(secret):
                found.append(f"{name}: gets secret {secret}, more than a pull request may hold")
        if held and not str(job.get("environment", "")).endswith("-plan"):
            found.append(f"{name}: gets secrets outside a <stack>-plan environment")
        for step in job.get("steps") or []:
            if not str(step.get("uses", "")).startswith("actions/checkout"):
                continue
            with_ = step.get("with") or {}
            if "pull_request_target" in events and PULL_REQUEST_HEAD.search(json.dumps(with_)):
                found.append(
                    f"{name}: checks out the pull request's head under pull_request_target"
                )
            if with_.get("persist-credentials") is not False:
                found.append(f"{name}: leaves the job's token in .git/config for the code")
    return found


def test_pull_request_jobs_read_the_state_backend_and_cannot_write_it() -> None:
    found = {name: pull_request_findings(w) for name, w in workflows().items()}
    assert found == {name: [] for name in found}
    plan = workflows()["plan.yml"]
    assert triggers(plan) == {"pull_request"}
    assert secrets_in(plan["jobs"]["validate"]) == []
    assert {s for s in secrets_in(plan["jobs"]["plan"]) if s.startswith("STATE_")} == {
        "STATE_BACKEND_READ_AWS_ACCESS_KEY_ID",
        "STATE_BACKEND_READ_AWS_SECRET_ACCESS_KEY",
        "STATE_BACKEND_READ_PULUMI_ACCESS_TOKEN",
    }


def test_only_the_deploy_job_holds_the_state_write_credentials() -> None:
    writers = {
        (name, job_name)
        for name, w in workflows().items()
        for job_name, job in (w.get("jobs") or {}).items()
        if any(s.startswith("STATE_BACKEND_WRITE_") for s in secrets_in(job))
    }
    deployers = {"prepare", "up", "up-wave-2", "up-wave-3"}  # state moves, then one job a wave
    assert writers == {("deploy-stack.yml", name) for name in deployers}
    deploy = workflows()["deploy-stack.yml"]
    assert triggers(deploy) == {"workflow_call"}
    for name in deployers:
        assert deploy["jobs"][name]["environment"] == "${{ inputs.stack }}"


def test_a_sharded_stack_deploys_its_shards_as_a_matrix_in_reference_order() -> None:
    """Each wave is a matrix of the waves `lakeform shards --json` prints, after the wave before
    it; one concurrency group per shard stack, and a failed shard does not cancel the others."""
    jobs = workflows()["deploy-stack.yml"]["jobs"]
    assert "lakeform shards" in json.dumps(jobs["prepare"]["steps"])
    assert "--move" in json.dumps(jobs["prepare"]["steps"])
    waves = ["up", "up-wave-2", "up-wave-3"]
    for n, name in enumerate(waves):
        job = jobs[name]
        assert job["strategy"]["matrix"]["include"] == (
            f"${{{{ fromJSON(needs.prepare.outputs.waves)[{n}] }}}}"
        )
        assert job["strategy"]["fail-fast"] is False
        assert job["concurrency"]["group"] == "lakeform-stack-${{ matrix.stack }}"
        assert job["needs"] == ["prepare", *waves[max(n - 1, 0) : n]]
        runs = [step.get("run") for step in job["steps"]]
        assert 'uv run lakeform up --stack "${{ matrix.stack }}" --yes' in runs
    assert triggers(workflows()["deploy.yml"]) == {"push", "workflow_dispatch"}


def plan_workflow_with(change: str) -> dict[Any, Any]:
    """plan.yml as a pull request might change it (one attack per case below)."""
    workflow = workflows()["plan.yml"]
    jobs = workflow["jobs"]
    if change == "shared env":  # plan.yml as it was: the write credentials in the workflow env
        workflow["env"] = {"AWS_SECRET_ACCESS_KEY": "${{ secrets.STATE_AWS_SECRET_ACCESS_KEY }}"}
    elif change == "write secret":
        jobs["plan"]["env"]["AWS_SECRET_ACCESS_KEY"] = (
            "${{ secrets.STATE_BACKEND_WRITE_AWS_SECRET_ACCESS_KEY }}"
        )
    elif change == "validate secret":
        jobs["validate"]["env"] = {"PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}
    elif change == "all secrets":
        jobs["validate"]["env"] = {"ALL": "${{ toJSON(secrets) }}"}
    elif change == "inherit":
        jobs["deploy"] = {"uses": "./.github/workflows/deploy-stack.yml", "secrets": "inherit"}
    elif change == "pull_request_target":
        workflow[True] = {"pull_request_target": {"branches": ["main"]}}
        jobs["validate"]["steps"][0]["with"] = {
            "ref": "${{ github.event.pull_request.head.sha }}",
            "persist-credentials": False,
        }
    elif change == "credentials":
        jobs["validate"]["steps"][0]["with"] = {}
    return workflow


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ("shared env", "the workflow env gives every job secret STATE_AWS_SECRET_ACCESS_KEY"),
        (
            "write secret",
            "plan: gets secret STATE_BACKEND_WRITE_AWS_SECRET_ACCESS_KEY, more than a pull "
            "request may hold",
        ),
        ("validate secret", "validate: gets secret PULUMI_ACCESS_TOKEN, more than a pull request"),
        ("validate secret", "validate: gets secrets outside a <stack>-plan environment"),
        ("all secrets", "validate: gets secret *, more than a pull request may hold"),
        ("inherit", "deploy: passes every secret on (secrets: inherit)"),
        (
            "pull_request_target",
            "validate: checks out the pull request's head under pull_request_target",
        ),
        ("credentials", "validate: leaves the job's token in .git/config for the code"),
    ],
)
def test_a_pull_request_that_reaches_for_more_is_caught(change: str, finding: str) -> None:
    assert pull_request_findings(plan_workflow_with("none")) == []
    assert any(f.startswith(finding) for f in pull_request_findings(plan_workflow_with(change)))
