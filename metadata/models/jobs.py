"""Job rows: Jobs API 2.2 job settings, tasks and task types, plus Lakeform's row fields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from metadata.models.pipelines import KIND as PIPELINES
from metadata.models.shared import (
    INT32_MAX,
    ApiModel,
    AutoScale,
    EmailNotifications,
    MavenLibrary,
    NonNegInt32,
    NonNegInt64,
    Permission,
    PosInt32,
    PosInt64,
    RunAs,
    StackOverrides,
)

KIND = "jobs"
"""The kind's name: the top-level key of metadata files and stack outputs."""

PauseStatus = Literal["PAUSED", "UNPAUSED"]
RunIf = Literal[
    "ALL_SUCCESS",
    "AT_LEAST_ONE_SUCCESS",
    "NONE_FAILED",
    "ALL_DONE",
    "AT_LEAST_ONE_FAILED",
    "ALL_FAILED",
]
Source = Literal["WORKSPACE", "GIT"]

ConcurrentRuns = Annotated[int, Field(ge=0, le=1000)]
"""`max_concurrent_runs`: "This value cannot exceed 1000. Setting this value to 0 causes all new
runs to be skipped" (JobSettings)."""
Retries = Annotated[int, Field(ge=-1, le=INT32_MAX)]
"""`max_retries`: "The value -1 means to retry indefinitely and the value 0 means to never
retry" (Task)."""
TriggerSeconds = Annotated[int, Field(ge=60, le=INT32_MAX)]
"""Trigger waits: "The minimum allowed value is 60 seconds" (FileArrivalTriggerConfiguration,
TableUpdateTriggerConfiguration)."""


class CronSchedule(ApiModel):
    """A Quartz cron schedule, as in the Jobs API `schedule`."""

    quartz_cron_expression: str
    """Quartz cron expression: seconds minutes hours day-of-month month day-of-week [year],
    e.g. `0 0 6 * * ?` (daily at 06:00). One of day-of-month and day-of-week must be `?`."""
    timezone_id: str
    """Java/IANA timezone id, e.g. `UTC` or `Europe/Amsterdam`."""
    pause_status: PauseStatus | None = None
    """PAUSED or UNPAUSED (default UNPAUSED; development stacks force PAUSED)."""


class TaskDependency(ApiModel):
    """One upstream task; in YAML a plain task key string is accepted too."""

    task_key: str
    """Key of the upstream task in the same job."""
    outcome: str | None = None
    """For a condition_task upstream: run only on this outcome (`"true"` or `"false"`)."""


class PyPiLibrary(ApiModel):
    """A PyPI package."""

    package: str
    """Package requirement, e.g. `faker==24.0.0`."""
    repo: str | None = None
    """Index URL when not PyPI."""


class CranLibrary(ApiModel):
    """A CRAN package."""

    package: str
    """Package name."""
    repo: str | None = None
    """Repository URL when not CRAN."""


class Library(ApiModel):
    """A task library (exactly one kind), as in the Jobs API `libraries[]`."""

    jar: str | None = None
    """Path or URI of a JAR."""
    egg: str | None = None
    """Path or URI of an egg (deprecated by Databricks)."""
    whl: str | None = None
    """Path or URI of a wheel."""
    requirements: str | None = None
    """Path of a requirements.txt file."""
    pypi: PyPiLibrary | None = None
    """A PyPI package."""
    maven: MavenLibrary | None = None
    """A Maven artifact."""
    cran: CranLibrary | None = None
    """A CRAN package."""


class ClusterSpec(ApiModel):
    """A new cluster, as in the Jobs API `new_cluster` (cloud attributes free-form)."""

    spark_version: str | None = None
    """Databricks Runtime version, e.g. `15.4.x-scala2.12`."""
    node_type_id: str | None = None
    """Worker node type, e.g. `i3.xlarge`."""
    driver_node_type_id: str | None = None
    """Driver node type (defaults to node_type_id)."""
    num_workers: NonNegInt32 | None = None
    """Fixed number of workers (or use autoscale)."""
    autoscale: AutoScale | None = None
    """Autoscaling range instead of num_workers."""
    cluster_name: str | None = None
    """Cluster name (jobs clusters are named by Databricks)."""
    spark_conf: dict[str, str] | None = None
    """Spark configuration key-value pairs."""
    spark_env_vars: dict[str, str] | None = None
    """Environment variables on every node."""
    custom_tags: dict[str, str] | None = None
    """Tags for cloud resources of the cluster."""
    policy_id: str | None = None
    """Cluster policy id."""
    apply_policy_default_values: bool | None = None
    """Fill unset fields from the policy defaults."""
    instance_pool_id: str | None = None
    """Instance pool for workers."""
    driver_instance_pool_id: str | None = None
    """Instance pool for the driver."""
    data_security_mode: str | None = None
    """Access mode, e.g. `SINGLE_USER`, `USER_ISOLATION`, `DATA_SECURITY_MODE_AUTO`."""
    single_user_name: str | None = None
    """User of a SINGLE_USER cluster."""
    runtime_engine: Literal["STANDARD", "PHOTON"] | None = None
    """Runtime engine."""
    kind: str | None = None
    """Cluster kind, e.g. `CLASSIC_PREVIEW`."""
    is_single_node: bool | None = None
    """Single-node cluster (with kind)."""
    use_ml_runtime: bool | None = None
    """ML runtime (with kind)."""
    enable_elastic_disk: bool | None = None
    """Autoscaling local storage."""
    enable_local_disk_encryption: bool | None = None
    """Encrypt local disks."""
    ssh_public_keys: list[str] | None = None
    """SSH public keys added to each node."""
    aws_attributes: dict[str, Any] | None = None
    """AWS attributes, as in the Clusters API."""
    azure_attributes: dict[str, Any] | None = None
    """Azure attributes, as in the Clusters API."""
    gcp_attributes: dict[str, Any] | None = None
    """GCP attributes, as in the Clusters API."""
    init_scripts: list[dict[str, Any]] | None = None
    """Init scripts, as in the Clusters API."""
    cluster_log_conf: dict[str, Any] | None = None
    """Cluster log delivery, as in the Clusters API."""


class JobCluster(ApiModel):
    """A job cluster shared by tasks through `job_cluster_key`."""

    job_cluster_key: str
    """Key tasks refer to."""
    new_cluster: ClusterSpec
    """The cluster."""


class HealthRule(ApiModel):
    """A job or task health rule."""

    metric: Literal[
        "RUN_DURATION_SECONDS",
        "STREAMING_BACKLOG_BYTES",
        "STREAMING_BACKLOG_RECORDS",
        "STREAMING_BACKLOG_SECONDS",
        "STREAMING_BACKLOG_FILES",
    ]
    """Measured metric."""
    op: Literal["GREATER_THAN"]
    """Comparison (the API knows GREATER_THAN only)."""
    value: NonNegInt64
    """Threshold (seconds, bytes, records or files)."""


class Health(ApiModel):
    """Health rules; a breach triggers on_duration_warning_threshold_exceeded notifications."""

    rules: list[HealthRule]
    """The rules."""


class Webhook(ApiModel):
    """A notification destination."""

    id: str
    """Notification destination id."""


class WebhookNotifications(ApiModel):
    """Webhook notifications, as in the Jobs API `webhook_notifications`."""

    on_start: list[Webhook] | None = None
    """Destinations told when a run starts."""
    on_success: list[Webhook] | None = None
    """Destinations told when a run succeeds."""
    on_failure: list[Webhook] | None = None
    """Destinations told when a run fails."""
    on_duration_warning_threshold_exceeded: list[Webhook] | None = None
    """Destinations told when RUN_DURATION_SECONDS health rule is breached."""
    on_streaming_backlog_exceeded: list[Webhook] | None = None
    """Destinations told when a streaming backlog health rule is breached."""


class NotificationSettings(ApiModel):
    """Notification filters of a job."""

    no_alert_for_skipped_runs: bool | None = None
    """No notifications for skipped runs."""
    no_alert_for_canceled_runs: bool | None = None
    """No notifications for canceled runs."""


class TaskNotificationSettings(NotificationSettings):
    """Notification filters of a task."""

    alert_on_last_attempt: bool | None = None
    """Notify only on the last retry attempt."""


# --- task types ----------------------------------------------------------------------------------


class NotebookTask(ApiModel):
    """Run a notebook."""

    notebook_path: str
    """Workspace path (absolute) or repository-relative path of the notebook (uploaded by Lakeform),
    e.g. `src/utils/data_generator.py`."""
    base_parameters: dict[str, str] | None = None
    """Widget values; strings, `${var.NAME}` allowed."""
    source: Source | None = None
    """WORKSPACE or GIT (with git_source)."""
    warehouse_id: str | None = None
    """Run a SQL notebook on this warehouse."""


class SqlQuery(ApiModel):
    """A saved SQL query."""

    query_id: str
    """Query id."""


class SqlFile(ApiModel):
    """A SQL file."""

    path: str
    """Workspace path (absolute) or repository-relative path of the .sql file."""
    source: Source | None = None
    """WORKSPACE or GIT."""


class SqlSubscription(ApiModel):
    """A dashboard or alert subscriber."""

    user_name: str | None = None
    """User to notify."""
    destination_id: str | None = None
    """Notification destination to notify."""


class SqlDashboard(ApiModel):
    """Refresh a legacy SQL dashboard."""

    dashboard_id: str
    """Dashboard id."""
    subscriptions: list[SqlSubscription] | None = None
    """Subscribers."""
    custom_subject: str | None = None
    """Email subject."""
    pause_subscriptions: bool | None = None
    """Do not send to subscribers."""


class SqlAlert(ApiModel):
    """Evaluate a SQL alert."""

    alert_id: str
    """Alert id."""
    subscriptions: list[SqlSubscription] | None = None
    """Subscribers."""
    pause_subscriptions: bool | None = None
    """Do not send to subscribers."""


class SqlTask(ApiModel):
    """Run SQL on a warehouse: exactly one of query_text, file, query, dashboard, alert."""

    warehouse_id: str | None = None
    """SQL warehouse id; defaults to the stack's `default_warehouse_id`."""
    parameters: dict[str, str] | None = None
    """Query parameters; strings."""
    query_text: str | None = None
    """Lakeform: inline SQL; uploaded as a workspace file and sent as `file`."""
    file: SqlFile | None = None
    """A SQL file."""
    query: SqlQuery | None = None
    """A saved query."""
    dashboard: SqlDashboard | None = None
    """A legacy dashboard."""
    alert: SqlAlert | None = None
    """A SQL alert."""

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> SqlTask:
        kinds = [k for k in SQL_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(f"sql_task needs exactly one of {', '.join(SQL_KINDS)}; found {found}")
        return self


SQL_KINDS = ("query_text", "file", "query", "dashboard", "alert")


class PipelineTask(ApiModel):
    """Run an update of a pipeline: give `pipeline` (a row key) or `pipeline_id`."""

    pipeline: str | None = None
    """Lakeform: key of a pipeline row in the metadata (preferred over pipeline_id)."""
    pipeline_id: str | None = None
    """Id of a pipeline not managed by Lakeform."""
    full_refresh: bool | None = None
    """Reset and recompute all tables."""

    @model_validator(mode="after")
    def _exactly_one_target(self) -> PipelineTask:
        if (self.pipeline is None) == (self.pipeline_id is None):
            raise ValueError("pipeline_task needs exactly one of pipeline (a row key), pipeline_id")
        return self


class PythonWheelTask(ApiModel):
    """Run an entry point of a Python wheel (add the wheel in libraries)."""

    package_name: str
    """Package name."""
    entry_point: str
    """Entry point name."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    named_parameters: dict[str, str] | None = None
    """Named parameters `--key=value`."""


class SparkPythonTask(ApiModel):
    """Run a Python file."""

    python_file: str
    """Workspace path, URI, or repository-relative path of the .py file."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    source: Source | None = None
    """WORKSPACE or GIT."""


class SparkJarTask(ApiModel):
    """Run the main class of a JAR (add the JAR in libraries)."""

    main_class_name: str
    """Fully qualified main class."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    jar_uri: str | None = None
    """Deprecated by the API; use libraries."""


class RunJobTask(ApiModel):
    """Trigger another job: give `job` (a row key) or `job_id`."""

    job: str | None = None
    """Lakeform: key of a job row in the metadata (preferred over job_id)."""
    job_id: PosInt64 | None = None
    """Id of a job not managed by Lakeform."""
    job_parameters: dict[str, str] | None = None
    """Job-level parameters of the triggered job."""

    @model_validator(mode="after")
    def _exactly_one_target(self) -> RunJobTask:
        if (self.job is None) == (self.job_id is None):
            raise ValueError("run_job_task needs exactly one of job (a row key), job_id")
        return self


class DbtTask(ApiModel):
    """Run dbt commands."""

    commands: list[str]
    """dbt commands, e.g. `dbt deps`, `dbt run`."""
    project_directory: str | None = None
    """dbt project folder."""
    profiles_directory: str | None = None
    """Folder with profiles.yml."""
    catalog: str | None = None
    """Catalog for dbt."""
    schema_: str | None = Field(default=None, alias="schema")
    """Schema for dbt."""
    warehouse_id: str | None = None
    """SQL warehouse for dbt."""
    source: Source | None = None
    """WORKSPACE or GIT."""


class ConditionTask(ApiModel):
    """Evaluate a condition; downstream tasks use `depends_on[].outcome`."""

    op: Literal[
        "EQUAL_TO",
        "NOT_EQUAL",
        "GREATER_THAN",
        "GREATER_THAN_OR_EQUAL",
        "LESS_THAN",
        "LESS_THAN_OR_EQUAL",
    ]
    """Comparison."""
    left: str
    """Left operand (a string or a `{{...}}` reference)."""
    right: str
    """Right operand."""


class DashboardSubscriber(ApiModel):
    """Who gets the dashboard's snapshot: a user or a notification destination."""

    user_name: str | None = None
    """A workspace user's email."""
    destination_id: str | None = None
    """A notification destination's id."""


class DashboardSubscription(ApiModel):
    """Snapshot emails sent after each refresh."""

    custom_subject: str | None = None
    """Subject line of the email."""
    paused: bool | None = None
    """`true` sends no email."""
    subscribers: list[DashboardSubscriber] | None = None
    """Who receives the snapshot."""


class DashboardTask(ApiModel):
    """Refresh an AI/BI dashboard (and send its snapshot to subscribers)."""

    dashboard_id: str
    """The dashboard's id (Lakeform does not deploy dashboards: write the id, or ${var.NAME})."""
    warehouse_id: str | None = None
    """SQL warehouse to refresh it with (default: the dashboard's own)."""
    subscription: DashboardSubscription | None = None
    """Snapshot emails."""
    filters: dict[str, str] | None = None
    """Dashboard filter values for the refresh."""


class SparkSubmitTask(ApiModel):
    """Run spark-submit on the task's new cluster (no serverless, no job cluster reuse)."""

    parameters: list[str] | None = None
    """spark-submit's arguments (`--class`, the JAR or Python file, its arguments)."""


class CleanRoomsNotebookTask(ApiModel):
    """Run a notebook of a clean room."""

    clean_room_name: str
    """The clean room."""
    notebook_name: str
    """The notebook's name in the clean room."""
    etag: str | None = None
    """The notebook version to run (default: the latest)."""
    notebook_base_parameters: dict[str, str] | None = None
    """Parameters passed to the notebook."""


class DbtCloudTask(ApiModel):
    """Run a dbt Cloud job."""

    connection_resource_name: str | None = None
    """The Unity Catalog connection to dbt Cloud."""
    dbt_cloud_job_id: PosInt64 | None = None
    """The dbt Cloud job's id."""


class DbtPlatformTask(ApiModel):
    """Run a dbt platform job."""

    connection_resource_name: str | None = None
    """The Unity Catalog connection to the dbt platform."""
    dbt_platform_job_id: str | None = None
    """The dbt platform job's id."""


StorageMode = Literal["DIRECT_QUERY", "DUAL", "IMPORT"]


class PowerBiModel(ApiModel):
    """The Power BI semantic model a power_bi_task publishes."""

    authentication_method: Literal["OAUTH", "PAT"] | None = None
    """How Power BI authenticates to Databricks."""
    model_name: str | None = None
    """The semantic model's name."""
    overwrite_existing: bool | None = None
    """Replace a model of that name."""
    storage_mode: StorageMode | None = None
    """The model's default storage mode."""
    workspace_name: str | None = None
    """The Power BI workspace."""


class PowerBiTable(ApiModel):
    """A Unity Catalog table published to the model."""

    catalog: str | None = None
    """Its catalog."""
    name: str | None = None
    """Its name."""
    schema_: str | None = Field(default=None, alias="schema")
    """Its schema."""
    storage_mode: StorageMode | None = None
    """Its storage mode in the model."""


class PowerBiTask(ApiModel):
    """Publish Unity Catalog tables to a Power BI semantic model."""

    connection_resource_name: str | None = None
    """The Unity Catalog connection to Power BI."""
    power_bi_model: PowerBiModel | None = None
    """The model."""
    refresh_after_update: bool | None = None
    """Refresh the model after publishing."""
    tables: list[PowerBiTable] | None = None
    """The tables."""
    warehouse_id: str | None = None
    """The SQL warehouse Power BI queries."""


class AlertSubscriber(ApiModel):
    """Who gets an alert's notification: a user or a notification destination."""

    user_name: str | None = None
    """A workspace user's email."""
    destination_id: str | None = None
    """A notification destination's id."""


class AlertTask(ApiModel):
    """Evaluate a SQL alert (and notify its subscribers)."""

    alert_id: str | None = None
    """The alert's id (Lakeform does not deploy alerts: write the id, or ${var.NAME})."""
    workspace_path: str | None = None
    """The alert's workspace path, instead of its id."""
    warehouse_id: str | None = None
    """The SQL warehouse to evaluate it with."""
    subscribers: list[AlertSubscriber] | None = None
    """Who is notified."""


class ForEachTask(ApiModel):
    """Run a nested task once per input."""

    inputs: str
    """JSON array or a `{{...}}` reference to one."""
    task: Task
    """The nested task (its own task type; no depends_on)."""
    concurrency: PosInt32 | None = None
    """Parallel iterations."""

    @model_validator(mode="after")
    def _one_level(self) -> ForEachTask:
        if self.task.for_each_task is not None:
            raise ValueError(
                "for_each_task.task cannot be another for_each_task: the Jobs API allows one "
                "level; move the inner loop into a job and call it with run_job_task"
            )
        return self


TASK_TYPES = (
    "notebook_task",
    "sql_task",
    "pipeline_task",
    "python_wheel_task",
    "spark_python_task",
    "spark_jar_task",
    "run_job_task",
    "dbt_task",
    "condition_task",
    "for_each_task",
    "dashboard_task",
    "spark_submit_task",
    "clean_rooms_notebook_task",
    "dbt_cloud_task",
    "dbt_platform_task",
    "power_bi_task",
    "alert_task",
)
"""Field names of the task types: a task sets exactly one."""


class Task(ApiModel):
    """A job task, as in the Jobs API 2.2 `tasks[]`, with exactly one task type field."""

    task_key: str
    """Unique key within the job (letters, digits, `_`, `-`)."""
    description: str | None = None
    """Free text."""
    depends_on: list[TaskDependency] | None = None
    """Upstream tasks: task keys or `{task_key, outcome}`. Do not mix with execution_order."""
    execution_order: NonNegInt32 | None = None
    """Lakeform: stage number. Tasks of the same order run in parallel; a task of order N depends on
    every task of the highest lower order present. Converted to depends_on when loaded."""
    disabled: bool | None = None
    """Jobs API: `true` keeps the task in the job but skips it at run time; tasks depending on
    it still run."""
    run_if: RunIf | None = None
    """When to run given the upstream outcomes (default ALL_SUCCESS)."""
    notebook_task: NotebookTask | None = None
    """Run a notebook."""
    sql_task: SqlTask | None = None
    """Run SQL on a warehouse."""
    pipeline_task: PipelineTask | None = None
    """Update a pipeline."""
    python_wheel_task: PythonWheelTask | None = None
    """Run a Python wheel entry point."""
    spark_python_task: SparkPythonTask | None = None
    """Run a Python file."""
    spark_jar_task: SparkJarTask | None = None
    """Run a JAR main class."""
    run_job_task: RunJobTask | None = None
    """Trigger another job."""
    dbt_task: DbtTask | None = None
    """Run dbt."""
    condition_task: ConditionTask | None = None
    """Evaluate a condition."""
    for_each_task: ForEachTask | None = None
    """Loop over inputs."""
    dashboard_task: DashboardTask | None = None
    """Refresh a dashboard."""
    spark_submit_task: SparkSubmitTask | None = None
    """Run spark-submit."""
    clean_rooms_notebook_task: CleanRoomsNotebookTask | None = None
    """Run a clean room notebook."""
    dbt_cloud_task: DbtCloudTask | None = None
    """Run a dbt Cloud job."""
    dbt_platform_task: DbtPlatformTask | None = None
    """Run a dbt platform job."""
    power_bi_task: PowerBiTask | None = None
    """Publish tables to Power BI."""
    alert_task: AlertTask | None = None
    """Evaluate a SQL alert."""
    existing_cluster_id: str | None = None
    """Run on an existing all-purpose cluster."""
    new_cluster: ClusterSpec | None = None
    """Run on a new cluster for this task."""
    job_cluster_key: str | None = None
    """Run on a job cluster of this job."""
    environment_key: str | None = None
    """Serverless environment of this job (`environments[].environment_key`)."""
    libraries: list[Library] | None = None
    """Libraries installed on the task's cluster."""
    timeout_seconds: NonNegInt32 | None = None
    """Task timeout; 0 means none."""
    max_retries: Retries | None = None
    """Retries after a failure; -1 retries forever."""
    min_retry_interval_millis: NonNegInt32 | None = None
    """Wait between a failure and the retry, in milliseconds."""
    retry_on_timeout: bool | None = None
    """Retry when the task times out."""
    email_notifications: EmailNotifications | None = None
    """Task email notifications."""
    webhook_notifications: WebhookNotifications | None = None
    """Task webhook notifications."""
    notification_settings: TaskNotificationSettings | None = None
    """Task notification filters."""
    health: Health | None = None
    """Task health rules."""
    disable_auto_optimization: bool | None = None
    """Turn off serverless auto optimization (retries)."""

    @field_validator("depends_on", mode="before")
    @classmethod
    def _task_keys_as_dependencies(cls, value: object) -> object:
        # The short form: `depends_on: [generate_data]`.
        if isinstance(value, list):
            items: list[object] = list(value)  # pyright: ignore[reportUnknownArgumentType]
            return [{"task_key": v} if isinstance(v, str) else v for v in items]
        return value

    @property
    def task_type(self) -> str:
        """The name of the one task type field set, e.g. `notebook_task`."""
        for name in TASK_TYPES:
            if getattr(self, name) is not None:
                return name
        raise AssertionError("validated task without a type")

    @model_validator(mode="after")
    def _exactly_one_type(self) -> Task:
        types = [t for t in TASK_TYPES if getattr(self, t) is not None]
        if len(types) != 1:
            found = ", ".join(types) if types else "none"
            raise ValueError(
                f"a task needs exactly one task type; found {found}; "
                f"allowed: {', '.join(TASK_TYPES)}"
            )
        return self


# --- job-level fields ----------------------------------------------------------------------------


class FileArrivalTrigger(ApiModel):
    """Run when files arrive at a location."""

    url: str
    """Storage location, e.g. `/Volumes/cat/schema/vol/`."""
    min_time_between_triggers_seconds: TriggerSeconds | None = None
    """Minimum seconds between runs (at least 60)."""
    wait_after_last_change_seconds: TriggerSeconds | None = None
    """Wait this long after the last change (at least 60 seconds)."""


class TableUpdateTrigger(ApiModel):
    """Run when tables are updated."""

    table_names: list[str]
    """Full table names."""
    condition: Literal["ANY_UPDATED", "ALL_UPDATED"] | None = None
    """Which updates trigger a run."""
    min_time_between_triggers_seconds: TriggerSeconds | None = None
    """Minimum seconds between runs (at least 60)."""
    wait_after_last_change_seconds: TriggerSeconds | None = None
    """Wait this long after the last change (at least 60 seconds)."""


class PeriodicTrigger(ApiModel):
    """Run every interval."""

    interval: PosInt32
    """Number of units."""
    unit: Literal["HOURS", "DAYS", "WEEKS"]
    """Unit of the interval."""


class Trigger(ApiModel):
    """A trigger (exactly one kind), as in the Jobs API `trigger`."""

    pause_status: PauseStatus | None = None
    """PAUSED or UNPAUSED."""
    file_arrival: FileArrivalTrigger | None = None
    """File arrival trigger."""
    table_update: TableUpdateTrigger | None = None
    """Table update trigger."""
    periodic: PeriodicTrigger | None = None
    """Periodic trigger."""

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Trigger:
        kinds = [k for k in ("file_arrival", "table_update", "periodic") if getattr(self, k)]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(
                f"trigger needs exactly one of file_arrival, table_update, periodic; found {found}"
            )
        return self


class Continuous(ApiModel):
    """Keep one run active at all times."""

    pause_status: PauseStatus | None = None
    """PAUSED or UNPAUSED."""
    task_retry_mode: Literal["NEVER", "ON_FAILURE"] | None = None
    """Retry failed tasks in place."""


class JobParameter(ApiModel):
    """A job-level parameter."""

    name: str
    """Parameter name, referenced as `{{job.parameters.NAME}}`."""
    default: str
    """Default value."""


class EnvironmentSpec(ApiModel):
    """A serverless environment spec."""

    client: str | None = None
    """Deprecated client version; use environment_version."""
    environment_version: str | None = None
    """Serverless environment version, e.g. `2`."""
    dependencies: list[str] | None = None
    """pip requirements, e.g. `faker==24.0.0`."""
    java_dependencies: list[str] | None = None
    """JAR files for the environment (workspace or volume paths)."""
    base_environment: str | None = None
    """A base environment (workspace file or volume path of its YAML) to start from."""


class JobEnvironment(ApiModel):
    """A serverless environment tasks refer to by environment_key."""

    environment_key: str
    """Key tasks refer to."""
    spec: EnvironmentSpec | None = None
    """The environment."""


class Queue(ApiModel):
    """Queueing of runs that hit a concurrency limit."""

    enabled: bool
    """Queue instead of skipping."""


class GitSource(ApiModel):
    """Remote repository for tasks with source GIT."""

    git_url: str
    """Repository URL."""
    git_provider: str
    """Provider, e.g. `gitHub`."""
    git_branch: str | None = None
    """Branch."""
    git_tag: str | None = None
    """Tag."""
    git_commit: str | None = None
    """Commit."""


class JobRow(ApiModel):
    """A job: Jobs API 2.2 job settings plus Lakeform's row fields."""

    name: str | None = None
    """Job name; defaults to the row key. The stack's name_prefix is prepended."""
    description: str | None = None
    """Free text."""
    tasks: list[Task]
    """The tasks (at most 1,000)."""
    schedule: CronSchedule | None = None
    """Quartz cron schedule."""
    trigger: Trigger | None = None
    """File arrival, table update or periodic trigger."""
    continuous: Continuous | None = None
    """Continuous job."""
    max_concurrent_runs: ConcurrentRuns | None = None
    """Most runs at once (default 1, at most 1000; 0 skips every new run)."""
    timeout_seconds: NonNegInt32 | None = None
    """Job timeout; 0 means none."""
    health: Health | None = None
    """Job health rules."""
    email_notifications: EmailNotifications | None = None
    """Job email notifications."""
    webhook_notifications: WebhookNotifications | None = None
    """Job webhook notifications."""
    notification_settings: NotificationSettings | None = None
    """Job notification filters."""
    tags: dict[str, str] | None = None
    """Job tags."""
    parameters: list[JobParameter] | None = None
    """Job-level parameters."""
    job_clusters: list[JobCluster] | None = None
    """Clusters shared by tasks."""
    environments: list[JobEnvironment] | None = None
    """Serverless environments, referred to by tasks' `environment_key`."""
    queue: Queue | None = None
    """Run queueing."""
    run_as: RunAs | None = None
    """Identity the job runs as."""
    edit_mode: Literal["UI_LOCKED", "EDITABLE"] | None = None
    """Whether the job can be edited in the UI."""
    git_source: GitSource | None = None
    """Remote repository for GIT-sourced tasks."""
    budget_policy_id: str | None = None
    """Budget policy for serverless compute."""
    performance_target: Literal["PERFORMANCE_OPTIMIZED", "STANDARD"] | None = None
    """Serverless performance target."""
    previous_keys: list[str] | None = None
    """Lakeform: earlier keys of this row, so a rename keeps the deployed job."""
    disabled: bool | None = None
    """Lakeform: `true` ignores the row as if absent."""
    stack_overrides: StackOverrides | None = None
    """Lakeform: per-stack overrides `{<stack>: {...partial row...}}`, applied when loaded."""
    permissions: list[Permission] | None = None
    """Who may view, run or manage the job (levels CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE,
    IS_OWNER), as in bundles. Deployed as the job's `databricks.Permissions`; removing them all
    deletes it, which gives the job back to its creator alone."""


JOB_PERMISSION_LEVELS = ("CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE", "IS_OWNER")


ForEachTask.model_rebuild()
Task.model_rebuild()


@dataclass(frozen=True)
class RowReference:
    """A row naming another row by key (a job's task naming a pipeline or a job)."""

    kind: str
    """The kind of the row named."""
    key: str
    path: tuple[str | int, ...]
    """Where the key is written in this row, e.g. `("tasks", 2, "pipeline_task", "pipeline")`."""
    id_field: str
    """The API field that takes the named resource's id in place of the key."""


@dataclass(frozen=True)
class TaskReference:
    """How a task names a row of another kind: `<block>: {<field>: key}` for `<id_field>: id`."""

    block: str
    field: str
    id_field: str

    @property
    def form(self) -> str:
        """The reference by key as a row writes it, with `%s` for the key."""
        return f"{self.block}: {{{self.field}: %s}}"


TASK_REFERENCES: dict[str, TaskReference] = {
    PIPELINES: TaskReference("pipeline_task", "pipeline", "pipeline_id"),
    KIND: TaskReference("run_job_task", "job", "job_id"),
}
"""Kind a task can name -> how (bundles' `${resources.<kind>.<key>.id}` maps onto the same)."""


def task_references(task: Task, at: tuple[str | int, ...]) -> Iterator[RowReference]:
    """Every row the task at `at` names by key (its for_each_task's task included)."""
    for kind, how in TASK_REFERENCES.items():
        block = getattr(task, how.block)
        key = None if block is None else getattr(block, how.field)
        if key is not None:
            yield RowReference(kind, key, (*at, how.block, how.field), how.id_field)
    if task.for_each_task is not None:
        yield from task_references(task.for_each_task.task, (*at, "for_each_task", "task"))


def job_references(row: JobRow) -> Iterator[RowReference]:
    """Every row a job names by key, with where: the one walk checks, the build order and the
    component read."""
    for i, task in enumerate(row.tasks):
        yield from task_references(task, ("tasks", i))
