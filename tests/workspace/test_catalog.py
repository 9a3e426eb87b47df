"""The Unity Catalog table calls of the local workspace, through databricks-sdk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.service.catalog import TableOperation
from deltalake import write_deltalake

from devtools.workspace.testing import RunningWorkspace, running_workspace
from metadata.delta import arrow_table
from metadata.formats.control_table import LAKEFORM


@pytest.fixture
def ws() -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        yield running


def test_a_table_written_in_its_folder_is_described_and_vended(ws: RunningWorkspace) -> None:
    folder = ws.table_folder("Main.Ops.Rows")
    write_deltalake(folder.as_uri(), arrow_table(LAKEFORM, []))
    w = ws.client()
    info = w.tables.get("main.ops.rows")
    assert (info.full_name, info.storage_location) == ("main.ops.rows", folder.resolve().as_uri())
    assert w.tables.get("MAIN.OPS.ROWS").table_id == info.table_id
    creds = w.temporary_table_credentials.generate_temporary_table_credentials(
        table_id=info.table_id, operation=TableOperation.READ_WRITE
    )
    assert creds.url == info.storage_location
    assert creds.aws_temp_credentials is None and creds.azure_user_delegation_sas is None
    assert ws.requests.writes() == {}


def test_a_missing_table_and_a_bad_request_are_refused(ws: RunningWorkspace) -> None:
    w = ws.client()
    with pytest.raises(NotFound, match=r"Table 'main\.ops\.none' does not exist\."):
        w.tables.get("main.ops.none")
    with pytest.raises(NotFound, match=r"Table with id 'nope' does not exist\."):
        w.temporary_table_credentials.generate_temporary_table_credentials(
            table_id="nope", operation=TableOperation.READ
        )
    with pytest.raises(InvalidParameterValue, match="operation must be one of READ, READ_WRITE"):
        w.api_client.do(
            "POST",
            "/api/2.0/unity-catalog/temporary-table-credentials",
            body={"table_id": "x", "operation": "WRITE"},
        )
