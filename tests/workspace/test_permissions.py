"""Permissions API for jobs and pipelines through databricks-sdk: owner, PUT, PATCH, rejections."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service import iam, jobs

from devtools.workspace.testing import RunningWorkspace
from tests.workspace.helpers import call

VIEW_G = {"access_control_list": [{"group_name": "g", "permission_level": "CAN_VIEW"}]}
ADMINS_INHERITED = {
    "group_name": "admins",
    "all_permissions": [
        {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/jobs/"]}
    ],
}


def new_job(w: WorkspaceClient, **body: Any) -> int:
    return int(call(w, "POST", "/api/2.2/jobs/create", body={"name": "j", **body})["job_id"])


def new_pipeline(w: WorkspaceClient) -> str:
    return str(call(w, "POST", "/api/2.0/pipelines", body={"name": "p"})["pipeline_id"])


def direct(answer: dict[str, Any]) -> dict[str, str]:
    """Principal -> direct level, from a GET/PUT answer."""
    found: dict[str, str] = {}
    for entry in answer["access_control_list"]:
        name = entry.get("user_name") or entry.get("group_name") or entry["service_principal_name"]
        for p in entry["all_permissions"]:
            if not p["inherited"]:
                found[name] = p["permission_level"]
    return found


def test_a_new_job_is_owned_by_its_creator_and_admins_inherit_manage(
    w: WorkspaceClient, ws: RunningWorkspace
) -> None:
    job_id = new_job(w)
    answer = call(w, "GET", f"/api/2.0/permissions/jobs/{job_id}")
    assert answer == {
        "object_id": f"/jobs/{job_id}",
        "object_type": "job",
        "access_control_list": [
            {
                "user_name": ws.user_name,
                "display_name": ws.user_name,
                "all_permissions": [{"permission_level": "IS_OWNER", "inherited": False}],
            },
            ADMINS_INHERITED,
        ],
    }
    typed = w.permissions.get("jobs", str(job_id))  # the SDK reads the same answer
    assert typed.object_type == "job"


def test_put_replaces_direct_permissions_and_keeps_the_owner(
    w: WorkspaceClient, ws: RunningWorkspace
) -> None:
    job_id = new_job(w)
    w.jobs.set_permissions(
        str(job_id),
        access_control_list=[
            jobs.JobAccessControlRequest(
                group_name="data-eng", permission_level=jobs.JobPermissionLevel.CAN_MANAGE_RUN
            ),
            jobs.JobAccessControlRequest(
                user_name="ann@example.com", permission_level=jobs.JobPermissionLevel.CAN_VIEW
            ),
        ],
    )
    held = call(w, "GET", f"/api/2.0/permissions/jobs/{job_id}")
    assert direct(held) == {
        ws.user_name: "IS_OWNER",
        "data-eng": "CAN_MANAGE_RUN",
        "ann@example.com": "CAN_VIEW",
    }
    # A second PUT replaces: ann's grant is gone.
    answer = call(
        w,
        "PUT",
        f"/api/2.0/permissions/jobs/{job_id}",
        body={"access_control_list": [{"group_name": "data-eng", "permission_level": "CAN_VIEW"}]},
    )
    assert direct(answer) == {ws.user_name: "IS_OWNER", "data-eng": "CAN_VIEW"}
    assert ws.requests.writes()["permissions.set"] == 2


def test_put_naming_an_owner_transfers_ownership(w: WorkspaceClient) -> None:
    job_id = new_job(w)
    body = {
        "access_control_list": [{"user_name": "bob@example.com", "permission_level": "IS_OWNER"}]
    }
    answer = call(w, "PUT", f"/api/2.0/permissions/jobs/{job_id}", body=body)
    assert direct(answer) == {"bob@example.com": "IS_OWNER"}


def test_patch_adds_and_changes_without_removing(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    job_id = new_job(w)
    path = f"/api/2.0/permissions/jobs/{job_id}"
    call(w, "PATCH", path, body=VIEW_G)
    answer = call(
        w,
        "PATCH",
        path,
        body={
            "access_control_list": [
                {"group_name": "g", "permission_level": "CAN_MANAGE"},
                {"service_principal_name": "sp-1", "permission_level": "CAN_MANAGE_RUN"},
            ]
        },
    )
    assert direct(answer) == {ws.user_name: "IS_OWNER", "g": "CAN_MANAGE", "sp-1": "CAN_MANAGE_RUN"}
    assert ws.requests.writes()["permissions.update"] == 2


def test_pipeline_permissions_have_their_own_levels_and_object_type(
    w: WorkspaceClient, ws: RunningWorkspace
) -> None:
    pipeline_id = new_pipeline(w)
    path = f"/api/2.0/permissions/pipelines/{pipeline_id}"
    answer = call(
        w,
        "PUT",
        path,
        body={"access_control_list": [{"group_name": "g", "permission_level": "CAN_RUN"}]},
    )
    assert answer["object_id"] == f"/pipelines/{pipeline_id}"
    assert answer["object_type"] == "pipelines"
    assert direct(answer) == {ws.user_name: "IS_OWNER", "g": "CAN_RUN"}
    admins = next(e for e in answer["access_control_list"] if e.get("group_name") == "admins")
    assert admins["all_permissions"][0]["inherited_from_object"] == ["/pipelines/"]
    levels = w.permissions.get_permission_levels("pipelines", pipeline_id).permission_levels
    assert [lv.permission_level for lv in levels or []] == [
        iam.PermissionLevel.CAN_VIEW,
        iam.PermissionLevel.CAN_RUN,
        iam.PermissionLevel.CAN_MANAGE,
        iam.PermissionLevel.IS_OWNER,
    ]


def test_a_job_created_with_an_access_control_list_holds_it(
    w: WorkspaceClient, ws: RunningWorkspace
) -> None:
    job_id = new_job(
        w, access_control_list=[{"group_name": "g", "permission_level": "CAN_MANAGE_RUN"}]
    )
    assert direct(call(w, "GET", f"/api/2.0/permissions/jobs/{job_id}")) == {
        ws.user_name: "IS_OWNER",
        "g": "CAN_MANAGE_RUN",
    }
    settings = call(w, "GET", "/api/2.2/jobs/get", query={"job_id": job_id})["settings"]
    assert "access_control_list" not in settings


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"group_name": "g", "permission_level": "CAN_RUN"}], "'CAN_RUN' is not valid for jobs"),
        ([{"permission_level": "CAN_VIEW"}], "exactly one of user_name, group_name"),
        (
            [{"user_name": "a@x", "group_name": "g", "permission_level": "CAN_VIEW"}],
            "got user_name, group_name",
        ),
        ([{"group_name": "g", "permission_level": "IS_OWNER"}], "a group cannot be the owner"),
        (
            [
                {"user_name": "a@x", "permission_level": "IS_OWNER"},
                {"user_name": "b@x", "permission_level": "IS_OWNER"},
            ],
            "exactly one owner, got 2",
        ),
        ([{"group_name": "g", "permission_level": "CAN_VIEW", "x": 1}], "unknown field 'x'"),
    ],
)
def test_bad_access_control_lists_are_rejected_and_change_nothing(
    w: WorkspaceClient, ws: RunningWorkspace, entries: list[dict[str, Any]], message: str
) -> None:
    job_id = new_job(w)
    path = f"/api/2.0/permissions/jobs/{job_id}"
    before = call(w, "GET", path)
    with pytest.raises(InvalidParameterValue, match=message):
        call(w, "PUT", path, body={"access_control_list": entries})
    assert call(w, "GET", path) == before


def test_missing_objects_are_404_and_other_object_types_501(w: WorkspaceClient) -> None:
    with pytest.raises(NotFound, match="Job 123 does not exist"):
        call(w, "GET", "/api/2.0/permissions/jobs/123")
    with pytest.raises(NotFound, match="does not exist"):
        call(
            w,
            "PUT",
            "/api/2.0/permissions/pipelines/0f0e0d0c-0000-0000-0000-000000000000",
            body={"access_control_list": []},
        )
    with pytest.raises(Exception, match=r"does not implement GET /api/2\.0/permissions/clusters/x"):
        call(w, "GET", "/api/2.0/permissions/clusters/x")


def test_permissions_go_with_the_deleted_job(w: WorkspaceClient) -> None:
    job_id = new_job(w)
    call(w, "PATCH", f"/api/2.0/permissions/jobs/{job_id}", body=VIEW_G)
    w.jobs.delete(job_id)
    with pytest.raises(NotFound):
        call(w, "GET", f"/api/2.0/permissions/jobs/{job_id}")
