"""What the stack hands each component besides its row, and what every component offers back."""

from __future__ import annotations

from collections.abc import Mapping
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
        """This row's entry in the stack output of its kind."""
        ...


def url(host: str | None, kind: str, ident: pulumi.Output[str]) -> pulumi.Output[str] | None:
    """The workspace UI address of a job or pipeline, when the host is known."""
    return pulumi.Output.concat(host, f"/{kind}/", ident) if host else None
