"""Per-stack steps on the parsed source: stack overrides merged, `${var.NAME}` substituted."""

from __future__ import annotations

import re
from typing import Any

from metadata.errors import Problem
from metadata.located import Locator, Part
from metadata.messages import suggest
from metadata.models.jobs import TASK_REFERENCES
from metadata.yamlsrc import LList, LMap

VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Lists whose items are merged by this key when a stack override is applied (as bundles do).
MERGE_KEYS = ("task_key", "job_cluster_key", "environment_key", "name", "label")


def merge(base: Any, over: Any) -> Any:
    """Deep-merge a stack override over a row: mappings merge, lists of mappings merge by their
    key (task_key, ...), anything else is replaced; `null` removes a field."""
    if isinstance(base, LMap) and isinstance(over, LMap):
        out = LMap(base.pos)
        for k, v in base.items():
            out.put(k, v, base.key_pos.get(k))
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
                out.key_pos.pop(k, None)
            elif k in out:
                out.put(k, merge(out[k], v), over.key_pos.get(k))
            else:
                out.put(k, v, over.key_pos.get(k))
        return out
    if isinstance(base, LList) and isinstance(over, LList):
        ident = _list_ident(base, over)
        if ident is None:
            return over
        out_list = LList(base.pos)
        index: dict[object, int] = {}
        for item, pos in zip(base, base.item_pos, strict=True):
            index[item[ident]] = len(out_list)
            out_list.put(item, pos)
        for item, pos in zip(over, over.item_pos, strict=True):
            at = index.get(item[ident])
            if at is None:
                out_list.put(item, pos)
            else:
                out_list[at] = merge(out_list[at], item)
                out_list.item_pos[at] = pos
        return out_list
    return over


def _list_ident(base: LList, over: LList) -> str | None:
    items = [*base, *over]
    if not items or not all(isinstance(i, LMap) for i in items):
        return None
    for key in MERGE_KEYS:
        if all(isinstance(i, LMap) and isinstance(i.get(key), str) for i in items):
            return key
    return None


def substitute(
    value: Any,
    variables: dict[str, str] | None,
    loc: Locator,
    parts: tuple[Part, ...],
    problems: list[Problem],
    *,
    bare_refs: bool = False,
) -> Any:
    """Replace `${var.NAME}` in every string; unknown names, and any other `${...}` (Lakeform
    substitutes nothing else; `${upload:PATH}` is kept for the checks and the components), are
    problems. Without `variables` (no stack settings),
    `${var.NAME}` is left as written. With `bare_refs`, `${name}` (no dot) stays as written."""
    if isinstance(value, str):
        if "${" not in value:
            return value

        def repl(m: re.Match[str]) -> str:
            ref = m.group(1)
            if ref.startswith("upload:"):
                return m.group(0)  # a repository path Lakeform uploads (metadata.folders)
            if not ref.startswith("var."):
                if bare_refs and BARE_REF.match(ref):
                    return m.group(0)
                problems.append(loc.problem(parts, _unsubstituted(m.group(0), ref)))
                return m.group(0)
            if variables is None:
                return m.group(0)
            name = ref.removeprefix("var.")
            if not VAR_NAME.match(name):
                problems.append(loc.problem(parts, f"invalid variable reference '{m.group(0)}'"))
                return m.group(0)
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none"
                hint = suggest(name, variables) if variables else ""
                hint = f" ({hint.removeprefix('; ')})" if hint.startswith("; did") else ""
                problems.append(
                    loc.problem(
                        parts,
                        f"unknown variable '${{var.{name}}}'{hint}; known: {known} "
                        "(define it in the stack's lakeform:settings.variables)",
                    )
                )
                return m.group(0)
            held = next(
                (h for h in REF.finditer(variables[name]) if not h.group(1).startswith("upload:")),
                None,
            )
            if held is not None:  # substituted once only: it would stay in the row as written
                problems.append(
                    loc.problem(
                        parts,
                        f"variable '{name}' holds '{held.group(0)}', which Lakeform does not "
                        "substitute; give the stack's lakeform:settings.variables a plain value",
                    )
                )
            return variables[name]

        return REF.sub(repl, value)
    if isinstance(value, LMap):
        for k in list(value):
            by_key = _reference_by_key(k, value[k])
            if by_key is not None:
                # `job_id: ${resources.jobs.x.id}`: said once, as the key to write instead, and
                # read as that key so nothing else complains about the same line
                problems.append(loc.problem((*parts, k), by_key[1]))
                del value[k]
                value.put(_BY_KEY_FIELD[k], by_key[0], value.key_pos.get(k))
                continue
            value[k] = substitute(
                value[k], variables, loc, (*parts, k), problems, bare_refs=bare_refs
            )
        return value
    if isinstance(value, LList):
        for i, item in enumerate(value):
            value[i] = substitute(item, variables, loc, (*parts, i), problems, bare_refs=bare_refs)
        return value
    return value


REF = re.compile(r"\$\{([^}]*)\}")
BARE_REF = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""`${name}` with no dot: no reference of the Databricks CLI's, passed through where allowed."""
BUNDLE_REF = re.compile(rf"^resources\.({'|'.join(TASK_REFERENCES)})\.([A-Za-z0-9_-]+)\.id$")
"""A bundle's `${resources.<kind>.<key>.id}`, for the kinds a task names."""
_BY_KEY = {kind: (how.id_field, how.form) for kind, how in TASK_REFERENCES.items()}
_BY_KEY_FIELD = {how.id_field: how.field for how in TASK_REFERENCES.values()}


def _reference_by_key(key: str, value: Any) -> tuple[str, str] | None:
    """(row key, message) when `key: value` is a bundle's id reference to another resource."""
    if not isinstance(value, str):
        return None
    m = REF.fullmatch(value)
    ref = BUNDLE_REF.match(m.group(1)) if m else None
    if ref is None or _BY_KEY[ref.group(1)][0] != key:
        return None
    return ref.group(2), _unsubstituted(value, value[2:-1])


def _unsubstituted(text: str, ref: str) -> str:
    """Why `text` (a `${ref}`) stays unsubstituted, and what to write."""
    bundle = BUNDLE_REF.match(ref)
    if bundle:
        field, form = _BY_KEY[bundle.group(1)]
        return (
            f"'{text}' is a bundle reference; Lakeform refers to rows by key: write "
            f"{form % bundle.group(2)} instead of {field}"
        )
    if ref in ("bundle.target", "bundle.environment"):
        return (
            f"'{text}' is not substituted by Lakeform; the stack has no such variable: define "
            "one per stack in lakeform:settings.variables and write ${var.NAME}"
        )
    return (
        f"'{text}' is not substituted by Lakeform (only ${{var.NAME}}, from the stack's "
        "lakeform:settings.variables)"
    )
