"""cli/engine.py: a stack's outputs read from its export are the ones `pulumi stack output` prints,
secrets included (checked against the pinned engine, on a state imported into a file backend)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import Deployment, LocalWorkspace

from cli.engine import (  # pyright: ignore[reportPrivateUsage]
    SECRET,
    SECRET_SIG,
    Engine,
    _pulumi_command,
    outputs_of,
    update_outputs,
)
from cli.pulumienv import file_backend

OUTPUTS: dict[str, Any] = {
    "jobs": {"daily": {"job_id": "11", "url": "http://127.0.0.1/jobs/11"}},
    "token": {SECRET_SIG: SECRET, "plaintext": json.dumps("s3cret")},
    "nested": {"list": [1, {SECRET_SIG: SECRET, "plaintext": json.dumps({"a": [True, None]})}]},
    "empty": [],
}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    (tmp_path / "Pulumi.yaml").write_text("name: outputs-check\nruntime: python\n")
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{tmp_path / 'state'}?metadata=skip")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "outputs-check")
    (tmp_path / "state").mkdir()
    return Engine(tmp_path, "check")


def _holding(engine: Engine, outputs: dict[str, Any]) -> Deployment:
    """The engine's stack (created) with a root stack resource holding `outputs` (a secret as
    {SECRET_SIG: SECRET, "plaintext": ...}: the engine stores it encrypted); its export."""
    stack = engine.stack()  # created: no checkpoint yet
    empty = stack.export_stack()
    deployment = dict(empty.deployment or {})
    deployment["resources"] = [
        {
            "urn": "urn:pulumi:check::outputs-check::pulumi:pulumi:Stack::outputs-check-check",
            "custom": False,
            "type": "pulumi:pulumi:Stack",
            "outputs": outputs,
        }
    ]
    stack.import_stack(Deployment(version=empty.version, deployment=deployment))
    return stack.export_stack()


def _masked(engine: Engine) -> dict[str, Any]:
    """`pulumi stack output --json`: a secret shown as [secret]."""
    workspace = engine.stack().workspace
    assert isinstance(workspace, LocalWorkspace)
    args = ["stack", "output", "--json", "--stack", engine.stack_name]
    return json.loads(workspace.pulumi_command.run(args, str(engine.project), engine.env).stdout)


def test_outputs_from_the_export_are_what_stack_output_prints(engine: Engine) -> None:
    shown = _holding(engine, OUTPUTS)  # the Automation API's export: --show-secrets
    printed = engine._shown_outputs()  # pulumi stack output --json --show-secrets
    assert printed["token"] == "s3cret"  # the engine stored it as a secret and shows it
    assert outputs_of(dict(shown.deployment or {})) == printed
    # Engine.deployment (no --show-secrets) holds the secrets encrypted: left to that command
    assert outputs_of(dict(engine.deployment().deployment or {})) is None
    assert engine.outputs() == printed
    from_export, exported = engine.exported()
    assert from_export == printed
    assert exported["resources"][0]["type"] == "pulumi:pulumi:Stack"


def test_outputs_without_a_secret_are_read_from_the_export_without_secrets(engine: Engine) -> None:
    plain = {k: v for k, v in OUTPUTS.items() if k not in ("token", "nested")}
    _holding(engine, plain)
    assert outputs_of(dict(engine.deployment().deployment or {})) == engine._shown_outputs()
    assert engine.outputs() == engine.exported()[0] == plain


def test_a_deployment_exported_without_secrets_keeps_them_through_an_edit_and_import(
    engine: Engine, tmp_path: Path
) -> None:
    """What cli/drift.py `repair`, cli/emails.py `clear` and cli/shards.py `scratch` rely on."""
    _holding(engine, OUTPUTS)
    held = engine.deployment()
    deployment = copy.deepcopy(dict(held.deployment or {}))
    token = deployment["resources"][0]["outputs"]["token"]
    assert token[SECRET_SIG] == SECRET and "plaintext" not in token
    assert str(token["ciphertext"]).startswith("v1:")
    assert deployment["secrets_providers"]["type"] == "passphrase"
    # an edit of what is not secret, as `repair` makes, given back to the same stack
    deployment["resources"][0]["outputs"]["jobs"]["daily"]["url"] = "http://127.0.0.1/jobs/12"
    engine.stack().import_stack(Deployment(version=held.version, deployment=deployment))
    after = engine._shown_outputs()
    assert after == {
        **_revealed_outputs(),
        "jobs": {"daily": {"job_id": "11", "url": "http://127.0.0.1/jobs/12"}},
    }
    assert _masked(engine)["token"] == "[secret]"  # still a secret, not a plain value
    # encrypted again (a new nonce: another ciphertext)
    kept = dict(engine.deployment().deployment or {})["resources"][0]["outputs"]["token"]
    assert kept[SECRET_SIG] == SECRET and str(kept["ciphertext"]).startswith("v1:")
    # into another backend's stack (`scratch`: the same project and passphrase)
    (tmp_path / "scratch").mkdir()
    scratch = Engine(engine.project, "check")
    scratch.env = {**scratch.env, "PULUMI_BACKEND_URL": file_backend(tmp_path / "scratch")}
    scratch.stack().import_stack(held)
    assert scratch._shown_outputs() == _revealed_outputs()
    assert _masked(scratch)["token"] == "[secret]"


def _revealed_outputs() -> dict[str, Any]:
    return {**OUTPUTS, "token": "s3cret", "nested": {"list": [1, {"a": [True, None]}]}}


def _printed(engine: Engine) -> dict[str, Any]:
    """`pulumi stack export` (no --show-secrets): {"version": ..., "deployment": ...}."""
    workspace = engine.stack().workspace
    assert isinstance(workspace, LocalWorkspace)
    args = ["stack", "export", "--stack", engine.stack_name]
    return json.loads(workspace.pulumi_command.run(args, str(engine.project), engine.env).stdout)


def test_a_file_backends_deployment_is_read_as_stack_export_prints_it(engine: Engine) -> None:
    assert engine._stored_deployment() is None  # no stack yet: left to pulumi
    engine.stack()
    stored = engine._stored_deployment()
    assert stored is not None
    assert {"version": stored.version, "deployment": stored.deployment} == _printed(engine)
    # a custom resource with values the Go types round-trip: numbers, escapes, empty ones
    odd = {
        "n": [1, 1.5, 0.1, 1e300, 10000000000000001, -0, 2**63],
        "s": '<a href="x">&amp;</a> \u00e9\u2028 \\ \t',
        "empty": {"list": [], "map": {}, "null": None, "string": ""},
    }
    job = {
        "urn": "urn:pulumi:check::outputs-check::databricks:index/job:Job::daily",
        "custom": True,
        "id": "11",
        "type": "databricks:index/job:Job",
        "inputs": odd,
        "outputs": {**odd, "token": OUTPUTS["token"]},
        "parent": "urn:pulumi:check::outputs-check::pulumi:pulumi:Stack::outputs-check-check",
    }
    _holding(engine, OUTPUTS)
    shown = engine.stack().export_stack()
    with_job = dict(shown.deployment or {})
    with_job["resources"] = [*with_job["resources"], job]
    engine.stack().import_stack(Deployment(version=shown.version, deployment=with_job))
    stored = engine._stored_deployment()
    assert stored is not None
    assert {"version": stored.version, "deployment": stored.deployment} == _printed(engine)
    assert engine.deployment().deployment == stored.deployment
    # a compressed checkpoint beside it, or another version, is left to pulumi
    base = engine.project / "state" / ".pulumi" / "stacks" / "outputs-check" / "check.json"
    base.with_name("check.json.gz").write_bytes(b"")
    assert engine._stored_deployment() is None
    base.with_name("check.json.gz").unlink()
    base.write_text(json.dumps({"version": 4, "checkpoint": {"latest": {}}}))
    assert engine._stored_deployment() is None


def test_only_a_stack_with_a_checkpoint_in_the_file_backend_skips_select(engine: Engine) -> None:
    assert engine.checkpoint() is False  # a file backend without it: the stack does not exist
    assert not engine.exists("check")
    engine.stack()  # `stack init` alone: the DIY backend writes its checkpoint
    again = Engine(engine.project, "check")
    assert again.checkpoint() is True
    assert again.exported() == ({}, again.stack().export_stack().deployment)
    assert Engine(engine.project, "other").checkpoint() is False
    # what `pulumi stack ls` says too
    listed = {s.name for s in again.stack().workspace.list_stacks()}
    assert ("check" in listed, "other" in listed) == (again.exists("check"), again.exists("other"))


def test_another_backend_or_layout_is_left_to_pulumi(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "https://api.pulumi.com")
    assert Engine(engine.project, "check").checkpoint() is None
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{engine.project / 'state'}")
    assert Engine(engine.project, "org/check").checkpoint() is None
    assert Engine(engine.project, "check").checkpoint() is False  # no .pulumi: no stack at all
    # the legacy layout (no meta.yaml, or version 0) keeps stacks elsewhere: pulumi is asked
    (engine.project / "state" / ".pulumi").mkdir(parents=True)
    assert Engine(engine.project, "check").checkpoint() is None
    (engine.project / "state" / ".pulumi" / "meta.yaml").write_text("version: 1\n")
    assert Engine(engine.project, "check").checkpoint() is False


def _root(op: str, outputs: dict[str, Any], parent: str = "") -> dict[str, Any]:
    state = {"type": "pulumi:pulumi:Stack", "parent": parent, "outputs": outputs}
    return {"op": op, "type": "pulumi:pulumi:Stack", "old": None, "new": state}


def test_an_updates_outputs_are_its_root_stacks_last_outputs_event() -> None:
    job = {"op": "same", "type": "databricks:index/job:Job", "new": {"outputs": {"id": "1"}}}
    refreshed = _root("refresh", {"jobs": {"daily": {"id": "old"}}})
    done = [refreshed, job, _root("update", {"jobs": {"daily": {"id": "11"}}, "list": [1]})]
    assert update_outputs(done) == {"jobs": {"daily": {"id": "11"}}, "list": [1]}
    assert update_outputs([refreshed, job]) is None  # no outputs of the update itself
    child = _root("same", {"x": 1}, parent="urn:pulumi:check::p::pulumi:pulumi:Stack::p-check")
    assert update_outputs([child]) is None
    # a secret as the engine's events carry it: left to `pulumi stack output`
    hidden = {"token": {SECRET_SIG: SECRET, "ciphertext": "[secret]"}}
    assert update_outputs([_root("same", hidden)]) is None
    shown = {"token": {SECRET_SIG: SECRET, "plaintext": json.dumps("s3cret")}}
    assert update_outputs([_root("same", shown)]) == {"token": "s3cret"}


def test_a_secret_without_plaintext_is_left_to_stack_output() -> None:
    root = {
        "type": "pulumi:pulumi:Stack",
        "outputs": {"token": {SECRET_SIG: SECRET, "ciphertext": "v1:abc"}},
    }
    assert outputs_of({"resources": [root]}) is None
    assert outputs_of({"resources": []}) == {}
    child = {**root, "parent": "urn:pulumi:x::y::pulumi:pulumi:Stack::y-x"}
    assert outputs_of({"resources": [child]}) == {}


def _toolchain(root: Path, record: dict[str, Any] | None) -> Path:
    """A toolchain folder whose bin/pulumi prints v3.276.0 and logs each run in root/ran."""
    (root / "bin").mkdir(parents=True)
    pulumi = root / "bin" / "pulumi"
    pulumi.write_text(f'#!/bin/sh\necho "$*" >> {root / "ran"}\necho v3.276.0\n')
    pulumi.chmod(0o755)
    if record is not None:
        (root / "COMPLETE.json").write_text(json.dumps(record))
    return root


def test_a_built_toolchains_pulumi_version_is_its_record_and_runs_nothing(tmp_path: Path) -> None:
    root = _toolchain(tmp_path / "built", {"pulumi": "3.276.0", "databricks": "1.106.0"})
    command = _pulumi_command(root)
    assert str(command.version) == "3.276.0"
    assert command.command == str(root / "bin" / "pulumi")
    assert not (root / "ran").exists()  # no `pulumi version`
    command.run(["whoami"], str(tmp_path), {})
    assert (root / "ran").read_text() == "--non-interactive whoami\n"


@pytest.mark.parametrize("record", [None, {"pulumi": "not a version"}, {"go": "1.26"}])
def test_without_a_usable_record_the_version_is_asked_of_pulumi(
    tmp_path: Path, record: dict[str, Any] | None
) -> None:
    root = _toolchain(tmp_path / "other", record)
    command = _pulumi_command(root)
    assert str(command.version) == "3.276.0"
    assert (root / "ran").read_text() == "version\n"
