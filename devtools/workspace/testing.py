"""Start the local workspace in-process for a test: `with running_workspace() as ws: ...`.

Usage::

    from devtools.workspace.testing import running_workspace

    with running_workspace(state_path=tmp_path / "ws.json") as ws:   # state_path=None: in memory
        w = ws.client()                      # a databricks.sdk.WorkspaceClient for ws.url/ws.token
        job_id = w.jobs.create(name="x").job_id
        env = ws.env()                       # DATABRICKS_HOST and DATABRICKS_TOKEN
        ws.workspace_id, ws.user_name, ws.state_path          # what SCIM Me and the state say

        ws.requests.count("POST", "/api/2.2/jobs/create")        # calls answered (glob on the path)
        ws.requests.count(route="jobs.create", status=200)       # by endpoint name and status
        ws.requests.writes()          # successful POST/PUT/PATCH/DELETE per endpoint name
        ws.requests.records           # [RequestRecord(method, path, status, route, query, ...)]
        ws.requests.matching("GET", "/api/2.0/pipelines/*")      # the records themselves
        ws.requests.clear()

        ws.faults.throttle("POST", "/api/2.2/jobs/create", times=2)   # 429 + Retry-After: 0
        ws.faults.unavailable("GET", "/api/2.0/pipelines/*")          # 503 + Retry-After: 0
        ws.faults.error("PUT", "/api/2.1/unity-catalog/tables/*/monitor")  # 500, not retried
        ws.faults.delay("GET", "/api/2.2/jobs/get", 2.5, times=1)     # answer after 2.5 s
        ws.faults.add("*", "/api/*", status=503, times=3, retry_after=1)  # the general form
        ws.faults.pending, ws.faults.clear()                            # faults not used up yet
        ws.fail_monitor_refreshes("main.s.t", "boom")  # its next refreshes end FAILED, reported

The server listens on 127.0.0.1 on a free port (port 0), accepts any non-empty bearer token, and
stops when the block ends. Paths in the log and in fault patterns are the URL paths as sent
(without the query string); `*` in a pattern also matches `/`. Endpoint names are
`<area>.<call>`, e.g. `jobs.create`, `jobs.reset`, `pipelines.edit`, `monitors.update`,
`workspace.import`; unknown paths are logged as `unsupported` (answered 501).

Run timings: each job task is PENDING for `timings.pending` seconds, RUNNING for
`timings.running` seconds, then TERMINATED with a result, in dependency order (pipeline updates
and monitor refreshes likewise); the defaults are 0.1 s and 0.9 s,
`running_workspace(timings=RunTimings.steps(0.05))` is faster. `ws.outcome(job_id=..,
task_key="load", message="boom")` makes that task fail (see devtools/workspace/runs.py).
`limits=Limits(request_timeout=0.5, workers=4, ...)` tightens what one client may cost the server.
A fault answer carries the Databricks error body (REQUEST_LIMIT_EXCEEDED, TEMPORARILY_UNAVAILABLE,
INTERNAL_ERROR); the Python and Go SDKs retry 429 and 503 after Retry-After (plus up to 1 s of
jitter) and fail at once on 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.workspace.app import RunTimings
from devtools.workspace.server import Faults, Limits, RequestLog, WorkspaceServer

DEFAULT_TOKEN = "lakeform-local-token"

__all__ = ["DEFAULT_TOKEN", "Limits", "RunTimings", "RunningWorkspace", "running_workspace"]


@dataclass
class RunningWorkspace:
    """A started local workspace: where it listens and how to inspect and disturb it."""

    server: WorkspaceServer
    token: str = DEFAULT_TOKEN

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def workspace_id(self) -> int:
        return self.server.workspace.workspace_id

    @property
    def user_name(self) -> str:
        return self.server.workspace.user_name

    @property
    def requests(self) -> RequestLog:
        return self.server.requests

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def state_path(self) -> Path | None:
        return self.server.workspace.store.path

    def table_folder(self, full_name: str) -> Path:
        """Where this workspace keeps Unity Catalog table `catalog.schema.table` (a Delta table
        written there exists for the Tables API)."""
        from devtools.workspace.catalog import table_folder

        return table_folder(self.server.workspace.tables_root, full_name)

    def env(self) -> dict[str, str]:
        """Environment variables that point a Databricks client (or Pulumi) at this workspace."""
        return {"DATABRICKS_HOST": self.url, "DATABRICKS_TOKEN": self.token}

    def fail_monitor_refreshes(self, table: str, message: str | None) -> None:
        """Refreshes of `table`'s monitor started from now on end FAILED with `message` (None:
        SUCCESS again); the monitor reports the failure of its latest ended refresh as
        `latest_monitor_failure_msg`, as the service does."""
        failures = self.server.workspace.monitor_failures
        with self.server.workspace.lock:
            if message is None:
                failures.pop(table, None)
            else:
                failures[table] = message

    def direct_grants(self, object_path: str) -> dict[str, str]:
        """Principal -> level of the direct (not inherited) grants on `object_path` (`/jobs/123`,
        `/pipelines/<id>`), as the Permissions API answers them."""
        answer = self.client().api_client.do("GET", f"/api/2.0/permissions{object_path}")
        return {
            e.get("user_name") or e.get("group_name") or e["service_principal_name"]: p[
                "permission_level"
            ]
            for e in answer["access_control_list"]
            for p in e["all_permissions"]
            if not p["inherited"]
        }

    def outcome(self, **outcome: Any) -> None:
        """How the next job task run, pipeline update or monitor refresh ends, through the
        workspace's own test API (devtools/workspace/runs.py): `outcome(job_id=1, task_key="a",
        message="boom", attempts=1)`, `outcome(pipeline_id=..., running_seconds=5)`."""
        self.client().api_client.do("POST", "/api/2.0/lakeform-local/outcomes", body=outcome)

    def client(self, **config: Any) -> Any:
        """A `databricks.sdk.WorkspaceClient` for this workspace (PAT auth; extra Config kwargs).

        Stray DATABRICKS_* variables or a ~/.databrickscfg can still add a second auth method:
        clear them in tests (monkeypatch.delenv).
        """
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.config import Config

        config.setdefault("retry_timeout_seconds", 60)
        cfg = Config(host=self.url, token=self.token, auth_type="pat", **config)
        return WorkspaceClient(config=cfg)


@contextmanager
def running_workspace(
    state_path: str | Path | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timings: RunTimings | None = None,
    token: str = DEFAULT_TOKEN,
    limits: Limits | None = None,
) -> Iterator[RunningWorkspace]:
    """Serve a local workspace on a background thread for the duration of the block."""
    server = WorkspaceServer(
        host,
        port,
        state_path=Path(state_path) if state_path is not None else None,
        timings=timings,
        limits=limits,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield RunningWorkspace(server, token)
    finally:
        server.shutdown()
        server.close()
        thread.join()
