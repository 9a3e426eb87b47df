"""A job row: a Databricks job (`databricks:index/job:Job`) plus the uploads its tasks use and
its permissions, under the `jobs` component."""

from __future__ import annotations

import functools
from typing import Any

import pulumi

from components._aliases import renamed_from
from components._convert import to_wire
from components.files import create_uploads
from components.jobs_spec import (
    LAKEFORM_ONLY as LAKEFORM_ONLY,
)
from components.jobs_spec import (
    TASK_MAPPERS as TASK_MAPPERS,
)
from components.jobs_spec import (
    JobArgs as JobArgs,
)
from components.jobs_spec import (
    TaskMapper as TaskMapper,
)
from components.jobs_spec import (
    UnknownRowReference as UnknownRowReference,
)
from components.jobs_spec import (
    job_spec as job_spec,
)
from components.permissions import create_permissions
from components.provider import DatabricksResource
from components.wiring import ComponentKind, Wiring, url
from metadata.models.jobs import KIND, JobRow
from metadata.models.pipelines import KIND as PIPELINES


def job_args(key: str, row: JobRow, wiring: Wiring) -> JobArgs:
    """The job's arguments from its final row and what the stack wires to it."""
    return JobArgs(
        key=key,
        row=row,
        files=wiring.files,
        pipeline_ids=wiring.references.get(PIPELINES, {}),
        job_ids=wiring.references.get(KIND, {}),
    )


RESOURCE_TYPE = "databricks:index/job:Job"


def job_inputs(args: JobArgs) -> dict[str, Any]:
    """The provider inputs of the job (no resources): what preflight checks for every row."""
    spec, _ = job_spec(args)
    return to_wire(spec, RESOURCE_TYPE)


class Job:
    """A Databricks job built from one job row (a plain object: its resources are children of
    the `jobs` RowGroup, see components.group)."""

    job_id: pulumi.Output[str]
    job_name: str
    """The name the row gives the job (the provider sets exactly this name)."""

    def __init__(self, name: str, args: JobArgs, parent: pulumi.Resource | None = None) -> None:
        previous = args.row.previous_keys or []
        aliases = renamed_from(previous)
        spec, uploads = job_spec(args)
        files = create_uploads(uploads, key=args.key, previous_keys=previous, parent=parent)
        job = DatabricksResource(
            RESOURCE_TYPE,
            name,
            to_wire(spec, RESOURCE_TYPE),
            opts=pulumi.ResourceOptions(
                parent=parent,
                depends_on=files,
                aliases=aliases,
            ),
        )
        create_permissions(
            args.row.permissions, job_id=job.id, key=args.key, previous_keys=previous, parent=parent
        )
        self.job_id = job.id
        self.job_name = spec["name"]

    @functools.cached_property
    def reference(self) -> pulumi.Output[int]:
        """The job id as the provider's run_job_task.job_id wants it: a number (made when a row
        first names this job)."""
        return self.job_id.apply(int)

    def stack_output(self, host: str | None) -> dict[str, Any]:
        return {"id": self.job_id, "name": self.job_name, "url": url(host, KIND)}


COMPONENT = ComponentKind(
    create=lambda key, row, w: Job(key, job_args(key, row, w), w.parent),
    inputs=lambda key, row, w: job_inputs(job_args(key, row, w)),
)
"""How a row of this kind becomes its component (components/registry.py reads it)."""
