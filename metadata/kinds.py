"""The kinds of row, declared once: KINDS is what every per-kind loop reads.

An entry holds what Lakeform knows of a kind below the Pulumi program: its row model, its checks,
how an existing resource is exported to a row and found again after a killed deploy, and the type
tokens of its component and of the Databricks resource. metadata imports nothing of components/
or stacks/, so the component classes are mapped to these entries in components/registry.py,
which names each entry's component by the token held here (a test keeps both tables in step).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from metadata.checks import CheckContext, check_job, check_monitor, check_pipeline
from metadata.errors import Part, Pos, Problem
from metadata.formats.api import ExportedRow, job_row, monitor_row, pipeline_row
from metadata.located import Locator
from metadata.models.jobs import JobRow, Task
from metadata.models.monitors import QualityMonitorRow
from metadata.models.pipelines import PipelineRow
from metadata.validated import Resolved


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """How `lakeform recover` finds what a killed create of this kind made in the workspace."""

    by: Literal["tags", "id"]
    """`tags`: objects named like the input `match` whose lakeform_stack/lakeform_key tags are the
    row's; `id`: the object whose id is the input `match` (a monitor's table)."""
    match: str
    """Resource input (as the engine's state spells it) that names the object."""


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of row."""

    name: str
    """Top-level key of a metadata file, stack output and `release` prefix, e.g. `jobs`."""
    row_model: type[BaseModel]
    component_type: str
    """Type token of the Lakeform component, e.g. `lakeform:jobs:Job`."""
    resource_type: str
    """Type token of the Databricks resource, e.g. `databricks:index/job:Job`."""
    check: Callable[[Resolved, CheckContext], Iterator[Problem]]
    """The kind's rules across fields and rows (run after every file is read)."""
    export: Callable[[Mapping[str, Any]], ExportedRow]
    """An API answer describing an existing resource -> its row (`lakeform export`)."""
    recovery: Recovery
    key_word: str
    """Word for a row of this kind in generated keys and messages, e.g. `monitor`."""
    protected: str | None = None
    """Protected stacks protect rows of this kind; why, as the refusal to delete one says it."""
    reset: Callable[[Any], int] | None = None
    """The row's replacement counter: a change replaces the resource (refused when protected)."""
    replaced_by: Callable[[Any], dict[str, Any]] | None = None
    """Row fields whose change replaces the resource, with the row's values (recorded in the
    stack outputs; a change is refused when protected, like `reset`)."""
    refers_to: tuple[str, ...] = ()
    """Kinds whose rows this kind's rows name by key: their resources are created first."""
    references: Callable[[Any], Iterable[tuple[str, str]]] = field(default=lambda row: ())
    """(kind, key) of every row this row names."""


def _task_references(tasks: Iterable[Task]) -> Iterator[tuple[str, str]]:
    for task in tasks:
        if task.pipeline_task is not None and task.pipeline_task.pipeline is not None:
            yield "pipelines", task.pipeline_task.pipeline
        if task.run_job_task is not None and task.run_job_task.job is not None:
            yield "jobs", task.run_job_task.job
        if task.for_each_task is not None:
            yield from _task_references([task.for_each_task.task])


def _job_references(row: JobRow) -> Iterator[tuple[str, str]]:
    return _task_references(row.tasks)


def _monitor_reset(row: QualityMonitorRow) -> int:
    return row.reset


def _monitor_replaced_by(row: QualityMonitorRow) -> dict[str, Any]:
    # The provider would PUT a new table_name to that table's monitor, and its update cannot
    # change warehouse_id or skip_builtin_dashboard: Lakeform replaces the monitor instead.
    return {
        "table_name": row.table_name,
        "warehouse_id": row.warehouse_id,
        "skip_builtin_dashboard": bool(row.skip_builtin_dashboard),
    }


def _pipeline_replaced_by(row: PipelineRow) -> dict[str, Any]:
    # storage is ForceNew in the provider: adding, changing or removing it replaces the pipeline.
    return {"storage": row.storage}


JOBS = Kind(
    name="jobs",
    row_model=JobRow,
    component_type="lakeform:jobs:Job",
    resource_type="databricks:index/job:Job",
    check=check_job,
    export=job_row,
    recovery=Recovery(by="tags", match="name"),
    key_word="job",
    refers_to=("pipelines", "jobs"),
    references=_job_references,
)
PIPELINES = Kind(
    name="pipelines",
    row_model=PipelineRow,
    component_type="lakeform:pipelines:Pipeline",
    resource_type="databricks:index/pipeline:Pipeline",
    check=check_pipeline,
    export=pipeline_row,
    recovery=Recovery(by="tags", match="name"),
    key_word="pipeline",
    protected="deleting a pipeline drops its tables",
    replaced_by=_pipeline_replaced_by,
)
QUALITY_MONITORS = Kind(
    name="quality_monitors",
    row_model=QualityMonitorRow,
    component_type="lakeform:monitors:QualityMonitor",
    resource_type="databricks:index/qualityMonitor:QualityMonitor",
    check=check_monitor,
    export=monitor_row,
    recovery=Recovery(by="id", match="tableName"),
    key_word="monitor",
    protected="deleting or resetting a monitor loses its history",
    reset=_monitor_reset,
    replaced_by=_monitor_replaced_by,
)

KINDS: dict[str, Kind] = {k.name: k for k in (JOBS, PIPELINES, QUALITY_MONITORS)}
"""Every kind, in the order files, schemas and outputs list them."""
PROTECTED_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.protected)
"""Kinds a protected stack protects (and whose rows `release` may name)."""


@dataclass(frozen=True)
class Rows:
    """Resolved rows of one stack, keyed by row key per kind (one field per entry of KINDS)."""

    jobs: dict[str, JobRow] = field(default_factory=dict[str, JobRow])
    pipelines: dict[str, PipelineRow] = field(default_factory=dict[str, PipelineRow])
    quality_monitors: dict[str, QualityMonitorRow] = field(
        default_factory=dict[str, QualityMonitorRow]
    )
    stack: str | None = None
    """The stack these rows are final for (its defaults applied), or None: not yet final."""
    warnings: list[Problem] = field(default_factory=list[Problem], compare=False)
    """What was accepted but should be written differently (an old spelling), in file order."""
    positions: dict[tuple[str, str], Pos] = field(
        default_factory=dict[tuple[str, str], Pos], compare=False
    )
    """(kind, key) -> where the row's key is written, for messages that point at a row."""
    sources: dict[tuple[str, str], Locator] = field(
        default_factory=dict[tuple[str, str], Locator], compare=False
    )
    """(kind, key) -> the row's source, to point at a field's line (policy findings)."""

    def of(self, kind: str) -> Mapping[str, BaseModel]:
        """The rows of `kind` (a key of KINDS)."""
        rows: Mapping[str, BaseModel] = getattr(self, kind)
        return rows

    def where(self, kind: str, key: str) -> Pos | None:
        """Where the row `kind.key` is written (its key's file, line and column), if known."""
        return self.positions.get((kind, key))

    def field_pos(self, kind: str, key: str, parts: tuple[Part, ...]) -> Pos | None:
        """Where field `parts` of row `kind.key` is written; the row's key when the field comes
        from the stack's settings, not the row."""
        source = self.sources.get((kind, key))
        if source is None:
            return self.where(kind, key)
        if len(parts) >= 2 and parts[0] == "tasks" and isinstance(parts[1], int):
            parts = ("tasks", source.index(parts[1]), *parts[2:])
        return source.pos(parts)

    @property
    def total(self) -> int:
        """Number of rows of every kind."""
        return sum(len(self.of(kind)) for kind in KINDS)
