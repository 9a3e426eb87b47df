"""Data quality monitor rows: the Data Quality Monitoring API's monitor of a schema (anomaly
detection) or a table (data profiling), named by full name, plus row fields."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from metadata.models.shared import ApiModel, StackOverrides

KIND = "data_quality_monitors"
"""The kind's name: the top-level key of metadata files and stack outputs."""

Granularity = Literal[
    "AGGREGATION_GRANULARITY_5_MINUTES",
    "AGGREGATION_GRANULARITY_30_MINUTES",
    "AGGREGATION_GRANULARITY_1_HOUR",
    "AGGREGATION_GRANULARITY_1_DAY",
    "AGGREGATION_GRANULARITY_1_WEEK",
    "AGGREGATION_GRANULARITY_2_WEEKS",
    "AGGREGATION_GRANULARITY_3_WEEKS",
    "AGGREGATION_GRANULARITY_4_WEEKS",
    "AGGREGATION_GRANULARITY_1_MONTH",
    "AGGREGATION_GRANULARITY_1_YEAR",
]
SchemaName = str
"""`catalog.schema`."""
PROFILE_TYPES = ("snapshot", "time_series", "inference_log")


class AnomalyDetectionConfig(ApiModel):
    """Anomaly detection on every table of a schema."""

    excluded_table_full_names: list[str] | None = None
    """Tables of the schema left out, by full name (`catalog.schema.table`)."""


class DataQualitySchedule(ApiModel):
    """When the profile is refreshed."""

    quartz_cron_expression: str
    """Quartz cron expression, e.g. `0 0 6 * * ?`."""
    timezone_id: str
    """Java timezone id, e.g. `UTC`."""


class DataProfilingCustomMetric(ApiModel):
    """A metric of your own, computed with the profile."""

    name: str
    """Name of the metric in the output tables."""
    definition: str
    """Jinja template of a SQL expression."""
    input_columns: list[str]
    """Columns it is computed for (`:table` for several)."""
    output_data_type: str
    """Output type of the metric."""
    type: Literal[
        "DATA_PROFILING_CUSTOM_METRIC_TYPE_AGGREGATE",
        "DATA_PROFILING_CUSTOM_METRIC_TYPE_DERIVED",
        "DATA_PROFILING_CUSTOM_METRIC_TYPE_DRIFT",
    ]
    """Aggregate, derived or drift metric."""


class DataProfilingSnapshot(ApiModel):
    """Snapshot profile: the whole table each refresh."""


class DataProfilingTimeSeries(ApiModel):
    """Time series profile: windows over a timestamp column."""

    timestamp_column: str
    """Timestamp column."""
    granularities: list[Granularity]
    """Window sizes."""


class DataProfilingInferenceLog(ApiModel):
    """Inference log profile for model serving tables."""

    problem_type: Literal[
        "INFERENCE_PROBLEM_TYPE_CLASSIFICATION", "INFERENCE_PROBLEM_TYPE_REGRESSION"
    ]
    """Classification or regression."""
    timestamp_column: str
    """Timestamp column."""
    granularities: list[Granularity]
    """Window sizes."""
    prediction_column: str
    """Prediction column."""
    model_id_column: str
    """Model id column."""
    label_column: str | None = None
    """Ground-truth column."""


class DataQualityNotificationDestination(ApiModel):
    """Who is told."""

    email_addresses: list[str] | None = Field(default=None, max_length=5)
    """At most 5 addresses."""


class DataQualityNotifications(ApiModel):
    """Notifications of the monitor."""

    on_failure: DataQualityNotificationDestination | None = None
    """On a failed refresh."""


class DataProfilingConfig(ApiModel):
    """Data profiling of one table; exactly one of snapshot, time_series, inference_log."""

    output_schema: SchemaName | None = None
    """Lakeform: schema (`catalog.schema`) the metric tables are written to, by name; Lakeform
    looks up its id (the API's `output_schema_id`)."""
    output_schema_id: str | None = None
    """Id of that schema, when it is known (give this or `output_schema`)."""
    assets_dir: str | None = None
    """Workspace folder of the monitor's assets (dashboard)."""
    baseline_table_name: str | None = None
    """Baseline table to compute drift against."""
    custom_metrics: list[DataProfilingCustomMetric] | None = None
    """Metrics of your own."""
    notification_settings: DataQualityNotifications | None = None
    """Who is told about failures."""
    schedule: DataQualitySchedule | None = None
    """Refresh schedule; none: refreshed on demand."""
    skip_builtin_dashboard: bool | None = None
    """Do not create the dashboard."""
    slicing_exprs: list[str] | None = None
    """Column expressions to slice the data by."""
    snapshot: DataProfilingSnapshot | None = None
    """Snapshot profile."""
    time_series: DataProfilingTimeSeries | None = None
    """Time series profile."""
    inference_log: DataProfilingInferenceLog | None = None
    """Inference log profile."""
    warehouse_id: str | None = None
    """Warehouse for the dashboard."""

    @model_validator(mode="after")
    def _one_profile_and_one_output(self) -> DataProfilingConfig:
        kinds = [k for k in PROFILE_TYPES if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "data profiling needs exactly one of snapshot, time_series, inference_log; "
                f"found {', '.join(kinds) or 'none'}"
            )
        if (self.output_schema is None) == (self.output_schema_id is None):
            raise ValueError(
                "give the output schema by name (output_schema: catalog.schema) or by id "
                "(output_schema_id), not both or neither"
            )
        return self


class DataQualityMonitorRow(ApiModel):
    """A data quality monitor: anomaly detection on a schema, or data profiling of a table."""

    object_type: Literal["schema", "table"]
    """What is monitored: a `schema` (anomaly detection) or a `table` (data profiling)."""
    schema_: SchemaName | None = Field(default=None, alias="schema")
    """Lakeform: the monitored schema, `catalog.schema` (object_type schema); Lakeform looks up
    its id (the API's `object_id`)."""
    table: str | None = None
    """Lakeform: the monitored table, `catalog.schema.table` (object_type table)."""
    anomaly_detection_config: AnomalyDetectionConfig | None = None
    """Anomaly detection, for a schema (`{}` for the defaults)."""
    data_profiling_config: DataProfilingConfig | None = None
    """Data profiling, for a table."""
    previous_keys: list[str] | None = None
    """Lakeform: earlier keys of this row."""
    disabled: bool | None = None
    """Lakeform: `true` ignores the row as if absent."""
    stack_overrides: StackOverrides | None = None
    """Lakeform: per-stack overrides `{<stack>: {...partial row...}}`, applied when loaded."""

    @property
    def object_name(self) -> str:
        """The full name of the monitored schema or table."""
        name = self.schema_ if self.object_type == "schema" else self.table
        assert name is not None
        return name
