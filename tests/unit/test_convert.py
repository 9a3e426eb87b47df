"""Every field of the metadata models maps to a provider input through the names table (so none
is silently lost), and API-shaped rows become the provider's input types."""

from __future__ import annotations

import copy
import typing
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel

from components import names
from components._convert import UnmappedFieldError, to_wire
from metadata.models import JobRow, PipelineRow, QualityMonitorRow
from metadata.settings import StackSettings
from stacks.config import LakeformError
from tests.unit.rows import JOB, build_rows, job, rows

# Lakeform's own fields, consumed before anything reaches the provider (metadata/README.md).
LAKEFORM_ONLY: dict[str, set[str]] = {
    "JobRow": {"previous_keys", "disabled", "stack_overrides", "permissions"},
    "Task": {"execution_order"},
    "SqlTask": {"query_text"},
    "PipelineTask": {"pipeline"},
    "RunJobTask": {"job"},
    "PipelineRow": {"previous_keys", "disabled", "stack_overrides", "permissions"},
    "QualityMonitorRow": {"reset", "previous_keys", "disabled", "stack_overrides"},
}


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _object(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object node inside an array or map node (or the node itself), if any."""
    while node["type"] in ("array", "map"):
        node = node["items"]
    return node if node["type"] == "object" else None


def _unmapped(model: type[BaseModel], fields: names.Fields, path: str, seen: set[Any]) -> list[str]:
    if (model, id(fields)) in seen:
        return []
    seen.add((model, id(fields)))
    problems: list[str] = []
    for name, info in model.model_fields.items():
        api = info.alias or name
        if api in LAKEFORM_ONLY.get(model.__name__, set()):
            continue
        found = names.by_rest(fields).get(api)
        if found is None:
            problems.append(f"{path}.{api}")
            continue
        block = _object(found[1])
        for sub_model in _models(info.annotation):
            if block is not None:
                problems += _unmapped(sub_model, block["fields"], f"{path}.{api}", seen)
    return problems


@pytest.mark.parametrize(
    ("model", "resource_type"),
    [
        (JobRow, "databricks:index/job:Job"),
        (PipelineRow, "databricks:index/pipeline:Pipeline"),
        (QualityMonitorRow, "databricks:index/qualityMonitor:QualityMonitor"),
    ],
)
def test_every_metadata_field_has_a_provider_input(
    model: type[BaseModel], resource_type: str
) -> None:
    fields = names.inputs(resource_type)
    assert sorted(set(_unmapped(model, fields, model.__name__, set())) - METADATA_GAPS) == []


# Places where the models' types allow a field the provider has no input for, and a validator in
# metadata/ rejects it with a message naming the row (tests/metadata/test_rejections.py).
METADATA_GAPS = {
    # for_each_task inside for_each_task: ForEachTask._one_level refuses it.
    "JobRow.tasks.for_each_task.task.for_each_task",
}


def test_a_row_the_provider_cannot_take_is_a_clean_error_before_any_resource(
    program, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A provider without a `description` input stands for any field metadata accepts that the
    # provider (say, an older pin) lacks.
    table = copy.deepcopy(names.table())
    del table["resources"]["databricks:index/job:Job"]["inputs"]["description"]
    monkeypatch.setattr(names, "table", lambda: table)
    p = program("dev")
    the_rows = rows(
        jobs={
            "ok": job(tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "/n"}}]),
            "bad": job(
                tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "/n"}}],
                description="not for this provider",
            ),
        }
    )
    with pytest.raises(
        LakeformError,
        match=r"rows the Databricks provider cannot take:\njobs\.bad: not supported by the "
        r"Databricks provider: JobArgs has no input for API field 'description'",
    ):
        p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    assert p.monitor.registrations == []


def test_a_missing_repository_file_is_a_clean_error(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={"j": job(tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "nb/x.py"}}])}
    )
    with pytest.raises(LakeformError, match=r"jobs\.j: file not found in the repository: nb/x\.py"):
        p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))


def test_an_unknown_field_fails_loudly() -> None:
    with pytest.raises(UnmappedFieldError, match="JobArgs has no input for API field 'bogus'"):
        to_wire({"bogus": 1}, JOB)
    with pytest.raises(
        UnmappedFieldError, match="JobGitSourceArgs has no input for API field 'bogus'"
    ):
        to_wire({"git_source": {"git_url": "u", "bogus": 1}}, JOB)


def test_git_source_and_plural_blocks_are_renamed() -> None:
    inputs = to_wire(
        {
            "git_source": {"git_url": "u", "git_provider": "gitHub", "git_tag": "v1"},
            "email_notifications": {"on_start": ["a"], "on_success": ["b"], "on_failure": None},
        },
        JOB,
    )
    assert inputs == {
        "gitSource": {"url": "u", "provider": "gitHub", "tag": "v1"},
        "emailNotifications": {"onStarts": ["a"], "onSuccesses": ["b"]},
    }


def test_an_unknown_row_reference_is_a_clean_error(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={"j": job(tasks=[{"task_key": "t", "pipeline_task": {"pipeline": "missing"}}])}
    )
    with pytest.raises(LakeformError, match=r"jobs\.j: tasks\.t: no pipeline row 'missing'"):
        p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
