"""The metadata format: pydantic models of job, pipeline and quality monitor rows."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Field names follow the Jobs API 2.2, the Pipelines API and the Quality Monitors API (as in bundle
# YAML), so `model_dump(exclude_none=True)` is an API-shaped dict. Lakeform-only fields are marked
# "Lakeform:" in their docstring; components never send them to Databricks.


class _Model(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


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


# --- shared pieces -------------------------------------------------------------------------------


class CronSchedule(_Model):
    """A Quartz cron schedule, as in the Jobs API `schedule`."""

    quartz_cron_expression: str
    """Quartz cron expression: seconds minutes hours day-of-month month day-of-week [year],
    e.g. `0 0 6 * * ?` (daily at 06:00). One of day-of-month and day-of-week must be `?`."""
    timezone_id: str
    """Java/IANA timezone id, e.g. `UTC` or `Europe/Amsterdam`."""
    pause_status: PauseStatus | None = None
    """PAUSED or UNPAUSED (default UNPAUSED; development stacks force PAUSED)."""


class TaskDependency(_Model):
    """One upstream task; in YAML a plain task key string is accepted too."""

    task_key: str
    """Key of the upstream task in the same job."""
    outcome: str | None = None
    """For a condition_task upstream: run only on this outcome (`"true"` or `"false"`)."""


class PyPiLibrary(_Model):
    """A PyPI package."""

    package: str
    """Package requirement, e.g. `faker==24.0.0`."""
    repo: str | None = None
    """Index URL when not PyPI."""


class MavenLibrary(_Model):
    """A Maven artifact."""

    coordinates: str
    """`group:artifact:version`."""
    repo: str | None = None
    """Repository URL when not Maven Central."""
    exclusions: list[str] | None = None
    """Dependencies to exclude, `group:artifact`."""


class CranLibrary(_Model):
    """A CRAN package."""

    package: str
    """Package name."""
    repo: str | None = None
    """Repository URL when not CRAN."""


class Library(_Model):
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


class AutoScale(_Model):
    """Cluster autoscaling range."""

    min_workers: int
    """Fewest workers."""
    max_workers: int
    """Most workers."""


class PipelineAutoScale(AutoScale):
    """Pipeline cluster autoscaling range and mode."""

    mode: Literal["LEGACY", "ENHANCED"] | None = None
    """Autoscaling mode (pipelines only)."""


class ClusterSpec(_Model):
    """A new cluster, as in the Jobs API `new_cluster` (cloud attributes free-form)."""

    spark_version: str | None = None
    """Databricks Runtime version, e.g. `15.4.x-scala2.12`."""
    node_type_id: str | None = None
    """Worker node type, e.g. `i3.xlarge`."""
    driver_node_type_id: str | None = None
    """Driver node type (defaults to node_type_id)."""
    num_workers: int | None = None
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


class JobCluster(_Model):
    """A job cluster shared by tasks through `job_cluster_key`."""

    job_cluster_key: str
    """Key tasks refer to."""
    new_cluster: ClusterSpec
    """The cluster."""


class HealthRule(_Model):
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
    value: int
    """Threshold."""


class Health(_Model):
    """Health rules; a breach triggers on_duration_warning_threshold_exceeded notifications."""

    rules: list[HealthRule]
    """The rules."""


class EmailNotifications(_Model):
    """Email notifications, as in the Jobs API `email_notifications`."""

    on_start: list[str] | None = None
    """Addresses told when a run starts."""
    on_success: list[str] | None = None
    """Addresses told when a run succeeds."""
    on_failure: list[str] | None = None
    """Addresses told when a run fails."""
    on_duration_warning_threshold_exceeded: list[str] | None = None
    """Addresses told when RUN_DURATION_SECONDS health rule is breached."""
    on_streaming_backlog_exceeded: list[str] | None = None
    """Addresses told when a streaming backlog health rule is breached."""
    no_alert_for_skipped_runs: bool | None = None
    """Deprecated by the API (use notification_settings); kept for old rows."""


class Webhook(_Model):
    """A notification destination."""

    id: str
    """Notification destination id."""


class WebhookNotifications(_Model):
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


class NotificationSettings(_Model):
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


class NotebookTask(_Model):
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


class SqlQuery(_Model):
    """A saved SQL query."""

    query_id: str
    """Query id."""


class SqlFile(_Model):
    """A SQL file."""

    path: str
    """Workspace path (absolute) or repository-relative path of the .sql file."""
    source: Source | None = None
    """WORKSPACE or GIT."""


class SqlSubscription(_Model):
    """A dashboard or alert subscriber."""

    user_name: str | None = None
    """User to notify."""
    destination_id: str | None = None
    """Notification destination to notify."""


class SqlDashboard(_Model):
    """Refresh a legacy SQL dashboard."""

    dashboard_id: str
    """Dashboard id."""
    subscriptions: list[SqlSubscription] | None = None
    """Subscribers."""
    custom_subject: str | None = None
    """Email subject."""
    pause_subscriptions: bool | None = None
    """Do not send to subscribers."""


class SqlAlert(_Model):
    """Evaluate a SQL alert."""

    alert_id: str
    """Alert id."""
    subscriptions: list[SqlSubscription] | None = None
    """Subscribers."""
    pause_subscriptions: bool | None = None
    """Do not send to subscribers."""


class SqlTask(_Model):
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


class PipelineTask(_Model):
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


class PythonWheelTask(_Model):
    """Run an entry point of a Python wheel (add the wheel in libraries)."""

    package_name: str
    """Package name."""
    entry_point: str
    """Entry point name."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    named_parameters: dict[str, str] | None = None
    """Named parameters `--key=value`."""


class SparkPythonTask(_Model):
    """Run a Python file."""

    python_file: str
    """Workspace path, URI, or repository-relative path of the .py file."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    source: Source | None = None
    """WORKSPACE or GIT."""


class SparkJarTask(_Model):
    """Run the main class of a JAR (add the JAR in libraries)."""

    main_class_name: str
    """Fully qualified main class."""
    parameters: list[str] | None = None
    """Command-line parameters."""
    jar_uri: str | None = None
    """Deprecated by the API; use libraries."""


class RunJobTask(_Model):
    """Trigger another job: give `job` (a row key) or `job_id`."""

    job: str | None = None
    """Lakeform: key of a job row in the metadata (preferred over job_id)."""
    job_id: int | None = None
    """Id of a job not managed by Lakeform."""
    job_parameters: dict[str, str] | None = None
    """Job-level parameters of the triggered job."""

    @model_validator(mode="after")
    def _exactly_one_target(self) -> RunJobTask:
        if (self.job is None) == (self.job_id is None):
            raise ValueError("run_job_task needs exactly one of job (a row key), job_id")
        return self


class DbtTask(_Model):
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


class ConditionTask(_Model):
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


class ForEachTask(_Model):
    """Run a nested task once per input."""

    inputs: str
    """JSON array or a `{{...}}` reference to one."""
    task: Task
    """The nested task (its own task type; no depends_on)."""
    concurrency: int | None = None
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
)
"""Field names of the task types: a task sets exactly one."""


class Task(_Model):
    """A job task, as in the Jobs API 2.2 `tasks[]`, with exactly one task type field."""

    task_key: str
    """Unique key within the job (letters, digits, `_`, `-`)."""
    description: str | None = None
    """Free text."""
    depends_on: list[TaskDependency] | None = None
    """Upstream tasks: task keys or `{task_key, outcome}`. Do not mix with execution_order."""
    execution_order: int | None = None
    """Lakeform: stage number. Tasks of the same order run in parallel; a task of order N depends on
    every task of the highest lower order present. Converted to depends_on when loaded."""
    disabled: bool | None = None
    """Lakeform: `true` drops the task as if absent."""
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
    timeout_seconds: int | None = None
    """Task timeout; 0 means none."""
    max_retries: int | None = None
    """Retries after a failure; -1 retries forever."""
    min_retry_interval_millis: int | None = None
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


# --- job-level settings --------------------------------------------------------------------------


class FileArrivalTrigger(_Model):
    """Run when files arrive at a location."""

    url: str
    """Storage location, e.g. `/Volumes/cat/schema/vol/`."""
    min_time_between_triggers_seconds: int | None = None
    """Minimum seconds between runs."""
    wait_after_last_change_seconds: int | None = None
    """Wait this long after the last change."""


class TableUpdateTrigger(_Model):
    """Run when tables are updated."""

    table_names: list[str]
    """Full table names."""
    condition: Literal["ANY_UPDATED", "ALL_UPDATED"] | None = None
    """Which updates trigger a run."""
    min_time_between_triggers_seconds: int | None = None
    """Minimum seconds between runs."""
    wait_after_last_change_seconds: int | None = None
    """Wait this long after the last change."""


class PeriodicTrigger(_Model):
    """Run every interval."""

    interval: int
    """Number of units."""
    unit: Literal["HOURS", "DAYS", "WEEKS"]
    """Unit of the interval."""


class Trigger(_Model):
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


class Continuous(_Model):
    """Keep one run active at all times."""

    pause_status: PauseStatus | None = None
    """PAUSED or UNPAUSED."""
    task_retry_mode: Literal["NEVER", "ON_FAILURE"] | None = None
    """Retry failed tasks in place."""


class JobParameter(_Model):
    """A job-level parameter."""

    name: str
    """Parameter name, referenced as `{{job.parameters.NAME}}`."""
    default: str
    """Default value."""


class EnvironmentSpec(_Model):
    """A serverless environment spec."""

    client: str | None = None
    """Deprecated client version; use environment_version."""
    environment_version: str | None = None
    """Serverless environment version, e.g. `2`."""
    dependencies: list[str] | None = None
    """pip requirements, e.g. `faker==24.0.0`."""


class JobEnvironment(_Model):
    """A serverless environment tasks refer to by environment_key."""

    environment_key: str
    """Key tasks refer to."""
    spec: EnvironmentSpec | None = None
    """The environment."""


class Queue(_Model):
    """Queueing of runs that hit a concurrency limit."""

    enabled: bool
    """Queue instead of skipping."""


class RunAs(_Model):
    """Identity the job runs as (exactly one field)."""

    user_name: str | None = None
    """A user."""
    service_principal_name: str | None = None
    """A service principal application id."""

    @model_validator(mode="after")
    def _exactly_one(self) -> RunAs:
        if (self.user_name is None) == (self.service_principal_name is None):
            raise ValueError("run_as needs exactly one of user_name, service_principal_name")
        return self


class GitSource(_Model):
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


StackOverrides = dict[str, dict[str, Any]]
"""Lakeform: `environments: {<stack>: {...partial row...}}`, deep-merged over the row."""


class JobRow(_Model):
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
    max_concurrent_runs: int | None = None
    """Most runs at once (default 1)."""
    timeout_seconds: int | None = None
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
    """Serverless environments (a list). Lakeform: a MAPPING here instead holds per-stack overrides
    `{<stack>: {...partial row...}}`, applied when loaded."""
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


# --- pipelines -----------------------------------------------------------------------------------


class PathRef(_Model):
    """A path in the workspace or repository."""

    path: str
    """Absolute workspace path or repository-relative path."""


class GlobRef(_Model):
    """A glob of source files."""

    include: str
    """Glob pattern, e.g. `src/pipelines/olist/**`; repository-relative or absolute."""


class PipelineLibrary(_Model):
    """A pipeline source (exactly one kind)."""

    notebook: PathRef | None = None
    """A notebook."""
    file: PathRef | None = None
    """A Python or SQL file."""
    glob: GlobRef | None = None
    """A glob of files."""
    jar: str | None = None
    """A JAR."""
    maven: MavenLibrary | None = None
    """A Maven artifact."""
    whl: str | None = None
    """A wheel (deprecated by the API)."""

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> PipelineLibrary:
        kinds = [k for k in ("notebook", "file", "glob", "jar", "maven", "whl") if getattr(self, k)]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(
                f"a library needs exactly one of notebook, file, glob, jar, maven, whl; "
                f"found {found}"
            )
        return self


class PipelineCluster(_Model):
    """A pipeline cluster, as in the Pipelines API `clusters[]`."""

    label: str | None = None
    """`default` or `maintenance`."""
    num_workers: int | None = None
    """Fixed number of workers."""
    autoscale: PipelineAutoScale | None = None
    """Autoscaling range."""
    node_type_id: str | None = None
    """Worker node type."""
    driver_node_type_id: str | None = None
    """Driver node type."""
    policy_id: str | None = None
    """Cluster policy id."""
    apply_policy_default_values: bool | None = None
    """Fill unset fields from the policy defaults."""
    instance_pool_id: str | None = None
    """Instance pool for workers."""
    driver_instance_pool_id: str | None = None
    """Instance pool for the driver."""
    spark_conf: dict[str, str] | None = None
    """Spark configuration."""
    spark_env_vars: dict[str, str] | None = None
    """Environment variables."""
    custom_tags: dict[str, str] | None = None
    """Tags for cloud resources."""
    ssh_public_keys: list[str] | None = None
    """SSH public keys."""
    enable_local_disk_encryption: bool | None = None
    """Encrypt local disks."""
    aws_attributes: dict[str, Any] | None = None
    """AWS attributes."""
    azure_attributes: dict[str, Any] | None = None
    """Azure attributes."""
    gcp_attributes: dict[str, Any] | None = None
    """GCP attributes."""
    init_scripts: list[dict[str, Any]] | None = None
    """Init scripts."""
    cluster_log_conf: dict[str, Any] | None = None
    """Cluster log delivery."""


class PipelineNotification(_Model):
    """Pipeline email alerts."""

    email_recipients: list[str]
    """Addresses."""
    alerts: list[
        Literal[
            "on-update-success", "on-update-failure", "on-update-fatal-failure", "on-flow-failure"
        ]
    ]
    """Events that send an email."""


class PipelineEnvironment(_Model):
    """Serverless pipeline environment."""

    dependencies: list[str] | None = None
    """pip requirements."""


class EventLog(_Model):
    """Publish the event log to a table."""

    name: str
    """Table name."""
    catalog: str | None = None
    """Catalog."""
    schema_: str | None = Field(default=None, alias="schema")
    """Schema."""


class RestartWindow(_Model):
    """When continuous pipelines may restart for maintenance."""

    start_hour: int
    """Hour of day 0-23."""
    days_of_week: (
        list[Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]]
        | None
    ) = None
    """Days; all when unset."""
    time_zone_id: str | None = None
    """Timezone id."""


class Filters(_Model):
    """Notebook path filters (legacy)."""

    include: list[str] | None = None
    """Paths to include."""
    exclude: list[str] | None = None
    """Paths to exclude."""


class PipelineRow(_Model):
    """A Lakeflow Declarative Pipeline: the Pipelines API spec plus Lakeform's row fields."""

    name: str | None = None
    """Pipeline name; defaults to the row key. The stack's name_prefix is prepended."""
    catalog: str | None = None
    """Unity Catalog catalog the tables are published to, e.g. `${var.catalog}`."""
    schema_: str | None = Field(default=None, alias="schema")
    """Default schema of the tables."""
    target: str | None = None
    """Legacy name of schema."""
    storage: str | None = None
    """Storage location (Hive metastore pipelines)."""
    configuration: dict[str, str] | None = None
    """Spark/pipeline configuration readable by the sources."""
    libraries: list[PipelineLibrary] | None = None
    """Source notebooks and files."""
    root_path: str | None = None
    """Root folder of the sources; repository-relative or absolute."""
    clusters: list[PipelineCluster] | None = None
    """Classic compute (or set serverless)."""
    serverless: bool | None = None
    """Serverless compute."""
    continuous: bool | None = None
    """Run continuously instead of triggered."""
    development: bool | None = None
    """Development mode (development stacks force it)."""
    photon: bool | None = None
    """Photon engine."""
    edition: Literal["CORE", "PRO", "ADVANCED", "core", "pro", "advanced"] | None = None
    """Product edition (classic compute)."""
    channel: Literal["CURRENT", "PREVIEW"] | None = None
    """Runtime channel."""
    notifications: list[PipelineNotification] | None = None
    """Email alerts."""
    environment: PipelineEnvironment | None = None
    """Serverless environment."""
    tags: dict[str, str] | None = None
    """Pipeline tags."""
    budget_policy_id: str | None = None
    """Budget policy for serverless compute."""
    event_log: EventLog | None = None
    """Event log table."""
    restart_window: RestartWindow | None = None
    """Maintenance restart window."""
    filters: Filters | None = None
    """Legacy notebook filters."""
    allow_duplicate_names: bool | None = None
    """Allow a name used by another pipeline."""
    run_as: RunAs | None = None
    """Identity the pipeline runs as."""
    previous_keys: list[str] | None = None
    """Lakeform: earlier keys of this row, so a rename keeps the deployed pipeline."""
    disabled: bool | None = None
    """Lakeform: `true` ignores the row as if absent (a job referring to it is an error)."""
    environments: StackOverrides | None = None
    """Lakeform: per-stack overrides `{<stack>: {...partial row...}}`, applied when loaded."""


# --- quality monitors ----------------------------------------------------------------------------

_SPARK_TYPES = {
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
    spark = _SPARK_TYPES.get(lowered)
    if spark is None and _DECIMAL.match(lowered):
        spark = re.sub(r"\s+", "", lowered)
    if spark is None:
        raise ValueError(
            f"unknown output_data_type {type_name!r}; use a Spark StructField JSON or one of: "
            + ", ".join(sorted(_SPARK_TYPES))
            + ", decimal(p,s)"
        )
    field: dict[str, object] = {"metadata": {}, "name": "output", "nullable": True, "type": spark}
    return json.dumps(field, separators=(",", ":"), sort_keys=True)


_METRIC_TYPES = {
    "AGGREGATE": "CUSTOM_METRIC_TYPE_AGGREGATE",
    "DERIVED": "CUSTOM_METRIC_TYPE_DERIVED",
    "DRIFT": "CUSTOM_METRIC_TYPE_DRIFT",
}


class CustomMetric(_Model):
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
    """SQL expression. DERIVED and DRIFT metrics refer to other metrics as `{{name}}`
    (drift: `{{current_df}}.name`, `{{base_df}}.name`)."""
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


class MonitorSnapshot(_Model):
    """Snapshot profile: the whole table each refresh."""


class MonitorTimeSeries(_Model):
    """Time series profile: windows over a timestamp column."""

    timestamp_col: str
    """Timestamp column."""
    granularities: list[str]
    """Window sizes, e.g. `1 day`, `1 week`."""


class MonitorInferenceLog(_Model):
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


class MonitorDestination(_Model):
    """Email recipients."""

    email_addresses: list[str]
    """Addresses."""


class MonitorNotifications(_Model):
    """Monitor notifications."""

    on_failure: MonitorDestination | None = None
    """Told when a refresh fails."""
    on_new_classification_tag_detected: MonitorDestination | None = None
    """Told when data classification finds a new tag."""


class MonitorSchedule(_Model):
    """Refresh schedule."""

    quartz_cron_expression: str
    """Quartz cron expression, e.g. `0 0 8 * * ?`."""
    timezone_id: str
    """Timezone id."""


class DataClassificationConfig(_Model):
    """Data classification."""

    enabled: bool
    """Classify columns."""


PROFILE_TYPES = ("snapshot", "time_series", "inference_log")


class QualityMonitorRow(_Model):
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
    reset: int = 0
    """Lakeform: bump to delete and recreate the monitor deliberately (loses its history)."""
    previous_keys: list[str] | None = None
    """Lakeform: earlier keys of this row."""
    disabled: bool | None = None
    """Lakeform: `true` ignores the row as if absent."""
    environments: StackOverrides | None = None
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


ForEachTask.model_rebuild()
Task.model_rebuild()

ROW_MODELS: dict[str, type[BaseModel]] = {
    "jobs": JobRow,
    "pipelines": PipelineRow,
    "quality_monitors": QualityMonitorRow,
}
"""Top-level map of a metadata file -> the row model."""
