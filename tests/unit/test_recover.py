"""`lakeform recover`: pending creates of a killed `pulumi up`, found in the workspace by tags.

The export document is state a real engine (3.259) wrote when a `pulumi up` was killed while its
four job creates were in flight (tests/unit/data/killed_up_export.json, trimmed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk.service import jobs

from cli.recover import lookups
from devtools.workspace.testing import RunningWorkspace, running_workspace
from stacks.recover import (
    PendingCreate,
    import_document,
    pending_creates,
    plan,
    recovery_commands,
)
from tests.unit.rows import JOB

EXPORT = json.loads((Path(__file__).parent / "data" / "killed_up_export.json").read_text())
COMPONENT = "urn:pulumi:crash::lakeform::lakeform:jobs:Job::{}"


@pytest.fixture
def ws(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        yield running


def create_job(
    ws: RunningWorkspace, name: str, stack: str = "crash", key: str | None = None
) -> str:
    created = ws.client().jobs.create(
        name=name,
        tags={"lakeform_managed": "true", "lakeform_stack": stack, "lakeform_key": key or name},
        tasks=[
            jobs.Task(task_key="t", notebook_task=jobs.NotebookTask(notebook_path="/Shared/nb"))
        ],
    )
    return str(created.job_id)


def test_pending_creates_are_read_from_the_engines_state() -> None:
    found = pending_creates(EXPORT)
    assert [p.name for p in found] == ["job_0", "job_1", "job_2", "job_3"]
    assert {p.type for p in found} == {JOB}
    assert found[0].parent == COMPONENT.format("job_0")
    assert found[0].inputs["tags"] == {
        "lakeform_key": "job_0",
        "lakeform_managed": "true",
        "lakeform_stack": "crash",
    }


def test_no_pending_operations_means_nothing_to_recover() -> None:
    assert pending_creates({"deployment": {"resources": []}}) == []


def test_jobs_the_killed_run_created_are_adopted_and_the_rest_cleared(ws: RunningWorkspace) -> None:
    made = {name: create_job(ws, name) for name in ("job_0", "job_2")}
    # Same name, another stack's job: not ours to adopt.
    create_job(ws, "job_1", stack="prod")

    the_plan = plan(pending_creates(EXPORT), lookups(ws.client()))

    assert {f.pending.name: f.ids[0] for f in the_plan.adopt} == made
    assert sorted(f.pending.name for f in the_plan.never_created) == ["job_1", "job_3"]
    assert not the_plan.blocked
    doc = import_document(the_plan)
    assert sorted(doc["nameTable"].values()) == [
        COMPONENT.format("job_0"),
        COMPONENT.format("job_2"),
    ]
    for entry in doc["resources"]:
        assert entry["type"] == JOB
        assert doc["nameTable"][entry["parent"]] == COMPONENT.format(entry["name"])
        assert entry["id"] == made[entry["name"]]


def test_two_matching_jobs_need_a_person(ws: RunningWorkspace) -> None:
    first, second = create_job(ws, "job_0"), create_job(ws, "job_0")
    pending = [p for p in pending_creates(EXPORT) if p.name == "job_0"]

    the_plan = plan(pending, lookups(ws.client()))

    assert the_plan.blocked
    assert [sorted(f.ids) for f in the_plan.ambiguous] == [sorted([first, second])]


def test_monitors_and_uploads_are_found_by_table_and_path(ws: RunningWorkspace) -> None:
    w = ws.client()
    w.workspace.mkdirs("/Workspace/Shared/lakeform/crash")
    w.workspace.upload("/Workspace/Shared/lakeform/crash/q.sql", b"SELECT 1", format=None)
    pendings = [
        PendingCreate("urn:a::q.sql", "databricks:index/workspaceFile:WorkspaceFile",
                      {"path": "/Workspace/Shared/lakeform/crash/q.sql"}),
        PendingCreate("urn:a::gone.sql", "databricks:index/workspaceFile:WorkspaceFile",
                      {"path": "/Workspace/Shared/lakeform/crash/gone.sql"}),
        PendingCreate("urn:a::orders", "databricks:index/qualityMonitor:QualityMonitor",
                      {"tableName": "main.sales.orders"}),
        PendingCreate("urn:a::daily/permissions", "databricks:index/permissions:Permissions",
                      {"jobId": "123"}),
        PendingCreate("urn:a::cluster", "databricks:index/cluster:Cluster", {}),
    ]  # fmt: skip

    the_plan = plan(pendings, lookups(w))

    assert [(f.pending.name, f.ids) for f in the_plan.adopt] == [
        ("q.sql", ("/Workspace/Shared/lakeform/crash/q.sql",))
    ]
    # A permissions create is one PUT of the whole list: cleared, the next up sends it again.
    assert sorted(f.pending.name for f in the_plan.never_created) == [
        "daily/permissions", "gone.sql", "orders"
    ]  # fmt: skip
    assert [p.name for p in the_plan.unknown] == ["cluster"]
    assert the_plan.blocked


def test_import_comes_before_clearing_so_a_failed_import_can_be_retried(
    ws: RunningWorkspace,
) -> None:
    create_job(ws, "job_0")
    the_plan = plan(pending_creates(EXPORT), lookups(ws.client()))

    commands = recovery_commands(the_plan, "crash", "/tmp/adopt.json")

    assert [c[:2] for c in commands] == [["pulumi", "import"], ["pulumi", "refresh"]]
    assert commands[0][-2:] == ["--file", "/tmp/adopt.json"]
    assert "--clear-pending-creates" in commands[1]


def test_nothing_found_only_clears() -> None:
    pendings = [PendingCreate("urn:a::j", JOB, {"name": "j", "tags": {}})]
    empty: Any = lookups_of_nothing()
    commands = recovery_commands(plan(pendings, empty), "dev", "/tmp/x.json")
    assert [c[:2] for c in commands] == [["pulumi", "refresh"]]


def lookups_of_nothing() -> Any:
    from stacks.recover import Workspace

    return Workspace(
        named={"jobs": lambda _name: [], "pipelines": lambda _name: []},
        exists=lambda _kind, _table: False,
        path_exists=lambda _path: False,
    )
