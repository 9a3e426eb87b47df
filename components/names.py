"""The names table: each property's provider wire name, Python input name and REST API name.

names.json is derived at development time from the installed pulumi_databricks and databricks-sdk
by devtools/derive_names.py and committed; tests/unit/test_names.py fails when it is stale. It is
the one place those names meet: the components build provider inputs from API-shaped rows with
it (components._convert), the CLI shows plans and drift in API names with it, and the local
provider turns wire values into REST bodies and back with it. Reading it costs no
`pulumi_databricks` import.

Per resource type (`databricks:index/job:Job`): `args` (the Args class), `sdk` (the databricks-sdk
request dataclass it was walked beside), `inputs` ({wire name: node}) and `outputs` ({wire name:
type}). A node: `rest` (the API field), `python` (the input type's keyword), `type` (string,
integer, number, boolean, object, array, map or any), and for an object `class` (the
pulumi_databricks input type) and `fields`, for an array or map `items`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

TABLE = Path(__file__).with_name("names.json")

Fields = Mapping[str, Any]
"""An object node's fields: wire name -> node."""


@functools.cache
def table() -> dict[str, Any]:
    """The committed table."""
    return json.loads(TABLE.read_text(encoding="utf-8"))


def inputs(resource_type: str) -> Fields:
    """The input fields of `resource_type` (empty for a type the table does not list)."""
    resource: Mapping[str, Any] | None = table()["resources"].get(resource_type)
    return resource["inputs"] if resource else {}


def by_args(class_name: str) -> Fields:
    """The input fields of the resource type whose Args class is `class_name` (`JobArgs`)."""
    for resource in table()["resources"].values():
        if resource["args"] == class_name:
            return resource["inputs"]
    raise KeyError(f"the names table (components/names.json) lists no resource of {class_name}")


_BY_REST: dict[int, tuple[Fields, dict[str, tuple[str, Any]]]] = {}
"""id(fields) -> (fields, REST name -> (wire name, node)); the fields are kept so the id stays
theirs."""


def by_rest(fields: Fields) -> Mapping[str, tuple[str, Any]]:
    """REST name -> (wire name, node) of an object node's fields."""
    found = _BY_REST.get(id(fields))
    if found is None or found[0] is not fields:
        found = (fields, {node["rest"]: (wire, node) for wire, node in fields.items()})
        _BY_REST[id(fields)] = found
    return found[1]


# -- values between the wire shape (camelCase) and the REST API's ------------------------------
def unknown_properties(fields: Fields, value: Mapping[str, Any], path: str = "") -> list[str]:
    """Wire paths in `value` that the table does not know."""
    found: list[str] = []
    for key, item in value.items():
        here = f"{path}.{key}" if path else key
        node = fields.get(key)
        if node is None:
            found.append(here)
        else:
            found.extend(_unknown_in(node, item, here))
    return found


def _unknown_in(node: Mapping[str, Any], value: Any, path: str) -> list[str]:
    kind = node["type"]
    if kind == "object" and isinstance(value, Mapping):
        return unknown_properties(node["fields"], value, path)  # pyright: ignore[reportUnknownArgumentType]
    if kind == "array" and isinstance(value, list):
        items = cast("list[Any]", value)
        return [
            p for i, v in enumerate(items) for p in _unknown_in(node["items"], v, f"{path}[{i}]")
        ]
    if kind == "map" and isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _unknown_in(node["items"], v, f"{path}.{k}")]  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
    return []


def _scalar(kind: str, value: Any) -> Any:
    # Protobuf Struct numbers are doubles; the API wants integers where integers are due.
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_rest(fields: Fields, value: Mapping[str, Any]) -> dict[str, Any]:
    """A wire object as the REST body: REST names, integers restored, nulls left out."""
    body: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            continue
        node = fields[key]
        body[node["rest"]] = _to_rest(node, item)
    return body


def _to_rest(node: Mapping[str, Any], value: Any) -> Any:
    kind = node["type"]
    if kind == "object" and isinstance(value, Mapping):
        return to_rest(node["fields"], value)  # pyright: ignore[reportUnknownArgumentType]
    if kind == "array" and isinstance(value, list):
        return [_to_rest(node["items"], v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _to_rest(node["items"], v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    return _scalar(kind, value)


def from_rest(fields: Fields, body: Mapping[str, Any]) -> dict[str, Any]:
    """A REST object as wire properties; REST fields the SDK has no property for are dropped
    (server-filled ids and timestamps)."""
    names = by_rest(fields)
    value: dict[str, Any] = {}
    for rest, item in body.items():
        if item is None or rest not in names:
            continue
        wire, node = names[rest]
        value[wire] = _from_rest(node, item)
    return value


def _from_rest(node: Mapping[str, Any], value: Any) -> Any:
    kind = node["type"]
    if kind == "object" and isinstance(value, Mapping):
        return from_rest(node["fields"], value)  # pyright: ignore[reportUnknownArgumentType]
    if kind == "array" and isinstance(value, list):
        return [_from_rest(node["items"], v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _from_rest(node["items"], v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    return value
