"""The pipelines plug-in: Lakeflow Declarative Pipelines (Pipelines API spec)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from metadata.checks import check_pipeline
from metadata.formats.api import as_dict, as_list, pipeline_row, tags_of
from metadata.kinds.base import (
    Browse,
    Drift,
    ExportOption,
    Kind,
    Recovery,
    Rest,
    Run,
    StackDefaults,
    replace_fields,
    stack_tags,
)
from metadata.models.pipelines import KIND, PipelineRow
from metadata.policy import PIPELINE_FACTS


def _replaced_by(row: PipelineRow) -> dict[str, Any]:
    # storage is ForceNew in the provider: adding, changing or removing it replaces the pipeline.
    return {"storage": row.storage}


def source_fields(pipeline: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The notebook and file path fields of an exported pipeline's libraries."""
    for i, lib in enumerate(as_list(pipeline.get("libraries"))):
        for name in ("notebook", "file"):
            block = as_dict((as_dict(lib) or {}).get(name))
            if block is not None:
                yield f"libraries[{i}].{name}", block, "path"


def browse_labels(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    """A pipelines/{id} answer -> its labels in `lakeform browse`."""
    spec = as_dict(pipeline.get("spec")) or {}
    return {
        "id": str(pipeline.get("pipeline_id", "")),
        "name": str(pipeline.get("name") or spec.get("name") or ""),
        "creator": str(pipeline.get("creator_user_name") or ""),
        "trigger": "continuous" if spec.get("continuous") else "triggered",
        "state": str(pipeline.get("state") or "").lower(),
        "tags": tags_of(spec),
        "changed": int(pipeline.get("last_modified") or 0),
    }


def _name_like(name: str) -> dict[str, Any]:
    quoted = name.replace("'", "''")
    return {"filter": f"name LIKE '{quoted}'"}


def pipeline_for_stack(
    key: str, pipeline: PipelineRow, settings: StackDefaults, stack: str
) -> PipelineRow:
    """Name prefix, tags, and development mode (never continuous) in a development stack."""
    changes: dict[str, Any] = {
        "name": settings.name_prefix + (pipeline.name or key),
        "tags": stack_tags(settings, stack, key, pipeline.tags),
    }
    if settings.development:
        changes.update(development=True, continuous=False)
    return replace_fields(pipeline, **changes)


PIPELINES = Kind(
    name=KIND,
    row_model=PipelineRow,
    component_type="lakeform:pipelines:Pipeline",
    resource_type="databricks:index/pipeline:Pipeline",
    key_word="pipeline",
    uploads_files=True,
    description="Lakeflow Declarative Pipelines (Pipelines API spec), keyed by row key.",
    check=check_pipeline,
    export=pipeline_row,
    # The list answer has no tags, schedule or last change: browse reads each pipeline.
    rest=Rest(
        get="/api/2.0/pipelines/{id}",
        id_field="pipeline_id",
        noun="pipeline",
        list_path="/api/2.0/pipelines",
        list_items="statuses",
        list_query={"max_results": 100},
    ),
    recovery=Recovery(by="tags", match="name", name_query=_name_like, body="spec"),
    protected="deleting a pipeline drops its tables",
    replaced_by=_replaced_by,
    export_option=ExportOption(
        flag="--pipeline-id",
        metavar="ID",
        help="a pipeline (repeatable)",
        all_flag="--all-pipelines",
    ),
    # The list answer has no tags, schedule or last change: each pipeline is read.
    browse=Browse(
        item=browse_labels, link="/pipelines/{id}", read="list_then_get", sources=source_fields
    ),
    # The Pipelines API never answers allow_duplicate_names (#6076), and its run_as stands
    # beside the spec; catalog and edition are compared without case by service and provider.
    drift=Drift(
        body="spec",
        never_answered=frozenset({"allow_duplicate_names", "run_as"}),
        caseless=frozenset({"catalog", "edition"}),
    ),
    run=Run(starter="cli.run:PipelineUpdate", options=("--full-refresh", "--refresh")),
    for_stack=pipeline_for_stack,
    policy=PIPELINE_FACTS,
    foreign=lambda output: str(output["id"]),
)
