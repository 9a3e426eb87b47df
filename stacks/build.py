"""Wire resolved rows to components, in reference order, and export one output per kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_databricks as databricks

from components._convert import UnmappedFieldError, to_input
from components.files import RowFiles, upload_base
from components.jobs import Job, JobArgs, job_spec
from components.monitors import QualityMonitor, QualityMonitorArgs, monitor_spec
from components.pipelines import Pipeline, PipelineArgs, pipeline_spec
from metadata import Rows, apply_stack_defaults
from metadata.models import JobRow, Task
from metadata.settings import StackSettings
from stacks.config import LakeformError
from stacks.guard import guard_protected_rows


class RepoFiles(Mapping[str, bytes]):
    """Repository-relative path -> file contents, read on first use (metadata checked them)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._read: dict[str, bytes] = {}

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._read:
            path = self._root / rel
            if not path.is_file():
                raise KeyError(rel)
            self._read[rel] = path.read_bytes()
        return self._read[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read)

    def __len__(self) -> int:
        return len(self._read)


class RepoGlobs(Mapping[str, Sequence[str]]):
    """Repository-relative glob pattern -> matching files, sorted (`dir/**` means every file)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._seen: dict[str, list[str]] = {}

    def __getitem__(self, pattern: str) -> Sequence[str]:
        if pattern not in self._seen:
            expanded = pattern + "/*" if pattern.endswith("**") else pattern
            matches = [p for p in self._root.glob(expanded) if p.is_file()]
            self._seen[pattern] = sorted(p.relative_to(self._root).as_posix() for p in matches)
        return self._seen[pattern]

    def __iter__(self) -> Iterator[str]:
        return iter(self._seen)

    def __len__(self) -> int:
        return len(self._seen)


@dataclass
class Built:
    """The components of one stack, keyed by row key."""

    jobs: dict[str, Job] = field(default_factory=dict[str, Job])
    pipelines: dict[str, Pipeline] = field(default_factory=dict[str, Pipeline])
    quality_monitors: dict[str, QualityMonitor] = field(default_factory=dict[str, QualityMonitor])


def _job_refs(tasks: Sequence[Task]) -> set[str]:
    refs: set[str] = set()
    for task in tasks:
        if task.run_job_task is not None and task.run_job_task.job is not None:
            refs.add(task.run_job_task.job)
        if task.for_each_task is not None:
            refs |= _job_refs([task.for_each_task.task])
    return refs


def job_order(jobs: Mapping[str, JobRow]) -> list[str]:
    """Job keys with every job a `run_job_task` refers to before the job referring to it."""
    order: list[str] = []
    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done or key not in jobs:
            return
        if key in path:  # metadata rejects cycles; never loop if one slipped through
            raise LakeformError(f"jobs.{key}: run_job_task cycle: {' -> '.join((*path, key))}")
        for ref in sorted(_job_refs(jobs[key].tasks)):
            visit(ref, (*path, key))
        done.add(key)
        order.append(key)

    for key in sorted(jobs):
        visit(key, ())
    return order


def check_not_empty(settings: StackSettings, rows: Rows, stack: str) -> None:
    """Refuse a run that loads zero rows: it would delete every resource of the stack."""
    if rows.total == 0 and not settings.allow_empty:
        raise LakeformError(f"stack {stack}: {settings.empty_refusal()}")


def check_release(settings: StackSettings, rows: Rows) -> None:
    """Warn about release entries, so a lifted protection is never forgotten."""
    for entry in settings.release:
        kind, key = entry.split(".", 1)
        present = key in (rows.pipelines if kind == "pipelines" else rows.quality_monitors)
        if present:
            pulumi.log.warn(
                f"lakeform:settings.release: {entry} is released (not protected): once this run "
                "is deployed its row can be removed, or a monitor reset; then take it out of "
                "release."
            )
        else:
            pulumi.log.warn(
                f"lakeform:settings.release: {entry} matches no row (already removed?); "
                "take it out of release."
            )


def preflight(rows: Rows, files: Callable[[str, str], RowFiles]) -> None:
    """Map every row to provider inputs before any resource exists; one clean error lists every
    row the provider cannot take (a field metadata accepts that the provider has no input for)."""
    problems: list[str] = []
    placeholder_ids = {k: "0" for k in rows.pipelines}
    placeholder_jobs: dict[str, pulumi.Input[int]] = {k: 0 for k in rows.jobs}
    for key, row in sorted(rows.jobs.items()):
        try:
            spec, _ = job_spec(
                JobArgs(
                    key=key,
                    row=row,
                    files=files("jobs", key),
                    pipeline_ids=placeholder_ids,
                    job_ids=placeholder_jobs,
                )
            )
            to_input(spec, databricks.JobArgs)
        except (UnmappedFieldError, LookupError) as err:
            problems.append(f"jobs.{key}: {_reason(err)}")
    for key, row in sorted(rows.pipelines.items()):
        try:
            spec, _ = pipeline_spec(PipelineArgs(key=key, row=row, files=files("pipelines", key)))
            to_input(spec, databricks.PipelineArgs)
        except (UnmappedFieldError, LookupError) as err:
            problems.append(f"pipelines.{key}: {_reason(err)}")
    for key, row in sorted(rows.quality_monitors.items()):
        try:
            to_input(
                monitor_spec(QualityMonitorArgs(key=key, row=row)),
                databricks.QualityMonitorArgs,
            )
        except UnmappedFieldError as err:
            problems.append(f"quality_monitors.{key}: {_reason(err)}")
    if problems:
        raise LakeformError("rows the Databricks provider cannot take:\n" + "\n".join(problems))


def _reason(err: Exception) -> str:
    if isinstance(err, UnmappedFieldError):
        return f"not supported by the Databricks provider: {err}"
    if isinstance(err, KeyError):
        return f"file not found in the repository: {err.args[0]}"
    return str(err)


def _url(host: str | None, kind: str, ident: pulumi.Output[str]) -> pulumi.Output[str] | None:
    return pulumi.Output.concat(host, f"/{kind}/", ident) if host else None


def build(
    settings: StackSettings,
    rows: Rows,
    *,
    stack: str,
    root: Path,
    host: str | None = None,
    sources: Mapping[str, bytes] | None = None,
    glob_matches: Mapping[str, Sequence[str]] | None = None,
) -> Built:
    """Create the components for `rows` in this stack and export `jobs`, `pipelines` and
    `quality_monitors` outputs keyed by row key. Rows not yet final for the stack are made so
    by metadata (`apply_stack_defaults`); components only ever see final rows."""
    rows = apply_stack_defaults(rows, settings, stack)
    check_not_empty(settings, rows, stack)
    if settings.protect:
        check_release(settings, rows)
        guard_protected_rows(settings, rows, stack)
    contents = sources if sources is not None else RepoFiles(root)
    globs = glob_matches if glob_matches is not None else RepoGlobs(root)

    def files(kind: str, key: str) -> RowFiles:
        folder = upload_base(settings.workspace_root, stack, kind, key)
        return RowFiles(folder=folder, contents=contents, globs=globs)

    preflight(rows, files)
    built = Built()
    for key in sorted(rows.pipelines):
        built.pipelines[key] = Pipeline(
            key,
            PipelineArgs(
                key=key,
                row=rows.pipelines[key],
                files=files("pipelines", key),
                protect=settings.protect and not settings.released("pipelines", key),
            ),
        )
    pipeline_ids = {k: p.pipeline_id for k, p in built.pipelines.items()}
    job_ids: dict[str, pulumi.Input[int]] = {}
    for key in job_order(rows.jobs):
        job = Job(
            key,
            JobArgs(
                key=key,
                row=rows.jobs[key],
                files=files("jobs", key),
                pipeline_ids=pipeline_ids,
                job_ids=dict(job_ids),
            ),
        )
        built.jobs[key] = job
        # The provider wants run_job_task.job_id as a number; resource ids are strings.
        job_ids[key] = job.job_id.apply(int)
    for key in sorted(rows.quality_monitors):
        built.quality_monitors[key] = QualityMonitor(
            key,
            QualityMonitorArgs(
                key=key,
                row=rows.quality_monitors[key],
                protect=settings.protect and not settings.released("quality_monitors", key),
            ),
        )
    export(built, host)
    return built


def export(built: Built, host: str | None) -> None:
    """One structured stack output per kind, keyed by row key."""
    jobs: dict[str, Any] = {
        key: {"id": j.job_id, "name": j.job_name, "url": _url(host, "jobs", j.job_id)}
        for key, j in sorted(built.jobs.items())
    }
    pipelines: dict[str, Any] = {
        key: {
            "id": p.pipeline_id,
            "name": p.pipeline_name,
            "url": _url(host, "pipelines", p.pipeline_id),
            "protected": p.protected,
        }
        for key, p in sorted(built.pipelines.items())
    }
    monitors: dict[str, Any] = {
        key: {
            "table_name": m.table_name,
            "dashboard_id": m.dashboard_id,
            "profile_metrics_table_name": m.profile_metrics_table_name,
            "drift_metrics_table_name": m.drift_metrics_table_name,
            "protected": m.protected,
            "reset": m.reset,
        }
        for key, m in sorted(built.quality_monitors.items())
    }
    pulumi.export("jobs", jobs)
    pulumi.export("pipelines", pipelines)
    pulumi.export("quality_monitors", monitors)
