"""Fixtures: a local workspace per test, and a databricks-sdk client pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from tests.workspace.helpers import FAST
from workspace.testing import RunningWorkspace, running_workspace


@pytest.fixture(autouse=True)
def clean_databricks_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Stray DATABRICKS_* / cloud variables or a ~/.databrickscfg could add a second auth method."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))


@pytest.fixture
def ws() -> Iterator[RunningWorkspace]:
    with running_workspace(timings=FAST) as running:
        yield running


@pytest.fixture
def w(ws: RunningWorkspace) -> WorkspaceClient:
    return ws.client()
