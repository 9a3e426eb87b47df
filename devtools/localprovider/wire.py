"""Values between the engine's wire shape (camelCase SDK names) and the REST API's, by the table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value not known during preview (a reference to an uncreated id)."""

Fields = Mapping[str, Any]
"""An object node's fields: wire name -> node (see localprovider.names)."""


def is_unknown(value: Any) -> bool:
    return value == UNKNOWN


def unknown_properties(fields: Fields, value: Mapping[str, Any], path: str = "") -> list[str]:
    """Wire paths in `value` that the table does not know (a Check failure each)."""
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
        return [
            p for i, v in enumerate(value) for p in _unknown_in(node["items"], v, f"{path}[{i}]")
        ]  # pyright: ignore[reportUnknownArgumentType,reportUnknownVariableType]
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


_REST_INDEX: dict[int, dict[str, tuple[str, Any]]] = {}
"""id(object node's fields) -> REST name -> (wire name, node); table nodes live as long as the
process, so their ids are stable keys."""


def _index(fields: Fields) -> dict[str, tuple[str, Any]]:
    index = _REST_INDEX.get(id(fields))
    if index is None:
        index = {node["rest"]: (wire, node) for wire, node in fields.items()}
        _REST_INDEX[id(fields)] = index
    return index


def from_rest(fields: Fields, body: Mapping[str, Any]) -> dict[str, Any]:
    """A REST object as wire properties; REST fields the SDK has no property for are dropped
    (server-filled ids and timestamps)."""
    names = _index(fields)
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
