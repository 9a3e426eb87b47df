"""Lakeform metadata: the YAML format, its models, the loader and validation."""

from metadata.errors import MetadataError, Pos, Problem
from metadata.loader import Rows, is_repo_relative, uploads_from_repository
from metadata.models import (
    JobRow,
    PipelineRow,
    QualityMonitorRow,
    Task,
    TaskDependency,
)
from metadata.resolve import load_rows

__all__ = [
    "JobRow",
    "MetadataError",
    "PipelineRow",
    "Pos",
    "Problem",
    "QualityMonitorRow",
    "Rows",
    "Task",
    "TaskDependency",
    "is_repo_relative",
    "load_rows",
    "uploads_from_repository",
]
