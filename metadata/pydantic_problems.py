"""pydantic validation errors -> problems that name the file position and field of each."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, cast, get_args, get_origin

from pydantic import BaseModel, ValidationError

from metadata.errors import Problem
from metadata.located import Locator, Part
from metadata.messages import show, suggest, yaml_type
from metadata.models.shared import int_range

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "null",
}


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _unwrap(annotation: Any) -> list[Any]:
    """Candidate inner types of an annotation (Optional/list/dict peeled)."""
    origin = get_origin(annotation)
    if origin is None:
        return [annotation]
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args


def model_at(model: type[BaseModel], parts: tuple[Part, ...]) -> type[BaseModel] | None:
    """The model class that holds the value at `parts` inside `model`, if any."""
    current: Any = model
    for part in parts:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str):
                return None
            fields = {f.alias or n: f for n, f in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        else:
            # peel Optional / list / dict until a model or a scalar is left
            current = _peel(current)
            if current is None:
                return None
            if isinstance(current, type) and issubclass(current, BaseModel):
                if isinstance(part, int):
                    continue
                fields = {f.alias or n: f for n, f in current.model_fields.items()}
                if part not in fields:
                    return None
                current = fields[part].annotation
    current = (
        _peel(current)
        if not (isinstance(current, type) and issubclass(current, BaseModel))
        else current
    )
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _peel(annotation: Any) -> Any:
    seen = 0
    while get_origin(annotation) is not None and seen < 5:
        inner = _unwrap(annotation)
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        annotation = inner[-1] if inner else None
        seen += 1
    return annotation


def validation_problems(
    err: ValidationError, model: type[BaseModel], loc: Locator, skip: Collection[tuple[Part, ...]]
) -> list[Problem]:
    """One problem per pydantic error, pointing at the file position of the field."""
    errors = [e for e in err.errors(include_url=False) if not _skipped(tuple(e["loc"]), skip)]
    # A misspelt field is reported once, as unknown with its suggestion, not also as missing.
    suggested: set[tuple[Part, ...]] = set()
    messages: dict[int, str] = {}
    for i, e in enumerate(errors):
        parts: tuple[Part, ...] = tuple(e["loc"])
        if e["type"] == "extra_forbidden" and parts:
            owner = model_at(model, parts[:-1])
            allowed = _field_names(owner) if owner else []
            # a field of a nested block is not misspelt: say where it goes instead
            written = loc.node(parts[:-1])
            beside = (
                {str(k) for k in cast(dict[str, Any], written)}
                if isinstance(written, dict)
                else set[str]()
            )
            placed = _elsewhere(str(parts[-1]), owner, model, parts[:-1], beside) if owner else ""
            hint = placed or suggest(str(parts[-1]), allowed)
            messages[i] = f"unknown field '{parts[-1]}'" + hint
            if hint.startswith("; did you mean '"):
                suggested.add((*parts[:-1], hint.split("'")[1]))
    out: list[Problem] = []
    for i, e in enumerate(errors):
        parts = tuple(e["loc"])
        kind = e["type"]
        given = e.get("input")
        if i in messages:
            msg = messages[i]
        elif kind == "missing":
            if parts in suggested:
                continue
            msg = "required field missing"
        elif kind in _TYPE_WORDS:
            msg = f"expected {_TYPE_WORDS[kind]}, got {yaml_type(given)}" + show(given)
        elif kind == "literal_error":
            expected = str(e.get("ctx", {}).get("expected", ""))
            msg = f"must be one of {expected}; got {yaml_type(given)}" + show(given)
            if isinstance(given, str):
                close = suggest(given, re.findall(r"'([^']*)'", expected))
                msg += f" ({close.removeprefix('; ')})" if close.startswith("; did") else ""
        elif kind in ("greater_than_equal", "less_than_equal"):
            msg = _out_of_range(model, parts, given) or str(e["msg"])
        elif kind in ("value_error", "assertion_error"):
            msg = str(e["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        else:
            msg = str(e["msg"])
        out.append(loc.problem(parts, msg))
    return out


def _out_of_range(model: type[BaseModel], parts: tuple[Part, ...], given: object) -> str | None:
    """`must be between 0 and 1000; got 5000`: the whole range of the field, not just the bound
    broken, so the fix is plain."""
    owner = model_at(model, parts[:-1])
    if owner is None or not parts or not isinstance(parts[-1], str):
        return None
    fields = {f.alias or n: f for n, f in owner.model_fields.items()}
    bounds = int_range(fields[parts[-1]]) if parts[-1] in fields else None
    if bounds is None:
        return None
    return f"must be between {bounds[0]} and {bounds[1]}; got" + show(given)


def _elsewhere(
    name: str,
    owner: type[BaseModel],
    model: type[BaseModel],
    where: tuple[Part, ...],
    beside: Collection[str] = (),
) -> str:
    """`; did you mean to put it under 'notebook_task'?` for a field of a nested block written
    one level too high, or `...; it belongs to the enclosing ...` for one written too deep. The
    blocks written beside the field (`beside`) come first: a task's `warehouse_id` goes under the
    `notebook_task` it has, not the first three task types that take one."""
    under: list[str] = []
    for field_name, info in owner.model_fields.items():
        inner = _peel(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and name in _field_names(inner):
            under.append(info.alias or field_name)
    under = [u for u in under if u in beside] or under
    if under:
        shown = " or ".join(f"'{u}'" for u in sorted(under)[:3])
        return f"; did you mean to put it under {shown}?"
    outer = [p for p in where if isinstance(p, str)]
    if outer:
        parent_parts = where[: max(i for i, p in enumerate(where) if isinstance(p, str))]
        parent = model_at(model, parent_parts) if parent_parts else model
        if parent is not None and parent is not owner and name in _field_names(parent):
            return f"; it belongs one level up, beside '{outer[-1]}', not inside it"
    return ""


def _skipped(parts: tuple[Part, ...], skip: Collection[tuple[Part, ...]]) -> bool:
    return any(parts[: len(s)] == s for s in skip)
