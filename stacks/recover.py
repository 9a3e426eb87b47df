"""After a killed `pulumi up`: find what its pending creates made in the workspace, to adopt it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from metadata.kinds import KINDS, Kind

BY_RESOURCE_TYPE: dict[str, Kind] = {kind.resource_type: kind for kind in KINDS.values()}
BY_PATH = ("databricks:index/notebook:Notebook", "databricks:index/workspaceFile:WorkspaceFile")
RESENT = ("databricks:index/permissions:Permissions",)
"""Types whose create is one PUT of the whole state (a job's or pipeline's permissions): whether it
happened or not, clearing it is safe, since the next `pulumi up` sends the same PUT again."""


@dataclass(frozen=True)
class PendingCreate:
    """A resource whose create was sent but never recorded: it may or may not exist."""

    urn: str
    type: str
    inputs: Mapping[str, Any]
    parent: str = ""
    """URN of the Lakeform component the resource belongs to."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Finding:
    """What the workspace holds for one pending create: the id to adopt, or why there is none."""

    pending: PendingCreate
    ids: tuple[str, ...]
    """Ids of the objects that match: none (never created), one (adopt it) or several."""


class Workspace:
    """The look-ups recovery needs; the CLI backs them with databricks-sdk."""

    def __init__(
        self,
        *,
        named: Mapping[str, Callable[[str], Iterable[tuple[str, Mapping[str, str]]]]],
        exists: Callable[[str, str], bool],
        path_exists: Callable[[str], bool],
    ) -> None:
        self._named = named
        """Kind recovered by tags -> (name -> (id, tags) of every object with exactly that name)."""
        self._exists = exists
        """(kind recovered by id, id) -> whether the object exists."""
        self.path_exists = path_exists

    def named(self, kind: str, name: str) -> Iterable[tuple[str, Mapping[str, str]]]:
        """(id, tags) of every object of `kind` (found by tags) named exactly `name`."""
        return self._named[kind](name)

    def exists(self, kind: str, ident: str) -> bool:
        """Whether the object of `kind` (found by id) with id `ident` exists."""
        return self._exists(kind, ident)


def pending_creates(export: Mapping[str, Any]) -> list[PendingCreate]:
    """The pending creates of a `pulumi stack export` document."""
    deployment: dict[str, Any] = export.get("deployment") or {}
    operations: list[dict[str, Any]] = deployment.get("pending_operations") or []
    found: list[PendingCreate] = []
    for op in operations:
        resource: dict[str, Any] = op.get("resource") or {}
        urn = str(resource.get("urn") or "")
        if op.get("type") == "creating" and urn:
            inputs: dict[str, Any] = resource.get("inputs") or {}
            parent = str(resource.get("parent") or "")
            found.append(PendingCreate(urn, str(resource.get("type", "")), inputs, parent))
    return found


def _tagged(
    candidates: Iterable[tuple[str, Mapping[str, str]]], tags: Mapping[str, Any]
) -> list[str]:
    """Ids whose tags carry this row's Lakeform identity (stack and key)."""
    wanted = {k: tags.get(k) for k in ("lakeform_stack", "lakeform_key")}
    if None in wanted.values():
        return []
    return [ident for ident, have in candidates if all(have.get(k) == v for k, v in wanted.items())]


def find(pending: PendingCreate, workspace: Workspace) -> Finding | None:
    """Look for what `pending` may have created; None for a type recovery does not know."""
    inputs = pending.inputs
    kind = BY_RESOURCE_TYPE.get(pending.type)
    if kind is not None and kind.recovery is not None:
        value = str(inputs.get(kind.recovery.match, ""))
        if kind.recovery.by == "tags":
            ids = _tagged(workspace.named(kind.name, value), inputs.get("tags") or {})
        else:
            ids = [value] if value and workspace.exists(kind.name, value) else []
    elif pending.type in BY_PATH:
        path = str(inputs.get("path", ""))
        ids = [path] if path and workspace.path_exists(path) else []
    elif pending.type in RESENT:
        ids = []
    else:
        return None
    return Finding(pending, tuple(ids))


@dataclass(frozen=True)
class Plan:
    """What to do with every pending create."""

    adopt: tuple[Finding, ...]
    """Exactly one match: import it under the pending URN."""
    never_created: tuple[Finding, ...]
    """No match: the create never happened (or, for RESENT types, is sent again by the next up);
    the pending entry can be cleared."""
    ambiguous: tuple[Finding, ...]
    """Several matches: a person has to choose (ids are listed)."""
    unknown: tuple[PendingCreate, ...]
    """Types recovery cannot look up."""

    @property
    def blocked(self) -> bool:
        return bool(self.ambiguous or self.unknown)


def plan(pendings: Iterable[PendingCreate], workspace: Workspace) -> Plan:
    adopt: list[Finding] = []
    never: list[Finding] = []
    ambiguous: list[Finding] = []
    unknown: list[PendingCreate] = []
    for pending in pendings:
        finding = find(pending, workspace)
        if finding is None:
            unknown.append(pending)
        elif len(finding.ids) == 1:
            adopt.append(finding)
        elif finding.ids:
            ambiguous.append(finding)
        else:
            never.append(finding)
    return Plan(tuple(adopt), tuple(never), tuple(ambiguous), tuple(unknown))


def import_document(the_plan: Plan) -> dict[str, Any]:
    """A `pulumi import --file` document adopting what the pending creates made, under the URNs
    the program gives them (same type, name and parent component), so `pulumi up` sees them as
    its own. `pulumi refresh --import-pending-creates` would be the direct way, but the pinned
    engine (3.259) drops the imports it is given; this file does the same job."""
    names: dict[str, str] = {}
    resources: list[dict[str, Any]] = []
    for finding in the_plan.adopt:
        entry: dict[str, Any] = {
            "type": finding.pending.type,
            "name": finding.pending.name,
            "id": finding.ids[0],
        }
        if finding.pending.parent:
            parent = f"parent_{len(names)}"
            names[parent] = finding.pending.parent
            entry["parent"] = parent
        resources.append(entry)
    return {"nameTable": names, "resources": resources}


def recovery_commands(the_plan: Plan, stack: str, import_file: str) -> list[list[str]]:
    """Adopt what exists (from `import_file`, holding `import_document`), then clear the pending
    creates: after the import none is left unaccounted for. In this order, a failed import leaves
    the pending creates in place for another try."""
    commands: list[list[str]] = []
    if the_plan.adopt:
        commands.append(
            [
                "pulumi", "import", "--yes", "--skip-preview", "--generate-code=false",
                "--stack", stack, "--file", import_file,
            ]
        )  # fmt: skip
    if the_plan.adopt or the_plan.never_created:
        commands.append(
            ["pulumi", "refresh", "--yes", "--skip-preview", "--clear-pending-creates",
             "--stack", stack]
        )  # fmt: skip
    return commands
