"""What a kind's plug-in declares: the `Kind` entry every per-kind loop reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel

from metadata.checks import CheckContext
from metadata.errors import Problem
from metadata.formats.api import ExportedRow
from metadata.located import Locator
from metadata.models.jobs import RowReference
from metadata.models.shared import EmailNotifications, RunAs, lakeform_tags
from metadata.policy import FactsOf
from metadata.validated import Resolved


class StackDefaults(Protocol):
    """What a kind's stack step reads of the stack's settings (metadata/settings.py's
    `StackSettings`, which imports the registry and so cannot be imported here)."""

    @property
    def name_prefix(self) -> str: ...
    @property
    def pause_schedules(self) -> bool: ...
    @property
    def development(self) -> bool: ...
    @property
    def default_warehouse_id(self) -> str | None: ...
    @property
    def email_notifications(self) -> EmailNotifications | None: ...
    @property
    def tags(self) -> dict[str, str]: ...
    @property
    def run_as(self) -> RunAs | None: ...


M = TypeVar("M", bound=BaseModel)


def replace_fields(model: M, **changes: Any) -> M:
    """`model` with `changes`; a name that is not a field of the model is a programming error."""
    unknown = set(changes) - set(type(model).model_fields)
    if unknown:
        raise AttributeError(f"{type(model).__name__} has no field {', '.join(sorted(unknown))}")
    return model.model_copy(update=changes)


def stack_tags(
    settings: StackDefaults, stack: str, key: str, own: dict[str, str] | None
) -> dict[str, str]:
    """Stack tags, then the row's (they win), then Lakeform's (they win over both)."""
    return {**settings.tags, **(own or {}), **lakeform_tags(stack, key)}


def _name(item: Mapping[str, Any]) -> str:
    return str(item.get("name") or "")


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """How `lakeform recover` finds what a killed create of this kind made in the workspace."""

    by: Literal["tags", "id"]
    """`tags`: objects named like the input `match` whose lakeform_stack/lakeform_key tags are the
    row's; `id`: the object whose id is the input `match` (a monitor's table)."""
    match: str
    """Resource input (as the engine's state spells it) that names the object."""
    name_query: Callable[[str], Mapping[str, Any]] | None = None
    """`by="tags"`: the list call's query finding the objects named so (`rest.list_path`)."""
    body: str = ""
    """`by="tags"`: the GET answer's field holding `name` and `tags`."""


@dataclass(frozen=True, kw_only=True)
class Rest:
    """Where the REST API answers for one existing resource of this kind (`lakeform export` and
    `lakeform browse` read it; the answer is what `Kind.export` takes)."""

    get: str
    """GET path; `{id}` is replaced by the quoted id, or `path?param` passes it as `param`."""
    id_field: str
    """The answer's field holding the id, e.g. `job_id`; `a/b`: the id is `/`-separated parts
    (`object_type/object_id`: `schema/<uuid>`), each quoted in the GET path."""
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
    catalog_ids: Callable[[Mapping[str, Any]], Iterable[tuple[str, str]]] | None = None
    """The Unity Catalog objects an answer names by id, as (`schema` | `table`, id): the CLI
    looks up their full names and adds them to the answer as `full_names` {id: name}."""

    def ident(self, answer: Mapping[str, Any]) -> str:
        """The id of the resource an answer describes, as `get` takes it."""
        return "/".join(str(answer.get(part, "")) for part in self.id_field.split("/"))


@dataclass(frozen=True, kw_only=True)
class ExportOption:
    """How `lakeform export` is told which resources of the kind to read."""

    flag: str
    """Repeatable option naming one resource, e.g. `--job-id`."""
    metavar: str
    help: str
    numeric: bool = False
    """The option's value is an integer (job ids)."""
    all_flag: str | None = None
    """Option reading every resource of the kind (its `rest.list_path`), e.g. `--all-jobs`."""
    list_name: Callable[[Mapping[str, Any]], str] = _name
    """The name `--name-contains` filters a list answer's item by."""
    by_name: Callable[[str], tuple[str, str, str]] | None = None
    """The option names the object by full name: name -> (GET path answering its id, that
    answer's id field, the id `rest.get` takes with `{}` for it); None: the option is the id."""


@dataclass(frozen=True, kw_only=True)
class Browse:
    """How `lakeform browse` lists and labels the kind."""

    item: Callable[[Mapping[str, Any]], dict[str, Any]]
    """An API answer -> the listing's labels: id, name, creator, trigger, state, tags, changed
    (ms) (`cli/browse/catalog.py` `Item`)."""
    link: str
    """The resource's page under the workspace host: `{id}` its id (`/jobs/{id}`), `{path}` its
    name with dots as slashes (a table's page)."""
    read: Literal["list", "list_then_get", "tables"] = "list"
    """`list`: the list answer labels it; `list_then_get`: each listed one is read (the list
    answer lacks tags, schedule); `tables`: no list call, the stack's tables are asked."""
    tasks: Callable[[Mapping[str, Any]], list[Any]] | None = None
    """The tasks a detail answer holds, drawn as a graph; None: no graph."""
    sources: Callable[[Mapping[str, Any]], Iterator[tuple[str, dict[str, Any], str]]] | None = None
    """An exported row -> (where, block, field) of each of its fields that may name a workspace
    notebook or file by path (`tasks[0].notebook_task`, the block, `notebook_path`): an export
    can fetch them with the row (the page offers "with sources"; cli/browse/sources.py keeps the
    workspace paths). None: its rows name none."""
    row_object: Callable[[Any], str] | None = None
    """A row -> the full name of the object it monitors, for kinds whose resources carry no
    tags: the listing finds a stack's by these names (and `tables` reads ask for them)."""


@dataclass(frozen=True, kw_only=True)
class Drift:
    """How `lakeform drift` compares a deployed resource with its row."""

    body: str
    """The GET answer's field holding what the row sets (`settings`, `spec`)."""
    never_answered: frozenset[str] = frozenset()
    """Row fields (REST paths) the workspace never answers: not compared."""
    caseless: frozenset[str] = frozenset()
    """Fields the service (and the provider) compare without case."""
    kept_email_lists: bool = False
    """The provider keeps an address list of an `email_notifications` block (the resource's, its
    tasks' and their for_each_task's task's) that the row empties: `lakeform up` empties them
    after the deploy and `lakeform drift` reports them (cli/emails.py, Jobs API settings)."""


@dataclass(frozen=True, kw_only=True)
class Run:
    """How `lakeform run` starts a row of the kind and follows it."""

    starter: str
    """`module:Class` under cli/ that starts and follows it (`cli.run:JobRun`)."""
    options: tuple[str, ...] = ()
    """Options of `lakeform run` that apply to it."""


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
    link_exported: Callable[[ExportedRow, Mapping[str, Mapping[str, str]]], None] | None = None
    """After an export: the ids an exported row names of other exported rows -> their row keys
    ({kind: {resource id: key}}), a note for each id left as it is; None: it names none."""
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
    uploads_files: bool = False
    """Whether the kind's rows upload repository files: path fields and `${upload:PATH}`
    (metadata.folders)."""
    refers_to: tuple[str, ...] = ()
    """Kinds whose rows this kind's rows name by key: their resources are created first."""
    references: Callable[[Any], Iterable[RowReference]] = _no_references
    """Every row this row names, with where (the one walk: checks, build order, components)."""
    validated: Callable[[Any, Locator, list[Problem]], BaseModel | None] | None = None
    """A step after the model validated the row (e.g. a job's implicit dependencies made
    explicit); None with problems added drops the row."""
    export_option: ExportOption | None = None
    """None: `lakeform export` has no option for the kind."""
    browse: Browse | None = None
    """None: `lakeform browse` does not list the kind."""
    drift: Drift | None = None
    """None: `lakeform drift` does not compare the kind."""
    run: Run | None = None
    """None: `lakeform run` does not start rows of the kind."""
    for_stack: Callable[[str, Any, StackDefaults, str], Any] | None = None
    """(row key, row, the stack's settings, stack) -> the row with the stack-wide defaults
    applied (name prefix, tags, ...); None: the kind takes none."""
    policy: FactsOf | None = None
    """How the deploy policies (metadata/policy.py) read its rows and its resources' inputs;
    None: no rule reads the kind."""
    output_id: str = "id"
    """The field of a row's stack output naming its resource (the deployments table's `id`): the
    resource's id, or for a monitor the full name of what it monitors."""
    foreign: Callable[[Mapping[str, Any]], Any] | None = None
    """A row's stack output -> what a row of another shard naming it is given (its component's
    `reference`); None: rows of other shards cannot name it."""

    @property
    def component_module(self) -> str:
        """`jobs` for `lakeform:jobs:Job`: the module under components/ holding the component."""
        return self.component_type.split(":")[1]
