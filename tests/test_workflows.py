"""The GitOps workflows (.github/): actionlint finds nothing, every `lakeform` command they run
parses as the CLI defines it (the commands themselves are tested in tests/e2e/test_plan.py and
test_saved_plan.py), no job that runs a pull request's code can write the state backend, and the
deploy applies the plan saved on the pull request (plan.yml's artifact) or stops for review.
These read the workflow files; they do not run GitHub Actions."""

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
                command = re.sub(r"\$\{\{ *matrix\.stack *\}\}", "dev.a", match.group(1))
                command = re.sub(r"\$\{\{ *[\w.]+ *\}\}", "dev", command)
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
            assert args.stack in ("dev", "dev.a"), f"{where}: {argv} names no --stack"


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
    deployers = {"prepare", "wave-1", "wave-2", "wave-3"}  # checks and moves, then the waves
    assert writers == {("deploy-stack.yml", name) for name in deployers}
    deploy = workflows()["deploy-stack.yml"]
    assert triggers(deploy) == {"workflow_call"}
    for name in deployers:
        assert deploy["jobs"][name]["environment"] == "${{ inputs.stack }}"
    # the outputs are read after the deploy with the read-only credentials
    assert deploy["jobs"]["outputs"]["environment"] == "${{ inputs.stack }}-plan"
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


# The plan reviewed on a pull request is the plan deployed (README: Saved plans): plan.yml saves
# each stack's plan and keeps it as an artifact of the pull request's run; deploy-stack.yml
# downloads that artifact and runs `lakeform up --plan` with it, and when it does not apply (or
# there is none) plans again, shows it and stops. Checked on the workflow files as written.
STACK_EXPR = re.compile(r"\$\{\{ *(?:matrix|inputs)\.stack *\}\}")


def lakeform_argv(step: dict[Any, Any]) -> list[list[str]]:
    """The `uv run lakeform ...` commands of a step, `${{ matrix/inputs.stack }}` as <stack>."""
    found: list[list[str]] = []
    for line in str(step.get("run", "")).splitlines():
        match = re.search(r"uv run lakeform (.*?)(?: [>|].*)?$", line)
        if match:
            found.append(shlex.split(STACK_EXPR.sub("<stack>", match.group(1))))
    return found


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def first(steps: list[dict[Any, Any]], test: Any) -> int | None:
    return next((i for i, s in enumerate(steps) if test(s)), None)


def uses(step: dict[Any, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(action + "@")


def runs(step: dict[Any, Any], command: str) -> bool:
    return any(argv[0] == command for argv in lakeform_argv(step))


def saved_plan_findings(plan_wf: dict[Any, Any], deploy_wf: dict[Any, Any]) -> list[str]:
    """What breaks "the reviewed plan is the applied plan, or nothing is deployed"."""
    found: list[str] = []
    plan_steps: list[dict[Any, Any]] = plan_wf["jobs"]["plan"]["steps"]
    saving = first(plan_steps, lambda s: runs(s, "plan") and "--save" in lakeform_argv(s)[0])
    if saving is None:
        return ["plan.yml: no `lakeform plan --save`"]
    saved_file = option(lakeform_argv(plan_steps[saving])[0], "--save")
    upload = first(
        plan_steps,
        lambda s: (
            uses(s, "actions/upload-artifact")
            and STACK_EXPR.sub("<stack>", str(s["with"].get("path"))) == saved_file
        ),
    )
    if upload is None or upload < saving:
        return ["plan.yml: the saved plan is not uploaded after `lakeform plan --save`"]
    if "if" in plan_steps[upload]:
        found.append("plan.yml: the saved plan is uploaded even when the plan failed")
    artifact = STACK_EXPR.sub("<stack>", str(plan_steps[upload]["with"]["name"]))
    comment = first(plan_steps, lambda s: uses(s, "actions/github-script"))
    if comment is None or comment < saving or "always()" not in str(plan_steps[comment].get("if")):
        found.append("plan.yml: no comment after the plan, also when the plan is refused")

    steps: list[dict[Any, Any]] = deploy_wf["jobs"]["prepare"]["steps"]
    ups = [i for i, s in enumerate(steps) if runs(s, "up")]
    for i in ups:
        if "--plan" not in lakeform_argv(steps[i])[0]:
            found.append("deploy-stack.yml: `lakeform up` without --plan (a silent re-plan)")
    find = first(
        steps,
        lambda s: (
            uses(s, "actions/github-script")
            and 'workflow_id: "plan.yml"' in s["with"]["script"]
            and "head_sha: pull.head.sha" in s["with"]["script"]
        ),
    )
    download = first(
        steps,
        lambda s: (
            uses(s, "actions/download-artifact")
            and STACK_EXPR.sub("<stack>", str(s["with"].get("name"))) == artifact
        ),
    )
    if find is None or download is None or not find < download:
        return [
            *found,
            "deploy-stack.yml: the plan.yml artifact of the pull request is not fetched",
        ]
    fetched = steps[download]["with"]
    if fetched.get("run-id") != f"${{{{ steps.{steps[find].get('id')}.outputs.run_id }}}}":
        found.append("deploy-stack.yml: the artifact is not taken from the pull request's run")
    expected = f"{fetched.get('path')}/{saved_file}"
    applied = [i for i in ups if option(lakeform_argv(steps[i])[0], "--plan") == expected]
    if not applied or applied[0] < download or len(applied) != len(ups):
        return [*found, f"deploy-stack.yml: no `lakeform up --plan {expected}` after the download"]
    apply = applied[0]
    replan = first(steps, lambda s: runs(s, "plan"))
    stop = steps[replan] if replan is not None else {}
    condition = str(stop.get("if", ""))
    if (
        replan is None
        or replan < apply
        or "failure()" not in condition
        or f"steps.{steps[find].get('id')}.outputs.run_id == ''" not in condition
    ):
        found.append("deploy-stack.yml: no new plan when the saved one fails or is missing")
    elif not str(stop.get("run", "")).rstrip().endswith("exit 1"):
        found.append("deploy-stack.yml: the new plan does not stop the deploy")
    elif "GITHUB_STEP_SUMMARY" not in str(stop.get("run")):
        found.append("deploy-stack.yml: the new plan is not shown in the run's summary")
    return found


def test_the_deploy_applies_the_plan_saved_on_the_pull_request_or_stops() -> None:
    wfs = workflows()
    assert saved_plan_findings(wfs["plan.yml"], wfs["deploy-stack.yml"]) == []
    # The artifact is read from another workflow's run: the job's token may read actions.
    for job in ("prepare", "wave-1", "wave-2", "wave-3"):
        assert wfs["deploy-stack.yml"]["jobs"][job]["permissions"]["actions"] == "read"
    # The order, as a reviewer reads the files: plan, keep, comment; find, fetch, apply, else stop.
    plan_names = [s.get("name", s.get("uses")) for s in wfs["plan.yml"]["jobs"]["plan"]["steps"]]
    assert plan_names[-3:] == [
        "lakeform plan (saved)",
        "Keep the saved plan for the deploy",
        "Post or update the stack's comment",
    ]
    deploy_names = [
        s.get("name", s.get("uses")) for s in wfs["deploy-stack.yml"]["jobs"]["prepare"]["steps"]
    ]
    assert deploy_names[2:] == [
        "Shards in reference order",
        "Find the plan saved for this commit's pull request",
        "Download the saved plan",
        "lakeform up (the saved plan, exactly)",
        "Check every shard's saved plan, guard the environment, move rows",
        "Plan again and stop for review",
    ]


def deploy_with(change: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """plan.yml and deploy-stack.yml with one change that breaks the saved-plan path."""
    wfs = workflows()
    plan, deploy = wfs["plan.yml"], wfs["deploy-stack.yml"]
    plan_steps = plan["jobs"]["plan"]["steps"]
    steps = deploy["jobs"]["prepare"]["steps"]
    by_name = {s.get("name"): s for s in steps}
    if change == "fresh up":
        by_name["lakeform up (the saved plan, exactly)"]["run"] = (
            'uv run lakeform up --stack "${{ inputs.stack }}" --yes'
        )
    elif change == "no save":
        plan_steps[-3]["run"] = plan_steps[-3]["run"].replace(
            ' --save "plan-${{ matrix.stack }}.json"', ""
        )
    elif change == "upload on failure":
        plan_steps[-2]["if"] = "always()"
    elif change == "other artifact":
        by_name["Download the saved plan"]["with"]["name"] = "plan-dev"
    elif change == "latest run":
        script = by_name["Find the plan saved for this commit's pull request"]["with"]["script"]
        by_name["Find the plan saved for this commit's pull request"]["with"]["script"] = (
            script.replace("head_sha: pull.head.sha, ", "")
        )
    elif change == "other file":
        by_name["lakeform up (the saved plan, exactly)"]["run"] = (
            'uv run lakeform up --stack "${{ inputs.stack }}" --plan plan.json --yes'
        )
    elif change == "no stop":
        stop = by_name["Plan again and stop for review"]
        stop["run"] = stop["run"].rstrip().removesuffix("exit 1")
    elif change == "replan only on failure":
        by_name["Plan again and stop for review"]["if"] = "failure()"
    return plan, deploy


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ("fresh up", "deploy-stack.yml: `lakeform up` without --plan (a silent re-plan)"),
        ("no save", "plan.yml: no `lakeform plan --save`"),
        ("upload on failure", "plan.yml: the saved plan is uploaded even when the plan failed"),
        ("other artifact", "deploy-stack.yml: the plan.yml artifact of the pull request is not"),
        ("latest run", "deploy-stack.yml: the plan.yml artifact of the pull request is not"),
        ("other file", "deploy-stack.yml: no `lakeform up --plan saved-plan/plan-<stack>.json`"),
        ("no stop", "deploy-stack.yml: the new plan does not stop the deploy"),
        ("replan only on failure", "deploy-stack.yml: no new plan when the saved one fails"),
    ],
)
def test_a_deploy_that_would_apply_something_unreviewed_is_caught(
    change: str, finding: str
) -> None:
    assert saved_plan_findings(*deploy_with("none")) == []
    found = saved_plan_findings(*deploy_with(change))
    assert any(f.startswith(finding) for f in found), found


# A sharded stack (README: Sharding large environments) deploys as a matrix: `prepare` reads the
# waves from `lakeform shards --json`, checks every shard's saved plan and applies the one
# mass-delete guard over the environment (`up --plan --prepare`) before any shard job starts;
# each wave is a matrix of those shards, after the wave before, one concurrency group per shard.
WAVES = ("wave-1", "wave-2", "wave-3")
WAVES_OUTPUT = "${{ fromJSON(needs.prepare.outputs.waves)[%d] }}"


def matrix_findings(deploy_wf: dict[Any, Any]) -> list[str]:
    """What breaks "shards deploy in reference order, several at once, after the whole
    environment's checks and guard"."""
    found: list[str] = []
    jobs: dict[str, Any] = deploy_wf["jobs"]
    prepare = jobs["prepare"]
    steps: list[dict[Any, Any]] = prepare["steps"]
    listing = first(
        steps,
        lambda s: any(
            argv[:1] == ["shards"] and "--json" in argv and option(argv, "--stack") == "<stack>"
            for argv in lakeform_argv(s)
        ),
    )
    if listing is None:
        return ["deploy-stack.yml: prepare does not list the shards (lakeform shards --json)"]
    step = steps[listing]
    script = str(step.get("run"))
    if not re.search(r'echo "waves=\$\(jq -c \.waves shards\.json\)" >> "\$GITHUB_OUTPUT"', script):
        found.append("deploy-stack.yml: the waves are not the output of lakeform shards --json")
    if (
        prepare.get("outputs", {}).get("waves")
        != f"${{{{ steps.{step.get('id')}.outputs.waves }}}}"
    ):
        found.append("deploy-stack.yml: prepare does not hand the waves to the wave jobs")
    limit = re.search(r'if \[ "\$waves" -gt (\d+) \]; then', script)
    if limit is None or int(limit[1]) != len([j for j in jobs if j.startswith("wave-")]):
        found.append("deploy-stack.yml: more waves than wave jobs are not refused")
    guard = first(
        steps,
        lambda s: any(
            argv[:1] == ["up"] and "--prepare" in argv and "--plan" in argv
            for argv in lakeform_argv(s)
        ),
    )
    if guard is None or guard < listing:
        found.append("deploy-stack.yml: prepare does not check every shard and guard the stack")
    for n, name in enumerate(WAVES):
        job = jobs.get(name)
        if job is None:
            found.append(f"deploy-stack.yml: no job {name}")
            continue
        if job.get("needs") != ["prepare", *WAVES[max(n - 1, 0) : n]]:
            found.append(f"deploy-stack.yml: {name} does not run after prepare and the wave before")
        if job.get("strategy", {}).get("matrix", {}).get("include") != WAVES_OUTPUT % n:
            found.append(f"deploy-stack.yml: {name}'s matrix is not wave {n} of lakeform shards")
        if job.get("strategy", {}).get("fail-fast") is not False:
            found.append(f"deploy-stack.yml: {name}: a failed shard cancels the others")
        group = job.get("concurrency", {}).get("group")
        if group != "deploy-${{ inputs.stack }}-${{ matrix.shard }}":
            found.append(f"deploy-stack.yml: {name}: not one concurrency group per shard")
        ups = [s for s in job["steps"] if runs(s, "up")]
        matrix_ups = [
            s
            for s in ups
            if '--stack "${{ matrix.stack }}"' in str(s["run"])
            and option(lakeform_argv(s)[0], "--plan") == "saved-plan/plan-<stack>.json"
        ]
        if len(ups) != 1 or len(matrix_ups) != 1:
            found.append(f"deploy-stack.yml: {name} does not apply its shard's saved plan")
        download = next((s for s in job["steps"] if uses(s, "actions/download-artifact")), {})
        if download.get("with", {}).get("run-id") != "${{ needs.prepare.outputs.run_id }}":
            found.append(f"deploy-stack.yml: {name}: the saved plan is not the pull request's")
    return found


def test_a_sharded_stack_deploys_its_shards_as_a_matrix_in_reference_order() -> None:
    deploy = workflows()["deploy-stack.yml"]
    assert matrix_findings(deploy) == []
    jobs = deploy["jobs"]
    assert jobs["prepare"]["outputs"]["run_id"] == "${{ steps.saved.outputs.run_id }}"
    # the whole environment, one deploy at a time (deploy.yml); the shards each in their group
    for stack in ("dev", "staging", "prod"):
        assert workflows()["deploy.yml"]["jobs"][stack]["concurrency"] == {
            "group": f"lakeform-environment-{stack}",
            "cancel-in-progress": False,
        }


def matrix_with(change: str) -> dict[Any, Any]:
    deploy = workflows()["deploy-stack.yml"]
    jobs = deploy["jobs"]
    if change == "no guard":
        jobs["wave-1"]["needs"] = []
    elif change == "static matrix":
        jobs["wave-2"]["strategy"]["matrix"]["include"] = [{"stack": "prod.a", "shard": "a"}]
    elif change == "one group":
        jobs["wave-1"]["concurrency"]["group"] = "deploy-${{ inputs.stack }}"
    elif change == "waves at once":
        jobs["wave-3"]["needs"] = ["prepare"]
    elif change == "fail fast":
        jobs["wave-2"]["strategy"]["fail-fast"] = True
    elif change == "no prepare":
        jobs["prepare"]["steps"] = [
            s for s in jobs["prepare"]["steps"] if "--prepare" not in str(s.get("run"))
        ]
    elif change == "fresh up":
        step = jobs["wave-1"]["steps"][-1]
        step["run"] = 'uv run lakeform up --stack "${{ matrix.stack }}" --yes'
    elif change == "no limit":
        step = jobs["prepare"]["steps"][2]
        step["run"] = step["run"].replace("-gt 3 ]", "-gt 4 ]")
    elif change == "waves by hand":
        step = jobs["prepare"]["steps"][2]
        step["run"] = step["run"].replace("jq -c .waves shards.json", "echo '[]'")
    return deploy


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ("no guard", "deploy-stack.yml: wave-1 does not run after prepare"),
        ("static matrix", "deploy-stack.yml: wave-2's matrix is not wave 1 of lakeform shards"),
        ("one group", "deploy-stack.yml: wave-1: not one concurrency group per shard"),
        ("waves at once", "deploy-stack.yml: wave-3 does not run after prepare and the wave"),
        ("fail fast", "deploy-stack.yml: wave-2: a failed shard cancels the others"),
        ("no prepare", "deploy-stack.yml: prepare does not check every shard and guard"),
        ("fresh up", "deploy-stack.yml: wave-1 does not apply its shard's saved plan"),
        ("no limit", "deploy-stack.yml: more waves than wave jobs are not refused"),
        ("waves by hand", "deploy-stack.yml: the waves are not the output of lakeform shards"),
    ],
)
def test_a_matrix_that_skips_the_order_or_the_guard_is_caught(change: str, finding: str) -> None:
    assert matrix_findings(matrix_with("none")) == []
    found = matrix_findings(matrix_with(change))
    assert any(f.startswith(finding) for f in found), found
