"""One test per rejection path: each names the file, line, column and field path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from metadata import MetadataError
from metadata.settings import StackSettings
from tests.metadata.conftest import Project

OneProblem = Callable[[str], str]

NOTEBOOK = "notebook_task: {notebook_path: src/nb.py}"
WORKSPACE_NOTEBOOK = "notebook_task: {notebook_path: src/nb.py, source: WORKSPACE}"
"""A repository notebook in a job with git_source (whose tasks otherwise read from Git)."""


def test_style_guide_example_verbatim(project: Project) -> None:
    project.write(
        "olist.yaml",
        """
        jobs:
          olist_daily:
            tasks:
            - task_key: generate_data
              notebook_task:
                notebook_path: src/nb.py
            - task_key: run_main_pipeline
              depends_on: [generate_data]
              pipeline_task:
                pipeline: olist_main_pipeline
            - task_key: run_cdc_pipeline
              pipeline_task:
                pipeline: olist_main_pipeline
              depends_on: [generate]
        pipelines:
          olist_main_pipeline: {serverless: true}
        """,
    )
    assert project.problems() == [
        "resources/olist.yaml:14:7: jobs.olist_daily.tasks[2].depends_on: unknown task "
        "'generate'; known: generate_data, run_main_pipeline"
    ]


def test_yaml_syntax_error(one_problem: OneProblem) -> None:
    problem = one_problem(
        """
        jobs:
          a:
            tasks: [
              {task_key: x
        """
    )
    assert problem.startswith("resources/a.yaml:5:1: YAML syntax error:")


def test_duplicate_key_in_one_mapping(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            f"""
        jobs:
          a:
            tasks: [{{task_key: x, {NOTEBOOK}}}]
            timeout_seconds: 1
            timeout_seconds: 2
        """
        )
        == "resources/a.yaml:5:5: jobs.a.timeout_seconds: duplicate key 'timeout_seconds' "
        "(first at line 4)"
    )


def test_unknown_field_suggests_the_right_name(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
                notebok_task: {notebook_path: src/nb.py}
        """
    ) == (
        "resources/a.yaml:5:9: jobs.a.tasks[0].notebok_task: unknown field 'notebok_task'; "
        "did you mean 'notebook_task'?"
    )


def test_unknown_field_far_from_every_name_does_not_list_them_all(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            zzz: 1
        """
    ) == (
        "resources/a.yaml:4:5: pipelines.p.zzz: unknown field 'zzz'; none of the 28 allowed "
        "names is close (lakeform schema lists them)"
    )


def test_unknown_field_lists_the_closest_few_allowed_names(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            lib: x
        """
    ) == (
        "resources/a.yaml:4:5: pipelines.p.lib: unknown field 'lib'; "
        "closest allowed: libraries, disabled (and 26 more)"
    )


def test_wrong_type(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            f"""
        jobs:
          a:
            max_concurrent_runs: "1"
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
        )
        == "resources/a.yaml:3:5: jobs.a.max_concurrent_runs: expected an integer, got string '1'"
    )


def test_wrong_literal(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks: [{{task_key: x, run_if: SOMETIMES, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:27: jobs.a.tasks[0].run_if: must be one of 'ALL_SUCCESS', "
        "'AT_LEAST_ONE_SUCCESS', 'NONE_FAILED', 'ALL_DONE', 'AT_LEAST_ONE_FAILED' or "
        "'ALL_FAILED'; got string 'SOMETIMES'"
    )


def test_missing_required_field(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            """
        jobs:
          a:
            tasks:
              - notebook_task: {notebook_path: src/nb.py}
        """
        )
        == "resources/a.yaml:4:9: jobs.a.tasks[0].task_key: required field missing"
    )


def test_task_without_a_type(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
        """
    ) == (
        "resources/a.yaml:4:9: jobs.a.tasks[0]: a task needs exactly one task type; found none; "
        "allowed: notebook_task, sql_task, pipeline_task, python_wheel_task, spark_python_task, "
        "spark_jar_task, run_job_task, dbt_task, condition_task, for_each_task, "
        "dashboard_task, spark_submit_task, clean_rooms_notebook_task, dbt_cloud_task, "
        "dbt_platform_task, power_bi_task, alert_task"
    )


def test_task_with_two_types(one_problem: OneProblem) -> None:
    problem = one_problem(
        f"""
        jobs:
          a:
            tasks:
              - task_key: x
                {NOTEBOOK}
                spark_python_task: {{python_file: src/other.py}}
        """
    )
    assert problem.startswith(
        "resources/a.yaml:4:9: jobs.a.tasks[0]: a task needs exactly one task type; "
        "found notebook_task, spark_python_task;"
    )


def test_duplicate_task_keys(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks:
              - {{task_key: x, {NOTEBOOK}}}
              - {{task_key: x, {NOTEBOOK}}}
        """
    ) == (
        "resources/a.yaml:5:10: jobs.a.tasks[1].task_key: duplicate task key 'x' in job 'a' "
        "(also tasks[0])"
    )


def test_dependency_cycle_is_printed(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            f"""
        jobs:
          a:
            tasks:
              - {{task_key: x, depends_on: [z], {NOTEBOOK}}}
              - {{task_key: y, depends_on: [x], {NOTEBOOK}}}
              - {{task_key: z, depends_on: [y], {NOTEBOOK}}}
        """
        )
        == "resources/a.yaml:4:36: jobs.a.tasks[0].depends_on[0]: "
        "dependency cycle: x -> y -> z -> x"
    )


def test_self_dependency_is_a_cycle(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            f"""
        jobs:
          a:
            tasks:
              - {{task_key: x, depends_on: [x], {NOTEBOOK}}}
        """
        )
        == "resources/a.yaml:4:36: jobs.a.tasks[0].depends_on[0]: dependency cycle: x -> x"
    )


def test_both_override_spellings(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            environments: {prod: {photon: true}}
            stack_overrides: {prod: {photon: false}}
        """
    ) == (
        "resources/a.yaml:4:5: pipelines.p.environments: per-stack overrides are in "
        "stack_overrides; move these into it (environments is their old spelling)"
    )


def test_stack_overrides_not_a_mapping(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p: {serverless: true, stack_overrides: [prod]}
        """
    ) == ("resources/a.yaml:2:25: pipelines.p.stack_overrides: expected a mapping, got list")


def test_nested_stack_overrides(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            stack_overrides: {prod: {stack_overrides: {dev: {}}}}
        """
    ) == (
        "resources/a.yaml:4:30: pipelines.p.stack_overrides.prod.stack_overrides: "
        "overrides cannot be nested"
    )


def test_mixing_execution_order_and_depends_on(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          mixed:
            tasks:
              - {{task_key: x, execution_order: 1, {NOTEBOOK}}}
              - {{task_key: y, depends_on: [x], {NOTEBOOK}}}
        """
    ) == (
        "resources/a.yaml:5:23: jobs.mixed.tasks[1].depends_on: job 'mixed' mixes "
        "execution_order (tasks[0]) and depends_on (tasks[1]); use one style per job"
    )


def test_execution_order_missing_on_one_task(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks:
              - {{task_key: x, execution_order: 1, {NOTEBOOK}}}
              - {{task_key: y, {NOTEBOOK}}}
        """
    ) == (
        "resources/a.yaml:5:9: jobs.a.tasks[1]: execution_order missing; job 'a' uses "
        "execution_order, so every task needs one"
    )


def test_unknown_pipeline_reference(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
                pipeline_task: {pipeline: olist_main}
        pipelines:
          olist_main_pipeline: {serverless: true}
        """
    ) == (
        "resources/a.yaml:5:25: jobs.a.tasks[0].pipeline_task.pipeline: unknown pipeline "
        "'olist_main' (did you mean 'olist_main_pipeline'?); known pipelines: olist_main_pipeline"
    )


def test_disabled_pipeline_reference(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
                pipeline_task: {pipeline: p}
        pipelines:
          p: {serverless: true, disabled: true}
        """
    ) == (
        "resources/a.yaml:5:25: jobs.a.tasks[0].pipeline_task.pipeline: pipeline 'p' is "
        "disabled; enable it or remove this task"
    )


def test_unknown_and_disabled_job_references(project: Project) -> None:
    project.write(
        "a.yaml",
        f"""
        jobs:
          a:
            tasks:
              - {{task_key: x, run_job_task: {{job: nope}}}}
              - {{task_key: y, run_job_task: {{job: retired}}}}
          retired:
            disabled: true
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:4:38: jobs.a.tasks[0].run_job_task.job: unknown job 'nope'; "
        "known jobs: a",
        "resources/a.yaml:5:38: jobs.a.tasks[1].run_job_task.job: job 'retired' is disabled; "
        "enable it or remove this task",
    ]


def test_pipeline_task_needs_a_target(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks: [{task_key: x, pipeline_task: {full_refresh: true}}]
        """
    ) == (
        "resources/a.yaml:3:27: jobs.a.tasks[0].pipeline_task: pipeline_task needs exactly one "
        "of pipeline (a row key), pipeline_id"
    )


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        (
            "0 0 6 * * *",
            "exactly one of day-of-month ('*') and day-of-week ('*') must be '?' in "
            "'0 0 6 * * *', e.g. '0 0 6 * * ?'",
        ),
        (
            "0 6 * * *",
            "Quartz cron needs 6 or 7 fields (seconds minutes hours day-of-month month "
            "day-of-week [year]); got 5 in '0 6 * * *'; Quartz adds a seconds field first, "
            "e.g. '0 0 6 * * ?'",
        ),
        ("0 0 24 * * ?", "hours field '24': 24 is outside 0-23 in '0 0 24 * * ?'"),
    ],
)
def test_invalid_quartz_cron(one_problem: OneProblem, cron: str, message: str) -> None:
    assert (
        one_problem(
            f"""
        jobs:
          a:
            schedule:
              quartz_cron_expression: "{cron}"
              timezone_id: UTC
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
        )
        == f"resources/a.yaml:4:7: jobs.a.schedule.quartz_cron_expression: {message}"
    )


def test_unknown_timezone(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            schedule: {{quartz_cron_expression: "0 0 6 * * ?", timezone_id: Europe/Amsterdm}}
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:55: jobs.a.schedule.timezone_id: unknown timezone id "
        "'Europe/Amsterdm'; did you mean 'Europe/Amsterdam'?"
    )


def test_monitor_schedule_is_checked_too(one_problem: OneProblem) -> None:
    problem = one_problem(
        """
        quality_monitors:
          m:
            table_name: c.s.t
            assets_dir: /x
            output_schema_name: c.s
            snapshot: {}
            schedule: {quartz_cron_expression: "0 0 8 * * ?", timezone_id: Mars/Olympus}
        """
    )
    assert problem.startswith(
        "resources/a.yaml:7:55: quality_monitors.m.schedule.timezone_id: unknown timezone id "
        "'Mars/Olympus'"
    )


SQL_JOB = """
jobs:
  a:
    tasks:
      - task_key: q
        sql_task: {query_text: SELECT 1}
"""


def test_sql_task_without_a_warehouse(one_problem: OneProblem) -> None:
    assert one_problem(SQL_JOB) == (
        "resources/a.yaml:5:9: jobs.a.tasks[0].sql_task.warehouse_id: a SQL task needs a "
        "warehouse: set sql_task.warehouse_id (e.g. '${var.warehouse_id}') or the stack's "
        "lakeform:settings.default_warehouse_id"
    )


def test_sql_task_uses_the_stack_default_warehouse(project: Project) -> None:
    project.write("a.yaml", SQL_JOB)
    rows = project.load(settings=StackSettings(default_warehouse_id="wh1"))
    sql = rows.jobs["a"].tasks[0].sql_task
    assert sql is not None and sql.query_text == "SELECT 1"
    # the default is applied by the components, not written into the row
    assert sql.warehouse_id is None


def test_sql_task_needs_exactly_one_kind(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: q
                sql_task: {warehouse_id: w, query_text: SELECT 1, file: {path: src/query.sql}}
        """
    ) == (
        "resources/a.yaml:5:9: jobs.a.tasks[0].sql_task: sql_task needs exactly one of "
        "query_text, file, query, dashboard, alert; found query_text, file"
    )


MONITOR = """
quality_monitors:
  m:
    table_name: c.s.t
    assets_dir: /x
    output_schema_name: c.s
"""


def test_monitor_without_a_profile(one_problem: OneProblem) -> None:
    assert one_problem(MONITOR) == (
        "resources/a.yaml:2:3: quality_monitors.m: a monitor needs exactly one of snapshot, "
        "time_series, inference_log; found none"
    )


def test_monitor_with_two_profiles(one_problem: OneProblem) -> None:
    assert one_problem(
        MONITOR + "    snapshot: {}\n    time_series: {timestamp_col: ts, granularities: [1 day]}\n"
    ) == (
        "resources/a.yaml:2:3: quality_monitors.m: a monitor needs exactly one of snapshot, "
        "time_series, inference_log; found snapshot, time_series"
    )


def _metric(kind: str, name: str, definition: str) -> str:
    return (
        f"      - {{type: {kind}, name: {name}, input_columns: [':table'], "
        f'definition: "{definition}", output_data_type: double}}\n'
    )


def _metrics(*metrics: str) -> str:
    return MONITOR + "    snapshot: {}\n    custom_metrics:\n" + "".join(metrics)


AGG_BOOKINGS = _metric("AGGREGATE", "total_bookings", "COUNT(*)")
AGG_CANCELLATIONS = _metric("AGGREGATE", "total_cancellations", "SUM(cancelled)")
DEFINITION = "resources/a.yaml:{line}:{col}: quality_monitors.m.custom_metrics[{i}].definition: "


def test_derived_metric_refers_to_a_misspelt_metric(one_problem: OneProblem) -> None:
    text = _metrics(
        AGG_BOOKINGS,
        AGG_CANCELLATIONS,
        _metric("DERIVED", "cancellation_rate", "total_cancelations / NULLIF(total_bookings, 0)"),
    )
    assert one_problem(text) == DEFINITION.format(line=10, col=77, i=2) + (
        "derived metric 'cancellation_rate' refers to undefined metric 'total_cancelations' "
        "(did you mean 'total_cancellations'?); defined: total_bookings, total_cancellations "
        "(or a built-in profile metric such as count, avg)"
    )


def test_derived_metric_in_braces_says_to_write_the_bare_name(one_problem: OneProblem) -> None:
    text = _metrics(AGG_BOOKINGS, _metric("DERIVED", "bookings_pct", "{{total_bookings}} * 100"))
    assert one_problem(text) == DEFINITION.format(line=9, col=72, i=1) + (
        "derived metric 'bookings_pct' refers to metrics by bare name: "
        "write total_bookings, not {{total_bookings}}"
    )


def test_derived_metric_with_an_undefined_template_variable(one_problem: OneProblem) -> None:
    text = _metrics(AGG_BOOKINGS, _metric("DERIVED", "bookings_pct", "{{total_bokings}} * 100"))
    assert one_problem(text) == DEFINITION.format(line=9, col=72, i=1) + (
        "derived metric 'bookings_pct' uses undefined template variable {{total_bokings}} "
        "(did you mean 'total_bookings'?); allowed in derived metrics: none; "
        "refer to metrics by bare name"
    )


def test_derived_metric_with_a_window(project: Project) -> None:
    project.write(
        "a.yaml", _metrics(AGG_BOOKINGS, _metric("DERIVED", "d", "{{current_df}}.total_bookings"))
    )
    assert project.problems() == [
        DEFINITION.format(line=9, col=61, i=1)
        + "derived metric 'd' uses undefined template variable {{current_df}}; allowed in "
        "derived metrics: none; refer to metrics by bare name",
        DEFINITION.format(line=9, col=61, i=1)
        + "derived metric 'd' refers to {{current_df}}.total_bookings: windows are for drift "
        "metrics; write total_bookings",
    ]


def test_derived_metric_qualified_name(one_problem: OneProblem) -> None:
    text = _metrics(AGG_BOOKINGS, _metric("DERIVED", "d", "t.total_bookings + 1"))
    assert one_problem(text) == DEFINITION.format(line=9, col=61, i=1) + (
        "derived metric 'd' refers to 't.total_bookings'; metrics are named bare, "
        "or as {{current_df}}.name / {{base_df}}.name in a drift metric"
    )


def test_derived_metric_may_not_use_a_drift_metric(one_problem: OneProblem) -> None:
    text = _metrics(
        AGG_BOOKINGS,
        _metric(
            "DRIFT", "bookings_delta", "{{current_df}}.total_bookings - {{base_df}}.total_bookings"
        ),
        _metric("DERIVED", "d", "bookings_delta * 2"),
    )
    assert one_problem(text) == DEFINITION.format(line=10, col=61, i=2) + (
        "derived metric 'd' refers to undefined metric 'bookings_delta'; defined: "
        "total_bookings (or a built-in profile metric such as count, avg)"
    )


def test_metric_definition_that_is_not_sql(one_problem: OneProblem) -> None:
    text = _metrics(AGG_BOOKINGS, _metric("DERIVED", "d", "total_bookings +* 2"))
    assert one_problem(text).startswith(
        DEFINITION.format(line=9, col=61, i=1) + "derived metric 'd' is not a SQL expression: "
    )


def test_drift_metric_refers_to_an_undefined_metric(one_problem: OneProblem) -> None:
    text = _metrics(
        _metric("AGGREGATE", "avg_price", "AVG(price)"),
        _metric("DRIFT", "price_drift", "{{current_df}}.avg_prices - {{base_df}}.avg_price"),
    )
    assert one_problem(text) == DEFINITION.format(line=9, col=69, i=1) + (
        "drift metric 'price_drift' refers to undefined metric 'avg_prices' (did you mean "
        "'avg_price'?); defined: avg_price (or a built-in profile metric such as count, avg)"
    )


NO_WINDOWS = (
    "drift metric 'price_drift' must compare two windows: refer to metrics as "
    "{{current_df}}.name and {{base_df}}.name, e.g. "
    "{{current_df}}.total_revenue - {{base_df}}.total_revenue"
)


def test_drift_metric_without_windows(project: Project) -> None:
    project.write(
        "a.yaml",
        _metrics(
            _metric("AGGREGATE", "avg_price", "AVG(price)"),
            _metric("DRIFT", "price_drift", "avg_price - 1"),
        ),
    )
    assert project.problems() == [
        DEFINITION.format(line=9, col=69, i=1) + NO_WINDOWS,
        DEFINITION.format(line=9, col=69, i=1)
        + "drift metric 'price_drift' refers to 'avg_price' without a window: write "
        "{{current_df}}.avg_price or {{base_df}}.avg_price",
    ]


def test_drift_metric_in_braces_says_to_name_the_window(project: Project) -> None:
    project.write(
        "a.yaml",
        _metrics(
            _metric("AGGREGATE", "avg_price", "AVG(price)"),
            _metric("DRIFT", "price_drift", "{{current_df}}.avg_price - {{avg_price}}"),
        ),
    )
    assert project.problems() == [
        DEFINITION.format(line=9, col=69, i=1)
        + "drift metric 'price_drift' refers to metrics of a window: write "
        "{{current_df}}.avg_price or {{base_df}}.avg_price, not {{avg_price}}",
        DEFINITION.format(line=9, col=69, i=1) + NO_WINDOWS,
    ]


def test_aggregate_metric_template_variable_of_another_profile(one_problem: OneProblem) -> None:
    text = _metrics(_metric("AGGREGATE", "hits", "SUM({{prediction_col}} = 1)"))
    assert one_problem(text) == DEFINITION.format(line=8, col=66, i=0) + (
        "aggregate metric 'hits' uses undefined template variable {{prediction_col}}; "
        "allowed in aggregate metrics: {{input_column}}"
    )


def test_aggregate_metric_with_a_nested_aggregate(one_problem: OneProblem) -> None:
    nested = "SUM(CASE WHEN {{input_column}} >= PERCENTILE({{input_column}}, 0.9) THEN 1 END)"
    text = _metrics(_metric("AGGREGATE", "top_decile", nested))
    assert one_problem(text) == DEFINITION.format(line=8, col=72, i=0) + (
        "aggregate metric 'top_decile' uses an aggregate function inside another (PERCENTILE "
        "inside SUM), which Spark refuses: compute the inner one as its own aggregate metric "
        "and combine them in a derived metric"
    )


def test_metric_definitions_the_service_accepts(project: Project) -> None:
    project.write(
        "a.yaml",
        _metrics(
            _metric("AGGREGATE", "sq_avg", "AVG({{input_column}} * {{input_column}})"),
            _metric(
                "AGGREGATE", "high", "SUM(CASE WHEN {{input_column}} > 5 THEN 1 END) / COUNT(*)"
            ),
            _metric("DERIVED", "root", "sqrt(sq_avg) + count - CAST(avg AS DOUBLE)"),
            _metric("DERIVED", "rooted", "CASE WHEN root > 0 THEN root ELSE NULL END"),
            _metric("DRIFT", "root_delta", "{{current_df}}.root - {{base_df}}.root"),
        ),
    )
    metrics = project.load().quality_monitors["m"].custom_metrics
    assert metrics is not None and [m.name for m in metrics] == [
        "sq_avg",
        "high",
        "root",
        "rooted",
        "root_delta",
    ]


def test_unknown_output_data_type(one_problem: OneProblem) -> None:
    text = MONITOR + "    snapshot: {}\n    custom_metrics:\n" + _metric("AGGREGATE", "n", "1")
    text = text.replace("output_data_type: double", "output_data_type: number")
    problem = one_problem(text)
    assert problem.startswith(
        "resources/a.yaml:8:80: quality_monitors.m.custom_metrics[0].output_data_type: unknown "
        "output_data_type 'number'; use a Spark StructField JSON or one of:"
    )


def test_unknown_variable(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            catalog: "${var.catalgo}"
            serverless: true
        """
    ) == (
        "resources/a.yaml:3:5: pipelines.p.catalog: unknown variable '${var.catalgo}' (did you "
        "mean 'catalog'?); known: catalog, notification_email (define it in the stack's "
        "lakeform:settings.variables)"
    )


def test_more_than_1000_tasks(project: Project) -> None:
    tasks = "\n".join(
        f"      - {{task_key: t{i}, notebook_task: {{notebook_path: src/nb.py}}}}"
        for i in range(1001)
    )
    project.write("a.yaml", f"jobs:\n  big:\n    tasks:\n{tasks}\n")
    assert project.problems() == [
        "resources/a.yaml:3:5: jobs.big.tasks: job 'big' has 1001 tasks; the Jobs API allows at "
        "most 1000 (split it and chain the parts with run_job_task)"
    ]


def test_duplicate_row_keys_across_files_name_both(project: Project) -> None:
    project.write("a.yaml", "pipelines:\n  p: {serverless: true}\n")
    project.write("sub/b.yaml", "# b\npipelines:\n  p: {serverless: true}\n")
    assert project.problems() == [
        "resources/sub/b.yaml:3:3: pipelines.p: duplicate key 'p': also defined at "
        "resources/a.yaml:2:3; row keys are unique per kind across all files"
    ]


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (
            "jobs.a.tasks[0].notebook_task.notebook_path",
            "jobs:\n  a:\n    tasks:\n      - task_key: x\n"
            "        notebook_task: {notebook_path: src/missing.py}\n",
        ),
        (
            "jobs.a.tasks[0].sql_task.file.path",
            "jobs:\n  a:\n    tasks:\n      - task_key: x\n"
            "        sql_task: {warehouse_id: w, file: {path: src/missing.py}}\n",
        ),
        (
            "pipelines.p.libraries[0].file.path",
            "pipelines:\n  p:\n    serverless: true\n    libraries:\n"
            "      - file: {path: src/missing.py}\n",
        ),
    ],
)
def test_repository_path_that_does_not_exist(
    one_problem: OneProblem, field: str, text: str
) -> None:
    problem = one_problem(text)
    assert problem.startswith("resources/a.yaml:5:")
    assert f": {field}: file not found: 'src/missing.py'" in problem


def test_paths_read_from_the_jobs_git_source_are_not_checked_here(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            git_source: {git_url: "https://github.com/acme/etl", git_provider: gitHub}
            tasks:
              - {task_key: x, notebook_task: {notebook_path: etl/ingest}}
              - {task_key: y, notebook_task: {notebook_path: src/missing.py, source: WORKSPACE}}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:6:39: jobs.a.tasks[1].notebook_task.notebook_path: file not found: "
        "'src/missing.py' (repository-relative paths are relative to the project root; absolute "
        "workspace paths start with '/')"
    ]


def test_glob_that_matches_nothing(one_problem: OneProblem) -> None:
    assert one_problem(
        "pipelines:\n  p:\n    serverless: true\n    libraries:\n"
        "      - glob: {include: src/nothing/**}\n"
    ) == (
        "resources/a.yaml:5:16: pipelines.p.libraries[0].glob.include: no file matches "
        "'src/nothing/**' under the project root"
    )


def test_path_leaving_the_repository(one_problem: OneProblem) -> None:
    assert one_problem(
        "jobs:\n  a:\n    tasks:\n      - task_key: x\n"
        "        notebook_task: {notebook_path: ../outside.py}\n"
    ) == (
        "resources/a.yaml:5:25: jobs.a.tasks[0].notebook_task.notebook_path: '../outside.py' "
        "leaves the repository; paths are repository-relative (to the project root, not to this "
        "file): write it from the root, e.g. 'src/...'"
    )


def test_unknown_job_cluster_key(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks: [{{task_key: x, job_cluster_key: big, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:27: jobs.a.tasks[0].job_cluster_key: unknown job cluster 'big'; "
        "job_clusters define: none"
    )


def test_unknown_stack_in_overrides(one_problem: OneProblem) -> None:
    assert (
        one_problem(
            """
        pipelines:
          p:
            serverless: true
            stack_overrides:
              prd: {serverless: false}
        """
        )
        == "resources/a.yaml:5:7: pipelines.p.stack_overrides.prd: unknown stack 'prd'; "
        "did you mean 'prod'?"
    )


def test_override_with_a_bad_field_is_reported_at_the_override(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        pipelines:
          p:
            serverless: true
            stack_overrides:
              prod: {continuous: "yes"}
        """,
    )
    assert project.load("dev").pipelines["p"].continuous is None
    assert project.problems("prod") == [
        "resources/a.yaml:5:14: pipelines.p.continuous: expected true or false, got string 'yes'"
    ]


def test_invalid_row_key(one_problem: OneProblem) -> None:
    assert one_problem("pipelines:\n  my pipeline: {serverless: true}\n") == (
        "resources/a.yaml:2:3: pipelines.my pipeline: row keys may hold letters, digits, '_' "
        "and '-' only (they name the deployed resource)"
    )


def test_unknown_top_level_key(one_problem: OneProblem) -> None:
    assert one_problem("job:\n  a: {}\n") == (
        "resources/a.yaml:1:1: job: unknown top-level key; did you mean 'jobs'?"
    )


def test_top_level_that_is_not_a_mapping(one_problem: OneProblem) -> None:
    assert one_problem("just a string\n") == (
        "resources/a.yaml:1:1: expected a mapping with jobs, pipelines, quality_monitors, "
        "data_quality_monitors; got string"
    )


def test_list_where_a_mapping_belongs(one_problem: OneProblem) -> None:
    assert one_problem("jobs:\n  - a\n  - b\n") == (
        "resources/a.yaml:1:1: jobs: expected a mapping of row key -> row; got list"
    )


def test_row_that_is_not_a_mapping(one_problem: OneProblem) -> None:
    assert one_problem("jobs:\n  a: [1, 2]\n") == (
        "resources/a.yaml:2:3: jobs.a: expected a mapping of the row's fields; got list"
    )


def test_previous_key_naming_another_row(one_problem: OneProblem) -> None:
    assert one_problem(
        "pipelines:\n  p: {serverless: true, previous_keys: [q]}\n  q: {serverless: true}\n"
    ) == (
        "resources/a.yaml:2:41: pipelines.p.previous_keys[0]: 'q' is the key of another "
        "pipeline row; keys must be unique"
    )


def test_every_problem_is_reported_across_files(project: Project) -> None:
    project.write("a.yaml", "jobs:\n  a:\n    tasks: [{task_key: x}]\n")
    project.write("b.yaml", "pipelines:\n  p: {serverless: maybe}\n")
    project.write("c.yaml", "jobs: [\n")
    problems = project.problems()
    assert [p.split(":")[0] for p in problems] == [
        "resources/a.yaml",
        "resources/b.yaml",
        "resources/c.yaml",
    ]


def test_metadata_error_keeps_structured_problems(project: Project) -> None:
    project.write("a.yaml", "pipelines:\n  p: {serverless: maybe}\n")
    with pytest.raises(MetadataError) as info:
        project.load()
    (problem,) = info.value.problems
    assert problem.pos is not None
    assert (problem.pos.file, problem.pos.line, problem.path) == (
        "resources/a.yaml",
        2,
        "pipelines.p.serverless",
    )


def test_missing_metadata_folder(tmp_path: object) -> None:
    from pathlib import Path

    from metadata import load_rows

    assert isinstance(tmp_path, Path)
    with pytest.raises(MetadataError, match=r"^nowhere: no such file or folder$"):
        load_rows([Path("nowhere")], root=tmp_path)


def test_glob_leaving_the_repository(one_problem: OneProblem) -> None:
    assert one_problem(
        "pipelines:\n  p:\n    serverless: true\n    libraries:\n"
        "      - glob: {include: ../../**}\n"
    ) == (
        "resources/a.yaml:5:16: pipelines.p.libraries[0].glob.include: '../../**' leaves the "
        "repository; patterns are repository-relative (to the project root, not to this file)"
    )


def test_misspelt_required_field_is_reported_once(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            schedule: {{quartz_cron_expresion: "0 0 6 * * ?", timezone_id: UTC}}
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:16: jobs.a.schedule.quartz_cron_expresion: unknown field "
        "'quartz_cron_expresion'; did you mean 'quartz_cron_expression'?"
    )


def test_misspelt_enum_value_is_suggested(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            schedule:
              quartz_cron_expression: "0 0 6 * * ?"
              timezone_id: UTC
              pause_status: PAUSE
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:6:7: jobs.a.schedule.pause_status: must be one of 'PAUSED' or "
        "'UNPAUSED'; got string 'PAUSE' (did you mean 'PAUSED'?)"
    )


def test_for_each_task_nests_one_level_only(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: loop
                for_each_task:
                  inputs: "[1, 2]"
                  task:
                    task_key: inner
                    for_each_task:
                      inputs: "[3]"
                      task: {task_key: x, notebook_task: {notebook_path: /n}}
        """
    ) == (
        "resources/a.yaml:5:9: jobs.a.tasks[0].for_each_task: for_each_task.task cannot be "
        "another for_each_task: the Jobs API allows one level; move the inner loop into a job "
        "and call it with run_job_task"
    )


def test_autoscale_mode_is_for_pipelines_only(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            job_clusters:
              - job_cluster_key: c
                new_cluster: {autoscale: {min_workers: 1, max_workers: 2, mode: ENHANCED}}
            tasks:
              - {task_key: t, job_cluster_key: c, notebook_task: {notebook_path: /n}}
        """
    ) == (
        "resources/a.yaml:5:67: jobs.a.job_clusters[0].new_cluster.autoscale.mode: "
        "unknown field 'mode'; allowed: max_workers, min_workers"
    )


def test_alert_on_last_attempt_is_for_tasks_only(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            notification_settings: {alert_on_last_attempt: true}
            tasks:
              - task_key: t
                notification_settings: {alert_on_last_attempt: true}
                notebook_task: {notebook_path: /n}
        """
    ) == (
        "resources/a.yaml:3:29: jobs.a.notification_settings.alert_on_last_attempt: "
        "unknown field 'alert_on_last_attempt'; allowed: no_alert_for_canceled_runs, "
        "no_alert_for_skipped_runs"
    )


def test_an_unknown_field_does_not_hide_the_rows_other_problems(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            timeot_seconds: 5
            schedule: {quartz_cron_expression: "0 0 25 * * ?", timezone_id: UTC}
            tasks:
              - {task_key: t, notebook_task: {notebook_path: /n}, depends_on: [missing]}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:3:5: jobs.a.timeot_seconds: unknown field 'timeot_seconds'; "
        "did you mean 'timeout_seconds'?",
        "resources/a.yaml:4:16: jobs.a.schedule.quartz_cron_expression: hours field '25': "
        "25 is outside 0-23 in '0 0 25 * * ?'",
        "resources/a.yaml:6:59: jobs.a.tasks[0].depends_on: unknown task 'missing'; known: none",
    ]


def test_a_row_with_other_faults_is_not_checked_further(project: Project) -> None:
    # A wrong type could make any later rule misfire: only the field problems are reported.
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            timeout_seconds: soon
            schedule: {quartz_cron_expression: "0 0 25 * * ?", timezone_id: UTC}
            tasks:
              - {task_key: t, notebook_task: {notebook_path: /n}}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:3:5: jobs.a.timeout_seconds: expected an integer, got string 'soon'",
    ]


def test_a_bundle_resources_wrapper_is_named(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        bundle: {name: demo}
        resources:
          jobs:
            j: {tasks: [{task_key: x, notebook_task: {notebook_path: ../src/nb.py}}]}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:1:1: bundle: unknown top-level key; 'bundle' is a Databricks Asset "
        "Bundle setting: per-stack settings go in Pulumi.<stack>.yaml under lakeform:settings",
        "resources/a.yaml:2:1: resources: unknown top-level key; this looks like a Databricks "
        "Asset Bundle file: Lakeform rows have jobs:, pipelines: and quality_monitors: at the "
        "top, without the resources: wrapper (and paths relative to the repository root, not "
        "to the file)",
    ]


def test_a_list_of_jobs_without_metadata_version(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          - job_name: daily
            tasks: [{task_key: x, notebook_task: {notebook_path: src/nb.py}}]
        """
    ) == (
        "resources/a.yaml:1:1: jobs: expected a mapping of row key -> row; got list; a list of "
        'jobs with job_name is lakeflow-jobs-meta\'s format: add metadata_version: "2.0" at the '
        "top of the file"
    )


def test_a_field_of_a_nested_block_written_one_level_too_high(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            quartz_cron_expression: "0 0 6 * * ?"
            tasks:
              - {task_key: x, warehouse_id: wh, notebook_task: {notebook_path: src/nb.py}}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:3:5: jobs.a.quartz_cron_expression: unknown field "
        "'quartz_cron_expression'; did you mean to put it under 'schedule'?",
        "resources/a.yaml:5:23: jobs.a.tasks[0].warehouse_id: unknown field 'warehouse_id'; "
        "did you mean to put it under 'alert_task' or 'dashboard_task' or 'dbt_task'?",
    ]


def test_a_field_written_one_level_too_deep(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
                notebook_task: {notebook_path: src/nb.py, max_retries: 2}
        """
    ) == (
        "resources/a.yaml:5:51: jobs.a.tasks[0].notebook_task.max_retries: unknown field "
        "'max_retries'; it belongs one level up, beside 'notebook_task', not inside it"
    )


def test_a_bundle_job_id_reference_says_to_refer_by_key(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks: [{{task_key: x, run_job_task: {{job_id: "${{resources.jobs.b.id}}"}}}}]
          b:
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:42: jobs.a.tasks[0].run_job_task.job_id: "
        "'${resources.jobs.b.id}' is a bundle reference; Lakeform refers to rows by key: "
        "write run_job_task: {job: b} instead of job_id"
    )


def test_a_bundle_pipeline_id_reference_says_to_refer_by_key(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        jobs:
          a:
            tasks:
              - task_key: x
                pipeline_task: {pipeline_id: "${resources.pipelines.p.id}"}
        pipelines:
          p: {serverless: true}
        """
    ) == (
        "resources/a.yaml:5:25: jobs.a.tasks[0].pipeline_task.pipeline_id: "
        "'${resources.pipelines.p.id}' is a bundle reference; Lakeform refers to rows by key: "
        "write pipeline_task: {pipeline: p} instead of pipeline_id"
    )


def test_bundle_target_is_not_substituted(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            name: "etl ${{bundle.target}}"
            tasks: [{{task_key: x, {NOTEBOOK}}}]
        """
    ) == (
        "resources/a.yaml:3:5: jobs.a.name: '${bundle.target}' is not substituted by Lakeform; "
        "the stack has no such variable: define one per stack in lakeform:settings.variables "
        "and write ${var.NAME}"
    )


def test_any_other_reference_is_not_substituted_even_without_settings(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            tasks:
              - task_key: x
                notebook_task: {notebook_path: "src/${workspace.file_path}/nb.py"}
        """,
    )
    assert project.problems(stack=None, settings=None) == [
        "resources/a.yaml:5:25: jobs.a.tasks[0].notebook_task.notebook_path: "
        "'${workspace.file_path}' is not substituted by Lakeform (only ${var.NAME}, from the "
        "stack's lakeform:settings.variables)"
    ]


PERMITTED = f"""
jobs:
  a:
    tasks: [{{task_key: x, {NOTEBOOK}}}]
    permissions:
      - {{level: CAN_VIEW, group_name: analysts}}
"""


def test_permissions_are_read_without_a_warning(project: Project) -> None:
    project.write("a.yaml", PERMITTED)
    rows = project.load()
    permissions = rows.jobs["a"].permissions
    assert permissions is not None and permissions[0].group_name == "analysts"
    assert rows.warnings == []


def test_permissions_of_the_admins_group(one_problem: OneProblem) -> None:
    assert one_problem(PERMITTED.replace("analysts", "admins")) == (
        "resources/a.yaml:5:27: jobs.a.permissions[0].group_name: the admins group manages every "
        "job and pipeline already, and the Databricks provider refuses to set its permissions; "
        "remove this entry"
    )


def test_permission_level_of_another_kind(one_problem: OneProblem) -> None:
    assert one_problem(PERMITTED.replace("CAN_VIEW", "CAN_RUN")) == (
        "resources/a.yaml:5:10: jobs.a.permissions[0].level: unknown permission level "
        "'CAN_RUN' (did you mean 'CAN_MANAGE_RUN'?); levels: CAN_VIEW, CAN_MANAGE_RUN, "
        "CAN_MANAGE, IS_OWNER"
    )


def test_permission_without_exactly_one_principal(one_problem: OneProblem) -> None:
    assert one_problem(
        PERMITTED.replace("group_name: analysts", "user_name: a@x, group_name: g")
    ) == (
        "resources/a.yaml:5:9: jobs.a.permissions[0]: a permission names exactly one of "
        "user_name, group_name, service_principal_name; found user_name, group_name"
    )


def test_two_owners(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            permissions:
              - {level: IS_OWNER, user_name: a@example.com}
              - {level: IS_OWNER, user_name: b@example.com}
        """
    ) == (
        "resources/a.yaml:6:10: pipelines.p.permissions[1].level: a second IS_OWNER (also "
        "permissions[0]); a resource has one owner"
    )


def test_a_variable_holding_an_unsubstituted_reference(project: Project) -> None:
    project.write("a.yaml", "pipelines:\n  p: {serverless: true, schema: '${var.schema}'}\n")
    settings = StackSettings(variables={"schema": "dev_${workspace.current_user.short_name}"})
    assert project.problems(settings=settings) == [
        "resources/a.yaml:2:25: pipelines.p.schema: variable 'schema' holds "
        "'${workspace.current_user.short_name}', which Lakeform does not substitute; give the "
        "stack's lakeform:settings.variables a plain value"
    ]


# --- input-only fields: the service never returns them, so the real provider never settles -------


def test_allow_duplicate_names_is_refused_with_the_reason(one_problem: OneProblem) -> None:
    assert one_problem(
        """
        pipelines:
          p:
            serverless: true
            allow_duplicate_names: true
        """
    ) == (
        "resources/a.yaml:4:5: pipelines.p.allow_duplicate_names: the Pipelines API never "
        "returns allow_duplicate_names, so the Databricks provider reads it back as false and "
        "plans an update on every run (databricks/cli #6076); remove it and give the pipeline "
        "a name no other pipeline has"
    )


def test_allow_duplicate_names_false_is_accepted(project: Project) -> None:
    project.write("a.yaml", "pipelines:\n  p: {serverless: true, allow_duplicate_names: false}\n")
    assert project.load().pipelines["p"].allow_duplicate_names is False


def test_table_update_condition_is_refused_with_the_reason(one_problem: OneProblem) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks: [{{task_key: t, {NOTEBOOK}}}]
            trigger:
              table_update:
                table_names: [main.s.t]
                condition: ALL_UPDATED
        """
    ) == (
        "resources/a.yaml:7:9: jobs.a.trigger.table_update.condition: the Jobs API accepts "
        "condition but never returns it, so the Databricks provider plans a change on every "
        "refresh (databricks/cli #6315); leave it out: the service then triggers when any of "
        "the tables is updated"
    )


def test_a_table_update_trigger_without_condition_is_accepted(project: Project) -> None:
    project.write(
        "a.yaml",
        f"jobs:\n  a:\n    tasks: [{{task_key: t, {NOTEBOOK}}}]\n"
        "    trigger: {table_update: {table_names: [main.s.t]}}\n",
    )
    trigger = project.load().jobs["a"].trigger
    assert trigger is not None and trigger.table_update is not None
    assert trigger.table_update.table_names == ["main.s.t"]


# --- what the Databricks provider's schema refuses
# (devtools/localprovider/README.md, "Check: schema") ---


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "{catalog: main, storage: /mnt/p, serverless: true}",
            "pipelines.p.storage: conflicts with catalog: a pipeline "
            "publishes to Unity Catalog (catalog) or to a storage location (Hive metastore), "
            "not both; remove one",
        ),
        (
            "{catalog: main, schema: s, target: s, serverless: true}",
            "pipelines.p.target: conflicts with schema: target is the "
            "legacy name of schema; remove target",
        ),
        (
            "{serverless: true, libraries: []}",
            "pipelines.p.libraries: an empty list; give at least one "
            "library or leave libraries out",
        ),
        (
            "{serverless: true, "
            "notifications: [{email_recipients: [], alerts: [on-flow-failure]}]}",
            "pipelines.p.notifications[0].email_recipients: an empty list; "
            "give at least one or remove this notification",
        ),
        (
            "{serverless: true, notifications: [{email_recipients: [a@b.c], alerts: []}]}",
            "pipelines.p.notifications[0].alerts: an empty list; give at "
            "least one or remove this notification",
        ),
    ],
)
def test_pipeline_fields_the_provider_schema_refuses(
    one_problem: OneProblem, row: str, message: str
) -> None:
    problem = one_problem(f"pipelines:\n  p:\n    {row}\n")
    assert problem.startswith("resources/a.yaml:3:")
    assert problem.split(": ", 1)[1] == message


@pytest.mark.parametrize(
    ("job", "message"),
    [
        (
            'git_source: {git_url: "git@github.com:acme/etl.git", git_provider: gitHub}',
            "jobs.a.git_source.git_url: must be an https:// URL with a host (the Databricks "
            "provider refuses others); got 'git@github.com:acme/etl.git'",
        ),
        (
            'git_source: {git_url: "http://github.com/acme/etl", git_provider: gitHub}',
            "jobs.a.git_source.git_url: must be an https:// URL with a host (the Databricks "
            "provider refuses others); got 'http://github.com/acme/etl'",
        ),
        (
            'git_source: {git_url: "https://github.com/acme/etl", git_provider: gitHub, '
            "git_branch: main, git_tag: v1}",
            "jobs.a.git_source.git_tag: set one of git_branch, git_tag, git_commit; found "
            "git_branch, git_tag",
        ),
        (
            "trigger: {periodic: {interval: 0, unit: HOURS}}",
            "jobs.a.trigger.periodic.interval: must be between 1 and 2147483647; got 0",
        ),
        (
            "trigger: {table_update: {table_names: []}}",
            "jobs.a.trigger.table_update.table_names: needs at least one table (full name, e.g. "
            "'main.sales.orders')",
        ),
    ],
)
def test_job_fields_the_provider_schema_refuses(
    one_problem: OneProblem, job: str, message: str
) -> None:
    problem = one_problem(
        f"""
        jobs:
          a:
            {job}
            tasks: [{{task_key: x, {WORKSPACE_NOTEBOOK}}}]
        """
    )
    assert problem.startswith("resources/a.yaml:3:")
    assert problem.split(": ", 1)[1] == message


@pytest.mark.parametrize("path", ["./src/nb.py", "src//nb.py", "src/pipe/../nb.py"])
def test_a_repository_path_that_is_not_clean(one_problem: OneProblem, path: str) -> None:
    assert one_problem(
        f"""
        jobs:
          a:
            tasks: [{{task_key: x, notebook_task: {{notebook_path: "{path}"}}}}]
        """
    ) == (
        "resources/a.yaml:3:43: jobs.a.tasks[0].notebook_task.notebook_path: "
        f"'{path}' is not a clean path: write 'src/nb.py' (the Databricks provider refuses a "
        "workspace path with './', '//', '..' or a trailing '/')"
    )


NO_LANGUAGE = '{"cells": [], "metadata": {"kernelspec": {"name": "julia-1.9"}}, "nbformat": 4}'


def test_a_jupyter_notebook_that_names_no_language(project: Project) -> None:
    (project.root / "src/explore.ipynb").write_text(NO_LANGUAGE)
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            tasks: [{task_key: x, notebook_task: {notebook_path: src/explore.ipynb}}]
        pipelines:
          p:
            serverless: true
            libraries: [{notebook: {path: src/explore.ipynb}}]
        """,
    )
    why = (
        "the notebook 'src/explore.ipynb' names no language (PYTHON, SQL, SCALA, R) in its "
        "metadata, and the Databricks provider uploads none without one: set "
        'metadata.kernelspec.language (e.g. "python") in the .ipynb'
    )
    assert project.problems() == [
        f"resources/a.yaml:3:43: jobs.a.tasks[0].notebook_task.notebook_path: {why}",
        f"resources/a.yaml:7:29: pipelines.p.libraries[0].notebook.path: {why}",
    ]


def test_rows_the_provider_schema_accepts(project: Project) -> None:
    (project.root / "src/explore.ipynb").write_text(
        '{"cells": [], "metadata": {"kernelspec": {"language": "python"}}, "nbformat": 4}'
    )
    project.write(
        "a.yaml",
        f"""
        jobs:
          git:
            git_source: {{git_url: "https://github.com/acme/etl", git_provider: gitHub,
                          git_commit: 0123abc}}
            trigger: {{periodic: {{interval: 1, unit: HOURS}}}}
            tasks: [{{task_key: x, {WORKSPACE_NOTEBOOK}}}]
          tables:
            trigger: {{table_update: {{table_names: [main.sales.orders]}}}}
            tasks: [{{task_key: x, notebook_task: {{notebook_path: src/explore.ipynb}}}}]
        pipelines:
          uc:
            catalog: main
            schema: sales
            serverless: true
            libraries: [{{notebook: {{path: src/explore.ipynb}}}}]
            notifications: [{{email_recipients: [a@b.c], alerts: [on-update-failure]}}]
          hive:
            storage: /mnt/pipelines/hive
            target: sales
            serverless: true
        """,
    )
    rows = project.load()
    assert sorted(rows.jobs) == ["git", "tables"] and sorted(rows.pipelines) == ["hive", "uc"]


def test_nesting_through_aliases_counts_each_aliased_value(one_problem: OneProblem) -> None:
    # each anchor is 30 lists deep and holds the previous one: the second is 62 levels deep when
    # built, the third goes over at its alias (column 41), though no line nests more than 32
    chain = "\n".join(
        f"  a{i}: &a{i} " + "[" * 30 + (f"*a{i - 1}" if i else "1") + "]" * 30 for i in range(3)
    )
    problem = one_problem(f"jobs:\n{chain}\n")
    assert problem == (
        "resources/a.yaml:4:41: nested deeper than 64 levels of mappings and lists (an alias "
        "counts as deep as its value); rows need about 10: flatten this value"
    )
