"""The metadata format: one pydantic model module per kind, and the pieces they share."""

from metadata.models.jobs import TASK_TYPES, JobRow, Task, TaskDependency
from metadata.models.monitors import QualityMonitorRow, spark_struct_field_json
from metadata.models.pipelines import PipelineRow
from metadata.models.shared import EmailNotifications, RunAs

__all__ = [
    "TASK_TYPES",
    "EmailNotifications",
    "JobRow",
    "PipelineRow",
    "QualityMonitorRow",
    "RunAs",
    "Task",
    "TaskDependency",
    "spark_struct_field_json",
]
