"""Pipelines API through databricks-sdk: echo, states, edit, list, delete, rejections."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound
from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.service import pipelines

from devtools.workspace.testing import RunningWorkspace
from tests.workspace.helpers import call
from tests.workspace.specs import rich_pipeline

NOT_IN_SPEC = ("allow_duplicate_names", "dry_run", "run_as", "parameters")


def create(w: WorkspaceClient, body: dict[str, Any]) -> str:
    return str(call(w, "POST", "/api/2.0/pipelines", body=body)["pipeline_id"])


def spec_of(body: dict[str, Any], pipeline_id: str) -> dict[str, Any]:
    return {**{k: v for k, v in body.items() if k not in NOT_IN_SPEC}, "id": pipeline_id}


def test_rich_pipeline_spec_is_echoed(w: WorkspaceClient, ws: RunningWorkspace) -> None:
    body = rich_pipeline()
    pipeline_id = create(w, body)
    answer = call(w, "GET", f"/api/2.0/pipelines/{pipeline_id}")
    assert answer["spec"] == spec_of(body, pipeline_id)
    assert answer["pipeline_id"] == pipeline_id
    assert len(pipeline_id) == 36 and pipeline_id.count("-") == 4  # a UUID
    assert answer["name"] == body["name"]
    assert answer["state"] == "IDLE"
    assert answer["creator_user_name"] == ws.user_name
    assert answer["run_as_user_name"] == ws.user_name
    assert answer["last_modified"] > 0
    typed = w.pipelines.get(pipeline_id)
    assert typed.spec is not None
    assert typed.spec.as_dict() == spec_of(body, pipeline_id)


def test_continuous_pipeline_is_running_and_run_as_is_answered(w: WorkspaceClient) -> None:
    body = {
        "name": "streaming",
        "continuous": True,
        "serverless": True,
        "catalog": "main",
        "schema": "s",
        "libraries": [{"file": {"path": "/Workspace/x.py"}}],
        "run_as": {"service_principal_name": "6d6f8ae2-4b8e-4c5c-9f3e-0f0e1f2a3b4c"},
    }
    pipeline_id = create(w, body)
    answer = w.pipelines.get(pipeline_id)
    assert answer.state == pipelines.PipelineState.RUNNING
    assert answer.run_as_user_name == "6d6f8ae2-4b8e-4c5c-9f3e-0f0e1f2a3b4c"
    assert "run_as" not in call(w, "GET", f"/api/2.0/pipelines/{pipeline_id}")["spec"]


def test_typed_create_and_edit_replace_the_spec(w: WorkspaceClient) -> None:
    created = w.pipelines.create(
        name="typed",
        catalog="main",
        schema="s",
        libraries=[pipelines.PipelineLibrary(notebook=pipelines.NotebookLibrary(path="/nb"))],
        development=True,
    )
    pipeline_id = created.pipeline_id
    assert pipeline_id is not None
    before = w.pipelines.get(pipeline_id).last_modified
    w.pipelines.update(
        pipeline_id,
        name="typed",
        catalog="main",
        schema="s2",
        libraries=[pipelines.PipelineLibrary(file=pipelines.FileLibrary(path="/f.py"))],
    )
    spec = call(w, "GET", f"/api/2.0/pipelines/{pipeline_id}")["spec"]
    assert spec == {
        "id": pipeline_id,
        "name": "typed",
        "catalog": "main",
        "schema": "s2",
        "libraries": [{"file": {"path": "/f.py"}}],
    }
    assert (w.pipelines.get(pipeline_id).last_modified or 0) >= (before or 0)


def test_edit_with_a_stale_expected_last_modified_conflicts(w: WorkspaceClient) -> None:
    pipeline_id = create(w, {"name": "p"})
    with pytest.raises(DatabricksError) as err:
        call(
            w,
            "PUT",
            f"/api/2.0/pipelines/{pipeline_id}",
            body={"name": "p", "expected_last_modified": 1},
        )
    assert err.value.error_code == "RESOURCE_CONFLICT"


def test_duplicate_names_conflict_unless_allowed(w: WorkspaceClient) -> None:
    create(w, {"name": "same"})
    with pytest.raises(DatabricksError, match="already exists") as err:
        create(w, {"name": "same"})
    assert err.value.error_code == "RESOURCE_CONFLICT"
    create(w, {"name": "same", "allow_duplicate_names": True})


def test_dry_run_creates_nothing(w: WorkspaceClient) -> None:
    answer = call(w, "POST", "/api/2.0/pipelines", body={"name": "dry", "dry_run": True})
    assert answer["effective_settings"]["name"] == "dry"
    assert list(w.pipelines.list_pipelines()) == []


def test_list_pages_and_filters_by_name(w: WorkspaceClient) -> None:
    ids = {create(w, {"name": f"olist-{i}"}): f"olist-{i}" for i in range(3)}
    create(w, {"name": "wanderbricks"})
    listed = list(w.pipelines.list_pipelines(max_results=2))
    assert len(listed) == 4
    found = list(w.pipelines.list_pipelines(filter="name LIKE 'olist-%'"))
    assert {p.pipeline_id: p.name for p in found} == ids
    assert all(p.state == pipelines.PipelineState.IDLE for p in found)
    with pytest.raises(InvalidParameterValue, match="Unsupported filter"):
        list(w.pipelines.list_pipelines(filter="creator_user_name = 'x'"))


def test_delete_is_404_at_once(w: WorkspaceClient) -> None:
    pipeline_id = create(w, rich_pipeline())
    w.pipelines.delete(pipeline_id)
    with pytest.raises(NotFound) as err:
        w.pipelines.get(pipeline_id)
    assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(NotFound):
        w.pipelines.delete(pipeline_id)
    with pytest.raises(NotFound):
        call(w, "PUT", f"/api/2.0/pipelines/{pipeline_id}", body={"name": "x"})


REJECTIONS: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown field",
        {"name": "p", "continous": True},
        r"unknown field 'continous' .*'continuous'",
    ),
    (
        "unknown nested field",
        {"libraries": [{"notebook": {"pth": "/x"}}]},
        r"libraries\[0\]\.notebook: unknown field 'pth' in NotebookLibrary",
    ),
    ("wrong type", {"continuous": "yes"}, r"continuous: expected a boolean, got string 'yes'"),
    ("wrong map value", {"configuration": {"a": 1}}, r"configuration\.a: expected a string"),
    (
        "wrong enum",
        {
            "clusters": [
                {
                    "label": "default",
                    "autoscale": {"min_workers": 1, "max_workers": 2, "mode": "FAST"},
                }
            ]
        },
        r"clusters\[0\]\.autoscale\.mode: invalid PipelineClusterAutoscaleMode value 'FAST'",
    ),
]


@pytest.mark.parametrize(("case", "body", "message"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_create_and_edit_rejections(
    w: WorkspaceClient, case: str, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParameterValue, match=message):
        create(w, body)
    pipeline_id = create(w, {"name": case})
    with pytest.raises(InvalidParameterValue, match=message):
        call(w, "PUT", f"/api/2.0/pipelines/{pipeline_id}", body=body)
    assert w.pipelines.get(pipeline_id).spec.as_dict() == {"id": pipeline_id, "name": case}  # type: ignore[union-attr]
