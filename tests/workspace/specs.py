"""Full job, pipeline and monitor specs for echo tests: the fields the sample rows use, and more."""

from __future__ import annotations

import copy
from typing import Any

PIPELINE_ID = "9f8d7c6b-5a4e-4d3c-8b2a-1f0e9d8c7b6a"


def rich_job() -> dict[str, Any]:
    """A multi-task job in the shape the provider sends (Go SDK CreateJob, tasks sorted by key)."""
    return copy.deepcopy(
        {
            "name": "Olist Lakehouse - Daily Orchestration",
            "description": "Generates the day's data, then runs the main and CDC pipelines.",
            "format": "MULTI_TASK",
            "max_concurrent_runs": 1,
            "timeout_seconds": 10800,
            "queue": {"enabled": False},
            "run_as": {"user_name": "etl@example.com"},
            "schedule": {
                "quartz_cron_expression": "0 0 6 * * ?",
                "timezone_id": "UTC",
                "pause_status": "UNPAUSED",
            },
            "email_notifications": {
                "on_failure": ["data-team@example.com"],
                "no_alert_for_skipped_runs": True,
            },
            "webhook_notifications": {
                "on_failure": [{"id": "0481e838-0a59-4eff-9541-a4ca6f149574"}],
                "on_duration_warning_threshold_exceeded": [
                    {"id": "1c1a3f3e-2b70-4f71-9a62-5d2a8a0f3e11"}
                ],
            },
            "notification_settings": {
                "no_alert_for_skipped_runs": True,
                "no_alert_for_canceled_runs": True,
            },
            "health": {
                "rules": [{"metric": "RUN_DURATION_SECONDS", "op": "GREATER_THAN", "value": 7200}]
            },
            "tags": {"project": "olist", "workload": "orchestration"},
            "parameters": [{"name": "catalog", "default": "main"}],
            "edit_mode": "UI_LOCKED",
            "deployment": {"kind": "BUNDLE", "metadata_file_path": "/Workspace/Shared/.lakeform"},
            "job_clusters": [
                {
                    "job_cluster_key": "etl",
                    "new_cluster": {
                        "spark_version": "15.4.x-scala2.12",
                        "node_type_id": "i3.xlarge",
                        "num_workers": 2,
                        "spark_conf": {"spark.speculation": "true"},
                        "custom_tags": {"team": "data"},
                        "data_security_mode": "SINGLE_USER",
                        "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "zone_id": "auto"},
                    },
                }
            ],
            "environments": [
                {
                    "environment_key": "default",
                    "spec": {"client": "2", "dependencies": ["pandas==2.2.2"]},
                }
            ],
            "tasks": [
                {
                    "task_key": "check_counts",
                    "depends_on": [
                        {"task_key": "run_cdc_pipeline"},
                        {"task_key": "run_main_pipeline"},
                    ],
                    "run_if": "ALL_DONE",
                    "sql_task": {
                        "warehouse_id": "4b9b953939869799",
                        "file": {
                            "path": "/Workspace/Shared/lakeform/checks.sql",
                            "source": "WORKSPACE",
                        },
                        "parameters": {"catalog": "main"},
                    },
                },
                {
                    "task_key": "fan_out",
                    "for_each_task": {
                        "inputs": '["orders", "payments"]',
                        "concurrency": 2,
                        "task": {
                            "task_key": "fan_out_iteration",
                            "run_job_task": {
                                "job_id": 123,
                                "job_parameters": {"table": "{{input}}"},
                            },
                        },
                    },
                },
                {
                    "task_key": "generate_data",
                    "description": "Synthetic CDC and transactional data",
                    "job_cluster_key": "etl",
                    "notebook_task": {
                        "notebook_path": "/Workspace/Shared/lakeform/src/utils/data_generator",
                        "base_parameters": {"catalog": "main"},
                        "source": "WORKSPACE",
                    },
                    "libraries": [
                        {"pypi": {"package": "faker==24.0.0"}},
                        {"whl": "/Volumes/main/libs/helpers-0.1-py3-none-any.whl"},
                    ],
                    "max_retries": 1,
                    "min_retry_interval_millis": 60000,
                    "retry_on_timeout": False,
                    "timeout_seconds": 3600,
                },
                {
                    "task_key": "is_weekend",
                    "condition_task": {
                        "op": "EQUAL_TO",
                        "left": "{{job.start_time.iso_weekday}}",
                        "right": "7",
                    },
                },
                {
                    "task_key": "run_cdc_pipeline",
                    "depends_on": [{"task_key": "generate_data"}],
                    "pipeline_task": {"pipeline_id": PIPELINE_ID, "full_refresh": False},
                    "email_notifications": {"on_failure": ["cdc-owner@example.com"]},
                },
                {
                    "task_key": "run_main_pipeline",
                    "depends_on": [{"task_key": "generate_data"}],
                    "pipeline_task": {"pipeline_id": PIPELINE_ID},
                    "run_if": "ALL_SUCCESS",
                },
                {
                    "task_key": "score",
                    "depends_on": [{"task_key": "is_weekend", "outcome": "false"}],
                    "environment_key": "default",
                    "python_wheel_task": {
                        "package_name": "lakeform_demo",
                        "entry_point": "main",
                        "parameters": ["--since", "yesterday"],
                    },
                },
            ],
        }
    )


def trigger_job() -> dict[str, Any]:
    return {
        "name": "Olist - on arrival",
        "format": "MULTI_TASK",
        "queue": {"enabled": True},
        "max_concurrent_runs": 1,
        "email_notifications": {},
        "webhook_notifications": {},
        "trigger": {
            "pause_status": "PAUSED",
            "file_arrival": {
                "url": "/Volumes/main/raw/olist/",
                "min_time_between_triggers_seconds": 60,
            },
        },
        "tasks": [
            {
                "task_key": "ingest",
                "notebook_task": {"notebook_path": "/Workspace/Shared/ingest"},
                "existing_cluster_id": "0923-164208-meows279",
            }
        ],
    }


def rich_pipeline(name: str = "Olist Lakehouse - CDC") -> dict[str, Any]:
    """A pipeline in the shape the provider sends (Go SDK CreatePipeline)."""
    return {
        "name": name,
        "catalog": "main",
        "schema": "olist_cdc",
        "edition": "ADVANCED",
        "channel": "CURRENT",
        "photon": True,
        "development": True,
        "continuous": False,
        "serverless": False,
        "allow_duplicate_names": False,
        "clusters": [
            {
                "label": "default",
                "autoscale": {"min_workers": 1, "max_workers": 2, "mode": "ENHANCED"},
                "spark_conf": {"spark.sql.shuffle.partitions": "8"},
                "custom_tags": {"team": "data"},
            }
        ],
        "configuration": {"olist.cdc_volume": "/Volumes/main/raw/olist/cdc"},
        "libraries": [
            {"glob": {"include": "/Workspace/Shared/lakeform/src/pipelines/olist_cdc/**"}},
            {"file": {"path": "/Workspace/Shared/lakeform/src/pipelines/olist_main/gold.sql"}},
            {"notebook": {"path": "/Workspace/Shared/lakeform/src/pipelines/bronze"}},
        ],
        "notifications": [
            {"email_recipients": ["data-team@example.com"], "alerts": ["on-update-failure"]}
        ],
        "tags": {"project": "olist"},
        "root_path": "/Workspace/Shared/lakeform/src/pipelines",
        "event_log": {"name": "olist_cdc_events", "catalog": "main", "schema": "ops"},
    }


def time_series_monitor() -> dict[str, Any]:
    return {
        "assets_dir": "/Workspace/Shared/wanderbricks/monitoring/fact_booking_daily",
        "output_schema_name": "main.wanderbricks_monitoring",
        "time_series": {"timestamp_col": "check_in_date", "granularities": ["1 day", "1 week"]},
        "slicing_exprs": ["destination_id", "property_type"],
        "custom_metrics": [
            {
                "type": "CUSTOM_METRIC_TYPE_AGGREGATE",
                "name": "total_revenue",
                "input_columns": [":table"],
                "definition": "SUM(total_booking_value)",
                "output_data_type": "double",
            },
            {
                "type": "CUSTOM_METRIC_TYPE_DERIVED",
                "name": "cancellation_rate",
                "input_columns": [":table"],
                "definition": "(total_cancellations / NULLIF(total_bookings, 0)) * 100",
                "output_data_type": "double",
            },
            {
                "type": "CUSTOM_METRIC_TYPE_DRIFT",
                "name": "revenue_change",
                "input_columns": [":table"],
                "definition": "{{current_df}}.total_revenue - {{base_df}}.total_revenue",
                "output_data_type": "double",
            },
        ],
        "schedule": {"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"},
        "notifications": {"on_failure": {"email_addresses": ["data-team@example.com"]}},
        "baseline_table_name": "main.wanderbricks_gold.fact_booking_baseline",
        "data_classification_config": {"enabled": True},
    }


def snapshot_monitor() -> dict[str, Any]:
    return {
        "assets_dir": "/Workspace/Shared/wanderbricks/monitoring/dim_property",
        "output_schema_name": "main.wanderbricks_monitoring",
        "snapshot": {},
        "slicing_exprs": ["property_type", "bedrooms >= 3"],
        "custom_metrics": [
            {
                "type": "CUSTOM_METRIC_TYPE_AGGREGATE",
                "name": "avg_base_price",
                "input_columns": [":table"],
                "definition": "AVG(base_price)",
                "output_data_type": "double",
            }
        ],
    }


def inference_monitor() -> dict[str, Any]:
    return {
        "assets_dir": "/Workspace/Shared/monitoring/model_scores",
        "output_schema_name": "main.ml_monitoring",
        "inference_log": {
            "granularities": ["1 hour"],
            "timestamp_col": "ts",
            "prediction_col": "prediction",
            "model_id_col": "model_version",
            "label_col": "label",
            "problem_type": "PROBLEM_TYPE_REGRESSION",
        },
        "skip_builtin_dashboard": True,
        "warehouse_id": "4b9b953939869799",
    }
