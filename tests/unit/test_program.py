"""The whole program (`__main__.py`) under mocks, per stack, on the sample rows in resources/."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config import LakeformError
from stacks.heap import GEN0_THRESHOLD
from tests.unit.conftest import Program
from tests.unit.rows import FILE, JOB, MONITOR, NOTEBOOK, PIPELINE

ROOT = Path(__file__).resolve().parents[2]
STACKS = ["local", "dev", "staging", "prod"]

JOBS = [
    "bronze_to_silver",
    "customer_ingestion",
    "data_quality_checks",
    "end_to_end_pipeline",
    "lakeform_watch",
    "mixed_task_types",
    "olist_daily",
    "olist_weekly_refresh",
]
PIPELINES = ["olist_cdc_pipeline", "olist_main_pipeline"]
MONITORS = [
    "booking_revenue",
    "customer_profile",
    "host_quality",
    "property_engagement",
    "property_inventory",
]
LJM = "src/lakeflow_jobs_meta"
NOTEBOOKS = [
    f"customer_ingestion/{LJM}/notebook_task/sample_ingestion_notebook",
    f"end_to_end_pipeline/{LJM}/notebook_task/sample_ingestion_notebook",
    f"mixed_task_types/{LJM}/notebook_task/sample_ingestion_notebook",
    "olist_daily/src/utils/data_generator",
]
FILES = [
    f"bronze_to_silver/{LJM}/sql_file_task/03_bronze_to_silver_transformation.sql",
    f"bronze_to_silver/{LJM}/sql_file_task/05_incremental_load.sql",
    "customer_ingestion/_inline/customers_quality.sql",
    f"customer_ingestion/{LJM}/sql_file_task/03_bronze_to_silver_transformation.sql",
    "data_quality_checks/_inline/dq_orders_nulls.sql",
    f"data_quality_checks/{LJM}/sql_file_task/04_data_freshness_check.sql",
    f"data_quality_checks/{LJM}/sql_query_task/01_data_quality_check.sql",
    f"end_to_end_pipeline/{LJM}/sql_file_task/02_daily_aggregations.sql",
    f"end_to_end_pipeline/{LJM}/sql_file_task/03_bronze_to_silver_transformation.sql",
    f"end_to_end_pipeline/{LJM}/sql_query_task/01_data_quality_check.sql",
    "lakeform_watch/src/lakeform/watch_once.py",
    "mixed_task_types/_inline/summary.sql",
    f"mixed_task_types/{LJM}/sql_file_task/02_daily_aggregations.sql",
    "olist_cdc_pipeline/src/pipelines/olist_cdc/cdc_bronze.py",
    "olist_cdc_pipeline/src/pipelines/olist_cdc/cdc_silver.py",
    "olist_main_pipeline/src/pipelines/olist_main/bronze.py",
    "olist_main_pipeline/src/pipelines/olist_main/gold.sql",
    "olist_main_pipeline/src/pipelines/olist_main/silver.py",
]


def stack_config(stack: str) -> dict[str, Any]:
    """The stack file as committed: without its clone settings file (in a clone where `make demo`
    ran, it names control tables only that clone's local workspace holds)."""
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    config["lakeform:settings"].pop("clone_settings", None)
    return config


@contextmanager
def collector_restored() -> Iterator[None]:
    """The program tunes the garbage collector for its own process (stacks.heap); put this test
    process's settings back afterwards."""
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def run_program(program, stack: str, config: dict[str, Any] | None = None) -> Program:
    p = program(stack, config if config is not None else stack_config(stack))
    with collector_restored():
        p.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
    return p


def test_program_collects_less_often_and_freezes_what_it_built(program) -> None:
    p = program("local", stack_config("local"))
    with collector_restored():
        assert gc.get_freeze_count() == 0
        p.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
        assert gc.get_threshold()[0] == GEN0_THRESHOLD
        # the registered resources (the mocks hold them) are among the frozen objects
        assert gc.get_freeze_count() > len(p.monitor.registrations)


@pytest.mark.parametrize("stack", STACKS)
def test_program_registers_exactly_the_expected_resources(program, stack: str) -> None:
    p = run_program(program, stack)
    assert p.names("lakeform:jobs:Job") == ["jobs"]  # one component per kind, not per row
    assert p.names(JOB) == JOBS
    assert p.names("lakeform:pipelines:Pipeline") == ["pipelines"]
    assert p.names(PIPELINE) == PIPELINES
    assert p.names("lakeform:monitors:QualityMonitor") == ["quality_monitors"]
    assert p.names(MONITOR) == MONITORS
    assert p.names(NOTEBOOK) == sorted(NOTEBOOKS)
    assert p.names(FILE) == sorted(FILES)
    expected = 3 + len(JOBS) + len(PIPELINES) + len(MONITORS) + len(NOTEBOOKS) + len(FILES)
    assert len(p.monitor.registrations) == expected
    for reg in p.monitor.registrations:
        if reg.type in (JOB, PIPELINE):
            assert reg.inputs["tags"]["lakeform_stack"] == stack
            assert reg.inputs["tags"]["lakeform_key"] == reg.name
        if reg.custom:  # the URN it had under a component per row: deployed stacks carry over
            row = reg.name.split("/")[0]  # uploads are named <row key>/<path>
            group = (
                "lakeform:monitors:QualityMonitor" if reg.type == MONITOR
                else "lakeform:jobs:Job" if row in JOBS
                else "lakeform:pipelines:Pipeline"
            )  # fmt: skip
            assert reg.urn == f"urn:pulumi:{stack}::lakeform::{group}${reg.type}::{reg.name}"
    assert sorted(p.outputs) == ["data_quality_monitors", "jobs", "pipelines", "quality_monitors"]
    assert sorted(p.outputs["jobs"]) == JOBS
    assert sorted(p.outputs["pipelines"]) == PIPELINES
    assert sorted(p.outputs["quality_monitors"]) == MONITORS


EXPECTED = {
    # stack: (name prefix, daily schedule pause, development, notifications, protect, catalog)
    "local": ("", "UNPAUSED", None, True, False, "olist_local"),
    "dev": ("[DEV] ", "PAUSED", True, False, False, "olist_dev"),
    "staging": ("[STAGING] ", "UNPAUSED", None, True, False, "olist_staging"),
    "prod": ("", "UNPAUSED", None, True, True, "olist"),
}


@pytest.mark.parametrize("stack", STACKS)
def test_program_applies_each_stacks_settings(program, stack: str) -> None:
    prefix, pause, development, notifies, protect, catalog = EXPECTED[stack]
    p = run_program(program, stack)
    daily = p.one(JOB, "olist_daily").inputs
    assert daily["name"] == f"{prefix}Olist Lakehouse - Daily Orchestration"
    assert daily["schedule"]["pauseStatus"] == pause
    assert ("emailNotifications" in daily) is notifies
    generate = next(t for t in daily["tasks"] if t["taskKey"] == "generate_data")
    assert generate["notebookTask"]["baseParameters"]["catalog"] == catalog
    assert generate["notebookTask"]["notebookPath"] == (
        f"/Workspace/Shared/lakeform/{stack}/jobs/olist_daily/src/utils/data_generator"
    )
    main = p.one(PIPELINE, "olist_main_pipeline")
    assert main.inputs["name"] == f"{prefix}Olist Lakehouse - Main ETL"
    assert main.inputs["catalog"] == catalog
    assert main.inputs.get("development") is development
    assert main.protect is protect
    for reg in p.of_type(MONITOR):
        assert reg.protect is protect and reg.retain_on_delete is protect
    for reg in p.of_type(JOB):
        assert reg.protect is None  # jobs hold no data: never protected


def test_program_stack_overrides_reach_the_job(program) -> None:
    staging = run_program(program, "staging")
    cron = staging.one(JOB, "olist_daily").inputs["schedule"]["quartzCronExpression"]
    assert cron == "0 0 7 * * ?"
    prod = run_program(program, "prod")
    daily = prod.one(JOB, "olist_daily").inputs
    assert daily["timeoutSeconds"] == 14400
    assert daily["schedule"]["quartzCronExpression"] == "0 0 6 * * ?"
    weekly = prod.one(JOB, "olist_weekly_refresh").inputs["schedule"]["pauseStatus"]
    assert weekly == "UNPAUSED"


def test_program_outputs_urls_from_the_stack_host(program) -> None:
    p = run_program(program, "local")
    daily = p.outputs["jobs"]["olist_daily"]
    assert daily["url"] == f"http://127.0.0.1:8765/jobs/{daily['id']}"
    assert daily["name"] == "Olist Lakehouse - Daily Orchestration"
    main = p.outputs["pipelines"]["olist_main_pipeline"]
    assert main["url"] == f"http://127.0.0.1:8765/pipelines/{main['id']}"
    monitor = next(iter(p.outputs["quality_monitors"].values()))
    assert set(monitor) == {
        "table_name",
        "dashboard_id",
        "profile_metrics_table_name",
        "drift_metrics_table_name",
        "protected",
        "reset",
        "replaced_by",
    }
    assert monitor["profile_metrics_table_name"] == f"{monitor['table_name']}_profile_metrics"


def test_program_bad_settings_is_a_clean_error_naming_the_field(program) -> None:
    config = stack_config("dev")
    config["lakeform:settings"] = {**config["lakeform:settings"], "name_prefx": "[DEV] "}
    with pytest.raises(LakeformError, match=r"lakeform:settings\.name_prefx: unknown field"):
        run_program(program, "dev", config)


def test_program_bad_metadata_is_a_clean_error(program, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("jobs:\n  broken:\n    tasks: 3\n")
    config = stack_config("dev")
    config["lakeform:settings"] = {**config["lakeform:settings"], "metadata_paths": [str(tmp_path)]}
    with pytest.raises(LakeformError, match=r"invalid metadata:\n.*bad\.yaml:3:\d+: .*tasks"):
        run_program(program, "dev", config)


def test_program_bad_metadata_shows_the_warnings_too(program, tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(
        "pipelines:\n  p:\n    serverless: true\n    environments:\n      default: {photon: true}\n"
    )
    config = stack_config("dev")
    config["lakeform:settings"] = {**config["lakeform:settings"], "metadata_paths": [str(tmp_path)]}
    with pytest.raises(LakeformError) as err:
        run_program(program, "dev", config)
    lines = str(err.value).splitlines()
    assert lines[0] == "invalid metadata:"
    assert "pipelines.p.environments.default: unknown stack 'default'" in lines[1]
    assert lines[2].startswith("warning: ")
    assert lines[2].endswith(
        "old.yaml:4:5: pipelines.p.environments: per-stack overrides are now spelt "
        "stack_overrides: write 'stack_overrides:' instead of 'environments:'"
    )


def test_program_refuses_an_empty_folder(program, tmp_path: Path) -> None:
    config = stack_config("prod")
    config["lakeform:settings"] = {**config["lakeform:settings"], "metadata_paths": [str(tmp_path)]}
    p = program("prod", config)
    with (
        collector_restored(),
        pytest.raises(LakeformError, match=r"no metadata rows were loaded .*refusing to deploy"),
    ):
        p.run(lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"))
    assert p.monitor.registrations == []
