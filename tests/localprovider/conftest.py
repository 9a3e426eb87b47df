"""The recording Pulumi mocks of tests/unit, for checks that run the whole program; a local
workspace and a provider client for the resource tests that run against one."""

from collections.abc import Iterator

import pytest

from devtools.localprovider.client import Client, ProviderConfig
from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.unit.conftest import program

__all__ = ["client", "program", "ws"]


@pytest.fixture
def ws(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        yield running


@pytest.fixture
def client(ws: RunningWorkspace) -> Client:
    return Client(ProviderConfig(host=ws.url, token=ws.token, rate_limit=0))
