"""Auth, identity, unsupported paths, the request log and fault injection."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
import urllib.error
import urllib.request

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.errors.base import DatabricksError

from devtools.workspace.testing import RunningWorkspace


def raw(ws: RunningWorkspace, method: str, path: str, token: str | None, body: bytes | None = None):
    """A plain HTTP call, to see exactly what the server answers."""
    request = urllib.request.Request(ws.url + path, data=body, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


@pytest.mark.parametrize("token", [None, "", "  "])
def test_missing_token_is_401_in_the_databricks_error_shape(
    ws: RunningWorkspace, token: str | None
) -> None:
    status, _, body = raw(ws, "GET", "/api/2.2/jobs/list", token)
    assert status == 401
    assert body == {
        "error_code": "UNAUTHENTICATED",
        "message": "Credential was not sent or was of an unsupported type for this API.",
    }


def test_any_non_empty_token_is_accepted(ws: RunningWorkspace) -> None:
    status, _, _ = raw(ws, "GET", "/api/2.2/jobs/list", "anything-at-all")
    assert status == 200


def test_missing_object_is_404_resource_does_not_exist(ws: RunningWorkspace) -> None:
    status, _, body = raw(ws, "GET", "/api/2.2/jobs/get?job_id=42", "t")
    assert status == 404
    assert body == {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Job 42 does not exist."}


def test_well_known_needs_no_auth_and_matches_the_scim_org_id(ws: RunningWorkspace) -> None:
    status, _, meta = raw(ws, "GET", "/.well-known/databricks-config", None)
    assert status == 200
    assert meta == {
        "workspace_id": str(ws.workspace_id),
        "host_type": "WORKSPACE_HOST",
        "cloud": "AWS",
        "oidc_endpoint": f"{ws.url}/oidc",
    }
    status, headers, me = raw(ws, "GET", "/api/2.0/preview/scim/v2/Me?excludedAttributes=x", "t")
    assert status == 200
    assert headers["X-Databricks-Org-Id"] == meta["workspace_id"]
    assert me["userName"] == ws.user_name


def test_sdk_identity(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    assert w.get_workspace_id() == ws.workspace_id
    assert w.current_user.me().user_name == ws.user_name


def test_unsupported_path_is_501_naming_it_and_logged(
    ws: RunningWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lakeform.workspace"):
        status, _, body = raw(ws, "GET", "/api/2.0/clusters/list", "t")
    assert status == 501
    assert body["error_code"] == "NOT_IMPLEMENTED"
    assert "GET /api/2.0/clusters/list" in body["message"]
    assert "not implemented: GET /api/2.0/clusters/list" in caplog.text
    assert ws.requests.count("GET", "/api/2.0/clusters/list", route="unsupported", status=501) == 1


def test_request_log_counts_writes_per_endpoint(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    ws.requests.clear()
    job_id = w.jobs.create(name="a").job_id or 0
    w.jobs.create(name="b")
    w.jobs.get(job_id)
    w.pipelines.create(name="p")
    with pytest.raises(NotFound):
        w.jobs.delete(1)
    assert ws.requests.writes() == {"jobs.create": 2, "pipelines.create": 1}
    assert ws.requests.writes(successful_only=False)["jobs.delete"] == 1
    assert ws.requests.count("POST", "/api/2.2/jobs/*") == 3
    assert ws.requests.count(route="jobs.get", status=200) == 1
    first = ws.requests.records[0]
    assert (first.method, first.path, first.status) == ("POST", "/api/2.2/jobs/create", 200)
    assert len(ws.requests) == 5


@pytest.mark.parametrize("status", [429, 503])
def test_retryable_faults_are_retried_by_the_sdk(
    w: WorkspaceClient, ws: RunningWorkspace, status: int
) -> None:
    ws.faults.add("POST", "/api/2.2/jobs/create", status=status, times=1, retry_after=0)
    job_id = w.jobs.create(name="retried").job_id or 0
    assert w.jobs.get(job_id).settings.name == "retried"  # type: ignore[union-attr,arg-type]
    calls = ws.requests.matching("POST", "/api/2.2/jobs/create")
    assert [c.status for c in calls] == [status, 200]
    assert calls[0].fault == f"status {status}"
    assert ws.faults.pending == []


def test_fault_answers_carry_retry_after_and_the_error_shape(ws: RunningWorkspace) -> None:
    ws.faults.throttle("GET", "/api/2.0/pipelines/*", retry_after=7)
    status, headers, body = raw(ws, "GET", "/api/2.0/pipelines/abc", "t")
    assert (status, headers["Retry-After"], body["error_code"]) == (
        429,
        "7",
        "REQUEST_LIMIT_EXCEEDED",
    )
    ws.faults.unavailable("GET", "/api/2.0/pipelines/*")
    status, headers, body = raw(ws, "GET", "/api/2.0/pipelines/abc", "t")
    assert (status, body["error_code"]) == (503, "TEMPORARILY_UNAVAILABLE")
    status, _, body = raw(ws, "GET", "/api/2.0/pipelines/abc", "t")
    assert (status, body["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST")


def test_500_fails_at_once_and_only_n_times(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    ws.faults.error("POST", "/api/2.2/jobs/create", times=2)
    for _ in range(2):
        with pytest.raises(DatabricksError) as err:
            w.jobs.create(name="x")
        assert err.value.error_code == "INTERNAL_ERROR"
    assert w.jobs.create(name="x").job_id
    assert [c.status for c in ws.requests.matching("POST", "/api/2.2/jobs/create")] == [
        500,
        500,
        200,
    ]
    assert list(w.jobs.list()) != []  # only the third call created a job
    assert len(list(w.jobs.list())) == 1


def test_delay_fault_delays_then_answers(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    job_id = w.jobs.create(name="slow").job_id or 0
    ws.faults.delay("GET", "/api/2.2/jobs/get", 0.4)
    started = time.monotonic()
    w.jobs.get(job_id)
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    w.jobs.get(job_id)
    assert time.monotonic() - started < 0.4
    assert ws.requests.matching(route="jobs.get")[0].fault == "delay 0.4s"


def test_fault_arguments_are_checked(ws: RunningWorkspace) -> None:
    with pytest.raises(ValueError, match="status must be one of"):
        ws.faults.add("GET", "/x", status=404)
    with pytest.raises(ValueError, match="needs a status or a positive delay"):
        ws.faults.add("GET", "/x")


def test_chunked_request_bodies_are_read(ws: RunningWorkspace) -> None:
    host, port = ws.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    body = json.dumps({"name": "chunked"}).encode()
    connection.putrequest("POST", "/api/2.2/jobs/create")
    connection.putheader("Authorization", "Bearer t")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    response = connection.getresponse()
    job_id = json.loads(response.read())["job_id"]
    connection.close()
    assert response.status == 200
    status, _, job = raw(ws, "GET", f"/api/2.2/jobs/get?job_id={job_id}", "t")
    assert (status, job["settings"]) == (200, {"name": "chunked"})


def test_an_unreadable_body_is_a_400_not_a_dropped_connection(ws: RunningWorkspace) -> None:
    host, port = ws.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /api/2.2/jobs/create HTTP/1.1\r\nHost: %s:%s\r\nContent-Length: many\r\n\r\n"
            % (host.encode(), port.encode())
        )
        chunks = []
        while chunk := connection.recv(4096):  # the server closes the connection after it
            chunks.append(chunk)
        answer = b"".join(chunks).decode()
    assert answer.startswith("HTTP/1.1 400")
    assert '"error_code": "MALFORMED_REQUEST"' in answer
