"""The Files API on volumes as databricks-sdk's plain `files.FilesAPI` calls it (what
`lakeform watch` reads a volume with): raw bytes, listings of direct children, 404 NOT_FOUND."""

from __future__ import annotations

import io

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import AlreadyExists, InvalidParameterValue, NotFound
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service.files import FilesAPI

from devtools.workspace.testing import RunningWorkspace

VOLUME = "/Volumes/main/meta/rows"


@pytest.fixture
def files(w: WorkspaceClient) -> FilesAPI:
    return FilesAPI(w.api_client)


def test_an_upload_is_read_back_byte_for_byte_with_its_headers(files: FilesAPI) -> None:
    content = b"jobs:\n  a: {name: A}\n\x00\xff"
    files.upload(f"{VOLUME}/team/a.yaml", io.BytesIO(content))
    got = files.download(f"{VOLUME}/team/a.yaml")
    assert got.contents is not None and got.contents.read() == content
    assert got.content_type == "application/octet-stream"
    assert got.content_length == len(content) and got.last_modified is not None
    meta = files.get_metadata(f"{VOLUME}/team/a.yaml")
    assert meta.content_length == len(content)


def test_a_listing_holds_direct_children_files_with_size_and_time(files: FilesAPI) -> None:
    files.upload(f"{VOLUME}/a.yaml", io.BytesIO(b"12345"))
    files.upload(f"{VOLUME}/team/b.yaml", io.BytesIO(b"x"))
    entries = {str(e.name): e for e in files.list_directory_contents(VOLUME)}
    assert sorted(entries) == ["a.yaml", "team"]
    assert entries["a.yaml"].file_size == 5 and not entries["a.yaml"].is_directory
    assert entries["a.yaml"].last_modified and entries["a.yaml"].path == f"{VOLUME}/a.yaml"
    assert entries["team"].is_directory and entries["team"].file_size is None
    assert [e.name for e in files.list_directory_contents(f"{VOLUME}/team")] == ["b.yaml"]


def test_listings_page_by_page_size(files: FilesAPI, ws: RunningWorkspace) -> None:
    for i in range(5):
        files.upload(f"{VOLUME}/{i}.yaml", io.BytesIO(b"x"))
    ws.requests.clear()
    names = [e.name for e in files.list_directory_contents(VOLUME, page_size=2)]
    assert names == [f"{i}.yaml" for i in range(5)]
    assert ws.requests.count("GET", f"/api/2.0/fs/directories{VOLUME}") == 3


def test_missing_paths_are_404_not_found(files: FilesAPI) -> None:
    with pytest.raises(NotFound) as err:
        files.download(f"{VOLUME}/none.yaml")
    assert err.value.error_code == "NOT_FOUND"
    with pytest.raises(NotFound):
        list(files.list_directory_contents(f"{VOLUME}/none"))
    with pytest.raises(NotFound):
        files.delete(f"{VOLUME}/none.yaml")


def test_overwrite_false_refuses_an_existing_file(files: FilesAPI) -> None:
    files.upload(f"{VOLUME}/a.yaml", io.BytesIO(b"1"))
    with pytest.raises(AlreadyExists):
        files.upload(f"{VOLUME}/a.yaml", io.BytesIO(b"2"), overwrite=False)
    files.upload(f"{VOLUME}/a.yaml", io.BytesIO(b"3"))
    assert files.download(f"{VOLUME}/a.yaml").contents.read() == b"3"  # type: ignore[union-attr]


def test_directories_are_made_idempotently_and_deleted_only_empty(files: FilesAPI) -> None:
    files.create_directory(f"{VOLUME}/x/y")
    files.create_directory(f"{VOLUME}/x/y")
    files.get_directory_metadata(f"{VOLUME}/x/y")
    with pytest.raises(DatabricksError, match="not empty"):
        files.delete_directory(f"{VOLUME}/x")
    files.delete_directory(f"{VOLUME}/x/y")
    files.delete_directory(f"{VOLUME}/x")
    with pytest.raises(NotFound):
        files.get_directory_metadata(f"{VOLUME}/x")


def test_paths_outside_a_volume_are_refused(files: FilesAPI) -> None:
    with pytest.raises(InvalidParameterValue, match="/Volumes/<catalog>/<schema>/<volume>"):
        files.upload("/Shared/a.yaml", io.BytesIO(b"x"))
