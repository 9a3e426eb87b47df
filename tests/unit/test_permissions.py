"""Row permissions: one `databricks.Permissions` child of the job or pipeline, stable inputs."""

from __future__ import annotations

from typing import Any

from metadata.settings import StackSettings
from tests.unit.rows import JOB, PIPELINE, build_rows, job, pipeline, rows

PERMISSIONS = "databricks:index/permissions:Permissions"
TASKS = [{"task_key": "t", "notebook_task": {"notebook_path": "/abs/nb"}}]
GRANTS: list[dict[str, Any]] = [
    {"level": "CAN_MANAGE_RUN", "user_name": "ann@example.com"},
    {"level": "CAN_VIEW", "group_name": "analysts"},
    {"level": "CAN_MANAGE", "service_principal_name": "6f1c-sp"},
    {"level": "CAN_VIEW", "group_name": "2nd-line"},
]
SORTED = [  # by principal field, then name: never the row's order
    {"groupName": "2nd-line", "permissionLevel": "CAN_VIEW"},
    {"groupName": "analysts", "permissionLevel": "CAN_VIEW"},
    {"servicePrincipalName": "6f1c-sp", "permissionLevel": "CAN_MANAGE"},
    {"permissionLevel": "CAN_MANAGE_RUN", "userName": "ann@example.com"},
]


def test_a_jobs_permissions_are_its_child_on_its_id_in_a_fixed_order(program) -> None:
    p = program("dev")
    p.run(
        lambda: build_rows(
            StackSettings(), rows(jobs={"daily": job(tasks=TASKS, permissions=GRANTS)}), "dev"
        )
    )
    perms = p.one(PERMISSIONS, "daily/permissions")
    assert perms.parent == p.one(JOB, "daily").parent == p.one("lakeform:jobs:Job", "jobs").urn
    assert perms.inputs == {"jobId": p.outputs["jobs"]["daily"]["id"], "accessControls": SORTED}
    assert p.one(JOB, "daily").urn in perms.depends_on
    assert "permissions" not in p.one(JOB, "daily").inputs
    assert perms.protect is not True

    reordered = program("dev")
    shuffled = job(tasks=TASKS, permissions=list(reversed(GRANTS)))
    reordered.run(lambda: build_rows(StackSettings(), rows(jobs={"daily": shuffled}), "dev"))
    assert reordered.one(PERMISSIONS, "daily/permissions").inputs == perms.inputs


def test_a_pipelines_permissions_are_not_protected_with_it(program) -> None:
    p = program("prod")
    grants = [{"level": "CAN_RUN", "group_name": "ops"}]
    the_rows = rows(pipelines={"main": pipeline(catalog="c", permissions=grants)})
    p.run(lambda: build_rows(StackSettings(protect=True), the_rows, "prod"))
    perms = p.one(PERMISSIONS, "main/permissions")
    assert perms.parent == p.one("lakeform:pipelines:Pipeline", "pipelines").urn
    assert perms.inputs == {
        "pipelineId": p.outputs["pipelines"]["main"]["id"],
        "accessControls": [{"groupName": "ops", "permissionLevel": "CAN_RUN"}],
    }
    assert p.one(PIPELINE, "main").protect is True
    assert perms.protect is not True


def test_rows_without_permissions_have_no_permissions_resource(program) -> None:
    p = program("dev")
    the_rows = rows(jobs={"a": job(tasks=TASKS)}, pipelines={"b": pipeline(catalog="c")})
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert p.of_type(PERMISSIONS) == []


def test_a_renamed_row_keeps_its_permissions(program) -> None:
    p = program("dev")
    renamed = job(tasks=TASKS, permissions=GRANTS, previous_keys=["daily_v1"])
    p.run(lambda: build_rows(StackSettings(), rows(jobs={"daily": renamed}), "dev"))
    assert p.one(PERMISSIONS, "daily/permissions").aliases == ["daily_v1/permissions"]
