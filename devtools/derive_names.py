"""Derive the names table (components/names.json) from the installed pulumi_databricks and SDK.

The table gives, per resource type and per property, the three names one API field goes by: the
provider's wire name (camelCase, the key), its Python input name (`python`, the keyword of the
input type: `depends_ons`) and the REST API's name (`rest`: `depends_on`), with the property's
type, its input type class for blocks (`class`) and its nested fields. It is derived here, at
development time, and committed; the program, the CLI and the local provider read only the JSON
(components.names): importing `pulumi_databricks` costs seconds.

    uv run python -m devtools.derive_names          # re-derive the resource types it lists
    uv run python -m devtools.derive_names TOKEN=SDK  # and add (or change) one, e.g.
        databricks:index/dataQualityMonitor:DataQualityMonitor=dataquality.Monitor

Each resource type names its `databricks-sdk` request dataclass (`jobs.JobSettings`, a class of
`databricks.sdk.service.jobs`; a bare name is one defined here; empty for none), and the table
records it, so re-deriving after a pin bump needs no list here. `derive()` walks the resource's
Args input type (the Python class is the token's last part + `Args`) side by side with that
dataclass. A wire property's REST name is the dataclass field with the same snake name, or that
name without the plural the provider adds to repeated blocks (`dependsOns` -> `depends_on`,
`onFailures` -> `on_failure`), or one of the few renames in `RENAMES`. A property with no
dataclass counterpart keeps its snake name and is listed under `unverified`;
tests/unit/test_names.py holds the reviewed list, so a new SDK property cannot go unmapped
silently, and fails when the committed table is not what the installed packages give.

The wire names are read from the generated SDK's own source: each property's getter carries
`@pulumi.getter(name="wireName")` (or a bare `@pulumi.getter`, when the wire name is the Python
one), read here with `ast`; the types are the getters' return annotations (`typing.get_type_hints`).
Nothing reads Pulumi's private `pulumi._types`.
"""

from __future__ import annotations

import argparse
import ast
import collections.abc
import dataclasses
import functools
import importlib
import importlib.metadata
import inspect
import json
import pathlib
import pkgutil
import sys
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import databricks.sdk.service as services
import pulumi
import pulumi_databricks
from databricks.sdk.service import iam

from components.names import TABLE, table


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
"""(databricks-sdk dataclass, provider snake name) -> REST name, where neither rule applies. The
only such table: components read the reverse from names.json."""

Node = dict[str, Any]
"""One property: {"rest": name, "python": keyword, "type": string|integer|number|boolean|object|
array|map|any, "class" and "fields": {wire: Node} for objects, "items": Node for arrays and
maps}."""


@functools.cache
def _module_getters(path: str) -> dict[str, dict[str, str]]:
    """Class name -> {Python property name: wire name} for every `@pulumi.getter` property of
    the classes defined in the module at `path` (generated SDK source, parsed once)."""
    tree = ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))
    classes: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        names: dict[str, str] = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                wire = _getter_name(item)
                if wire is not None:
                    names[_mangled(node.name, item.name)] = wire
        classes[node.name] = names
    return classes


def _mangled(cls: str, name: str) -> str:
    """`name` as the class stores it: Python mangles `__private` names inside a class body."""
    if name.startswith("__") and not name.endswith("__"):
        return f"_{cls.lstrip('_')}{name}"
    return name


def _getter_name(fn: ast.FunctionDef) -> str | None:
    """The wire name a `@pulumi.getter` or `@pulumi.getter(name="x")` decorator gives `fn`."""
    for decorator in fn.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        if ast.unparse(target) != "pulumi.getter":
            continue
        for keyword in call.keywords if call is not None else ():
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
        return fn.name
    return None


def _is_input_type(cls: type) -> bool:
    """Whether `cls` is one of pulumi_databricks' generated input types (`...Args`)."""
    return _generated(cls) and cls.__name__.endswith("Args")


def _generated(cls: type) -> bool:
    module = sys.modules.get(cls.__module__)
    return (
        module is not None
        and module.__name__.startswith(pulumi_databricks.__name__ + ".")
        and cls.__name__ in _module_getters(inspect.getfile(module))
    )


@functools.cache
def _getters(cls: type) -> dict[str, tuple[str, Any]]:
    """Python property name -> (wire name, annotated type) of a generated pulumi_databricks
    class (input type or resource); empty for any other class."""
    if not _generated(cls):
        return {}
    module = sys.modules[cls.__module__]
    names = _module_getters(inspect.getfile(module)).get(cls.__name__, {})
    namespace = {**vars(module), "Output": pulumi.Output, "T": type(None)}
    return {
        snake: (
            wire,
            typing.get_type_hints(getattr(cls, snake).fget, globalns=namespace)["return"],
        )
        for snake, wire in names.items()
    }


def _strip(tp: Any) -> Any:
    """Remove pulumi.Input / Optional / Awaitable / Output wrappers from an annotation."""
    if typing.get_origin(tp) is pulumi.Output:
        tp = typing.get_args(tp)[0]
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


def _keyword(cls: type, attribute: str) -> str:
    """The constructor keyword of input property `attribute` (the same name, checked)."""
    if attribute not in inspect.signature(cls.__init__).parameters:
        raise RuntimeError(f"{cls.__name__} takes no keyword {attribute!r}")
    return attribute


def _class_name(cls: type) -> str:
    if getattr(pulumi_databricks, cls.__name__, None) is not cls:
        raise RuntimeError(f"{cls.__name__} is not pulumi_databricks.{cls.__name__}")
    return cls.__name__


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
    if isinstance(tp, type) and _is_input_type(tp):
        return {
            "type": "object",
            "class": _class_name(tp),
            "fields": _object(tp, _sdk_class(sdk_tp), path, unverified),
        }
    scalar = {str: "string", int: "integer", float: "number", bool: "boolean"}.get(tp, "any")
    return {"type": scalar}


def _object(cls: type, sdk: type | None, path: str, unverified: list[str]) -> dict[str, Node]:
    getters = _getters(cls)
    py_to_wire = {snake: wire for snake, (wire, _) in getters.items()}
    types = {wire: tp for wire, tp in getters.values()}
    fields: dict[str, Node] = {}
    for snake, wire in sorted(py_to_wire.items(), key=lambda kv: kv[1]):
        rest = _rest_name(sdk, snake)
        here = f"{path}.{wire}" if path else wire
        if rest is None:
            if sdk is not None:
                unverified.append(here)
            rest = snake
        sdk_tp = _sdk_fields(sdk).get(rest) if sdk is not None else None
        fields[wire] = {
            "rest": rest,
            "python": _keyword(cls, snake),
            **_node(types[wire], sdk_tp, here, unverified),
        }
    return fields


def _sdk_dataclass(name: str | None) -> type | None:
    if not name:
        return None
    if "." not in name:
        return globals()[name]  # a request body defined here
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(f"{services.__name__}.{module}"), attr)


def listed() -> dict[str, str | None]:
    """Resource type -> SDK dataclass, as the committed table records them."""
    return {token: entry["sdk"] for token, entry in table()["resources"].items()}


def derive(resources: Mapping[str, str | None]) -> dict[str, Any]:
    """The table for `resources` (token -> SDK dataclass name or None), from the installed
    pulumi_databricks and databricks-sdk."""
    derived: dict[str, Any] = {}
    unverified: dict[str, list[str]] = {}
    for token, sdk_name in sorted(resources.items()):
        class_name = token.rpartition(":")[2]
        resource = getattr(pulumi_databricks, class_name)
        args = getattr(pulumi_databricks, class_name + "Args")
        missing: list[str] = []
        inputs = _object(args, _sdk_dataclass(sdk_name), "", missing)
        state = _getters(resource).values()
        outputs = {wire: _node(tp, None, wire, [])["type"] for wire, tp in sorted(state)}
        derived[token] = {
            "args": _class_name(args),
            "sdk": sdk_name or None,
            "inputs": inputs,
            # computed outputs have no REST body name of their own
            "outputs": {k: v for k, v in outputs.items() if k not in inputs},
        }
        unverified[token] = missing
    return {
        "pulumi_databricks": importlib.metadata.version("pulumi_databricks"),
        "databricks_sdk": importlib.metadata.version("databricks-sdk"),
        "resources": derived,
        "unverified": unverified,
    }


def write(resources: Mapping[str, str | None]) -> None:
    TABLE.write_text(
        json.dumps(derive(resources), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.derive_names",
        description="Re-derive components/names.json from the installed pulumi_databricks and "
        "databricks-sdk, for the resource types it lists and any given here.",
    )
    parser.add_argument(
        "add",
        nargs="*",
        metavar="TOKEN=SDK",
        help="a resource type to add or change and its databricks-sdk request dataclass "
        "(`module.Class` of databricks.sdk.service; empty for none)",
    )
    args = parser.parse_args(argv)
    resources = listed() if TABLE.exists() else {}
    for item in args.add:
        token, _, sdk = item.partition("=")
        resources[token] = sdk or None
    write(resources)
    print(f"wrote {TABLE} ({len(resources)} resource types)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
