"""The per-stack settings model: one structured `lakeform:settings` config value per stack."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

STACKS = ("local", "dev", "staging", "prod")


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class RunAs(_Model):
    """Identity jobs run as, as in the Jobs API `run_as` (exactly one field)."""

    user_name: str | None = None
    service_principal_name: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RunAs:
        if (self.user_name is None) == (self.service_principal_name is None):
            raise ValueError("run_as needs exactly one of user_name, service_principal_name")
        return self


class EmailNotifications(_Model):
    """Default job email notifications, as in the Jobs API `email_notifications`."""

    on_start: list[str] = Field(default_factory=list)
    on_success: list[str] = Field(default_factory=list)
    on_failure: list[str] = Field(default_factory=list)
    on_duration_warning_threshold_exceeded: list[str] = Field(default_factory=list)


class StackSettings(_Model):
    """Everything that differs between stacks; read from the `lakeform:settings` config key."""

    metadata_paths: list[str] = Field(default_factory=lambda: ["resources"])
    """Folders or files of metadata rows, relative to the project root."""
    variables: dict[str, str] = Field(default_factory=dict)
    """Values for `${var.NAME}` in any string of a row, e.g. `catalog: olist_dev`."""
    name_prefix: str = ""
    """Prepended to every job and pipeline name, e.g. `[DEV] `."""
    pause_schedules: bool = False
    """Force schedules, triggers and continuous jobs to PAUSED (development stacks)."""
    development: bool = False
    """Pipelines run in development mode with `continuous` off."""
    default_warehouse_id: str | None = None
    """SQL warehouse for SQL tasks that name none."""
    email_notifications: EmailNotifications | None = None
    """Job email notifications applied where a row sets none."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags added to every job and pipeline (row tags win)."""
    run_as: RunAs | None = None
    """Identity jobs run as where a row sets none."""
    workspace_root: str = "/Workspace/Shared/lakeform"
    """Workspace folder that repository files (notebooks, SQL, pipeline sources) are uploaded under."""
    protect: bool = False
    """Protect pipelines and monitors, and retain monitors on delete (production)."""
    allow_empty: bool = False
    """Allow a deploy that loads zero rows (which deletes every resource of the stack)."""
    ui_host: str | None = None
    """Host for URLs in stack outputs when it differs from the API host."""
