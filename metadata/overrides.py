"""Per-stack steps on the parsed source: stack overrides merged, `${var.NAME}` substituted."""

from __future__ import annotations

import re
from typing import Any

from metadata.errors import Problem
from metadata.located import Locator, Part
from metadata.messages import suggest
from metadata.yamlsrc import LList, LMap

VAR_REF = re.compile(r"\$\{var\.([^}]*)\}")
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
) -> Any:
    """Replace `${var.NAME}` in every string; unknown names are problems."""
    if isinstance(value, str):
        if "${var." not in value or variables is None:
            return value

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
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
            return variables[name]

        return VAR_REF.sub(repl, value)
    if isinstance(value, LMap):
        for k in list(value):
            value[k] = substitute(value[k], variables, loc, (*parts, k), problems)
        return value
    if isinstance(value, LList):
        for i, item in enumerate(value):
            value[i] = substitute(item, variables, loc, (*parts, i), problems)
        return value
    return value
