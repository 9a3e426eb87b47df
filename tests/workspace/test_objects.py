"""The Workspace API as `databricks.Notebook`, `WorkspaceFile` and `Directory` call it."""

from __future__ import annotations

import base64
import json

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language, ObjectType

from tests.workspace.helpers import call

SOURCE = b"# Databricks notebook source\nprint('hello')\n"


def import_notebook(w: WorkspaceClient, path: str, content: bytes = SOURCE) -> dict:
    """The provider's notebook import: JSON, base64 content, SOURCE + language, overwrite."""
    return call(
        w,
        "POST",
        "/api/2.0/workspace/import",
        body={
            "content": base64.b64encode(content).decode(),
            "path": path,
            "language": "PYTHON",
            "format": "SOURCE",
            "overwrite": True,
        },
    )


def test_notebook_import_into_a_missing_folder_then_mkdirs(w: WorkspaceClient) -> None:
    path = "/Shared/lakeform/src/utils/data_generator"
    with pytest.raises(NotFound, match=r"parent folder \(/Shared/lakeform/src/utils\)") as err:
        import_notebook(w, path)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    # What the provider does next: get-status of the parent is "missing", so mkdirs and retry.
    with pytest.raises(NotFound):
        w.workspace.get_status("/Shared/lakeform/src/utils")
    w.workspace.mkdirs("/Shared/lakeform/src/utils")
    answer = import_notebook(w, path)
    status = w.workspace.get_status(path)
    assert status.object_type == ObjectType.NOTEBOOK
    assert status.language == Language.PYTHON
    assert status.path == path
    assert status.object_id == answer["object_id"]
    assert status.resource_id == str(answer["object_id"])
    assert status.created_at and status.modified_at
    # Overwriting keeps the object id.
    assert import_notebook(w, path, SOURCE + b"print(2)\n")["object_id"] == answer["object_id"]


def test_notebook_export_source_and_direct_download(w: WorkspaceClient) -> None:
    import_notebook(w, "/Shared/nb", b"print(1)\n")
    exported = w.workspace.export("/Shared/nb", format=ExportFormat.SOURCE)
    assert exported.file_type == "py"
    # SOURCE exports start with the notebook header, as on the real service.
    assert base64.b64decode(exported.content or "") == b"# Databricks notebook source\nprint(1)\n"
    assert w.workspace.download("/Shared/nb").read() == b"# Databricks notebook source\nprint(1)\n"


def test_workspace_file_upload_as_the_go_sdk_does(w: WorkspaceClient) -> None:
    """databricks.WorkspaceFile: multipart upload, format RAW, overwrite true."""
    w.workspace.mkdirs("/Shared/lakeform/sql")
    content = b"SELECT 1;\n"
    for _ in range(2):  # the second upload overwrites
        w.workspace.upload(
            "/Shared/lakeform/sql/checks.sql", content, format=ImportFormat.RAW, overwrite=True
        )
    status = w.workspace.get_status("/Shared/lakeform/sql/checks.sql")
    assert status.object_type == ObjectType.FILE
    assert status.size == len(content)
    assert status.language is None
    assert w.workspace.download("/Shared/lakeform/sql/checks.sql").read() == content


def test_upload_without_overwrite_of_an_existing_path_fails(w: WorkspaceClient) -> None:
    w.workspace.upload("/Shared/a.txt", b"a", format=ImportFormat.RAW)
    with pytest.raises(DatabricksError) as err:
        w.workspace.upload("/Shared/a.txt", b"b", format=ImportFormat.RAW)
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"
    assert w.workspace.download("/Shared/a.txt").read() == b"a"


@pytest.mark.parametrize(
    ("name", "content", "kind", "final", "language"),
    [
        ("etl.py", SOURCE, ObjectType.NOTEBOOK, "etl", Language.PYTHON),
        (
            "q.sql",
            b"-- Databricks notebook source\nSELECT 1",
            ObjectType.NOTEBOOK,
            "q",
            Language.SQL,
        ),
        ("plain.py", b"print('not a notebook')\n", ObjectType.FILE, "plain.py", None),
        ("data.csv", b"a,b\n1,2\n", ObjectType.FILE, "data.csv", None),
        (
            "nb.ipynb",
            json.dumps({"cells": [], "metadata": {"language_info": {"name": "python"}}}).encode(),
            ObjectType.NOTEBOOK,
            "nb",
            Language.PYTHON,
        ),
    ],
)
def test_auto_format_tells_notebooks_from_files(
    w: WorkspaceClient,
    name: str,
    content: bytes,
    kind: ObjectType,
    final: str,
    language: Language | None,
) -> None:
    w.workspace.upload(f"/Shared/{name}", content, format=ImportFormat.AUTO)
    status = w.workspace.get_status(f"/Shared/{final}")
    assert (status.object_type, status.language) == (kind, language)


def test_directory_mkdirs_list_and_delete(w: WorkspaceClient) -> None:
    w.workspace.mkdirs("/Shared/lakeform/")  # the trailing slash the provider tolerates
    status = w.workspace.get_status("/Shared/lakeform")
    assert (status.object_type, status.path) == (ObjectType.DIRECTORY, "/Shared/lakeform")
    w.workspace.mkdirs("/Shared/lakeform/src")
    import_notebook(w, "/Shared/lakeform/nb")
    w.workspace.upload("/Shared/lakeform/f.txt", b"x", format=ImportFormat.RAW)
    listed = {o.path: o.object_type for o in w.workspace.list("/Shared/lakeform")}
    assert listed == {
        "/Shared/lakeform/f.txt": ObjectType.FILE,
        "/Shared/lakeform/nb": ObjectType.NOTEBOOK,
        "/Shared/lakeform/src": ObjectType.DIRECTORY,
    }
    with pytest.raises(DatabricksError) as err:
        w.workspace.delete("/Shared/lakeform")
    assert err.value.error_code == "DIRECTORY_NOT_EMPTY"
    w.workspace.delete("/Shared/lakeform/nb")
    with pytest.raises(NotFound):
        w.workspace.get_status("/Shared/lakeform/nb")
    w.workspace.delete("/Shared/lakeform", recursive=True)
    with pytest.raises(NotFound):
        w.workspace.get_status("/Shared/lakeform/src")
    with pytest.raises(NotFound):
        w.workspace.delete("/Shared/lakeform")
    with pytest.raises(NotFound):
        list(w.workspace.list("/Shared/lakeform"))


def test_default_folders_exist(w: WorkspaceClient) -> None:
    me = w.current_user.me().user_name
    paths = {o.path for o in w.workspace.list("/Users")}
    assert paths == {f"/Users/{me}"}
    assert w.workspace.get_status("/").object_type == ObjectType.DIRECTORY


def test_mkdirs_over_a_file_fails(w: WorkspaceClient) -> None:
    w.workspace.upload("/Shared/f", b"x", format=ImportFormat.RAW)
    with pytest.raises(DatabricksError) as err:
        w.workspace.mkdirs("/Shared/f/sub")
    assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"path": "relative/nb", "content": "", "format": "RAW"}, "doesn't start with '/'"),
        ({"path": "/Shared/nb", "content": "", "format": "SOURCE"}, "needs a language"),
        ({"path": "/Shared/nb", "content": "", "format": "DBC"}, "does not support DBC"),
        ({"path": "/Shared/nb", "content": "!!", "format": "RAW"}, "not valid base64"),
        ({"path": "/Shared/nb", "content": "", "format": "RAW", "ovewrite": True}, "unknown field"),
        ({"path": "/Shared/nb", "content": "", "language": "COBOL"}, "unknown language"),
    ],
)
def test_import_rejections(w: WorkspaceClient, body: dict, message: str) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        call(w, "POST", "/api/2.0/workspace/import", body=body)
