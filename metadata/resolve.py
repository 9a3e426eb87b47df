"""Raw rows -> validated row models for one stack: overrides, variables, disabled rows."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError

from metadata.errors import Problem
from metadata.kinds import KINDS
from metadata.located import Locator, Part
from metadata.messages import suggest, yaml_type
from metadata.models.shared import OLD_OVERRIDES_KEY, OVERRIDES_KEY
from metadata.overrides import merge, substitute
from metadata.pydantic_problems import validation_problems
from metadata.raw import ROW_KEY, RawRow
from metadata.settings import StackSettings
from metadata.validated import Resolution, Resolved
from metadata.yamlsrc import LMap, plain


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
        if "${" in raw.key:
            keyed = _substituted_key(raw, settings, res)
            if keyed is None:
                continue
            raw = keyed
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


def _substituted_key(raw: RawRow, settings: StackSettings | None, res: Resolution) -> RawRow | None:
    """The row with `${var.NAME}` in its key replaced by the stack's values (as
    lakeflow-jobs-meta does per job), or None with the problem said. Without settings the key
    stays as written."""
    if settings is None:
        return raw
    loc = Locator(raw.file, (raw.kind,), raw.data, raw.key_pos)
    problems: list[Problem] = []
    key = substitute(raw.key, settings.variables, loc, (raw.key,), problems)
    if not problems and not ROW_KEY.match(key):
        problems.append(
            loc.problem(
                (raw.key,),
                f"the key is '{key}' with the stack's variables; row keys may hold letters, "
                "digits, '_' and '-' only (they name the deployed resource)",
            )
        )
    if problems:
        res.problems.extend(problems)
        return None
    return dataclasses.replace(raw, key=key)


def resolve_row(
    raw: RawRow,
    stack: str | None,
    settings: StackSettings | None,
    stacks: Collection[str],
    res: Resolution,
) -> None:
    loc = Locator(raw.file, (raw.kind, raw.key), raw.data, raw.key_pos)
    data = raw.data
    if raw.reported:
        res.present[raw.kind].add(raw.key)  # references to it are not "unknown"
        return
    if not isinstance(data, LMap):
        res.problems.append(
            loc.problem((), f"expected a mapping of the row's fields; got {yaml_type(data)}")
        )
        return
    res.present[raw.kind].add(raw.key)
    data = _apply_overrides(raw.kind, data, stack, stacks, loc, res)
    loc = Locator(raw.file, loc.prefix, data, raw.key_pos)
    variables = settings.variables if settings is not None else None
    data = substitute(data, variables, loc, (), res.problems, bare_refs=raw.bare_refs)

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
    step = KINDS[raw.kind].validated
    if step is not None:
        model = step(model, loc, res.problems)
        if model is None:
            return
    res.rows.append(Resolved(raw.kind, raw.key, model, loc))


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
    res: Resolution,
) -> LMap:
    key = _overrides_key(kind, data, loc, res)
    if key is None:
        return data
    envs: LMap = data[key]
    rest = LMap(data.pos)
    for k, v in data.items():
        if k != key and not (k == OLD_OVERRIDES_KEY and isinstance(v, LMap)):
            rest.put(k, v, data.key_pos.get(k))
    known = {s for s in stacks if s}
    for name, override in envs.items():
        parts: tuple[Part, ...] = (key, name)
        if name not in known:
            res.problems.append(
                loc.problem(parts, f"unknown stack '{name}'" + suggest(name, known))
            )
        elif override is not None and not isinstance(override, LMap):
            res.problems.append(
                loc.problem(parts, f"expected a mapping (a partial row); got {yaml_type(override)}")
            )
        elif isinstance(override, LMap) and (inner := _nested(override)) is not None:
            res.problems.append(loc.problem((*parts, inner), "overrides cannot be nested"))
    chosen = envs.get(stack) if stack else None
    if isinstance(chosen, LMap) and _nested(chosen) is None:
        merged = merge(rest, chosen)
        assert isinstance(merged, LMap)
        return merged
    return rest


def _nested(override: LMap) -> str | None:
    if OVERRIDES_KEY in override:
        return OVERRIDES_KEY
    if isinstance(override.get(OLD_OVERRIDES_KEY), LMap):
        return OLD_OVERRIDES_KEY
    return None


def _overrides_key(kind: str, data: LMap, loc: Locator, res: Resolution) -> str | None:
    """Where the row's per-stack overrides are: `stack_overrides`, or the old spelling
    `environments` as a mapping (a job's list there is the Jobs API's serverless environments)."""
    new, old = data.get(OVERRIDES_KEY), data.get(OLD_OVERRIDES_KEY)
    if isinstance(old, LMap):
        if new is not None:
            res.problems.append(
                loc.problem(
                    (OLD_OVERRIDES_KEY,),
                    f"per-stack overrides are in {OVERRIDES_KEY}; move these into it "
                    f"({OLD_OVERRIDES_KEY} is their old spelling)",
                )
            )
            return OVERRIDES_KEY
        api = "; a job's environments is the Jobs API's list of serverless environments"
        res.warnings.append(
            loc.problem(
                (OLD_OVERRIDES_KEY,),
                f"per-stack overrides are now spelt {OVERRIDES_KEY}: "
                f"write '{OVERRIDES_KEY}:' instead of '{OLD_OVERRIDES_KEY}:'"
                + (api if OLD_OVERRIDES_KEY in KINDS[kind].row_model.model_fields else ""),
            )
        )
        return OLD_OVERRIDES_KEY
    # not a mapping: left to the model, which says what it expects
    return OVERRIDES_KEY if isinstance(new, LMap) else None
