"""Every integer field of the row models has the API's range, and values outside it are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from metadata.kinds import KINDS
from metadata.models.shared import INT32_MAX, INT64_MAX, int_range
from tests.metadata.conftest import Project

OneProblem = Callable[[str], str]

RANGES: dict[str, tuple[int, int]] = {
    # Jobs API: JobSettings, Task, triggers, health rules (databricks-sdk jobs.py docstrings)
    "JobRow.max_concurrent_runs": (0, 1000),
    "JobRow.timeout_seconds": (0, INT32_MAX),
    "Task.timeout_seconds": (0, INT32_MAX),
    "Task.max_retries": (-1, INT32_MAX),
    "Task.min_retry_interval_millis": (0, INT32_MAX),
    "Task.execution_order": (0, INT32_MAX),
    "ForEachTask.concurrency": (1, INT32_MAX),
    "RunJobTask.job_id": (1, INT64_MAX),
    "DbtCloudTask.dbt_cloud_job_id": (1, INT64_MAX),  # the API's int64 (SDK jobs.DbtCloudTask)
    "HealthRule.value": (0, INT64_MAX),
    "FileArrivalTrigger.min_time_between_triggers_seconds": (60, INT32_MAX),
    "FileArrivalTrigger.wait_after_last_change_seconds": (60, INT32_MAX),
    "TableUpdateTrigger.min_time_between_triggers_seconds": (60, INT32_MAX),
    "TableUpdateTrigger.wait_after_last_change_seconds": (60, INT32_MAX),
    "PeriodicTrigger.interval": (1, INT32_MAX),
    # Clusters API (compute.py) and Pipelines API (pipelines.py)
    "ClusterSpec.num_workers": (0, INT32_MAX),
    "AutoScale.min_workers": (0, INT32_MAX),
    "AutoScale.max_workers": (1, INT32_MAX),
    "PipelineAutoScale.min_workers": (0, INT32_MAX),
    "PipelineAutoScale.max_workers": (1, INT32_MAX),
    "PipelineCluster.num_workers": (0, INT32_MAX),
    "RestartWindow.start_hour": (0, 23),
    # Lakeform's own counter
    "QualityMonitorRow.reset": (0, INT32_MAX),
}
"""Each integer field of the models and its range: a new integer field fails the test below until
it has a range in the model and a line here (and in metadata/README.md, "Integer ranges")."""


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    if model in seen:
        return
    seen.add(model)
    yield model
    for field in model.model_fields.values():
        for inner in _types(field.annotation):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from _models(inner, seen)


def _types(annotation: Any) -> Iterator[Any]:
    """The annotation and every type inside it (X | None, list[X], dict[K, X], Annotated)."""
    yield annotation
    for arg in get_args(annotation):
        yield from _types(arg)


def _integer_fields() -> dict[str, tuple[int, int] | None]:
    seen: set[type[BaseModel]] = set()
    found: dict[str, tuple[int, int] | None] = {}
    for kind in KINDS.values():
        for model in _models(kind.row_model, seen):
            for name, field in model.model_fields.items():
                # bool is not int here: `type is int`, not issubclass
                if any(t is int for t in _types(field.annotation)):
                    found[f"{model.__name__}.{name}"] = int_range(field)
    return found


def test_every_integer_field_declares_its_range() -> None:
    found = _integer_fields()
    assert not [name for name, bounds in found.items() if bounds is None], "fields without range"
    assert found == RANGES


def test_the_json_schema_carries_the_ranges() -> None:
    from metadata.schema import json_schema

    defs = json_schema()["$defs"]
    runs = defs["JobRow"]["properties"]["max_concurrent_runs"]["anyOf"][0]
    assert runs == {"type": "integer", "minimum": 0, "maximum": 1000}
    assert defs["RestartWindow"]["properties"]["start_hour"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 23,
        "description": "Hour of day 0-23.",
        "title": "Start Hour",
    }


NOTEBOOK = "notebook_task: {notebook_path: src/nb.py}"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            f"timeout_seconds: {'1' * 38}\n    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            f"3:5: jobs.a.timeout_seconds: must be between 0 and 2147483647; got {'1' * 38}",
        ),
        (
            f"max_concurrent_runs: -5\n    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            "3:5: jobs.a.max_concurrent_runs: must be between 0 and 1000; got -5",
        ),
        (
            f"max_concurrent_runs: 1001\n    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            "3:5: jobs.a.max_concurrent_runs: must be between 0 and 1000; got 1001",
        ),
        (
            f"tasks: [{{task_key: t, max_retries: -2, {NOTEBOOK}}}]",
            "3:27: jobs.a.tasks[0].max_retries: must be between -1 and 2147483647; got -2",
        ),
        (
            f"tasks: [{{task_key: t, min_retry_interval_millis: 2147483648, {NOTEBOOK}}}]",
            "3:27: jobs.a.tasks[0].min_retry_interval_millis: must be between 0 and 2147483647; "
            "got 2147483648",
        ),
        (
            "tasks:\n      - task_key: t\n        for_each_task:\n          inputs: '[1]'\n"
            "          concurrency: 0\n"
            f"          task: {{task_key: u, {NOTEBOOK}}}",
            "7:11: jobs.a.tasks[0].for_each_task.concurrency: must be between 1 and 2147483647; "
            "got 0",
        ),
        (
            "tasks:\n      - task_key: t\n        for_each_task:\n          inputs: '[1]'\n"
            f"          task: {{task_key: u, timeout_seconds: -1, {NOTEBOOK}}}",
            "7:31: jobs.a.tasks[0].for_each_task.task.timeout_seconds: must be between 0 and "
            "2147483647; got -1",
        ),
        (
            f"tasks: [{{task_key: t, run_job_task: {{job_id: {2**63}}}}}]",
            "3:42: jobs.a.tasks[0].run_job_task.job_id: must be between 1 and "
            "9223372036854775807; got 9223372036854775808",
        ),
        (
            "health: {rules: [{metric: RUN_DURATION_SECONDS, op: GREATER_THAN, value: -1}]}\n"
            f"    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            "3:71: jobs.a.health.rules[0].value: must be between 0 and 9223372036854775807; got -1",
        ),
        (
            "trigger: {file_arrival: {url: /Volumes/c/s/v/, wait_after_last_change_seconds: 59}}\n"
            f"    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            "3:52: jobs.a.trigger.file_arrival.wait_after_last_change_seconds: must be between "
            "60 and 2147483647; got 59",
        ),
        (
            "trigger: {periodic: {interval: 0, unit: HOURS}}\n"
            f"    tasks: [{{task_key: t, {NOTEBOOK}}}]",
            "3:26: jobs.a.trigger.periodic.interval: must be between 1 and 2147483647; got 0",
        ),
        (
            f"tasks: [{{task_key: t, new_cluster: {{num_workers: -1}}, {NOTEBOOK}}}]",
            "3:41: jobs.a.tasks[0].new_cluster.num_workers: must be between 0 and 2147483647; "
            "got -1",
        ),
        (
            f"tasks: [{{task_key: t, execution_order: -1, {NOTEBOOK}}}]",
            "3:27: jobs.a.tasks[0].execution_order: must be between 0 and 2147483647; got -1",
        ),
        (
            f"max_concurrent_runs: 1\n    tasks: [{{task_key: t, {NOTEBOOK}}}]\n"
            "    stack_overrides: {dev: {max_concurrent_runs: 5000}}",
            "5:29: jobs.a.max_concurrent_runs: must be between 0 and 1000; got 5000",
        ),
    ],
)
def test_an_integer_out_of_its_range_is_refused(project: Project, row: str, problem: str) -> None:
    project.write("a.yaml", f"jobs:\n  a:\n    {row}\n")
    assert project.problems() == [f"resources/a.yaml:{problem}"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "restart_window: {start_hour: 24}",
            "4:22: pipelines.p.restart_window.start_hour: must be between 0 and 23; got 24",
        ),
        (
            "clusters: [{autoscale: {min_workers: 3, max_workers: 3}}]",
            "4:17: pipelines.p.clusters[0].autoscale: max_workers (3) must be greater than "
            "min_workers (3), as the Clusters and Pipelines APIs require",
        ),
        (
            "clusters: [{num_workers: -3}]",
            "4:17: pipelines.p.clusters[0].num_workers: must be between 0 and 2147483647; got -3",
        ),
    ],
)
def test_a_pipeline_integer_out_of_its_range_is_refused(
    project: Project, row: str, problem: str
) -> None:
    project.write("a.yaml", f"pipelines:\n  p:\n    serverless: true\n    {row}\n")
    assert project.problems() == [f"resources/a.yaml:{problem}"]


def test_a_monitor_reset_below_zero_is_refused(project: Project) -> None:
    project.write(
        "a.yaml",
        "quality_monitors:\n  m:\n    table_name: c.s.t\n    assets_dir: /m\n"
        "    output_schema_name: c.m\n    snapshot: {}\n    reset: -1\n",
    )
    assert project.problems() == [
        "resources/a.yaml:7:5: quality_monitors.m.reset: must be between 0 and 2147483647; got -1"
    ]


def test_values_at_the_ends_of_their_ranges_validate(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          a:
            max_concurrent_runs: 1000
            timeout_seconds: {INT32_MAX}
            health:
              rules: [{{metric: STREAMING_BACKLOG_BYTES, op: GREATER_THAN, value: {INT64_MAX}}}]
            trigger:
              table_update:
                table_names: [c.s.t]
                min_time_between_triggers_seconds: 60
                wait_after_last_change_seconds: {INT32_MAX}
            tasks:
              - task_key: t
                max_retries: -1
                min_retry_interval_millis: 0
                timeout_seconds: 0
                {NOTEBOOK}
                new_cluster: {{num_workers: 0, autoscale: {{min_workers: 0, max_workers: 1}}}}
              - task_key: u
                depends_on: [t]
                run_job_task: {{job_id: {INT64_MAX}}}
              - task_key: v
                depends_on: [t]
                for_each_task:
                  inputs: "[1, 2]"
                  concurrency: 1
                  task: {{task_key: w, {NOTEBOOK}}}
        pipelines:
          p:
            restart_window: {{start_hour: 23}}
            clusters: [{{num_workers: {INT32_MAX}}}]
        """,
    )
    rows = project.load()
    job = rows.jobs["a"]
    assert (job.max_concurrent_runs, job.timeout_seconds) == (1000, INT32_MAX)
    assert job.health is not None and job.health.rules[0].value == INT64_MAX
    assert [t.max_retries for t in job.tasks] == [-1, None, None]
    run_job = job.tasks[1].run_job_task
    assert run_job is not None and run_job.job_id == INT64_MAX
    window = rows.pipelines["p"].restart_window
    assert window is not None and window.start_hour == 23
