"""Derive the names table (names.json) from the installed pulumi_databricks and databricks-sdk.

The table maps the pulumi_databricks SDK's wire names to the REST API's, in one place. It is
derived here and committed:

    python -m devtools.localprovider.derive           # regenerate names.json after a pin bump

`derive()` walks each resource's Args input type of `pulumi_databricks` (camelCase wire names,
Python types) side by side with the request dataclass of `databricks-sdk` for the same REST call
(`jobs.JobSettings`, `pipelines.PipelineSpec`, `catalog.MonitorInfo`; for permissions, which it
has no dataclass for, `SetObjectPermissions` here). A wire property's REST name is the dataclass
field with the same snake name, or that name without the plural the provider adds to repeated
blocks (`dependsOns` -> `depends_on`, `onFailures` -> `on_failure`), or one of the few renames in
`RENAMES`. A property with no dataclass counterpart keeps its snake name
and is listed under `unverified`; tests/localprovider/test_names.py holds the reviewed list, so a
new SDK property cannot go unmapped silently. At run time the plugin reads only the JSON
(localprovider.names): importing `pulumi_databricks` costs seconds, and the plugin starts on every
Pulumi pass.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import importlib
import importlib.metadata
import json
import pkgutil
import sys
import typing
from typing import Any

import databricks.sdk.service as services
import pulumi
import pulumi_databricks
from databricks.sdk.service import iam
from pulumi import _types as pulumi_types  # pyright: ignore[reportPrivateUsage]

from devtools.localprovider.names import TABLE

RESOURCES: dict[str, tuple[str, str | None]] = {
    # token: (pulumi_databricks resource class, databricks-sdk request dataclass (or one defined
    # here, by its bare name) or None)
    "databricks:index/job:Job": ("Job", "jobs.JobSettings"),
    "databricks:index/pipeline:Pipeline": ("Pipeline", "pipelines.PipelineSpec"),
    "databricks:index/qualityMonitor:QualityMonitor": ("QualityMonitor", "catalog.MonitorInfo"),
    "databricks:index/dataQualityMonitor:DataQualityMonitor": (
        "DataQualityMonitor",
        "dataquality.Monitor",
    ),
    "databricks:index/notebook:Notebook": ("Notebook", None),
    "databricks:index/workspaceFile:WorkspaceFile": ("WorkspaceFile", None),
    "databricks:index/permissions:Permissions": ("Permissions", "SetObjectPermissions"),
}
"""The resource types the plugin serves: those Lakeform's program declares."""


@dataclasses.dataclass
class SetObjectPermissions:
    """The body of `PUT /api/2.0/permissions/{type}/{id}` (databricks-sdk-go's
    iam.SetObjectPermissions without its path fields): databricks-sdk (Python) has no request
    dataclass for `PermissionsAPI.set`, only the entries' `iam.AccessControlRequest`."""

    access_control_list: list[iam.AccessControlRequest] | None = None


RENAMES: dict[tuple[str, str], str] = {
    # The Jobs API prefixes git_source fields with `git_`; the provider does not.
    ("GitSource", "url"): "git_url",
    ("GitSource", "provider"): "git_provider",
    ("GitSource", "branch"): "git_branch",
    ("GitSource", "tag"): "git_tag",
    ("GitSource", "commit"): "git_commit",
    # The provider's repeated `access_control` block is the API's `access_control_list`.
    ("SetObjectPermissions", "access_controls"): "access_control_list",
}
"""(databricks-sdk dataclass, provider snake name) -> REST name, where neither rule applies."""

Node = dict[str, Any]
"""One property: {"rest": name, "type": string|integer|number|boolean|object|array|map|any,
"fields": {wire: Node} for objects, "items": Node for arrays and maps}."""


def _strip(tp: Any) -> Any:
    """Remove pulumi.Input / Optional / Awaitable / Output wrappers from an annotation."""
    while typing.get_origin(tp) is typing.Union:
        args = [
            a
            for a in typing.get_args(tp)
            if a is not type(None)
            and a is not pulumi.Output
            and typing.get_origin(a) not in (collections.abc.Awaitable, pulumi.Output)
        ]
        if len(args) != 1:
            break
        tp = args[0]
    return tp


def _sdk_class(tp: Any) -> type | None:
    """The dataclass inside an SDK field annotation (Optional[List[X]] -> X), if any."""
    while typing.get_origin(tp) is not None:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if not args:
            return None
        tp = args[-1]
    return tp if dataclasses.is_dataclass(tp) and isinstance(tp, type) else None


@functools.cache
def _sdk_fields(cls: type) -> dict[str, Any]:
    # Annotations name other service modules (`compute.Library`); a field of the same name
    # (`Task.compute`) would shadow them as a class-level local, so pass both namespaces.
    namespace = dict(vars(sys.modules[cls.__module__]))
    for info in pkgutil.iter_modules(services.__path__):
        if not info.name.startswith("_"):
            namespace[info.name] = importlib.import_module(f"{services.__name__}.{info.name}")
    return typing.get_type_hints(cls, globalns=namespace, localns=namespace)


def _rest_name(sdk: type | None, snake: str) -> str | None:
    if sdk is None:
        return None
    fields = _sdk_fields(sdk)
    renamed = RENAMES.get((sdk.__name__, snake))
    if renamed is not None and renamed in fields:
        return renamed
    for candidate in (snake, snake[:-1] if snake.endswith("s") else None, snake[:-2]):
        if candidate and candidate in fields:
            return candidate
    return None


def _node(tp: Any, sdk_tp: Any, path: str, unverified: list[str]) -> Node:
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if origin in (collections.abc.Sequence, list):
        return {
            "type": "array",
            "items": _node(typing.get_args(tp)[0], sdk_tp, path + "[]", unverified),
        }
    if origin in (collections.abc.Mapping, dict):
        return {
            "type": "map",
            "items": _node(typing.get_args(tp)[1], None, path + "{}", unverified),
        }
    if isinstance(tp, type) and pulumi_types.is_input_type(tp):
        return {"type": "object", "fields": _object(tp, _sdk_class(sdk_tp), path, unverified)}
    scalar = {str: "string", int: "integer", float: "number", bool: "boolean"}.get(tp, "any")
    return {"type": scalar}


def _object(cls: type, sdk: type | None, path: str, unverified: list[str]) -> dict[str, Node]:
    py_to_wire = pulumi_types.input_type_py_to_pulumi_names(cls)
    types = pulumi_types.input_type_types(cls)
    fields: dict[str, Node] = {}
    for snake, wire in sorted(py_to_wire.items(), key=lambda kv: kv[1]):
        rest = _rest_name(sdk, snake)
        here = f"{path}.{wire}" if path else wire
        if rest is None:
            if sdk is not None:
                unverified.append(here)
            rest = snake
        sdk_tp = _sdk_fields(sdk).get(rest) if sdk is not None else None
        fields[wire] = {"rest": rest, **_node(types[wire], sdk_tp, here, unverified)}
    return fields


def derive() -> dict[str, Any]:
    """The table, from the installed pulumi_databricks and databricks-sdk."""
    resources: dict[str, Any] = {}
    unverified: dict[str, list[str]] = {}
    for token, (class_name, sdk_name) in RESOURCES.items():
        resource = getattr(pulumi_databricks, class_name)
        args = getattr(pulumi_databricks, class_name + "Args")
        sdk = None
        if sdk_name is not None and "." not in sdk_name:
            sdk = globals()[sdk_name]  # a request body defined here
        elif sdk_name is not None:
            module, _, name = sdk_name.rpartition(".")
            sdk = getattr(importlib.import_module(f"databricks.sdk.service.{module}"), name)
        missing: list[str] = []
        inputs = _object(args, sdk, "", missing)
        state = pulumi_types.resource_types(resource)
        outputs = {
            wire: _node(tp, None, wire, [])
            for wire, tp in sorted(state.items())
            if wire not in inputs
        }
        for node in outputs.values():  # computed outputs have no REST body name of their own
            node.pop("fields", None)
        resources[token] = {"inputs": inputs, "outputs": {k: v["type"] for k, v in outputs.items()}}
        unverified[token] = missing
    return {
        "pulumi_databricks": importlib.metadata.version("pulumi_databricks"),
        "databricks_sdk": importlib.metadata.version("databricks-sdk"),
        "resources": resources,
        "unverified": unverified,
    }


def write() -> None:
    TABLE.write_text(json.dumps(derive(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {TABLE}")
