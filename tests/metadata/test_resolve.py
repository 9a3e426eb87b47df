"""Rows come back resolved for the stack: overrides, variables, disabled, execution_order."""

from __future__ import annotations

import json

from metadata.models import TaskDependency
from metadata.settings import StackSettings
from tests.metadata.conftest import Project

NB = "notebook_task: {notebook_path: src/nb.py}"

DAILY = f"""
jobs:
  daily:
    schedule: {{quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}}
    timeout_seconds: 10800
    email_notifications: {{on_failure: ["${{var.notification_email}}"]}}
    tasks:
      - task_key: a
        max_retries: 1
        {NB}
      - task_key: b
        depends_on: [a]
        {NB}
    stack_overrides:
      dev:
        email_notifications: null
      staging:
        schedule: {{quartz_cron_expression: "0 0 7 * * ?"}}
        tasks:
          - task_key: a
            max_retries: 3
          - task_key: c
            depends_on: [b]
            {NB}
      prod:
        timeout_seconds: 14400
"""


def test_stack_overrides_deep_merge(project: Project) -> None:
    project.write("a.yaml", DAILY)
    dev = project.load("dev").jobs["daily"]
    staging = project.load("staging").jobs["daily"]
    prod = project.load("prod").jobs["daily"]
    assert dev.email_notifications is None  # null removes the field
    assert prod.email_notifications is not None
    assert prod.email_notifications.on_failure == ["team@example.com"]
    assert staging.schedule is not None
    assert (staging.schedule.quartz_cron_expression, staging.schedule.timezone_id) == (
        "0 0 7 * * ?",
        "UTC",
    )
    assert (dev.timeout_seconds, prod.timeout_seconds) == (10800, 14400)
    # tasks merge by task_key: a is changed, c is added, b is untouched
    assert [(t.task_key, t.max_retries) for t in staging.tasks] == [
        ("a", 3),
        ("b", None),
        ("c", None),
    ]
    assert [t.task_key for t in dev.tasks] == ["a", "b"]
    # the overrides themselves are gone from the resolved row
    assert staging.stack_overrides is None


def test_without_a_stack_no_override_applies(project: Project) -> None:
    project.write("a.yaml", DAILY)
    job = project.load(stack=None).jobs["daily"]
    assert job.timeout_seconds == 10800 and job.email_notifications is not None


def test_variables_are_substituted_in_every_string(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        pipelines:
          p:
            catalog: "${var.catalog}"
            configuration: {volume: "/Volumes/${var.catalog}/raw/${var.catalog}"}
            serverless: true
        """,
    )
    p = project.load(settings=StackSettings(variables={"catalog": "olist"})).pipelines["p"]
    assert p.catalog == "olist"
    assert p.configuration == {"volume": "/Volumes/olist/raw/olist"}


def test_without_settings_stack_dependent_checks_are_skipped(project: Project) -> None:
    project.write("a.yaml", 'pipelines:\n  p: {catalog: "${var.catalog}", serverless: true}\n')
    project.write("b.yaml", "jobs:\n  j:\n    tasks: [{task_key: q, sql_task: {query_text: x}}]\n")
    rows = project.load(settings=None)
    assert rows.pipelines["p"].catalog == "${var.catalog}"  # left as written
    assert list(rows.jobs) == ["j"]  # the default warehouse is unknown, so not required


def test_disabled_rows_are_dropped_and_disabled_tasks_kept(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          on:
            tasks:
              - {{task_key: a, {NB}}}
              - {{task_key: b, disabled: true, {NB}}}
              - {{task_key: c, depends_on: [a], {NB}}}
          off_job:
            disabled: true
            tasks: [{{task_key: a, bogus_field: 1}}]
        pipelines:
          p: {{serverless: true, stack_overrides: {{prod: {{disabled: true}}}}}}
        """,
    )
    rows = project.load("dev")
    assert list(rows.jobs) == ["on"]  # `on:` stays a string key, not YAML 1.1's True
    # a task's `disabled` is the Jobs API's: the task stays and is skipped at run time
    assert [(t.task_key, t.disabled) for t in rows.jobs["on"].tasks] == [
        ("a", None),
        ("b", True),
        ("c", None),
    ]
    assert list(rows.pipelines) == ["p"]
    assert project.load("prod").pipelines == {}


def test_execution_order_becomes_depends_on(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          staged:
            tasks:
              - {{task_key: load_b, execution_order: 1, {NB}}}
              - {{task_key: load_a, execution_order: 1, {NB}}}
              - {{task_key: merge, execution_order: 5, {NB}}}
              - {{task_key: report, execution_order: 9, {NB}}}
              - {{task_key: audit, execution_order: 9, {NB}}}
        """,
    )
    tasks = project.load().jobs["staged"].tasks
    deps = {t.task_key: [d.task_key for d in t.depends_on or []] for t in tasks}
    assert deps == {
        "load_b": [],
        "load_a": [],
        "merge": ["load_a", "load_b"],
        "report": ["merge"],
        "audit": ["merge"],
    }
    assert all(t.execution_order is None for t in tasks)


def test_depends_on_accepts_keys_and_api_objects(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          j:
            tasks:
              - task_key: check
                condition_task: {{op: EQUAL_TO, left: "1", right: "1"}}
              - task_key: a
                depends_on: [{{task_key: check, outcome: "true"}}]
                {NB}
              - task_key: b
                depends_on: [a]
                {NB}
        """,
    )
    tasks = project.load().jobs["j"].tasks
    assert tasks[1].depends_on == [TaskDependency(task_key="check", outcome="true")]
    assert tasks[2].depends_on == [TaskDependency(task_key="a")]


def test_monitor_metric_types_and_output_types_are_normalised(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        quality_monitors:
          m:
            table_name: c.s.t
            assets_dir: /x
            output_schema_name: c.s
            snapshot: {}
            custom_metrics:
              - {type: AGGREGATE, name: n, input_columns: [":table"], definition: "COUNT(*)",
                 output_data_type: bigint}
              - {type: CUSTOM_METRIC_TYPE_DERIVED, name: d, input_columns: [":table"],
                 definition: "n * 2", output_data_type: "decimal(10, 2)"}
        """,
    )
    metrics = project.load().quality_monitors["m"].custom_metrics or []
    assert [m.type for m in metrics] == [
        "CUSTOM_METRIC_TYPE_AGGREGATE",
        "CUSTOM_METRIC_TYPE_DERIVED",
    ]
    assert json.loads(metrics[0].output_data_type) == {
        "metadata": {},
        "name": "output",
        "nullable": True,
        "type": "long",
    }
    assert json.loads(metrics[1].output_data_type)["type"] == "decimal(10,2)"


def test_model_dump_is_api_shaped(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        pipelines:
          p:
            schema: olist
            serverless: true
            previous_keys: [old_p]
        """,
    )
    p = project.load().pipelines["p"]
    assert p.model_dump(exclude_none=True) == {
        "schema": "olist",
        "serverless": True,
        "previous_keys": ["old_p"],
    }


def test_yaml_anchors_and_merge_keys(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          a:
            tasks:
              - &base {{task_key: x, max_retries: 2, {NB}}}
              - <<: *base
                task_key: y
        """,
    )
    tasks = project.load().jobs["a"].tasks
    assert [(t.task_key, t.max_retries) for t in tasks] == [("x", 2), ("y", 2)]


def test_rows_count_every_kind(project: Project) -> None:
    project.write("a.yaml", "pipelines:\n  p: {serverless: true}\n  q: {serverless: true}\n")
    project.write("b.yml", f"jobs:\n  j:\n    tasks: [{{task_key: a, {NB}}}]\n")
    rows = project.load()
    assert (len(rows.jobs), len(rows.pipelines), rows.total) == (1, 2, 3)


def test_a_dependency_on_a_disabled_task_is_kept(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          j:
            tasks:
              - {{task_key: x, disabled: true, {NB}}}
              - {{task_key: y, depends_on: [x], {NB}}}
        """,
    )
    tasks = project.load("dev").jobs["j"].tasks
    assert [(t.task_key, t.disabled, [d.task_key for d in t.depends_on or []]) for t in tasks] == [
        ("x", True, []),
        ("y", None, ["x"]),
    ]


SERVERLESS = f"""
jobs:
  j:
    environments:
      - environment_key: default
        spec: {{client: "2", dependencies: [requests]}}
    tasks: [{{task_key: x, environment_key: default, {NB}}}]
    stack_overrides:
      prod:
        timeout_seconds: 600
        environments:
          - environment_key: default
            spec: {{client: "3"}}
"""


def test_serverless_environments_and_stack_overrides_together(project: Project) -> None:
    project.write("a.yaml", SERVERLESS)
    dev, prod = project.load("dev").jobs["j"], project.load("prod").jobs["j"]
    assert dev.environments is not None and prod.environments is not None
    dev_spec, prod_spec = dev.environments[0].spec, prod.environments[0].spec
    assert dev_spec is not None and prod_spec is not None
    assert (dev.timeout_seconds, dev_spec.client) == (None, "2")
    assert (prod.timeout_seconds, prod_spec.client) == (600, "3")
    assert project.load("dev").warnings == []


def test_old_overrides_spelling_is_read_with_a_warning(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          j:
            tasks: [{{task_key: x, {NB}}}]
            environments:
              prod: {{timeout_seconds: 600}}
        pipelines:
          p:
            serverless: true
            environments: {{prod: {{photon: true}}}}
        """,
    )
    rows = project.load("prod")
    assert (rows.jobs["j"].timeout_seconds, rows.pipelines["p"].photon) == (600, True)
    assert [str(w) for w in rows.warnings] == [
        "resources/a.yaml:4:5: jobs.j.environments: per-stack overrides are now spelt "
        "stack_overrides: write 'stack_overrides:' instead of 'environments:'; a job's "
        "environments is the Jobs API's list of serverless environments",
        "resources/a.yaml:9:5: pipelines.p.environments: per-stack overrides are now spelt "
        "stack_overrides: write 'stack_overrides:' instead of 'environments:'",
    ]
