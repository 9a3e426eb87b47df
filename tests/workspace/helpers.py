"""Helpers shared by the local workspace tests."""

from __future__ import annotations

from typing import Any

from databricks.sdk import WorkspaceClient

from devtools.workspace.testing import RunTimings

# Short run phases keep the suite fast (the SDK's waiters poll again after 1-2 s anyway), yet
# leave a slow CI machine time to see a run still active.
FAST = RunTimings(pending=0.1, running=0.6)


def call(w: WorkspaceClient, method: str, path: str, **kwargs: Any) -> Any:
    """A raw API call through the SDK's client: exact JSON in and out, SDK errors on failure."""
    return w.api_client.do(method, path, **kwargs)
