"""Turn API-shaped dicts (Jobs/Pipelines/Monitors API names) into pulumi_databricks input types,
by the names table (components.names)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

import pulumi_databricks

from components import names

T = TypeVar("T")


class UnmappedFieldError(KeyError):
    """An API field has no provider input: the names table lacks it (a programming error)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _field(fields: names.Fields, class_name: str, api_name: str) -> Mapping[str, Any]:
    """The table's node for API field `api_name` of input type `class_name`."""
    found = names.by_rest(fields).get(api_name)
    if found is None:
        known = ", ".join(sorted(node["python"] for node in fields.values()))
        raise UnmappedFieldError(
            f"{class_name} has no input for API field {api_name!r} in the names table "
            f"(components/names.json; inputs: {known})"
        )
    return found[1]


def _convert(value: Any, node: Mapping[str, Any]) -> Any:
    kind = node["type"]
    if kind == "object":
        if isinstance(value, list) and len(cast("list[Any]", value)) == 1:
            value = cast("list[Any]", value)[0]
        if isinstance(value, Mapping):
            return _build(cast("Mapping[str, Any]", value), node["class"], node["fields"])
        return cast(Any, value)
    if kind == "array" and isinstance(value, list | tuple | dict):
        items: list[Any] = [value] if isinstance(value, dict) else list(cast("list[Any]", value))
        return [_convert(v, node["items"]) for v in items]
    if kind == "map" and isinstance(value, Mapping):
        # Maps in stable (sorted) order so reordering keys in YAML changes nothing.
        mapping = cast("Mapping[str, Any]", value)
        return {k: mapping[k] for k in sorted(mapping)}
    return value


def _build(value: Mapping[str, Any], class_name: str, fields: names.Fields) -> Any:
    kwargs: dict[str, Any] = {}
    for api_name in value:
        node = _field(fields, class_name, api_name)
        kwargs[node["python"]] = _convert(value[api_name], node)
    return getattr(pulumi_databricks, class_name)(**kwargs)


def to_input(value: Mapping[str, Any], cls: type[T]) -> T:
    """Build input type `cls` (a resource's Args class) from an API-shaped mapping, translating
    names and nested blocks by the names table.

    Raises UnmappedFieldError when an API field has no provider input, so a new field fails a test
    instead of silently vanishing."""
    return cast(T, _build(value, cls.__name__, names.by_args(cls.__name__)))
