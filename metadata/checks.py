"""Rules that span fields and rows, applied once after every file is read: one check per kind
(metadata.kinds names it) and the rules common to all rows."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from metadata.cron import cron_problem, timezone_problem
from metadata.errors import Problem
from metadata.folders import UPLOAD_GLOB, UPLOAD_REF
from metadata.located import Locator, Part
from metadata.messages import suggest
from metadata.metrics import MetricDef, definition_problems
from metadata.models.jobs import JOB_PERMISSION_LEVELS, JobRow, Task, task_references
from metadata.models.monitors import QualityMonitorRow
from metadata.models.pipelines import PIPELINE_PERMISSION_LEVELS, PipelineRow
from metadata.models.shared import Permission
from metadata.notebooks import NOTEBOOK_LANGUAGES, jupyter_language
from metadata.overrides import REF
from metadata.paths import (
    LIBRARY_FILES,
    LeavesRepository,
    clean_path,
    inside_repository,
    is_repo_relative,
    is_uploaded_library,
    repo_glob,
    uploads_from_repository,
)
from metadata.validated import Resolution, Resolved

MAX_TASKS = 1000
TASK_KEY = re.compile(r"^[\w-]{1,100}$")


@dataclass(frozen=True)
class CheckContext:
    """What the checks of one row see besides the row: every row read, and the project."""

    res: Resolution
    repo: Repo
    warehouse_known: bool | None
    """Whether SQL tasks without a warehouse have the stack's default one; None: loaded without
    stack settings, so neither this nor the variables are checked."""


def previous_keys(res: Resolution) -> Iterator[Problem]:
    """A previous key must not be a live key or claimed by two rows of the same kind."""
    claimed: dict[tuple[str, str], str] = {}
    for row in res.rows:
        previous: list[str] | None = getattr(row.model, "previous_keys", None)
        for i, old in enumerate(previous or []):
            parts: tuple[Part, ...] = ("previous_keys", i)
            if old == row.key:
                yield row.loc.problem(parts, f"'{old}' is this row's own key")
            elif old in res.present[row.kind]:
                yield row.loc.problem(
                    parts, f"'{old}' is the key of another {row.kind[:-1]} row; keys must be unique"
                )
            elif (row.kind, old) in claimed:
                yield row.loc.problem(
                    parts,
                    f"'{old}' is also a previous key of {row.kind}.{claimed[(row.kind, old)]}",
                )
            else:
                claimed[(row.kind, old)] = row.key


# --- jobs ----------------------------------------------------------------------------------------


def _permissions(
    loc: Locator, permissions: list[Permission] | None, levels: tuple[str, ...]
) -> Iterator[Problem]:
    """Levels the kind has, at most one owner, not the admins group."""
    owner: int | None = None
    for i, p in enumerate(permissions or []):
        if p.group_name == "admins":
            yield loc.problem(
                ("permissions", i, "group_name"),
                "the admins group manages every job and pipeline already, and the Databricks "
                "provider refuses to set its permissions; remove this entry",
            )
        if p.level not in levels:
            yield loc.problem(
                ("permissions", i, "level"),
                f"unknown permission level '{p.level}'"
                + _did_you_mean(p.level, list(levels))
                + f"; levels: {', '.join(levels)}",
            )
        elif p.level == "IS_OWNER":
            if owner is not None:
                yield loc.problem(
                    ("permissions", i, "level"),
                    f"a second IS_OWNER (also permissions[{owner}]); a resource has one owner",
                )
            owner = i if owner is None else owner


def check_job(row: Resolved, ctx: CheckContext) -> Iterator[Problem]:
    """Tasks, dependencies, references, clusters, environments, schedule and trigger."""
    job = row.model
    assert isinstance(job, JobRow)
    loc = row.loc
    name = row.key
    yield from _permissions(loc, job.permissions, JOB_PERMISSION_LEVELS)
    if len(job.tasks) > MAX_TASKS:
        yield loc.problem(
            ("tasks",),
            f"job '{name}' has {len(job.tasks)} tasks; the Jobs API allows at most {MAX_TASKS} "
            "(split it and chain the parts with run_job_task)",
        )
    if not job.tasks:
        yield loc.problem(("tasks",), f"job '{name}' has no tasks")
    triggers = [k for k in ("schedule", "trigger", "continuous") if getattr(job, k) is not None]
    if len(triggers) > 1:
        yield loc.problem(
            (triggers[1],),
            f"a job takes at most one of schedule, trigger, continuous; found "
            f"{', '.join(triggers)}",
        )
    if job.schedule is not None:
        yield from check_schedule(
            loc, ("schedule",), job.schedule.quartz_cron_expression, job.schedule.timezone_id
        )
    if (
        job.trigger is not None
        and job.trigger.table_update is not None
        and job.trigger.table_update.condition is not None
    ):
        yield loc.problem(
            ("trigger", "table_update", "condition"),
            "the Jobs API accepts condition but never returns it, so the Databricks provider "
            "plans a change on every refresh (databricks/cli #6315); leave it out: the "
            "service then triggers when any of the tables is updated",
        )
    yield from _trigger(job, loc)
    yield from _git_source(job, loc)

    keys: dict[str, int] = {}
    for i, task in enumerate(job.tasks):
        if task.task_key in keys:
            yield loc.problem(
                ("tasks", i, "task_key"),
                f"duplicate task key '{task.task_key}' in job '{name}' "
                f"(also tasks[{loc.index(keys[task.task_key])}])",
            )
        else:
            keys[task.task_key] = i
        if not TASK_KEY.match(task.task_key):
            yield loc.problem(
                ("tasks", i, "task_key"),
                f"task key '{task.task_key}' may hold letters, digits, '_' and '-' only "
                "(at most 100)",
            )

    known = sorted(keys)
    clusters = {c.job_cluster_key for c in job.job_clusters or []}
    environments = {e.environment_key for e in job.environments or []}
    for e, env in enumerate(job.environments or []):
        for d, dep in enumerate((env.spec.dependencies or []) if env.spec else []):
            if is_uploaded_library(dep):
                eparts = ("environments", e, "spec", "dependencies", d)
                yield from _repo_file(loc, eparts, dep, ctx.repo)
    for i, task in enumerate(job.tasks):
        parts: tuple[Part, ...] = ("tasks", i)
        for d, dep in enumerate(task.depends_on or []):
            dparts = (*parts, "depends_on", d)
            if dep.task_key in keys:
                upstream = job.tasks[keys[dep.task_key]]
                if dep.outcome is not None:
                    if upstream.condition_task is None:
                        yield loc.problem(
                            (*dparts, "outcome"),
                            f"outcome is only for condition_task upstreams; "
                            f"'{dep.task_key}' is a {upstream.task_type}",
                        )
                    elif dep.outcome not in ("true", "false"):
                        yield loc.problem(
                            (*dparts, "outcome"),
                            f"outcome must be 'true' or 'false'; got '{dep.outcome}'",
                        )
            else:
                others = [k for k in known if k != task.task_key]
                yield loc.problem(
                    (*parts, "depends_on"),
                    f"unknown task '{dep.task_key}'; known: {', '.join(others) or 'none'}",
                )
        if task.job_cluster_key is not None and task.job_cluster_key not in clusters:
            yield loc.problem(
                (*parts, "job_cluster_key"),
                f"unknown job cluster '{task.job_cluster_key}'; job_clusters define: "
                f"{', '.join(sorted(clusters)) or 'none'}",
            )
        if task.environment_key is not None and task.environment_key not in environments:
            yield loc.problem(
                (*parts, "environment_key"),
                f"unknown environment '{task.environment_key}'; environments define: "
                f"{', '.join(sorted(environments)) or 'none'}",
            )
        yield from _task(task, parts, loc, ctx, git=job.git_source is not None)
        for ref in task_references(task, parts):
            yield from _reference(loc, ref.path, ref.key, ref.kind, ctx.res)
    yield from _cycles(job, loc)


def _trigger(job: JobRow, loc: Locator) -> Iterator[Problem]:
    """What the provider's job schema refuses in a trigger: MinItems 1 on table_names
    (periodic.interval's IntAtLeast(1) is the model's range, metadata/models/jobs.py)."""
    trigger = job.trigger
    if trigger is None:
        return
    if trigger.table_update is not None and not trigger.table_update.table_names:
        yield loc.problem(
            ("trigger", "table_update", "table_names"),
            "needs at least one table (full name, e.g. 'main.sales.orders')",
        )


def _git_source(job: JobRow, loc: Locator) -> Iterator[Problem]:
    """An https URL with a host, and at most one of branch, tag, commit (the provider's
    gitSourceSchema)."""
    git = job.git_source
    if git is None:
        return
    url = urllib.parse.urlsplit(git.git_url) if "${" not in git.git_url else None
    if url is not None and (url.scheme != "https" or not url.hostname):
        yield loc.problem(
            ("git_source", "git_url"),
            f"must be an https:// URL with a host (the Databricks provider refuses others); got "
            f"'{git.git_url}'",
        )
    refs = [k for k in ("git_branch", "git_tag", "git_commit") if getattr(git, k) is not None]
    if len(refs) > 1:
        yield loc.problem(
            ("git_source", refs[1]),
            f"set one of git_branch, git_tag, git_commit; found {', '.join(refs)}",
        )


def _did_you_mean(word: str, choices: list[str]) -> str:
    hint = suggest(word, choices)
    return f" ({hint.removeprefix('; ')})" if hint.startswith("; did") else ""


def _task(
    task: Task,
    parts: tuple[Part, ...],
    loc: Locator,
    ctx: CheckContext,
    *,
    git: bool,
) -> Iterator[Problem]:
    repo = ctx.repo
    for n, library in enumerate(task.libraries or []):
        for kind in LIBRARY_FILES:
            path = getattr(library, kind)
            if path is not None and is_uploaded_library(path):
                yield from _repo_file(loc, (*parts, "libraries", n, kind), path, repo)
    # Paths read from the job's Git repository are not this repository's to check.
    nb = task.notebook_task
    if nb is not None and uploads_from_repository(nb.notebook_path, nb.source, git):
        yield from _repo_file(
            loc, (*parts, "notebook_task", "notebook_path"), nb.notebook_path, repo, notebook=True
        )
    py = task.spark_python_task
    if py is not None and uploads_from_repository(py.python_file, py.source, git):
        yield from _repo_file(
            loc, (*parts, "spark_python_task", "python_file"), py.python_file, repo
        )
    sql = task.sql_task
    if sql is not None:
        if sql.file is not None and uploads_from_repository(sql.file.path, sql.file.source, git):
            yield from _repo_file(loc, (*parts, "sql_task", "file", "path"), sql.file.path, repo)
        # Without stack settings the default warehouse is unknown, as are the variables: both
        # stack-dependent checks are left to a load with settings.
        if ctx.warehouse_known is False and not sql.warehouse_id:
            yield loc.problem(
                (*parts, "sql_task", "warehouse_id"),
                "a SQL task needs a warehouse: set sql_task.warehouse_id (e.g. "
                "'${var.warehouse_id}') or the stack's lakeform:settings.default_warehouse_id",
            )
    if task.for_each_task is not None:
        inner = task.for_each_task.task
        iparts = (*parts, "for_each_task", "task")
        if inner.depends_on:
            yield loc.problem(
                (*iparts, "depends_on"), "the task of a for_each_task has no depends_on"
            )
        # A nested for_each_task never gets here: the model refuses it (ForEachTask._one_level).
        yield from _task(inner, iparts, loc, ctx, git=git)


def _reference(
    loc: Locator, parts: tuple[Part, ...], key: str, kind: str, res: Resolution
) -> Iterator[Problem]:
    noun = kind[:-1]
    if key in res.present[kind]:
        return
    if key in res.disabled[kind]:
        yield loc.problem(parts, f"{noun} '{key}' is disabled; enable it or remove this task")
        return
    known = sorted(res.present[kind])
    yield loc.problem(
        parts,
        f"unknown {noun} '{key}'"
        + _did_you_mean(key, known)
        + f"; known {kind}: {', '.join(known) or 'none'}",
    )


def _cycles(job: JobRow, loc: Locator) -> Iterator[Problem]:
    index = {t.task_key: i for i, t in enumerate(job.tasks)}
    edges = {
        t.task_key: [d.task_key for d in t.depends_on or [] if d.task_key in index]
        for t in job.tasks
    }
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    reported: set[frozenset[str]] = set()
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(edges[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    # print it in the direction work flows: upstream -> downstream
                    shown = [cycle[0], *reversed(cycle[1:]), cycle[0]]
                    i = index[cycle[0]]
                    d = next(
                        n
                        for n, dep in enumerate(job.tasks[i].depends_on or [])
                        if dep.task_key == cycle[1 % len(cycle)] or len(cycle) == 1
                    )
                    yield loc.problem(
                        ("tasks", i, "depends_on", d),
                        f"dependency cycle: {' -> '.join(shown)}",
                    )
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(edges[nxt])))


def check_schedule(
    loc: Locator, parts: tuple[Part, ...], cron: str, timezone_id: str
) -> Iterator[Problem]:
    """A Quartz cron expression and a Java timezone id, at `parts`."""
    problem = cron_problem(cron)
    if problem:
        yield loc.problem((*parts, "quartz_cron_expression"), problem)
    problem = timezone_problem(timezone_id)
    if problem:
        yield loc.problem((*parts, "timezone_id"), problem)


class Repo:
    """The project root, with path lookups cached for one check (rows share files)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._seen: dict[tuple[str, bool], str | None] = {}

    def problem(self, path: str, folder: bool) -> str | None:
        """Why a repository-relative `path` is not usable, or None."""
        key = (path, folder)
        if key not in self._seen:
            self._seen[key] = self._check(path, folder)
        return self._seen[key]

    def _check(self, path: str, folder: bool) -> str | None:
        try:
            target = inside_repository(self.root, path)
            ok = target.is_dir() if folder else target.is_file()
        except LeavesRepository as err:
            return str(err)
        except (ValueError, OSError) as err:  # a NUL byte, a name too long for the file system
            return f"invalid path {path!r}: {err}"
        if not ok:
            what = "folder" if folder else "file"
            return (
                f"{what} not found: '{path}' (repository-relative paths are relative to the "
                "project root; absolute workspace paths start with '/')"
            )
        return None

    def jupyter_language(self, path: str) -> str | None:
        """The language of the repository's Jupyter notebook `path` (metadata.notebooks)."""
        return jupyter_language((self.root / path).read_bytes())


def _repo_file(
    loc: Locator,
    parts: tuple[Part, ...],
    path: str,
    repo: Repo,
    *,
    folder: bool = False,
    notebook: bool = False,
) -> Iterator[Problem]:
    """A repository file Lakeform uploads (a notebook when `notebook`), or a folder."""
    if not is_repo_relative(path):
        return
    if "${" in REF.sub("", path):
        # Never skipped as a reference: `src/evil${.py` names a file like any other path.
        yield loc.problem(
            parts,
            f"unclosed '${{' in '{path}'; a variable is written '${{var.NAME}}', and a path "
            "holds no other '${'",
        )
        return
    if "${" in path:
        return  # an unsubstituted `${...}` is reported where it is read
    problem = repo.problem(path, folder)
    if problem:
        yield loc.problem(parts, problem)
        return
    if folder:
        return
    if clean_path(path) != path:
        # The upload's workspace path is the folder + this path; the provider wants it clean.
        yield loc.problem(
            parts,
            f"'{path}' is not a clean path: write '{clean_path(path)}' (the Databricks "
            "provider refuses a workspace path with './', '//', '..' or a trailing '/')",
        )
    elif notebook and path.lower().endswith(".ipynb") and repo.jupyter_language(path) is None:
        yield loc.problem(
            parts,
            f"the notebook '{path}' names no language ({', '.join(NOTEBOOK_LANGUAGES)}) in its "
            "metadata, and the Databricks provider uploads none without one: set "
            'metadata.kernelspec.language (e.g. "python") in the .ipynb',
        )


# --- pipelines -----------------------------------------------------------------------------------


def check_pipeline(row: Resolved, ctx: CheckContext) -> Iterator[Problem]:
    """Repository sources and root path; no clusters when serverless."""
    pipeline, loc, repo = row.model, row.loc, ctx.repo
    assert isinstance(pipeline, PipelineRow)
    yield from _permissions(loc, pipeline.permissions, PIPELINE_PERMISSION_LEVELS)
    for i, lib in enumerate(pipeline.libraries or []):
        parts: tuple[Part, ...] = ("libraries", i)
        if lib.notebook is not None:
            yield from _repo_file(
                loc, (*parts, "notebook", "path"), lib.notebook.path, repo, notebook=True
            )
        if lib.file is not None:
            yield from _repo_file(loc, (*parts, "file", "path"), lib.file.path, repo)
        if lib.glob is not None and is_repo_relative(lib.glob.include):
            include = lib.glob.include
            if ".." in Path(include).parts:
                yield loc.problem(
                    (*parts, "glob", "include"),
                    f"'{include}' leaves the repository; patterns are repository-relative (to "
                    "the project root, not to this file)",
                )
                continue
            try:
                repo_glob(repo.root, include)
                matches = next(iter(repo.root.glob(include.rstrip("/"))), None) is not None
                if not matches and include.endswith("/"):
                    matches = (repo.root / include).is_dir()
            except LeavesRepository as err:
                yield loc.problem((*parts, "glob", "include"), str(err))
                continue
            except (ValueError, NotImplementedError, OSError) as err:
                yield loc.problem((*parts, "glob", "include"), f"invalid glob: {err}")
                continue
            if not matches:
                yield loc.problem(
                    (*parts, "glob", "include"),
                    f"no file matches '{include}' under the project root",
                )
    if pipeline.root_path is not None:
        yield from _repo_file(loc, ("root_path",), pipeline.root_path, repo, folder=True)
    yield from _pipeline_schema(pipeline, loc)
    if pipeline.serverless and pipeline.clusters:
        yield loc.problem(("clusters",), "a serverless pipeline takes no clusters")
    if pipeline.allow_duplicate_names:
        yield loc.problem(
            ("allow_duplicate_names",),
            "the Pipelines API never returns allow_duplicate_names, so the Databricks provider "
            "reads it back as false and plans an update on every run (databricks/cli #6076); "
            "remove it and give the pipeline a name no other pipeline has",
        )


def _pipeline_schema(pipeline: PipelineRow, loc: Locator) -> Iterator[Problem]:
    """What the provider's pipeline schema refuses: storage with catalog, target with schema
    (ConflictsWith), an empty library list or notification list (MinItems 1)."""
    if pipeline.storage is not None and pipeline.catalog is not None:
        yield loc.problem(
            ("storage",),
            "conflicts with catalog: a pipeline publishes to Unity Catalog (catalog) or to a "
            "storage location (Hive metastore), not both; remove one",
        )
    if pipeline.target is not None and pipeline.schema_ is not None:
        yield loc.problem(
            ("target",),
            "conflicts with schema: target is the legacy name of schema; remove target",
        )
    if pipeline.libraries == []:
        yield loc.problem(
            ("libraries",), "an empty list; give at least one library or leave libraries out"
        )
    for i, notification in enumerate(pipeline.notifications or []):
        for field in ("email_recipients", "alerts"):
            if not getattr(notification, field):
                yield loc.problem(
                    ("notifications", i, field),
                    "an empty list; give at least one or remove this notification",
                )


# --- quality monitors ----------------------------------------------------------------------------


def check_monitor(row: Resolved, ctx: CheckContext) -> Iterator[Problem]:
    """Schedule, metric names and the metrics derived and drift metrics refer to."""
    del ctx
    monitor, loc = row.model, row.loc
    assert isinstance(monitor, QualityMonitorRow)
    if monitor.schedule is not None:
        yield from check_schedule(
            loc,
            ("schedule",),
            monitor.schedule.quartz_cron_expression,
            monitor.schedule.timezone_id,
        )
    metrics = monitor.custom_metrics or []
    names: dict[str, int] = {}
    for i, metric in enumerate(metrics):
        if metric.name in names:
            yield loc.problem(
                ("custom_metrics", i, "name"),
                f"duplicate metric name '{metric.name}' "
                f"(also custom_metrics[{names[metric.name]}])",
            )
        names.setdefault(metric.name, i)
    defined = {m.name for m in metrics if not m.type.endswith("DRIFT")}
    inference = monitor.inference_log is not None
    for i, metric in enumerate(metrics):
        kind = metric.type.removeprefix("CUSTOM_METRIC_TYPE_")
        for message in definition_problems(
            MetricDef(kind, metric.name, metric.definition), defined, inference
        ):
            yield loc.problem(("custom_metrics", i, "definition"), message)


# --- ${upload:PATH} ------------------------------------------------------------------------------

PATH_FIELDS = frozenset(
    {"notebook_path", "python_file", "path", "include", "root_path", "whl", "jar", "dependencies"}
)
"""Fields that name a repository file themselves: Lakeform uploads what they name."""


def upload_references(
    row: Resolved, ctx: CheckContext, uploading: Mapping[str, str]
) -> Iterator[Problem]:
    """Each `${upload:PATH}` of the row: in a row of a kind that uploads files (`uploading`:
    those kinds and the word for a row of each, from the registry), outside path fields, PATH a
    clean repository-relative file, or folder with a file to upload."""
    dumped = row.model.model_dump(exclude_none=True, by_alias=True)
    for parts, text in _strings(dumped, ()):
        for m in UPLOAD_REF.finditer(text):
            yield from _upload_reference(row, ctx, parts, m.group(0), m.group(1), uploading)


def _strings(value: object, parts: tuple[Part, ...]) -> Iterator[tuple[tuple[Part, ...], str]]:
    if isinstance(value, str):
        if "${upload:" in value:
            yield parts, value
    elif isinstance(value, dict):
        for k, v in cast("dict[str, object]", value).items():
            yield from _strings(v, (*parts, k))
    elif isinstance(value, list):
        for i, v in enumerate(cast("list[object]", value)):
            yield from _strings(v, (*parts, i))


def _upload_reference(
    row: Resolved,
    ctx: CheckContext,
    parts: tuple[Part, ...],
    text: str,
    path: str,
    uploading: Mapping[str, str],
) -> Iterator[Problem]:
    loc, repo = row.loc, ctx.repo
    field = next((p for p in reversed(parts) if isinstance(p, str)), "")
    if row.kind not in uploading:
        yield loc.problem(
            parts,
            f"'{text}': only {' and '.join(k.replace('_', ' ') for k in uploading.values())} "
            f"rows upload repository files; a {row.kind.removesuffix('s').replace('_', ' ')} "
            "has none: write a workspace or volume path",
        )
        return
    if field in PATH_FIELDS:
        yield loc.problem(
            parts,
            f"'{text}' in {field}, which names a repository file itself: write '{path}' "
            "(Lakeform uploads it and writes its workspace path)",
        )
        return
    if not path or not is_repo_relative(path) or clean_path(path) != path or path == ".":
        yield loc.problem(
            parts,
            f"'{text}': ${{upload:PATH}} takes a clean repository-relative path (to the project "
            f"root, no '..', './' or trailing '/'), e.g. '${{upload:src/data}}'",
        )
        return
    problem = repo.problem(path, folder=False)
    if problem and repo.problem(path, folder=True) is None:
        problem = None
        try:
            files = repo_glob(repo.root, UPLOAD_GLOB + path)
        except LeavesRepository as err:
            yield loc.problem(parts, str(err))
            return
        if not files:
            yield loc.problem(
                parts,
                f"'{text}': the folder '{path}' has no file to upload (empty, or every file "
                "in it ignored by .gitignore, as the Databricks CLI's sync ignores them)",
            )
        for rel in files:
            if rel.lower().endswith(".ipynb") and repo.jupyter_language(rel) is None:
                yield loc.problem(
                    parts,
                    f"'{text}': the notebook '{rel}' names no language "
                    f"({', '.join(NOTEBOOK_LANGUAGES)}) in its metadata, and the Databricks "
                    "provider uploads none without one: set metadata.kernelspec.language",
                )
    if problem:
        yield loc.problem(
            parts, f"'{text}': " + problem.replace("file not found", "no file or folder")
        )
