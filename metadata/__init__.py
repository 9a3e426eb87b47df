"""Lakeform metadata, the base layer: kinds, models, loading, resolution for a stack, checks."""

from metadata.defaults import apply_stack_defaults
from metadata.errors import MetadataError, Pos, Problem
from metadata.kinds import KINDS, Rows
from metadata.load import load_rows
from metadata.models import (
    JobRow,
    PipelineRow,
    QualityMonitorRow,
    Task,
    TaskDependency,
)
from metadata.paths import is_repo_relative, uploads_from_repository

__all__ = [
    "KINDS",
    "JobRow",
    "MetadataError",
    "PipelineRow",
    "Pos",
    "Problem",
    "QualityMonitorRow",
    "Rows",
    "Task",
    "TaskDependency",
    "apply_stack_defaults",
    "is_repo_relative",
    "load_rows",
    "uploads_from_repository",
]
