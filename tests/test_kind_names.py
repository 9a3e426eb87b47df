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
            f"components/{module}_spec.py",  # its row -> API settings, no resources (drift's)
        }
    return found


def literals(source: str) -> list[tuple[int, str]]:
    """(line, name) of each string constant that is exactly a kind's name (docstrings too)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in KIND_NAMES
    ]


ENTRIES = frozenset(n.upper() for n in KIND_NAMES)
"""The registry's entries (`metadata.kinds.JOBS`, ...): `JOBS.name` is a kind's name too."""


def _kind_constants(tree: ast.AST) -> set[str]:
    """Local names of the kinds' `KIND` constants (`from metadata.models.jobs import KIND as
    JOB_KIND`) and of the registry's entries imported from metadata.kinds."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.module is None:
            continue
        for alias in node.names:
            from_model = node.module.startswith("metadata.models.") and alias.name == "KIND"
            from_registry = node.module == "metadata.kinds" and alias.name in ENTRIES
            if from_model or from_registry:
                names.add(alias.asname or alias.name)
    return names


def _names_a_kind(node: ast.expr | None, constants: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in constants
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "name"
        and isinstance(node.value, ast.Name)
        and node.value.id in constants
    )


def per_kind_maps(source: str) -> list[int]:
    """Lines of dict displays keyed by a kind (`{JOBS.name: ..., PIPELINES.name: ...}`,
    `{JOB_KIND: ...}`): a per-kind map, which belongs in the kinds' plug-ins."""
    tree = ast.parse(source)
    constants = _kind_constants(tree)
    return sorted(
        {
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Dict) and any(_names_a_kind(k, constants) for k in node.keys)
        }
    )


def _operands(node: ast.Compare) -> list[ast.expr]:
    """Each side of a comparison, and the items of a tuple, list or set on one side."""
    found: list[ast.expr] = []
    for side in (node.left, *node.comparators):
        found.extend(side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side])
    return found


def kind_comparisons(source: str) -> list[int]:
    """Lines comparing with a kind (`kind == JOBS.name`, `kind is JOBS`, `k in (JOB_KIND, ...)`):
    a per-kind branch, which belongs in the kinds' plug-ins as a field of their `Kind`."""
    tree = ast.parse(source)
    constants = _kind_constants(tree)
    return sorted(
        {
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Compare)
            and any(_names_a_kind(side, constants) for side in _operands(node))
        }
    )


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
            source = path.read_text(encoding="utf-8")
            for line, name in literals(source):
                if rel not in owners.get(name, set()):
                    found.append(f"{rel}:{line}: the kind name {name!r} outside its plug-in")
            if not any(rel in files for files in owners.values()):
                found.extend(
                    f"{rel}:{line}: a map keyed by kind outside the plug-ins (declare it in "
                    "metadata/kinds/base.py's Kind)"
                    for line in per_kind_maps(source)
                )
                found.extend(
                    f"{rel}:{line}: a branch on a kind outside the plug-ins (declare the "
                    "difference as a field of metadata/kinds/base.py's Kind)"
                    for line in kind_comparisons(source)
                )
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


def test_the_check_finds_a_map_keyed_by_kind_outside_the_plug_ins(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text(
        "from metadata.kinds import JOBS, PIPELINES\n"
        "from metadata.models.monitors import KIND as MONITORS\n"
        "STARTERS = {JOBS.name: 1,\n  PIPELINES.name: 2}\n"
        "LATER = {MONITORS: 3}\n"
        "FINE = {JOBS.name.upper(): 4, 'key': JOBS.name}\n",
        encoding="utf-8",
    )
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "jobs.py").write_text(
        "from metadata.models.pipelines import KIND as PIPELINES\nIDS = {PIPELINES: 1}\n",
        encoding="utf-8",
    )
    said = "a map keyed by kind outside the plug-ins (declare it in metadata/kinds/base.py's Kind)"
    assert offenders(tmp_path) == [f"cli/x.py:3: {said}", f"cli/x.py:5: {said}"]


def test_the_check_finds_a_branch_on_a_kind_outside_the_plug_ins(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    (tmp_path / "cli" / "x.py").write_text(
        "from metadata.kinds import JOBS, QUALITY_MONITORS as QM\n"
        "from metadata.models.jobs import KIND as JOB_KIND\n"
        "a = kind == JOBS.name\n"
        "b = entry is not QM\n"
        "c = kind in (JOB_KIND, 'x')\n"
        "d = JOBS.name.upper() == kind\n"
        "e = kind == entry.name\n",
        encoding="utf-8",
    )
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "jobs.py").write_text(
        "from metadata.models.jobs import KIND\nloop = ref.kind == KIND\n", encoding="utf-8"
    )
    said = (
        "a branch on a kind outside the plug-ins (declare the difference as a field of "
        "metadata/kinds/base.py's Kind)"
    )
    assert offenders(tmp_path) == [f"cli/x.py:{n}: {said}" for n in (3, 4, 5)]
