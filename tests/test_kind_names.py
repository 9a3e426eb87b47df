"""A kind is one plug-in: its name is written out only in its own modules, so adding a kind
never means finding the places that list the others (every per-kind list reads the registry)."""

from __future__ import annotations

import ast
from pathlib import Path

from metadata.kinds import KINDS
from tests.test_layers import ROOT, SKIPPED

KIND_NAMES = frozenset({*KINDS, "jobs", "pipelines", "quality_monitors", "data_quality_monitors"})
"""Today's kinds and the names of those written before the registry (a kind removed from the
registry would otherwise stop being looked for)."""

PRODUCT = ("metadata", "components", "stacks", "cli")
"""The program and the CLI. devtools/ stand in for Databricks: there `jobs` is a REST path or a
list answer's key, not a kind."""

ALLOWED: dict[str, str] = {
    "metadata/formats/bundle.py": "reads bundles' `resources.<kind>` keys, a foreign format",
    "metadata/formats/lakeflow_jobs_meta.py": "reads lakeflow-jobs-meta's own `jobs` key",
    "metadata/formats/control_table.py": "writes a lakeflow-jobs-meta document (its `jobs` key)",
}
"""File -> why a kind's name may be written there though the file is no plug-in. Keep it short."""


def plugin_files() -> dict[str, set[str]]:
    """Kind -> the files of its plug-in: metadata/kinds/<name>.py, its model module and its
    component module (`components/<module>.py` and `metadata/models/<module>.py`, the module of
    its component token)."""
    found: dict[str, set[str]] = {}
    for kind in KINDS.values():
        module = kind.component_module
        found[kind.name] = {
            f"metadata/kinds/{kind.name}.py",
            f"metadata/models/{module}.py",
            f"components/{module}.py",
        }
    return found


def literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of each string constant that is exactly a kind's name (docstrings too)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in KIND_NAMES
    ]


def offenders(root: Path = ROOT) -> list[str]:
    owners = plugin_files()
    found: list[str] = []
    for top in PRODUCT:
        for path in sorted((root / top).rglob("*.py")):
            if SKIPPED & set(path.parts):
                continue
            rel = path.relative_to(root).as_posix()
            if rel in ALLOWED:
                continue
            for line, name in literals(path.read_text(encoding="utf-8")):
                if rel not in owners.get(name, set()):
                    found.append(f"{rel}:{line}: the kind name {name!r} outside its plug-in")
    return found


def test_kind_names_are_written_only_in_their_own_plug_in() -> None:
    assert offenders() == []


def test_the_check_finds_a_literal_and_spares_the_plug_in(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text('KINDS = ("jobs", "pipelines")\n', encoding="utf-8")
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "jobs.py").write_text('NAME = "jobs"\n', encoding="utf-8")
    assert offenders(tmp_path) == [
        "cli/x.py:1: the kind name 'jobs' outside its plug-in",
        "cli/x.py:1: the kind name 'pipelines' outside its plug-in",
    ]


def test_every_allowed_file_exists_and_still_needs_it() -> None:
    for rel in ALLOWED:
        assert literals((ROOT / rel).read_text(encoding="utf-8")), rel
