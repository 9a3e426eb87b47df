"""cli/engine.py: a stack's outputs read from its export are the ones `pulumi stack output` prints,
secrets included (checked against the pinned engine, on a state imported into a file backend)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi.automation import Deployment

from cli.engine import (  # pyright: ignore[reportPrivateUsage]
    SECRET,
    SECRET_SIG,
    Engine,
    _pulumi_command,
    outputs_of,
    update_outputs,
)

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


def test_outputs_from_the_export_are_what_stack_output_prints(engine: Engine) -> None:
    stack = engine.stack()  # created: no checkpoint yet
    empty = stack.export_stack()
    deployment = dict(empty.deployment or {})
    deployment["resources"] = [
        {
            "urn": "urn:pulumi:check::outputs-check::pulumi:pulumi:Stack::outputs-check-check",
            "custom": False,
            "type": "pulumi:pulumi:Stack",
            "outputs": OUTPUTS,
        }
    ]
    stack.import_stack(Deployment(version=empty.version, deployment=deployment))
    printed = engine.outputs()
    assert printed["token"] == "s3cret"  # the engine stored it as a secret and shows it
    from_export, exported = engine.exported()
    assert from_export == printed
    assert exported["resources"][0]["type"] == "pulumi:pulumi:Stack"


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
