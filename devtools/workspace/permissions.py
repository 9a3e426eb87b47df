"""Permissions API 2.0 for jobs and pipelines: an owner, direct grants, the admins' inherited one.

Where the service's exact wording or codes could not be confirmed, the choice is listed in
devtools/workspace/README.md ("Permissions").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from devtools.workspace.app import Request, route
from devtools.workspace.errors import invalid, missing

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace

PRINCIPALS = ("user_name", "group_name", "service_principal_name")


class ObjectType:
    """One object type of the Permissions API: its path segment, its answer's object_type, its
    levels, and where the workspace keeps its objects."""

    def __init__(
        self, path: str, object_type: str, levels: tuple[str, ...], store: str, word: str
    ) -> None:
        self.path = path
        self.object_type = object_type
        self.levels = levels
        self.store = store
        self.word = word

    def find(self, ws: Workspace, object_id: str) -> dict[str, Any]:
        if self.path == "jobs" and not object_id.isdigit():
            raise invalid(f"Invalid job id {object_id!r}: expected an integer")
        found = ws.store.data[self.store].get(object_id)
        if found is None:
            raise missing(f"{self.word} {object_id} does not exist.")
        return found


# Levels as the Permissions API reference lists them for each object type (the provider's
# permission_definitions.go allows the same sets).
TYPES: dict[str, ObjectType] = {
    t.path: t
    for t in (
        ObjectType(
            "jobs", "job", ("CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"), "jobs", "Job"
        ),
        ObjectType(
            "pipelines",
            "pipelines",
            ("CAN_VIEW", "CAN_RUN", "CAN_MANAGE", "IS_OWNER"),
            "pipelines",
            "Pipeline",
        ),
    )
}


def direct(obj: Mapping[str, Any]) -> list[dict[str, str]]:
    """The object's direct permissions; until any are set, its creator owns it."""
    held = obj.get("access_control")
    if held is None:
        return [{"user_name": str(obj["creator_user_name"]), "permission_level": "IS_OWNER"}]
    return [dict(entry) for entry in held]


def _principal(entry: Mapping[str, Any]) -> tuple[str, str]:
    return next((name, str(entry[name])) for name in PRINCIPALS if entry.get(name))


def checked(kind: ObjectType, body: Mapping[str, Any], where: str) -> list[dict[str, str]]:
    """The request's access_control_list, validated: one principal and a level of the type
    each, at most one owner, and no group as owner."""
    unknown = sorted(set(body) - {"access_control_list"})
    if unknown:
        raise invalid(f"unknown field {unknown[0]!r} in the request")
    entries = body.get("access_control_list") or []
    if not isinstance(entries, list):
        raise invalid(f"{where}: expected an array")
    out: list[dict[str, str]] = []
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if not isinstance(entry, dict):
            raise invalid(f"{at}: expected an object")
        extra = sorted(set(entry) - {*PRINCIPALS, "permission_level"})
        if extra:
            raise invalid(f"{at}: unknown field {extra[0]!r} in AccessControlRequest")
        named = [n for n in PRINCIPALS if entry.get(n)]
        if len(named) != 1:
            raise invalid(
                f"{at}: exactly one of user_name, group_name, service_principal_name is "
                f"required, got {', '.join(named) or 'none'}"
            )
        level = entry.get("permission_level")
        if level not in kind.levels:
            raise invalid(
                f"{at}.permission_level: permission level {level!r} is not valid for "
                f"{kind.path}; allowed: {', '.join(kind.levels)}"
            )
        if level == "IS_OWNER" and named[0] == "group_name":
            raise invalid(f"{at}: a group cannot be the owner of a {kind.word.lower()}")
        cleaned = {named[0]: str(entry[named[0]]), "permission_level": str(level)}
        if cleaned not in out:
            out.append(cleaned)
    owners = [e for e in out if e["permission_level"] == "IS_OWNER"]
    if len(owners) > 1:
        raise invalid(f"{where}: a {kind.word.lower()} has exactly one owner, got {len(owners)}")
    return out


def with_owner(new: list[dict[str, str]], old: list[dict[str, str]]) -> list[dict[str, str]]:
    """An object always has its one owner: a list without IS_OWNER keeps the current one."""
    if any(e["permission_level"] == "IS_OWNER" for e in new):
        return new
    return [e for e in old if e["permission_level"] == "IS_OWNER"] + new


def view(kind: ObjectType, object_id: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The GET answer: direct permissions by principal, then the admins group's inherited
    CAN_MANAGE from the type's root object."""
    by_principal: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in direct(obj):
        by_principal.setdefault(_principal(entry), []).append(
            {"permission_level": entry["permission_level"], "inherited": False}
        )
    admins = by_principal.setdefault(("group_name", "admins"), [])
    admins.append(
        {
            "permission_level": "CAN_MANAGE",
            "inherited": True,
            "inherited_from_object": [f"/{kind.path}/"],
        }
    )
    acl: list[dict[str, Any]] = []
    for (name, value), permissions in by_principal.items():
        item: dict[str, Any] = {name: value, "all_permissions": permissions}
        if name != "group_name":
            item["display_name"] = value
        acl.append(item)
    return {
        "object_id": f"/{kind.path}/{object_id}",
        "object_type": kind.object_type,
        "access_control_list": acl,
    }


def _target(ws: Workspace, req: Request) -> tuple[ObjectType, str, dict[str, Any]]:
    kind = TYPES[req.params["object_type"]]
    object_id = req.params["object_id"]
    return kind, object_id, kind.find(ws, object_id)


def get(ws: Workspace, req: Request) -> dict[str, Any]:
    kind, object_id, obj = _target(ws, req)
    return view(kind, object_id, obj)


def set_permissions(ws: Workspace, req: Request) -> dict[str, Any]:
    """PUT: the list replaces every direct permission (the owner stays unless one is named)."""
    kind, object_id, obj = _target(ws, req)
    new = checked(kind, req.json(), "access_control_list")
    obj["access_control"] = with_owner(new, direct(obj))
    return view(kind, object_id, obj)


def update_permissions(ws: Workspace, req: Request) -> dict[str, Any]:
    """PATCH: the list is added; a principal named again gets the level given."""
    kind, object_id, obj = _target(ws, req)
    new = checked(kind, req.json(), "access_control_list")
    named = {_principal(e) for e in new}
    owner_named = any(e["permission_level"] == "IS_OWNER" for e in new)
    kept = [
        e
        for e in direct(obj)
        if _principal(e) not in named and not (owner_named and e["permission_level"] == "IS_OWNER")
    ]
    obj["access_control"] = kept + new
    return view(kind, object_id, obj)


def levels(ws: Workspace, req: Request) -> dict[str, Any]:
    kind, _, _ = _target(ws, req)
    return {
        "permission_levels": [
            {"permission_level": level, "description": f"{level} on this {kind.word.lower()}"}
            for level in kind.levels
        ]
    }


_OBJECT = r"/api/2\.0/permissions/(?P<object_type>jobs|pipelines)/(?P<object_id>[^/]+)"
ROUTES = [
    route("GET", _OBJECT + r"/permissionLevels", "permissions.levels", levels),
    route("GET", _OBJECT, "permissions.get", get),
    route("PUT", _OBJECT, "permissions.set", set_permissions),
    route("PATCH", _OBJECT, "permissions.update", update_permissions),
]
