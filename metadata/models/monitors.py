"""Quality monitor rows: the Quality Monitors API definition of a monitor, plus row fields."""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import field_validator, model_validator

from metadata.models.shared import ApiModel, NonNegInt32, StackOverrides

KIND = "quality_monitors"
"""The kind's name: the top-level key of metadata files and stack outputs."""

SPARK_TYPES = {
    "string": "string",
    "double": "double",
    "float": "float",
    "bigint": "long",
    "long": "long",
    "int": "integer",
    "integer": "integer",
    "smallint": "short",
    "short": "short",
    "tinyint": "byte",
    "byte": "byte",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp_ntz",
    "binary": "binary",
}
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def spark_struct_field_json(type_name: str) -> str:
    """The Spark StructField JSON the API wants for a plain type name (`double` ->
    `{"metadata":{},"name":"output","nullable":true,"type":"double"}`); JSON passes through.
    Raises ValueError naming the accepted names."""
    text = type_name.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"output_data_type is not valid JSON: {err.msg}") from None
        if not isinstance(parsed, dict) or "type" not in parsed:
            raise ValueError('output_data_type JSON must be a StructField with a "type"')
        return text
    lowered = text.lower()
    spark = SPARK_TYPES.get(lowered)
    if spark is None and _DECIMAL.match(lowered):
        spark = re.sub(r"\s+", "", lowered)
    if spark is None:
        raise ValueError(
            f"unknown output_data_type {type_name!r}; use a Spark StructField JSON or one of: "
            + ", ".join(sorted(SPARK_TYPES))
            + ", decimal(p,s)"
        )
    field: dict[str, object] = {"metadata": {}, "name": "output", "nullable": True, "type": spark}
    return json.dumps(field, separators=(",", ":"), sort_keys=True)


_METRIC_TYPES = {
    "AGGREGATE": "CUSTOM_METRIC_TYPE_AGGREGATE",
    "DERIVED": "CUSTOM_METRIC_TYPE_DERIVED",
    "DRIFT": "CUSTOM_METRIC_TYPE_DRIFT",
}


class CustomMetric(ApiModel):
    """A custom metric, as in the Quality Monitors API `custom_metrics[]`."""

    type: Literal[
        "CUSTOM_METRIC_TYPE_AGGREGATE", "CUSTOM_METRIC_TYPE_DERIVED", "CUSTOM_METRIC_TYPE_DRIFT"
    ]
    """AGGREGATE, DERIVED or DRIFT (the short forms are normalised to CUSTOM_METRIC_TYPE_*)."""
    name: str
    """Metric name (a column of the metric tables)."""
    input_columns: list[str]
    """Columns it is computed over; `[":table"]` for the whole table."""
    definition: str
    """SQL expression. AGGREGATE: over the table's columns (`{{input_column}}`; with
    inference_log also `{{prediction_col}}`, `{{label_col}}`). DERIVED: over the monitor's
    AGGREGATE and DERIVED metrics by bare name (`total / NULLIF(n, 0)`). DRIFT: the same metrics
    of two windows, `{{current_df}}.name - {{base_df}}.name`."""
    output_data_type: str
    """Spark StructField JSON, or a plain type name (`double`, `bigint`, ...) normalised to it."""

    @field_validator("type", mode="before")
    @classmethod
    def _long_type_name(cls, value: object) -> object:
        if isinstance(value, str):
            return _METRIC_TYPES.get(value.upper(), value)
        return value

    @field_validator("output_data_type", mode="after")
    @classmethod
    def _struct_field(cls, value: str) -> str:
        return spark_struct_field_json(value)


class MonitorSnapshot(ApiModel):
    """Snapshot profile: the whole table each refresh."""


class MonitorTimeSeries(ApiModel):
    """Time series profile: windows over a timestamp column."""

    timestamp_col: str
    """Timestamp column."""
    granularities: list[str]
    """Window sizes, e.g. `1 day`, `1 week`."""


class MonitorInferenceLog(ApiModel):
    """Inference log profile for model serving tables."""

    timestamp_col: str
    """Timestamp column."""
    granularities: list[str]
    """Window sizes."""
    model_id_col: str
    """Model id column."""
    prediction_col: str
    """Prediction column."""
    problem_type: Literal["PROBLEM_TYPE_CLASSIFICATION", "PROBLEM_TYPE_REGRESSION"]
    """Classification or regression."""
    label_col: str | None = None
    """Ground-truth column."""
    prediction_proba_col: str | None = None
    """Prediction probability column."""


class MonitorDestination(ApiModel):
    """Email recipients."""

    email_addresses: list[str]
    """Addresses."""


class MonitorNotifications(ApiModel):
    """Monitor notifications."""

    on_failure: MonitorDestination | None = None
    """Told when a refresh fails."""
    on_new_classification_tag_detected: MonitorDestination | None = None
    """Told when data classification finds a new tag."""


class MonitorSchedule(ApiModel):
    """Refresh schedule."""

    quartz_cron_expression: str
    """Quartz cron expression, e.g. `0 0 8 * * ?`."""
    timezone_id: str
    """Timezone id."""


class DataClassificationConfig(ApiModel):
    """Data classification."""

    enabled: bool
    """Classify columns."""


PROFILE_TYPES = ("snapshot", "time_series", "inference_log")


class QualityMonitorRow(ApiModel):
    """A quality monitor on a Unity Catalog table (Quality Monitors API)."""

    table_name: str
    """Full name of the monitored table, e.g. `${var.catalog}.gold.fact_booking_daily`."""
    assets_dir: str
    """Workspace folder of the dashboard and assets."""
    output_schema_name: str
    """`catalog.schema` of the metric tables."""
    snapshot: MonitorSnapshot | None = None
    """Snapshot profile (`snapshot: {}`)."""
    time_series: MonitorTimeSeries | None = None
    """Time series profile."""
    inference_log: MonitorInferenceLog | None = None
    """Inference log profile."""
    custom_metrics: list[CustomMetric] | None = None
    """Custom metrics."""
    slicing_exprs: list[str] | None = None
    """Slice the metrics by these expressions, e.g. `property_type`."""
    schedule: MonitorSchedule | None = None
    """Refresh schedule."""
    notifications: MonitorNotifications | None = None
    """Notifications."""
    baseline_table_name: str | None = None
    """Baseline table for drift."""
    data_classification_config: DataClassificationConfig | None = None
    """Data classification."""
    warehouse_id: str | None = None
    """Warehouse for the dashboard."""
    skip_builtin_dashboard: bool | None = None
    """Do not create the dashboard."""
    reset: NonNegInt32 = 0
    """Lakeform: bump to delete and recreate the monitor deliberately (loses its history)."""
    previous_keys: list[str] | None = None
    """Lakeform: earlier keys of this row."""
    disabled: bool | None = None
    """Lakeform: `true` ignores the row as if absent."""
    stack_overrides: StackOverrides | None = None
    """Lakeform: per-stack overrides `{<stack>: {...partial row...}}`, applied when loaded."""

    @model_validator(mode="after")
    def _exactly_one_profile(self) -> QualityMonitorRow:
        kinds = [k for k in PROFILE_TYPES if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(
                "a monitor needs exactly one of snapshot, time_series, inference_log; "
                f"found {found}"
            )
        return self
