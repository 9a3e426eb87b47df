"""The Permissions resource of the local provider against the local workspace: the calls, what
Read keeps, the set diff, the replace and the reset on delete (devtools/localprovider/README.md)."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.localprovider.client import Client
from devtools.localprovider.resources import Permissions, ResourceError
from devtools.localprovider.wire import UNKNOWN
from devtools.workspace.testing import RunningWorkspace

VIEWERS = {"groupName": "analysts", "permissionLevel": "CAN_VIEW"}
RUNNER = {"userName": "Ann@Example.com", "permissionLevel": "CAN_MANAGE_RUN"}


@pytest.fixture
def kind() -> Permissions:
    return Permissions()


def new_job(ws: RunningWorkspace) -> str:
    answer = ws.client().api_client.do("POST", "/api/2.2/jobs/create", body={"name": "j"})
    return str(answer["job_id"])


def new_pipeline(ws: RunningWorkspace) -> str:
    answer = ws.client().api_client.do("POST", "/api/2.0/pipelines", body={"name": "p"})
    return str(answer["pipeline_id"])


def test_create_puts_the_list_with_the_caller_as_owner_and_reads_back_only_what_it_manages(
    ws: RunningWorkspace, client: Client, kind: Permissions
) -> None:
    job_id = new_job(ws)
    news = kind.check({"jobId": job_id, "accessControls": [VIEWERS, RUNNER]})
    ws.requests.clear()
    id_, state = kind.create(client, news)
    assert id_ == f"/jobs/{job_id}"
    assert ws.requests.writes() == {"permissions.set": 1}
    assert ws.direct_grants(id_) == {
        "analysts": "CAN_VIEW",
        "Ann@Example.com": "CAN_MANAGE_RUN",
        ws.user_name: "IS_OWNER",
    }
    # The caller (added as owner), the admins group and inherited grants are not in the state;
    # user names come back in lower case.
    assert state == {
        "jobId": job_id,
        "objectType": "job",
        "accessControls": [
            VIEWERS,
            {"userName": "ann@example.com", "permissionLevel": "CAN_MANAGE_RUN"},
        ],
    }
    assert kind.diff(state, news) == {}, "a second run changes nothing"


def test_read_sees_grants_made_by_hand_and_a_gone_object_drops_the_resource(
    ws: RunningWorkspace, client: Client, kind: Permissions
) -> None:
    job_id = new_job(ws)
    id_, state = kind.create(client, {"jobId": job_id, "accessControls": [VIEWERS]})
    ws.client().api_client.do(
        "PATCH",
        f"/api/2.0/permissions{id_}",
        body={"access_control_list": [{"group_name": "hand", "permission_level": "CAN_MANAGE"}]},
    )
    read = kind.read(client, id_, state)
    assert read is not None
    assert {"groupName": "hand", "permissionLevel": "CAN_MANAGE"} in read["accessControls"]
    assert kind.diff(read, {"jobId": job_id, "accessControls": [VIEWERS]}) == {
        "accessControls[1]": "DELETE"
    }
    # Import: Read with only the id.
    imported = kind.read(client, id_, {})
    assert imported is not None and imported["jobId"] == job_id
    ws.client().jobs.delete(int(job_id))
    assert kind.read(client, id_, state) is None


def test_the_set_diff_ignores_order_and_case_and_reports_changes_by_element(
    kind: Permissions,
) -> None:
    olds = {"jobId": "1", "objectType": "job", "accessControls": [VIEWERS, RUNNER]}
    reordered = {"jobId": "1", "accessControls": [RUNNER, VIEWERS]}
    assert kind.diff(olds, reordered) == {}
    lower = {"userName": "ann@example.com", "permissionLevel": "CAN_MANAGE_RUN"}
    assert kind.diff(olds, {"jobId": "1", "accessControls": [VIEWERS, lower]}) == {}
    changed = {"groupName": "analysts", "permissionLevel": "CAN_MANAGE_RUN"}
    assert kind.diff(olds, {"jobId": "1", "accessControls": [changed, RUNNER]}) == {
        "accessControls[0].permissionLevel": "UPDATE"
    }
    added = {"servicePrincipalName": "sp", "permissionLevel": "CAN_VIEW"}
    assert kind.diff(olds, {"jobId": "1", "accessControls": [VIEWERS, RUNNER, added]}) == {
        "accessControls[2]": "ADD"
    }
    assert kind.diff(olds, {"jobId": "1", "accessControls": [VIEWERS]}) == {
        "accessControls[1]": "DELETE"
    }


def test_another_object_replaces_the_resource(kind: Permissions) -> None:
    olds = {"jobId": "1", "objectType": "job", "accessControls": [VIEWERS]}
    assert kind.diff(olds, {"jobId": "2", "accessControls": [VIEWERS]}) == {
        "jobId": "UPDATE_REPLACE"
    }
    assert kind.diff(olds, {"jobId": UNKNOWN, "accessControls": [VIEWERS]}) == {
        "jobId": "UPDATE_REPLACE"
    }


@pytest.mark.parametrize(
    ("news", "failure"),
    [
        (
            {"clusterId": "c", "accessControls": [VIEWERS]},
            ("clusterId", "manages permissions of jobs (jobId) and pipelines (pipelineId) only"),
        ),
        (
            {"jobId": "1", "pipelineId": "p", "accessControls": [VIEWERS]},
            ("pipelineId", "conflicts with jobId"),
        ),
        ({"accessControls": [VIEWERS]}, ("jobId", "at least one type of resource identifier")),
        ({"jobId": "1", "accessControls": []}, ("accessControls", "at least 1 item")),
        (
            {"pipelineId": "p", "accessControls": [RUNNER]},
            (
                "accessControls[0].permissionLevel",
                "permission_level CAN_MANAGE_RUN is not supported with pipeline_id objects; "
                "allowed levels: CAN_MANAGE, CAN_RUN, CAN_VIEW, IS_OWNER",
            ),
        ),
    ],
)
def test_check_refuses_what_the_provider_refuses(
    kind: Permissions, news: dict[str, Any], failure: tuple[str, str]
) -> None:
    found = kind.failures(news)
    assert any(path == failure[0] and failure[1] in reason for path, reason in found), found


def test_check_accepts_an_id_not_known_before_the_deploy(kind: Permissions) -> None:
    assert kind.failures({"jobId": UNKNOWN, "accessControls": [VIEWERS]}) == []


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ({"groupName": "admins", "permissionLevel": "CAN_MANAGE"}, "admin permissions for job"),
        (
            {"userName": "local.user@lakeform.local", "permissionLevel": "CAN_VIEW"},
            "cannot remove management permissions for the current user for job, "
            "allowed levels: CAN_MANAGE, IS_OWNER",
        ),
    ],
)
def test_grants_the_provider_refuses_to_send_are_never_sent(
    ws: RunningWorkspace, client: Client, kind: Permissions, control: dict[str, str], message: str
) -> None:
    job_id = new_job(ws)
    ws.requests.clear()
    with pytest.raises(ResourceError, match=message):
        kind.create(client, {"jobId": job_id, "accessControls": [control]})
    assert ws.requests.writes() == {}


def test_delete_gives_a_job_back_to_its_creator_and_leaves_a_pipeline_alone(
    ws: RunningWorkspace, client: Client, kind: Permissions
) -> None:
    job_id, pipeline_id = new_job(ws), new_pipeline(ws)
    owner = {"userName": "bob@example.com", "permissionLevel": "IS_OWNER"}
    job_perms, state = kind.create(client, {"jobId": job_id, "accessControls": [VIEWERS, owner]})
    assert ws.direct_grants(job_perms) == {"bob@example.com": "IS_OWNER", "analysts": "CAN_VIEW"}
    pipeline_perms, _ = kind.create(
        client, {"pipelineId": pipeline_id, "accessControls": [{**VIEWERS}]}
    )
    ws.requests.clear()
    kind.delete(client, job_perms, state)
    assert ws.direct_grants(job_perms) == {ws.user_name: "IS_OWNER"}
    assert ws.requests.writes() == {"permissions.set": 1}
    ws.requests.clear()
    kind.delete(client, pipeline_perms, {})
    assert ws.requests.writes() == {}
    assert ws.direct_grants(pipeline_perms) == {ws.user_name: "IS_OWNER", "analysts": "CAN_VIEW"}
    # A job already deleted: nothing to reset, no error.
    ws.client().jobs.delete(int(job_id))
    ws.requests.clear()
    kind.delete(client, job_perms, state)
    assert ws.requests.writes() == {}


def test_ids_of_other_objects_are_refused_with_what_is_served(
    client: Client, kind: Permissions
) -> None:
    with pytest.raises(ResourceError, match=r"serves permissions of jobs .* and pipelines"):
        kind.read(client, "/clusters/abc", {})
