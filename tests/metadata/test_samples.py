"""The repository's sample rows load for every stack and reproduce the seeds' systems."""

from __future__ import annotations

from pathlib import Path

import pytest

from metadata import Rows, load_rows
from metadata.settings import StackSettings, load_stack_settings

ROOT = Path(__file__).resolve().parents[2]
STACK_NAMES = sorted(
    p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml")
)


def _load(stack: str) -> Rows:
    return load_rows([Path("resources")], root=ROOT, stack=stack, settings=_settings(stack))


def _settings(stack: str) -> StackSettings:
    # the stack files as committed: not this clone's own settings (`make demo`'s control tables)
    return load_stack_settings(ROOT, stack, clone=False)


@pytest.mark.parametrize("stack", STACK_NAMES)
def test_samples_load_for_every_stack(stack: str) -> None:
    rows = _load(stack)
    assert sorted(rows.pipelines) == ["olist_cdc_pipeline", "olist_main_pipeline"]
    assert sorted(rows.quality_monitors) == [
        "booking_revenue",
        "customer_profile",
        "host_quality",
        "property_engagement",
        "property_inventory",
    ]
    assert {
        "olist_daily",
        "olist_weekly_refresh",
        "data_quality_checks",
        "bronze_to_silver",
        "mixed_task_types",
        "end_to_end_pipeline",
        "customer_ingestion",
        "lakeform_watch",
    } == set(rows.jobs)


def test_olist_daily_job() -> None:
    job = _load("prod").jobs["olist_daily"]
    catalog = _settings("prod").variables["catalog"]
    assert job.schedule is not None
    assert (job.schedule.quartz_cron_expression, job.schedule.timezone_id) == ("0 0 6 * * ?", "UTC")
    assert (job.timeout_seconds, job.max_concurrent_runs) == (14400, 1)
    assert job.email_notifications is not None and job.email_notifications.on_failure
    generate, main, cdc = job.tasks
    assert generate.notebook_task is not None
    assert generate.notebook_task.notebook_path == "src/utils/data_generator.py"
    assert generate.notebook_task.base_parameters == {"catalog": catalog}
    assert (generate.max_retries, generate.min_retry_interval_millis) == (1, 60000)
    assert generate.retry_on_timeout is False
    for task, pipeline in ((main, "olist_main_pipeline"), (cdc, "olist_cdc_pipeline")):
        assert task.pipeline_task is not None and task.pipeline_task.pipeline == pipeline
        assert [d.task_key for d in task.depends_on or []] == ["generate_data"]


def test_olist_daily_per_stack_differences() -> None:
    staging = _load("staging").jobs["olist_daily"]
    dev = _load("dev").jobs["olist_daily"]
    assert staging.schedule is not None
    assert staging.schedule.quartz_cron_expression == "0 0 7 * * ?"
    assert staging.timeout_seconds == 10800
    assert dev.email_notifications is None


def test_olist_weekly_refresh_job() -> None:
    dev = _load("dev").jobs["olist_weekly_refresh"]
    prod = _load("prod").jobs["olist_weekly_refresh"]
    assert dev.schedule is not None and prod.schedule is not None
    assert dev.schedule.quartz_cron_expression == "0 0 2 ? * SUN"
    assert (dev.schedule.pause_status, prod.schedule.pause_status) == ("PAUSED", "UNPAUSED")
    assert dev.timeout_seconds == 21600
    assert all(t.pipeline_task and t.pipeline_task.full_refresh for t in dev.tasks)


def test_olist_pipelines_use_the_stack_catalog() -> None:
    rows = _load("staging")
    catalog = _settings("staging").variables["catalog"]
    assert {p.catalog for p in rows.pipelines.values()} == {catalog}


def test_wanderbricks_monitors() -> None:
    monitors = _load("dev").quality_monitors
    revenue = monitors["booking_revenue"]
    names = [m.name for m in revenue.custom_metrics or []]
    assert "cancellation_rate" in names and "avg_nights_per_booking" in names
    assert revenue.time_series is not None and revenue.slicing_exprs
    assert all(
        m.snapshot is not None for k, m in monitors.items() if k.startswith(("host", "cust"))
    )


def test_sql_tasks_rely_on_the_stack_default_warehouse() -> None:
    settings = _settings("dev").model_copy(update={"default_warehouse_id": None})
    from metadata import MetadataError

    with pytest.raises(MetadataError, match=r"a SQL task needs a warehouse"):
        load_rows([Path("resources")], root=ROOT, stack="dev", settings=settings)
