"""Pipeline rows: the Pipelines API spec of a Lakeflow Declarative Pipeline, plus row fields."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from metadata.models.shared import (
    ApiModel,
    AutoScale,
    MavenLibrary,
    NonNegInt32,
    Permission,
    RunAs,
    StackOverrides,
)

KIND = "pipelines"
"""The kind's name: the top-level key of metadata files and stack outputs."""

PIPELINE_PERMISSION_LEVELS = ("CAN_VIEW", "CAN_RUN", "CAN_MANAGE", "IS_OWNER")


class PipelineAutoScale(AutoScale):
    """Pipeline cluster autoscaling range and mode."""

    mode: Literal["LEGACY", "ENHANCED"] | None = None
    """Autoscaling mode (pipelines only)."""


class PathRef(ApiModel):
    """A path in the workspace or repository."""

    path: str
    """Absolute workspace path or repository-relative path."""


class GlobRef(ApiModel):
    """A glob of source files."""

    include: str
    """Glob pattern, e.g. `src/pipelines/olist/**`; repository-relative or absolute."""


class PipelineLibrary(ApiModel):
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


class PipelineCluster(ApiModel):
    """A pipeline cluster, as in the Pipelines API `clusters[]`."""

    label: str | None = None
    """`default` or `maintenance`."""
    num_workers: NonNegInt32 | None = None
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


class PipelineNotification(ApiModel):
    """Pipeline email alerts."""

    email_recipients: list[str]
    """Addresses."""
    alerts: list[
        Literal[
            "on-update-success", "on-update-failure", "on-update-fatal-failure", "on-flow-failure"
        ]
    ]
    """Events that send an email."""


class PipelineEnvironment(ApiModel):
    """Serverless pipeline environment."""

    dependencies: list[str] | None = None
    """pip requirements."""


class EventLog(ApiModel):
    """Publish the event log to a table."""

    name: str
    """Table name."""
    catalog: str | None = None
    """Catalog."""
    schema_: str | None = Field(default=None, alias="schema")
    """Schema."""


class RestartWindow(ApiModel):
    """When continuous pipelines may restart for maintenance."""

    start_hour: Annotated[int, Field(ge=0, le=23)]
    """Hour of day 0-23."""
    days_of_week: (
        list[Literal["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]]
        | None
    ) = None
    """Days; all when unset."""
    time_zone_id: str | None = None
    """Timezone id."""


class Filters(ApiModel):
    """Notebook path filters (legacy)."""

    include: list[str] | None = None
    """Paths to include."""
    exclude: list[str] | None = None
    """Paths to exclude."""


class PipelineRow(ApiModel):
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
    stack_overrides: StackOverrides | None = None
    """Lakeform: per-stack overrides `{<stack>: {...partial row...}}`, applied when loaded."""
    permissions: list[Permission] | None = None
    """Who may view, run or manage the pipeline (levels CAN_VIEW, CAN_RUN, CAN_MANAGE,
    IS_OWNER), as in bundles. Deployed as the pipeline's `databricks.Permissions`; removing them all
    deletes it, which leaves the pipeline's grants as they were."""
