"""Email notification lists a row emptied that the provider leaves on the job, emptied by `up`.

The provider suppresses a list's count going to 0 (terraform-provider-databricks v1.128.0:
`conditionalDiffSuppressor` in common/reflect_resource.go, set on every `email_notifications`
block and field of the job, its tasks and for_each_task's task by `SetSuppressDiff` in
jobs/resource_job.go `JobSettingsResource.CustomizeSchema`). Removing a list's last address so
shows no diff, and an update for another field sends the state's list again: the job keeps the
address. After the deploy, each such list the state still holds and the job still holds is emptied
with a partial `jobs/update` (new_settings replaces a top-level field, and a task by task_key,
whole), and the state is told, so nothing is written on the next deploy: by `lakeform up`, and by
`lakeform up --plan` for the lists its saved plan shows. `lakeform drift` reports each list a row
leaves empty that the job holds in the workspace (`in_workspace`), whatever the state says.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation import Deployment

from cli.drift import MISSING, Drifted, Expected, expected
from cli.engine import Engine, EngineError
from cli.pulumienv import api_client
from metadata import KINDS

KEPT_BY: dict[str, str] = {
    entry.resource_type: kind
    for kind, entry in KINDS.items()
    if entry.drift is not None and entry.drift.kept_email_lists
}
"""Resource type token -> the kind whose provider resource keeps emptied lists (its plug-in's
`Drift.kept_email_lists`)."""

LISTS: dict[str, str] = {
    "on_start": "onStarts",
    "on_success": "onSuccesses",
    "on_failure": "onFailures",
    "on_duration_warning_threshold_exceeded": "onDurationWarningThresholdExceededs",
    "on_streaming_backlog_exceeded": "onStreamingBacklogExceededs",
}
"""The address lists of an `email_notifications` block: REST name -> the provider's property."""

Place = tuple[str | None, bool]
"""Where a block is: (None, False) the job's; (task_key, False) a task's; (task_key, True) the
task of that task's for_each_task."""


@dataclass
class Kept:
    """A deployed job holding email lists its row leaves empty."""

    kind: str
    key: str
    id: str
    lists: list[tuple[Place, str]] = field(default_factory=list[tuple[Place, str]])
    """(place, REST list name) of each list to empty."""
    held: list[Any] = field(default_factory=list[Any])
    """The state's value of each list, in the same order."""

    def paths(self) -> list[str]:
        return [_path(place, name) for place, name in self.lists]


def _path(place: Place, name: str) -> str:
    task, inner = place
    where = "" if task is None else f"tasks[{task}]." + ("for_each_task.task." if inner else "")
    return f"{where}email_notifications.{name}"


def _blocks(settings: Mapping[str, Any], *, wire: bool) -> dict[Place, Mapping[str, Any]]:
    """Each email_notifications block of a job, by place; REST names, or the provider's."""
    block, tasks, task_key = (
        ("emailNotifications", "tasks", "taskKey")
        if wire
        else ("email_notifications", "tasks", "task_key")
    )
    loop, inner_task = ("forEachTask", "task") if wire else ("for_each_task", "task")
    found: dict[Place, Mapping[str, Any]] = {(None, False): settings.get(block) or {}}
    for task in settings.get(tasks) or []:
        if not isinstance(task, Mapping) or not isinstance(task.get(task_key), str):
            continue
        key: str = task[task_key]
        found[(key, False)] = task.get(block) or {}  # pyright: ignore[reportUnknownMemberType]
        inner = (task.get(loop) or {}).get(inner_task)  # pyright: ignore[reportUnknownMemberType]
        if isinstance(inner, Mapping):
            found[(key, True)] = inner.get(block) or {}  # pyright: ignore[reportUnknownMemberType]
    return found


def emptied(spec: Mapping[str, Any], state: Mapping[str, Any]) -> list[tuple[Place, str]]:
    """The lists the row (API-shaped `spec`) leaves empty that the job's state (the provider's
    outputs) holds, at places the row has: the deploy could not empty them."""
    rows, held = _blocks(spec, wire=False), _blocks(state, wire=True)
    return [
        (place, name)
        for place, block in rows.items()  # the job first, then its tasks in order
        for name, prop in LISTS.items()
        if not block.get(name) and (held.get(place) or {}).get(prop)
    ]


def in_workspace(spec: Mapping[str, Any], held: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(path, MISSING, the job's list) for each list the row (API-shaped `spec`) leaves empty that
    the job's settings (jobs/get, REST names) hold, at places the row has: what `lakeform drift`
    reports (cli.drift.find), as its own comparison only sees the fields a row sets."""
    rows, blocks = _blocks(spec, wire=False), _blocks(held, wire=False)
    return [
        (_path(place, name), MISSING, (blocks.get(place) or {})[name])
        for place, block in rows.items()
        for name in LISTS
        if not block.get(name) and (blocks.get(place) or {}).get(name)
    ]


def find(deployment: Mapping[str, Any], rows: Expected) -> list[Kept]:
    """Every deployed job of the state whose row empties a list the state still holds."""
    found: list[Kept] = []
    for resource in deployment.get("resources") or []:
        kind = KEPT_BY.get(str(resource.get("type")))
        if kind is None:
            continue
        key = str(resource.get("urn", "")).rsplit("::", 1)[-1]
        row = rows.get((kind, key))
        if row is None or str(resource.get("id")) != row[0]:
            continue
        state = resource.get("outputs") or {}
        lists = emptied(row[1], state)
        if lists:
            blocks = _blocks(state, wire=True)
            held = [blocks[place][LISTS[name]] for place, name in lists]
            found.append(Kept(kind=kind, key=key, id=row[0], lists=lists, held=held))
    return found


def as_drifted(kept: list[Kept]) -> list[Drifted]:
    """The lists as findings for a plan (`cli.drift.merge`): the state's value -> none."""
    return [
        Drifted(
            kind=k.kind,
            key=k.key,
            id=k.id,
            changes=[(p, MISSING, v) for p, v in zip(k.paths(), k.held, strict=True)],
        )
        for k in kept
    ]


def update_body(settings: Mapping[str, Any], lists: list[tuple[Place, str]]) -> dict[str, Any]:
    """`new_settings` for jobs/update emptying `lists` in the job's `settings` (jobs/get), or {}
    when the job holds none of them. Top-level fields and tasks (by task_key) are replaced whole,
    so each is sent as the job holds it, less the lists."""
    out: dict[str, Any] = {}
    blocks = _blocks(settings, wire=False)
    todo = [(p, n) for p, n in lists if (blocks.get(p) or {}).get(n)]
    if not todo:
        return out
    tasks = {t.get("task_key"): copy.deepcopy(dict(t)) for t in settings.get("tasks") or []}
    changed: set[str] = set()
    for (task, inner), name in todo:
        if task is None:
            block = out.setdefault(
                "email_notifications", dict(settings.get("email_notifications") or {})
            )
        else:
            holder = tasks[task]["for_each_task"]["task"] if inner else tasks[task]
            block = holder.setdefault("email_notifications", {})
            changed.add(task)
        block.pop(name, None)
    if changed:
        out["tasks"] = [tasks[key] for key in sorted(changed)]
    return out


def forget(deployment: dict[str, Any], kept: list[Kept]) -> None:
    """Remove the emptied lists from each job's state (outputs and inputs), as a refresh that
    read the job would."""
    by_id = {k.id: k for k in kept}
    for resource in deployment.get("resources") or []:
        if str(resource.get("type")) not in KEPT_BY or str(resource.get("id")) not in by_id:
            continue
        for part in ("outputs", "inputs"):
            blocks = _blocks(resource.get(part) or {}, wire=True)
            for place, name in by_id[str(resource["id"])].lists:
                block = blocks.get(place)
                if isinstance(block, dict):
                    block.pop(LISTS[name], None)


def pending(
    engine: Engine, outputs: Mapping[str, Any], deployment: Mapping[str, Any] | None = None
) -> list[Kept]:
    """Before a deploy: the jobs whose state holds a list the row empties (a deploy will not
    empty it; `clear` does, after it). `deployment`: the stack's, when already exported and
    still current."""
    rows = expected(engine.project, engine.stack_name, outputs)
    if not any(kind in KEPT_BY.values() for kind, _ in rows):
        return []
    if deployment is None:
        deployment = engine.deployment().deployment or {}
    return find(deployment, rows)


def clear(engine: Engine, kept: list[Kept]) -> None:
    """After a deploy: empty on each job the lists of `kept` it still holds, through the Jobs
    API, and tell the state."""
    if not kept:
        return
    stack = engine.stack()
    config = {name: value.value for name, value in stack.get_all_config().items()}
    api = api_client(engine.stack_name, lambda key: config.get(key) or None)
    if api is None:
        raise EngineError(f"no workspace host: set databricks:host for stack {engine.stack_name}")
    for job in kept:
        answer = api.do("GET", "/api/2.2/jobs/get", query={"job_id": job.id})
        settings: Mapping[str, Any] = answer.get("settings") or {}  # pyright: ignore[reportAssignmentType,reportAttributeAccessIssue,reportUnknownMemberType]
        body = update_body(settings, job.lists)
        if body:
            api.do(
                "POST", "/api/2.2/jobs/update", body={"job_id": int(job.id), "new_settings": body}
            )
            engine.progress.say(
                f"  {job.kind}.{job.key}: emptied {', '.join(job.paths())} "
                "(the provider keeps a list's last address)"
            )
    exported = engine.deployment()
    deployment: dict[str, Any] = copy.deepcopy(dict(exported.deployment or {}))
    forget(deployment, kept)
    stack.import_stack(Deployment(version=exported.version, deployment=deployment))
