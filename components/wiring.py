"""What the stack hands each component besides its row, and what every component offers back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi

from components.files import RowFiles


@dataclass(frozen=True, kw_only=True)
class Wiring:
    """A row's files, the rows it names, and how carefully to treat it."""

    files: RowFiles
    """The repository files the row uses, and where they are uploaded."""
    references: Mapping[str, Mapping[str, pulumi.Input[Any]]]
    """Kind -> row key -> what a row naming it is given (a resource id), for rows built first."""
    protect: bool = False
    """The stack protects this row (kinds that can be protected honour it)."""
    parent: pulumi.Resource | None = None
    """The component of the row's kind (components.group.RowGroup): the parent of its resources."""


class Component(Protocol):
    """What is built from one row: its resources, as children of its kind's RowGroup."""

    @property
    def reference(self) -> pulumi.Input[Any]:
        """What another row naming this one is given (e.g. the job id, as a number)."""
        ...

    def stack_output(self, host: str | None) -> dict[str, Any]:
        """This row's entry in the stack output of its kind: plain values, resource Outputs and
        `Derived` fields."""
        ...


@dataclass(frozen=True)
class Derived:
    """A stack output field computed from the row's other fields once they are known, in the one
    apply that makes its kind's output (stacks.build.export): no Output of its own, since every
    Output costs the Python SDK work until the program ends."""

    compute: Callable[[Mapping[str, Any]], Any]


def url(host: str | None, kind: str) -> Derived | None:
    """The workspace UI address of a job or pipeline (from its `id` field), when the host is
    known."""
    if not host:
        return None
    return Derived(lambda fields: f"{host}/{kind}/{fields['id']}")


@dataclass(frozen=True, kw_only=True)
class ComponentKind:
    """How a row of one kind becomes its component: each component module's `COMPONENT`."""

    create: Callable[[str, Any, Wiring], Component]
    """(row key, final row, wiring) -> what the row builds: its resources, named by the row key,
    under `wiring.parent`."""
    inputs: Callable[[str, Any, Wiring], object]
    """The same, as provider inputs and without creating anything (preflight)."""
