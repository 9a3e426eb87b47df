"""The deploy policies (metadata/policy.py) through `lakeform validate --stack`: each rule refuses
its bad row with file, line and field and passes the good ones; advisory rules warn; and the same
rule objects read the Databricks resource inputs the policy pack sees (tests/e2e/test_policies.py
runs the pack in the engine)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_policy.proxy import unknown_checking_proxy

from cli.main import main
from metadata.kinds import KINDS
from metadata.policy import RULES, PolicySettings, findings, pack_config
from metadata.settings import SettingsError, parse_settings

PROGRAM = Path(__file__).resolve().parents[1] / "e2e" / "programs" / "policies"

BROKEN: dict[str, tuple[str, str, str]] = {
    # rule -> (row field path it names, line of resources/rows.yaml it points at, message part)
    "job-notifies-on-failure": (
        "jobs.no_notification.email_notifications.on_failure",
        "14:3",  # the field is not written: the row's key
        "no one is told when a run fails",
    ),
    "job-has-timeout": ("jobs.no_timeout.timeout_seconds", "22:3", "the job has no timeout"),
    "job-runs-as-service-principal": (
        "jobs.no_service_principal.run_as",
        "34:5",
        "runs as user 'someone@example.com'",
    ),
    "job-no-all-purpose-cluster": (
        "jobs.on_all_purpose.tasks[1].existing_cluster_id",
        "49:9",
        "task 'shared' runs on an existing all-purpose cluster",
    ),
    "pipeline-not-development": (
        "pipelines.dev_mode.development",
        "69:5",
        "the pipeline is in development mode",
    ),
    "required-tags": ("jobs.no_owner.tags", "51:3", "missing required tag owner"),
}
"""One bad row per rule in tests/e2e/programs/policies: a new rule without a case fails below."""


def test_every_rule_has_a_case() -> None:
    assert sorted(BROKEN) == sorted(r.name for r in RULES)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(PROGRAM, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return tmp_path / "p"


def set_policies(project: Path, policies: dict[str, Any]) -> None:
    path = project / "Pulumi.e2e.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["lakeform:settings"]["policies"] = policies
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def validate(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["validate", "--stack", "e2e"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_a_mandatory_rule_refuses_its_bad_row_only(
    rule: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_policies(project, {"rules": {rule: "mandatory"}, "required_tags": ["owner"]})
    code, out, _ = validate(capsys)
    field, line, message = BROKEN[rule]
    assert code == 1
    lines = [x for x in out.splitlines() if x]
    assert len(lines) == 1, out  # the good rows and the other rules' rows pass
    assert lines[0].startswith(f"resources/rows.yaml:{line}: {field}: policy {rule} (mandatory): ")
    assert message in lines[0]


def test_advisory_rules_warn_and_validate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_policies(
        project,
        {"rules": {name: "advisory" for name in BROKEN}, "required_tags": ["owner"]},
    )
    code, out, err = validate(capsys)
    assert code == 0
    assert out.startswith("OK: 6 jobs, 2 pipelines")
    warned = [x for x in err.splitlines() if x.startswith("warning: ")]
    assert len(warned) == len(BROKEN)
    for rule, (field, line, _) in BROKEN.items():
        assert f"warning: resources/rows.yaml:{line}: {field}: policy {rule} (advisory): " in err


def test_no_policies_no_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = validate(capsys)
    assert (code, err) == (0, "")
    assert out.startswith("OK: 6 jobs")


def test_stack_settings_feed_the_rules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A default from lakeform:settings counts: the stack's run_as fixes the row without one."""
    path = project / "resources" / "rows.yaml"
    doc = yaml.safe_load(path.read_text())
    del doc["jobs"]["no_service_principal"]["run_as"]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    set_policies(project, {"rules": {"job-runs-as-service-principal": "mandatory"}})
    assert validate(capsys)[0] == 1
    stack = project / "Pulumi.e2e.yaml"
    conf = yaml.safe_load(stack.read_text())
    conf["config"]["lakeform:settings"]["run_as"] = {"service_principal_name": "sp-1"}
    stack.write_text(yaml.safe_dump(conf, sort_keys=False))
    assert validate(capsys)[0] == 0


def test_an_unknown_rule_is_refused_with_the_known_ones() -> None:
    with pytest.raises(
        SettingsError,
        match=r"policies\.rules: Value error, unknown rule job-x; "
        r"known: job-notifies-on-failure, ",
    ):
        parse_settings({"policies": {"rules": {"job-x": "mandatory"}}}, "Pulumi.e2e.yaml")


def test_pack_config_carries_levels_and_parameters() -> None:
    settings = PolicySettings.model_validate(
        {
            "rules": {"required-tags": "mandatory", "job-has-timeout": "advisory"},
            "required_tags": ["owner"],
        }
    )
    config = pack_config(settings)
    assert config["required-tags"] == {"enforcementLevel": "mandatory", "required_tags": ["owner"]}
    assert config["job-has-timeout"] == {"enforcementLevel": "advisory"}
    assert config["pipeline-not-development"] == {"enforcementLevel": "disabled"}


GOOD_JOB = {
    "timeoutSeconds": 3600,
    "emailNotifications": {"onFailures": ["oncall@example.com"]},
    "runAs": {"servicePrincipalName": "sp"},
    "tags": {"owner": "data"},
    "tasks": [{"taskKey": "a", "notebookTask": {"notebookPath": "/x"}}],
}
BAD_PROPS: dict[str, tuple[str, dict[str, Any]]] = {
    "job-notifies-on-failure": ("jobs", {**GOOD_JOB, "emailNotifications": {}}),
    "job-has-timeout": ("jobs", {**GOOD_JOB, "timeoutSeconds": 0}),
    "job-runs-as-service-principal": ("jobs", {**GOOD_JOB, "runAs": {"userName": "me"}}),
    "job-no-all-purpose-cluster": (
        "jobs",
        {**GOOD_JOB, "tasks": [{"taskKey": "a", "existingClusterId": "c-1"}]},
    ),
    "pipeline-not-development": ("pipelines", {"development": True, "tags": {"owner": "d"}}),
    "required-tags": ("jobs", {**GOOD_JOB, "tags": {"team": "data"}}),
}
"""The same rules on resource inputs as the engine sends them (pulumi-databricks names)."""


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_rule_reads_resource_inputs(rule: Any) -> None:
    params = PolicySettings(required_tags=["owner"]).params()
    kind, bad = BAD_PROPS[rule.name]
    good = GOOD_JOB if kind == "jobs" else {"development": False, "tags": {"owner": "d"}}
    # As the pack receives them: wrapped in the policy SDK's read-only proxies.
    bad, good = unknown_checking_proxy(bad), unknown_checking_proxy(good)
    reader = KINDS[kind].policy
    assert reader is not None, kind
    assert [f.message for f in findings(rule, reader.props(bad), params)]
    assert findings(rule, reader.props(good), params) == []
