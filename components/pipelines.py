"""A pipeline row: a Lakeflow Declarative Pipeline (`databricks:index/pipeline:Pipeline`) plus
its uploaded sources and permissions, under the `pipelines` component."""

from __future__ import annotations

from typing import Any

import pulumi

from components._aliases import renamed_from
from components._convert import to_wire
from components.files import create_uploads
from components.permissions import create_permissions
from components.pipelines_spec import LAKEFORM_ONLY as LAKEFORM_ONLY
from components.pipelines_spec import PipelineArgs as PipelineArgs
from components.pipelines_spec import pipeline_spec as pipeline_spec
from components.provider import DatabricksResource
from components.wiring import ComponentKind, Wiring, url
from metadata.kinds import KINDS
from metadata.models.pipelines import KIND, PipelineRow


def pipeline_args(key: str, row: PipelineRow, wiring: Wiring) -> PipelineArgs:
    """The pipeline's arguments from its final row and what the stack wires to it."""
    return PipelineArgs(key=key, row=row, files=wiring.files, protect=wiring.protect)


RESOURCE_TYPE = "databricks:index/pipeline:Pipeline"


def pipeline_inputs(args: PipelineArgs) -> dict[str, Any]:
    """The provider inputs of the pipeline (no resources): what preflight checks."""
    spec, _ = pipeline_spec(args)
    return to_wire(spec, RESOURCE_TYPE)


class Pipeline:
    """A Lakeflow Declarative Pipeline built from one pipeline row."""

    pipeline_id: pulumi.Output[str]
    pipeline_name: str
    """The name the row gives the pipeline (the provider sets exactly this name)."""
    protected: bool
    replaced_by: dict[str, Any]
    """The row's fields whose change replaces the pipeline (`storage`), for the guard."""

    def __init__(
        self, name: str, args: PipelineArgs, parent: pulumi.Resource | None = None
    ) -> None:
        previous = args.row.previous_keys or []
        aliases = renamed_from(previous)
        spec, uploads = pipeline_spec(args)
        files = create_uploads(uploads, key=args.key, previous_keys=previous, parent=parent)
        pipeline = DatabricksResource(
            RESOURCE_TYPE,
            name,
            to_wire(spec, RESOURCE_TYPE),
            opts=pulumi.ResourceOptions(
                parent=parent,
                depends_on=files,
                aliases=aliases,
                protect=args.protect,
                # The service refuses a second pipeline of the same name, so a replacement
                # (a `storage` change) must delete the old one before it creates the new one.
                delete_before_replace=True,
            ),
        )
        # Not protected with the pipeline: removing grants loses nothing (and the provider's
        # delete leaves a pipeline's grants in place).
        create_permissions(
            args.row.permissions,
            pipeline_id=pipeline.id,
            key=args.key,
            previous_keys=previous,
            parent=parent,
        )
        self.protected = args.protect
        replaced_by = KINDS[KIND].replaced_by
        self.replaced_by = {} if replaced_by is None else replaced_by(args.row)
        self.pipeline_id = pipeline.id
        self.pipeline_name = spec["name"]

    @property
    def reference(self) -> pulumi.Output[str]:
        """The pipeline id, as a job's pipeline_task takes it."""
        return self.pipeline_id

    def stack_output(self, host: str | None) -> dict[str, Any]:
        return {
            "id": self.pipeline_id,
            "name": self.pipeline_name,
            "url": url(host, KIND),
            "protected": self.protected,
            "replaced_by": self.replaced_by,
        }


COMPONENT = ComponentKind(
    create=lambda key, row, w: Pipeline(key, pipeline_args(key, row, w), w.parent),
    inputs=lambda key, row, w: pipeline_inputs(pipeline_args(key, row, w)),
)
"""How a row of this kind becomes its component (components/registry.py reads it)."""
