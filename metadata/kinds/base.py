"""What a kind's plug-in declares: the `Kind` entry every per-kind loop reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from metadata.checks import CheckContext
from metadata.errors import Problem
from metadata.formats.api import ExportedRow
from metadata.located import Locator
from metadata.models.jobs import RowReference
from metadata.validated import Resolved


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """How `lakeform recover` finds what a killed create of this kind made in the workspace."""

    by: Literal["tags", "id"]
    """`tags`: objects named like the input `match` whose lakeform_stack/lakeform_key tags are the
    row's; `id`: the object whose id is the input `match` (a monitor's table)."""
    match: str
    """Resource input (as the engine's state spells it) that names the object."""


@dataclass(frozen=True, kw_only=True)
class Rest:
    """Where the REST API answers for one existing resource of this kind (`lakeform export` and
    `lakeform browse` read it; the answer is what `Kind.export` takes)."""

    get: str
    """GET path; `{id}` is replaced by the quoted id, or `path?param` passes it as `param`."""
    id_field: str
    """The answer's field holding the id, e.g. `job_id`."""
    noun: str
    """How a failed read names the resource before its id: `job 12`, `monitor on main.s.t`."""
    numeric_id: bool = False
    """The id is an integer (job ids)."""
    paged: tuple[str, ...] = ()
    """`settings` lists the GET answers a page at a time (`next_page_token`), all read."""
    list_path: str | None = None
    """GET path listing every resource of the kind, a page at a time; None: not listable."""
    list_items: str = ""
    """The list answer's field holding the page's items."""
    list_query: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Query of the list call besides the page token (its page size)."""


def _no_problems(row: Resolved, ctx: CheckContext) -> Iterator[Problem]:
    return iter(())


def _no_references(row: Any) -> Iterable[RowReference]:
    return ()


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of row: declared once, in its plug-in module under metadata/kinds/."""

    name: str
    """Top-level key of a metadata file, stack output and `release` prefix, e.g. `jobs`."""
    row_model: type[BaseModel]
    component_type: str
    """Type token of the Lakeform component, `lakeform:<module>:<Class>`: the component is the
    class `<Class>` of `components/<module>.py` (components/registry.py finds it there)."""
    resource_type: str
    """Type token of the Databricks resource, e.g. `databricks:index/job:Job`."""
    key_word: str
    """Word for a row of this kind in generated keys, messages and `lakeform browse`, e.g.
    `monitor`."""
    description: str
    """What the rows are, for the JSON Schema of a metadata file."""
    check: Callable[[Resolved, CheckContext], Iterator[Problem]] = _no_problems
    """The kind's rules across fields and rows (run after every file is read)."""
    export: Callable[[Mapping[str, Any]], ExportedRow] | None = None
    """An API answer describing an existing resource -> its row (`lakeform export`); None: the
    kind is not exported."""
    rest: Rest | None = None
    """None: the CLI does not read existing resources of this kind (export, browse)."""
    recovery: Recovery | None = None
    """None: `lakeform recover` does not look for this kind's pending creates."""
    protected: str | None = None
    """Protected stacks protect rows of this kind; why, as the refusal to delete one says it."""
    reset: Callable[[Any], int] | None = None
    """The row's replacement counter: a change replaces the resource (refused when protected)."""
    replaced_by: Callable[[Any], dict[str, Any]] | None = None
    """Row fields whose change replaces the resource, with the row's values (recorded in the
    stack outputs; a change is refused when protected, like `reset`)."""
    refers_to: tuple[str, ...] = ()
    """Kinds whose rows this kind's rows name by key: their resources are created first."""
    references: Callable[[Any], Iterable[RowReference]] = _no_references
    """Every row this row names, with where (the one walk: checks, build order, components)."""
    validated: Callable[[Any, Locator, list[Problem]], BaseModel | None] | None = None
    """A step after the model validated the row (e.g. a job's implicit dependencies made
    explicit); None with problems added drops the row."""

    @property
    def component_module(self) -> str:
        """`jobs` for `lakeform:jobs:Job`: the module under components/ holding the component."""
        return self.component_type.split(":")[1]
