"""Turn API-shaped dicts (Jobs/Pipelines/Monitors API names) into the provider's inputs under
their wire names, by the names table (components.names): what `pulumi_databricks`' input types
would send the engine (components.provider)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from components import names


class UnmappedFieldError(KeyError):
    """An API field has no provider input: the names table lacks it (a programming error)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _field(fields: names.Fields, class_name: str, api_name: str) -> tuple[str, Mapping[str, Any]]:
    """The wire name and the table's node of API field `api_name` of input type `class_name`."""
    found = names.by_rest(fields).get(api_name)
    if found is None:
        known = ", ".join(sorted(node["python"] for node in fields.values()))
        raise UnmappedFieldError(
            f"{class_name} has no input for API field {api_name!r} in the names table "
            f"(components/names.json; inputs: {known})"
        )
    return found


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


def _build(value: Mapping[str, Any], class_name: str, fields: names.Fields) -> dict[str, Any]:
    wire: dict[str, Any] = {}
    for api_name in value:
        field = value[api_name]
        name, node = _field(fields, class_name, api_name)
        if field is not None:  # an input type's constructor leaves a None argument unset
            wire[name] = _convert(field, node)
    return wire


def to_wire(value: Mapping[str, Any], resource_type: str) -> dict[str, Any]:
    """The inputs of `resource_type` (`databricks:index/job:Job`) from an API-shaped mapping:
    names and nested blocks translated by the names table, None values left out.

    Raises UnmappedFieldError when an API field has no provider input, so a new field fails a test
    instead of silently vanishing."""
    resource = names.table()["resources"][resource_type]
    return _build(value, resource["args"], resource["inputs"])
