"""Raw rows -> validated row models for one stack: overrides, variables, disabled rows and tasks."""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError

from metadata.errors import Problem
from metadata.kinds import KINDS
from metadata.loader import RawRow
from metadata.located import Locator, Part
from metadata.messages import suggest, yaml_type
from metadata.models.jobs import JobRow, Task, TaskDependency
from metadata.overrides import merge, substitute
from metadata.resolved import Resolution, Resolved
from metadata.settings import StackSettings
from metadata.validation import validation_problems
from metadata.yamlsrc import LList, LMap, plain


def resolve(
    raws: list[RawRow],
    *,
    stack: str | None,
    settings: StackSettings | None,
    stacks: Collection[str],
) -> Resolution:
    res = Resolution(present={k: set() for k in KINDS}, disabled={k: set() for k in KINDS})
    first: dict[tuple[str, str], RawRow] = {}
    for raw in raws:
        seen = first.get((raw.kind, raw.key))
        if seen is not None:
            res.problems.append(
                Problem(
                    raw.key_pos,
                    f"{raw.kind}.{raw.key}",
                    f"duplicate key '{raw.key}': also defined at {seen.key_pos or seen.file}; "
                    "row keys are unique per kind across all files",
                )
            )
            continue
        first[(raw.kind, raw.key)] = raw
        resolve_row(raw, stack, settings, stacks, res)
    return res


def resolve_row(
    raw: RawRow,
    stack: str | None,
    settings: StackSettings | None,
    stacks: Collection[str],
    res: Resolution,
) -> None:
    loc = Locator(raw.file, (raw.kind, raw.key), raw.data, raw.key_pos)
    data = raw.data
    if not isinstance(data, LMap):
        res.problems.append(
            loc.problem((), f"expected a mapping of the row's fields; got {yaml_type(data)}")
        )
        return
    res.present[raw.kind].add(raw.key)
    data = _apply_overrides(raw.kind, data, stack, stacks, loc, res.problems)
    loc = Locator(raw.file, loc.prefix, data, raw.key_pos)
    variables = settings.variables if settings is not None else None
    data = substitute(data, variables, loc, (), res.problems)

    disabled = data.get("disabled")
    if disabled is not None and not isinstance(disabled, bool):
        res.problems.append(
            loc.problem(("disabled",), f"expected true or false, got {yaml_type(disabled)}")
        )
        return
    if disabled:
        res.disabled[raw.kind].add(raw.key)
        res.present[raw.kind].discard(raw.key)
        return

    disabled_tasks: set[str] = set()
    kept_index: list[int] | None = None
    if raw.kind == "jobs" and isinstance(data.get("tasks"), LList):
        data, kept_index, disabled_tasks = _drop_disabled_tasks(data, loc, res.problems)
        loc = Locator(raw.file, loc.prefix, data, raw.key_pos, kept_index)

    model_cls = KINDS[raw.kind].row_model
    try:
        model = model_cls.model_validate(plain(data))
    except ValidationError as err:
        res.problems.extend(validation_problems(err, model_cls, loc, ()))
        # The row's other rules (cron, timezone, dependencies, references) still run when unknown
        # fields were its only fault, so one run reports them all. It never deploys: the
        # problems above fail the load.
        salvaged = _without_unknown_fields(model_cls, plain(data), err)
        if salvaged is None:
            return
        model = salvaged
    if isinstance(model, JobRow):
        model = _explicit_dependencies(model, loc, res.problems)
        if model is None:
            return
    res.rows.append(Resolved(raw.kind, raw.key, model, loc, disabled_tasks))


def _without_unknown_fields(
    model_cls: type[BaseModel], data: Any, err: ValidationError
) -> BaseModel | None:
    """The row validated with its unknown fields left out, if those were its only errors."""
    errors = err.errors(include_url=False)
    if any(e["type"] != "extra_forbidden" for e in errors):
        return None
    data = copy.deepcopy(data)
    for e in errors:
        *parents, last = e["loc"]
        node: Any = data
        for part in parents:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        if not isinstance(node, dict) or last not in node:
            return None
        del node[last]
    try:
        return model_cls.model_validate(data)
    except ValidationError:
        return None


def _apply_overrides(
    kind: str,
    data: LMap,
    stack: str | None,
    stacks: Collection[str],
    loc: Locator,
    problems: list[Problem],
) -> LMap:
    envs = data.get("environments")
    if not isinstance(envs, LMap):
        # jobs: a list is the Jobs API's serverless environments; anything else pydantic rejects
        return data
    rest = LMap(data.pos)
    for k, v in data.items():
        if k != "environments":
            rest.put(k, v, data.key_pos.get(k))
    known = {s for s in stacks if s}
    for name, override in envs.items():
        parts: tuple[Part, ...] = ("environments", name)
        if name not in known:
            problems.append(loc.problem(parts, f"unknown stack '{name}'" + suggest(name, known)))
        elif override is not None and not isinstance(override, LMap):
            problems.append(
                loc.problem(parts, f"expected a mapping (a partial row); got {yaml_type(override)}")
            )
        elif isinstance(override, LMap) and "environments" in override:
            problems.append(loc.problem((*parts, "environments"), "overrides cannot be nested"))
    chosen = envs.get(stack) if stack else None
    if isinstance(chosen, LMap) and "environments" not in chosen:
        merged = merge(rest, chosen)
        assert isinstance(merged, LMap)
        return merged
    return rest


def _drop_disabled_tasks(
    data: LMap, loc: Locator, problems: list[Problem]
) -> tuple[LMap, list[int], set[str]]:
    tasks: LList = data["tasks"]
    kept = LList(tasks.pos)
    kept_index: list[int] = []
    disabled: set[str] = set()
    for i, (task, pos) in enumerate(zip(tasks, tasks.item_pos, strict=True)):
        flag = task.get("disabled") if isinstance(task, LMap) else None
        if flag is not None and not isinstance(flag, bool):
            problems.append(
                loc.problem(
                    ("tasks", i, "disabled"), f"expected true or false, got {yaml_type(flag)}"
                )
            )
        if flag is True:
            key = task.get("task_key")
            if isinstance(key, str):
                disabled.add(key)
            continue
        kept.put(task, pos)
        kept_index.append(i)
    out = LMap(data.pos)
    for k, v in data.items():
        out.put(k, kept if k == "tasks" else v, data.key_pos.get(k))
    return out, kept_index, disabled


def _explicit_dependencies(job: JobRow, loc: Locator, problems: list[Problem]) -> JobRow | None:
    """execution_order -> depends_on: a task of order N depends on every task of the highest
    lower order present; same order runs in parallel."""
    ordered = [i for i, t in enumerate(job.tasks) if t.execution_order is not None]
    explicit = [i for i, t in enumerate(job.tasks) if t.depends_on]
    if not ordered:
        tasks = [
            t if t.depends_on is not None else t.model_copy(update={"depends_on": []})
            for t in job.tasks
        ]
        return job.model_copy(update={"tasks": tasks})
    if explicit:
        problems.append(
            loc.problem(
                ("tasks", explicit[0], "depends_on"),
                f"job '{loc.prefix[-1]}' mixes execution_order (tasks[{loc.index(ordered[0])}]) "
                f"and depends_on (tasks[{loc.index(explicit[0])}]); use one style per job",
            )
        )
        return None
    missing = [i for i, t in enumerate(job.tasks) if t.execution_order is None]
    if missing:
        for i in missing:
            problems.append(
                loc.problem(
                    ("tasks", i),
                    f"execution_order missing; job '{loc.prefix[-1]}' uses execution_order, "
                    "so every task needs one",
                )
            )
        return None
    orders = sorted({t.execution_order for t in job.tasks if t.execution_order is not None})
    by_order: dict[int, list[str]] = {}
    for t in job.tasks:
        assert t.execution_order is not None
        by_order.setdefault(t.execution_order, []).append(t.task_key)
    tasks: list[Task] = []
    for t in job.tasks:
        assert t.execution_order is not None
        lower = [o for o in orders if o < t.execution_order]
        upstream = sorted(by_order[lower[-1]]) if lower else []
        deps = [TaskDependency(task_key=k) for k in upstream]
        tasks.append(t.model_copy(update={"depends_on": deps, "execution_order": None}))
    return job.model_copy(update={"tasks": tasks})
