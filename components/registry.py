"""The class of each kind of row, keyed like metadata.kinds.KINDS.

metadata declares the kinds and cannot import components/ (it is the layer below), so this
table completes each entry with its component; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.jobs import Job, job_args, job_inputs
from components.monitors import QualityMonitor, monitor_args, monitor_inputs
from components.pipelines import Pipeline, pipeline_args, pipeline_inputs
from components.wiring import Component, Wiring


@dataclass(frozen=True, kw_only=True)
class ComponentKind:
    """How a row of one kind becomes its component."""

    create: Callable[[str, Any, Wiring], Component]
    """(row key, final row, wiring) -> what the row builds: its resources, named by the row key,
    under `wiring.parent`."""
    inputs: Callable[[str, Any, Wiring], object]
    """The same, as provider inputs and without creating anything (preflight)."""


COMPONENTS: dict[str, ComponentKind] = {
    "jobs": ComponentKind(
        create=lambda key, row, w: Job(key, job_args(key, row, w), w.parent),
        inputs=lambda key, row, w: job_inputs(job_args(key, row, w)),
    ),
    "pipelines": ComponentKind(
        create=lambda key, row, w: Pipeline(key, pipeline_args(key, row, w), w.parent),
        inputs=lambda key, row, w: pipeline_inputs(pipeline_args(key, row, w)),
    ),
    "quality_monitors": ComponentKind(
        create=lambda key, row, w: QualityMonitor(key, monitor_args(key, row, w), w.parent),
        inputs=lambda key, row, w: monitor_inputs(monitor_args(key, row, w)),
    ),
}
"""Kind name (a key of metadata.kinds.KINDS) -> its component."""
