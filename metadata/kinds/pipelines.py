"""The pipelines plug-in: Lakeflow Declarative Pipelines (Pipelines API spec)."""

from __future__ import annotations

from typing import Any

from metadata.checks import check_pipeline
from metadata.formats.api import pipeline_row
from metadata.kinds.base import Kind, Recovery, Rest
from metadata.models.pipelines import KIND, PipelineRow


def _replaced_by(row: PipelineRow) -> dict[str, Any]:
    # storage is ForceNew in the provider: adding, changing or removing it replaces the pipeline.
    return {"storage": row.storage}


PIPELINES = Kind(
    name=KIND,
    row_model=PipelineRow,
    component_type="lakeform:pipelines:Pipeline",
    resource_type="databricks:index/pipeline:Pipeline",
    key_word="pipeline",
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
    recovery=Recovery(by="tags", match="name"),
    protected="deleting a pipeline drops its tables",
    replaced_by=_replaced_by,
)
