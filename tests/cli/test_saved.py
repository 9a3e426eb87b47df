"""Saved plans' checks without the engine: what changed in the rows, the program and the plan,
and files that are not saved plans. The engine side is tests/e2e/test_saved_plan.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cli.plan import build_plan
from cli.saved import (
    Saved,
    StalePlan,
    changed_fields,
    comparable,
    engine_differences,
    plan_differences,
    program_hash,
    row_fields,
    setting_fields,
)
from metadata.settings import StackSettings, load_stack_settings
from tests.cli.test_plan import PROGRAMS, recorded


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """tests/e2e/programs/lakeform's rows and stack file."""
    shutil.copytree(PROGRAMS / "lakeform", tmp_path / "p")
    return tmp_path / "p"


def fields(project: Path) -> dict[str, dict[str, str]]:
    return row_fields(project, "e2e", load_stack_settings(project, "e2e"))


def test_an_edited_row_field_is_named_by_row_key_and_field(project: Path) -> None:
    before = fields(project)
    rows = project / "resources" / "rows.yaml"
    text = rows.read_text()
    text = text.replace("        timeout_seconds: 600\n", "        timeout_seconds: 60\n")  # a task
    text = text.replace("    timeout_seconds: 600\n", "    timeout_seconds: 601\n")  # weekly
    rows.write_text(text)
    assert changed_fields(before, fields(project)) == [
        "jobs.daily.tasks[transform]: changed",
        "jobs.weekly.timeout_seconds: changed",
    ]


def test_added_and_removed_rows_are_named(project: Path) -> None:
    before = fields(project)
    after = dict(before)
    del after["jobs.legacy"]
    after["jobs.hourly"] = before["jobs.legacy"]
    assert changed_fields(before, after) == ["jobs.hourly: row added", "jobs.legacy: row removed"]


def test_unchanged_rows_and_settings_are_no_change(project: Path) -> None:
    assert changed_fields(fields(project), fields(project)) == []
    settings = {"s": setting_fields(StackSettings(protect=True))}
    assert changed_fields(settings, {"s": setting_fields(StackSettings(protect=True))}) == []
    assert changed_fields(settings, {"s": setting_fields(StackSettings())}) == [
        "s.protect: changed"
    ]


def test_program_hash_changes_with_a_program_file_only(project: Path) -> None:
    (project / "components").mkdir()
    (project / "components" / "jobs.py").write_text("x = 1\n")
    first = program_hash(project)
    (project / "components" / "__pycache__").mkdir()
    (project / "components" / "__pycache__" / "jobs.pyc").write_bytes(b"cache")
    assert program_hash(project) == first
    (project / "components" / "jobs.py").write_text("x = 2\n")
    assert program_hash(project) != first


def test_a_different_plan_is_named_by_row_and_field() -> None:
    saved = comparable(build_plan("e2e", recorded("preview_steps.json")))
    steps = recorded("preview_steps.json")
    for step in steps:
        if step["urn"].endswith("job:Job::weekly"):
            step["new"]["inputs"]["timeoutSeconds"] = 1000
    now = comparable(build_plan("e2e", steps))
    assert plan_differences(saved, now) == [
        "jobs.weekly.timeout_seconds: planned 600 -> 900, now 600 -> 1000"
    ]
    assert plan_differences(saved, saved) == []
    gone = [r for r in now if r["key"] != "legacy"]
    assert plan_differences(saved, gone)[0] == "jobs.legacy: planned delete, now no change"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"cannot read the saved plan .*plan.json: Expecting value"),
        (
            '{"format": "other"}',
            r"plan.json is not a Lakeform saved plan \(lakeform-saved-plan/1\)",
        ),
        (
            '{"format": "lakeform-saved-plan/1", "stack": "e2e"}',
            "plan.json is not a Lakeform saved plan: program: Field required",
        ),
        (
            '{"format": "lakeform-saved-plan/1", "stack": "e2e", "program": {}, "stack_version": '
            '"x", "settings": {}, "rows": [], "plan": [], "workspace": [], "engine_plan": {}}',
            r"plan.json is not a Lakeform saved plan: rows: Input should be a valid dictionary",
        ),
    ],
)
def test_a_file_that_is_not_a_saved_plan_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(StalePlan, match=message):
        Saved.read(path)


def test_a_saved_plan_reads_back_as_written(tmp_path: Path) -> None:
    record = Saved(
        stack="e2e",
        program={"lakeform": "lakeform 1", "sources": "abc"},
        stack_version="update 0 started 2026-12-06T23:00:00",
        settings={"protect": "h"},
        rows={"jobs.a": {"name": "h"}},
        plan=comparable(build_plan("e2e", recorded("preview_steps.json"))),
        workspace=[],
        engine_plan={"resourcePlans": {}},
    )
    path = tmp_path / "plan.json"
    path.write_text(record.to_json())
    assert Saved.read(path) == record
    assert json.loads(path.read_text())["format"] == "lakeform-saved-plan/1"


def test_engine_plans_that_differ_name_the_resource_and_input() -> None:
    urn = "urn:pulumi:e2e::lakeform::lakeform:jobs:Job$databricks:index/notebook:Notebook::"
    job = "urn:pulumi:e2e::lakeform::lakeform:jobs:Job$databricks:index/job:Job::"

    def plans(content: str, legacy: list[str]) -> dict[str, Any]:
        goal = {"type": "databricks:index/notebook:Notebook", "inputDiff": {}}
        goal["inputDiff"] = {"adds": {"contentBase64": content, "path": "/x"}}
        return {
            "resourcePlans": {
                urn + "hourly/src/ingest": {"goal": goal, "steps": ["create"], "seed": content},
                job + "legacy": {"state": None, "steps": legacy},
            }
        }

    saved = plans("aGk=", ["delete"])
    assert engine_differences(saved, plans("aGk=", ["delete"])) == []
    assert engine_differences(saved, plans("aG8=", ["delete"])) == [
        "jobs.hourly/src/ingest.content_base64: planned otherwise"
    ]
    assert engine_differences(saved, plans("aGk=", [])) == [
        "jobs.legacy: planned ['delete'], now nothing"
    ]


def test_save_refuses_refresh_before_reading_anything(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.chdir(project)
    assert main(["plan", "--stack", "e2e", "--save", "plan.json", "--refresh"]) == 1
    assert "lakeform plan: error: --save does not take --refresh" in capsys.readouterr().err
    assert not (project / "plan.json").exists()


def test_up_refuses_a_file_that_is_not_a_saved_plan(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.chdir(project)
    (project / "plan.json").write_text('{"plan": []}')
    assert main(["up", "--stack", "e2e", "--plan", "plan.json", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "lakeform up: error: plan.json is not a Lakeform saved plan" in err


def test_another_pulumi_is_named() -> None:
    def manifest(pulumi: str) -> dict[str, Any]:
        return {"manifest": {"version": pulumi, "time": pulumi}, "resourcePlans": {}}

    assert engine_differences(manifest("v3.259.0"), manifest("v3.259.0")) == []
    assert engine_differences(manifest("v3.259.0"), manifest("v3.260.0")) == [
        "pulumi: v3.259.0 when saved, now v3.260.0"
    ]
