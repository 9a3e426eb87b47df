"""Every field of the metadata models maps to a provider input (so none is silently lost)."""

from __future__ import annotations

import typing
from typing import Any

import pulumi_databricks as databricks
import pytest
from pulumi import _types as pulumi_types
from pydantic import BaseModel

from components._convert import UnmappedFieldError, _fields, _strip_input, field_name, to_input
from metadata.models import JobRow, PipelineRow, QualityMonitorRow
from metadata.settings import StackSettings
from stacks.config import LakeformError
from tests.unit.rows import build_rows, job, rows

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


def _input_class(tp: Any) -> type | None:
    tp = _strip_input(tp)
    if isinstance(tp, type) and pulumi_types.is_input_type(tp):
        return tp
    args = typing.get_args(tp)
    if args:
        return _input_class(args[0])
    return None


def _unmapped(model: type[BaseModel], target: type, path: str, seen: set[Any]) -> list[str]:
    if (model, target) in seen:
        return []
    seen.add((model, target))
    problems: list[str] = []
    for name, info in model.model_fields.items():
        api = info.alias or name
        if api in LAKEFORM_ONLY.get(model.__name__, set()):
            continue
        try:
            provider_name = field_name(target, api)
        except UnmappedFieldError:
            problems.append(f"{path}.{api} ({target.__name__})")
            continue
        sub_target = _input_class(_fields(target)[provider_name])
        for sub_model in _models(info.annotation):
            if sub_target is not None:
                problems += _unmapped(sub_model, sub_target, f"{path}.{api}", seen)
    return problems


@pytest.mark.parametrize(
    ("model", "target"),
    [
        (JobRow, databricks.JobArgs),
        (PipelineRow, databricks.PipelineArgs),
        (QualityMonitorRow, databricks.QualityMonitorArgs),
    ],
)
def test_every_metadata_field_has_a_provider_input(model: type[BaseModel], target: type) -> None:
    assert sorted(set(_unmapped(model, target, model.__name__, set())) - METADATA_GAPS) == []


# Places where the models' types allow a field the provider has no input for, and a validator in
# metadata/ rejects it with a message naming the row (tests/metadata/test_rejections.py).
METADATA_GAPS = {
    # for_each_task inside for_each_task: ForEachTask._one_level refuses it.
    "JobRow.tasks.for_each_task.task.for_each_task (JobTaskForEachTaskTaskArgs)",
}


def test_a_row_the_provider_cannot_take_is_a_clean_error_before_any_resource(
    program, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A provider without a `description` input stands for any field metadata accepts that the
    # provider (say, an older pin) lacks.
    def fields_without_description(cls: type) -> dict[str, Any]:
        found = dict(_fields(cls))
        if cls is databricks.JobArgs:
            found.pop("description")
        return found

    monkeypatch.setattr("components._convert._fields", fields_without_description)
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
        to_input({"bogus": 1}, databricks.JobArgs)


def test_git_source_and_plural_blocks_are_renamed() -> None:
    args = to_input(
        {
            "git_source": {"git_url": "u", "git_provider": "gitHub", "git_tag": "v1"},
            "email_notifications": {"on_start": ["a"], "on_success": ["b"]},
        },
        databricks.JobArgs,
    )
    assert args.git_source is not None
    assert pulumi_types.input_type_to_dict(args.git_source) == {
        "url": "u",
        "provider": "gitHub",
        "tag": "v1",
    }
    assert args.email_notifications is not None
    assert pulumi_types.input_type_to_dict(args.email_notifications) == {
        "onStarts": ["a"],
        "onSuccesses": ["b"],
    }


def test_an_unknown_row_reference_is_a_clean_error(program) -> None:
    p = program("dev")
    the_rows = rows(
        jobs={"j": job(tasks=[{"task_key": "t", "pipeline_task": {"pipeline": "missing"}}])}
    )
    with pytest.raises(LakeformError, match=r"jobs\.j: tasks\.t: no pipeline row 'missing'"):
        p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
