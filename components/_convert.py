"""Turn API-shaped dicts (Jobs/Pipelines/Monitors API names) into pulumi_databricks input types."""

from __future__ import annotations

import collections.abc
import functools
import inspect
import sys
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import pulumi
import pulumi.output
from pulumi import _types as pulumi_types  # pyright: ignore[reportPrivateUsage]

T = TypeVar("T")

RENAMES: dict[tuple[str, str], str] = {
    # The Jobs API prefixes git_source fields with `git_`; the provider does not.
    ("JobGitSourceArgs", "git_url"): "url",
    ("JobGitSourceArgs", "git_provider"): "provider",
    ("JobGitSourceArgs", "git_branch"): "branch",
    ("JobGitSourceArgs", "git_tag"): "tag",
    ("JobGitSourceArgs", "git_commit"): "commit",
}
"""API field -> provider input name where the provider's name is not the API name or its plural
(the provider pluralises repeated blocks: `depends_on` -> `depends_ons`, `on_failure` ->
`on_failures`, `include` -> `includes`)."""


class UnmappedFieldError(KeyError):
    """An API field has no provider input: the mapping needs a case (a programming error)."""

    def __str__(self) -> str:
        return str(self.args[0])


@functools.cache
def _fields(cls: type) -> dict[str, Any]:
    """Constructor parameters of an input type (or resource Args class) and their types."""
    module = sys.modules[cls.__module__]
    namespace = {**vars(pulumi.output), **vars(module)}
    hints = typing.get_type_hints(cls.__init__, globalns=namespace, localns=namespace)
    params = inspect.signature(cls.__init__).parameters
    return {name: hints[name] for name in params if name not in ("self", "__self__")}


def field_name(cls: type, api_name: str) -> str:
    """The provider input name of API field `api_name` in input type `cls`."""
    fields = _fields(cls)
    renamed = RENAMES.get((cls.__name__, api_name))
    if renamed is not None:
        return renamed
    for candidate in (api_name, api_name + "s", api_name + "es"):
        if candidate in fields:
            return candidate
    raise UnmappedFieldError(
        f"{cls.__name__} has no input for API field {api_name!r}; "
        f"add a case to components._convert.RENAMES (inputs: {', '.join(sorted(fields))})"
    )


@functools.cache
def _strip_input(tp: Any) -> Any:
    """Remove pulumi.Input / Optional / Awaitable / Output wrappers from an annotation."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Union:
            args = [
                a
                for a in typing.get_args(tp)
                if a is not type(None)
                and typing.get_origin(a) not in (collections.abc.Awaitable, pulumi.Output)
                and a is not pulumi.Output
            ]
            if len(args) != 1:
                return tp
            tp = args[0]
            continue
        return tp


def _convert(value: Any, tp: Any) -> Any:
    tp = _strip_input(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and pulumi_types.is_input_type(tp):
        if isinstance(value, list) and len(cast("list[Any]", value)) == 1:
            value = cast("list[Any]", value)[0]
        if isinstance(value, Mapping):
            built: Any = to_input(cast("Mapping[str, Any]", value), cast("type[Any]", tp))
            return built
        return cast(Any, value)
    if origin in (collections.abc.Sequence, list) and isinstance(value, list | tuple | dict):
        item_type: Any = typing.get_args(tp)[0]
        items: list[Any] = [value] if isinstance(value, dict) else list(cast("list[Any]", value))
        return [_convert(v, item_type) for v in items]
    if origin in (collections.abc.Mapping, dict) and isinstance(value, Mapping):
        # Maps in stable (sorted) order so reordering keys in YAML changes nothing.
        mapping = cast("Mapping[str, Any]", value)
        return {k: mapping[k] for k in sorted(mapping)}
    return value


def to_input(value: Mapping[str, Any], cls: type[T]) -> T:
    """Build input type `cls` from an API-shaped mapping, translating names and nested blocks.

    Raises UnmappedFieldError when an API field has no provider input, so a new field fails a test
    instead of silently vanishing."""
    fields = _fields(cls)
    kwargs: dict[str, Any] = {}
    for api_name in value:
        name = field_name(cls, api_name)
        kwargs[name] = _convert(value[api_name], fields[name])
    return cls(**kwargs)
