"""Existing jobs, pipelines and monitors (API answers) -> metadata rows -> YAML text; no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from metadata.formats.api import (
    ExportedRow,
    job_row,
    monitor_row,
    pipeline_row,
    plain_output_type,
)
from metadata.kinds import KINDS
from metadata.raw import ROW_KEY


@dataclass
class Export:
    """Rows of every kind with their keys assigned and references between them resolved."""

    rows: dict[str, list[ExportedRow]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    """Kind -> its rows, in KINDS order."""

    def all(self) -> list[ExportedRow]:
        return [row for kind in KINDS for row in self.of(kind)]

    def of(self, kind: str) -> list[ExportedRow]:
        """The rows of `kind` (a key of KINDS)."""
        return self.rows[kind]

    def __getattr__(self, kind: str) -> list[ExportedRow]:
        rows = self.__dict__.get("rows")
        if rows is None or kind not in rows:
            raise AttributeError(kind)
        found: list[ExportedRow] = rows[kind]
        return found


# --- keys and references -------------------------------------------------------------------------


def snake_key(name: str, fallback: str) -> str:
    """`Olist Lakehouse - Daily` -> `olist_lakehouse_daily`: a valid row key (metadata's rule)."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    key = text or fallback
    assert ROW_KEY.match(key), key
    return key


def assign_keys(rows: Sequence[ExportedRow], taken: Iterable[str] = ()) -> None:
    """Give each row a unique key from its name; clashes get `_2`, `_3`, ... in (name, id) order,
    so the keys do not depend on the order the workspace listed the resources in."""
    used = set(taken)
    for row in sorted(rows, key=lambda r: (r.name, r.resource_id)):
        base = snake_key(row.name, f"{KINDS[row.kind].key_word}_{snake_key(row.resource_id, 'x')}")
        key, n = base, 2
        while key in used:
            key, n = f"{base}_{n}", n + 1
        used.add(key)
        row.key = key


def link_references(export: Export) -> None:
    """Ids an exported row names of other exported rows -> their row keys (a job task's
    `pipeline_id` / `job_id`), as each kind's plug-in reads them (`Kind.link_exported`)."""
    keys = {kind: {r.resource_id: r.key for r in export.of(kind)} for kind in KINDS}
    for kind in KINDS.values():
        if kind.link_exported is not None:
            for row in export.of(kind.name):
                kind.link_exported(row, keys)


def build_export(answers: Mapping[str, Iterable[Mapping[str, Any]]]) -> Export:
    """API answers (kind -> answers) -> rows with keys and row references."""
    export = Export()
    for kind in KINDS.values():
        rows = export.of(kind.name)
        given = list(answers.get(kind.name, ()))
        if given and kind.export is None:
            raise ValueError(f"{kind.name} are not exported")
        if kind.export is not None:
            rows.extend(kind.export(answer) for answer in given)
        assign_keys(rows)
    link_references(export)
    return export


# --- output --------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings (SQL, descriptions) as `|` blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    represent: Any = dumper.represent_scalar  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return represent("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def yaml_text(value: Any) -> str:
    """`value` as block-style YAML, keys in their order, multi-line strings as `|` blocks."""
    return yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )


def to_yaml(export: Export, header: Sequence[str] = ()) -> str:
    """The rows as one metadata file, each row under its key, led by a `# not exported:` comment
    for every field it leaves out; rows in key order."""
    lines = [f"# {h}" for h in header]
    for kind in KINDS:
        rows = sorted(export.of(kind), key=lambda r: r.key)
        if not rows:
            continue
        lines.append(f"{kind}:")
        for r in rows:
            lines.extend(f"  # not exported: {d}" for d in r.not_exported)
            text = yaml.dump(
                {r.key: r.row},
                Dumper=_Dumper,
                sort_keys=False,
                default_flow_style=False,
                allow_unicode=True,
                width=100,
            )
            lines.extend(f"  {line}" if line else line for line in text.splitlines())
    return "\n".join(lines) + "\n"


def import_file(export: Export) -> dict[str, Any]:
    """A `pulumi import --file` document that adopts every exported resource where Lakeform's
    program declares it: under the component of its kind (named by the kind, created by the import
    unless the stack has it already: it has no cloud side), named by the row key."""
    resources: list[dict[str, Any]] = []
    for kind in KINDS:
        exported = sorted((r for r in export.all() if r.kind == kind), key=lambda r: r.key)
        if not exported:
            continue
        resources.append(
            {"type": KINDS[kind].component_type, "name": kind, "logicalName": kind,
             "component": True}
        )  # fmt: skip
        resources.extend(
            {
                "type": KINDS[kind].resource_type,
                "name": f"{kind}.{r.key}",
                "logicalName": r.key,
                "id": r.resource_id,
                "parent": kind,
            }
            for r in exported
        )
    return {"resources": resources}


__all__ = [
    "Export",
    "ExportedRow",
    "build_export",
    "import_file",
    "job_row",
    "monitor_row",
    "pipeline_row",
    "plain_output_type",
    "snake_key",
    "to_yaml",
]
