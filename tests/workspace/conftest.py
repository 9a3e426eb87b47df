"""Fixtures: a local workspace per test, and a databricks-sdk client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient

from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.workspace.helpers import FAST


@pytest.fixture(autouse=True)
def _isolated(clean_databricks_env: None) -> None:
    """Every workspace test runs without stray Databricks credentials."""


@pytest.fixture
def ws() -> Iterator[RunningWorkspace]:
    with running_workspace(timings=FAST) as running:
        yield running


@pytest.fixture
def w(ws: RunningWorkspace) -> WorkspaceClient:
    return ws.client()
