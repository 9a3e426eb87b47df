"""The layers, read from the source with `ast`: who may import whom, and no import cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {".venv", ".git", "node_modules", "__pycache__"}

FORBIDDEN: dict[str, tuple[str, ...]] = {
    # The base layer: the format, resolution for a stack, checks. Nothing above it.
    "metadata": ("stacks", "components", "cli", "devtools"),
    # One class per kind of row, one ComponentResource per kind: final rows in, resources out;
    # no Config, no settings.
    "components": ("stacks", "cli", "devtools"),
    # The Pulumi program's runtime: it wires rows to components; the CLI is not part of it.
    "stacks": ("cli", "devtools"),
    # The policy pack: the rules of metadata/policy.py, run by the engine. Nothing else.
    "policies": ("stacks", "components", "cli", "devtools"),
    # The product's command line: dev tools (the local workspace, the local provider, the
    # toolchain builder, benchmarks) may use it, never the other way round.
    "cli": ("devtools",),
}
"""Top-level package -> the project packages it must not import."""

NO_LATE_IMPORTS = ("metadata", "components", "stacks")
"""Packages whose imports are all at the top of the file (a late import hides a cycle)."""


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_sources(root: Path = ROOT) -> dict[str, str]:
    """Module name -> source of every Python file of the project (not the virtualenv)."""
    sources: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        if SKIPPED & set(path.relative_to(root).parts):
            continue
        sources[module_name(path, root)] = path.read_text(encoding="utf-8")
    return sources


def _is_package(name: str, modules: Iterable[str]) -> bool:
    return any(m.startswith(name + ".") for m in modules)


def imports(name: str, source: str, modules: Iterable[str]) -> list[tuple[str, int, bool]]:
    """(project module imported, line, inside a function or class body) for every import of
    `name`, type-checking-only ones included: they are part of the design too."""
    known = set(modules)
    package = name if _is_package(name, known) else name.rpartition(".")[0]
    found: list[tuple[str, int, bool]] = []

    def add(target: str, node: ast.stmt, nested: bool) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append((target, node.lineno, nested))

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
            )
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(alias.name, child, inner)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    full = f"{base}.{alias.name}"
                    add(full if full in known else base, child, inner)
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def graph(sources: Mapping[str, str]) -> dict[str, list[tuple[str, int, bool]]]:
    return {name: imports(name, text, sources) for name, text in sources.items()}


def layer_violations(edges: Mapping[str, list[tuple[str, int, bool]]]) -> list[str]:
    problems: list[str] = []
    for name, targets in sorted(edges.items()):
        top = name.split(".")[0]
        for target, line, nested in targets:
            if target.split(".")[0] in FORBIDDEN.get(top, ()):
                problems.append(f"{name}:{line}: imports {target} ({top} must not)")
            if nested and top in NO_LATE_IMPORTS:
                problems.append(f"{name}:{line}: imports {target} inside a function or class")
    return list(dict.fromkeys(problems))


def cycles(edges: Mapping[str, list[tuple[str, int, bool]]]) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _, _ in edges.get(node, []):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(found)


def test_the_lower_layers_import_nothing_above_them() -> None:
    assert layer_violations(graph(project_sources())) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert cycles(graph(project_sources())) == []


def test_every_layer_is_seen() -> None:
    edges = graph(project_sources())
    for top in ("metadata", "components", "stacks", "cli", "devtools", "tests"):
        assert any(name.split(".")[0] == top for name in edges), top
    assert any(
        t == "metadata.formats.lakeflow_jobs_meta" and not nested
        for t, _, nested in edges["metadata.raw"]
    )
    assert any(t == "metadata.models.shared" for t, _, _ in edges["metadata.settings"])


BAD: dict[str, str] = {
    "metadata.__init__": "",
    "metadata.a": "from metadata import b\nfrom stacks.config import x\n",
    "metadata.b": "def f():\n    from metadata.a import y\n",
    "components.__init__": "",
    "components.c": "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
    "if TYPE_CHECKING:\n    from stacks import config\n",
    "stacks.__init__": "",
    "stacks.config": "from ..metadata import a\n",
    "cli.__init__": "",
    "cli.browse": "def f():\n    from devtools.localprovider.client import is_loopback\n",
    "devtools.__init__": "",
    "devtools.localprovider.__init__": "",
    "devtools.localprovider.client": "",
}


@pytest.mark.parametrize(
    "expected",
    [
        "metadata.a:2: imports stacks.config (metadata must not)",
        "metadata.b:2: imports metadata.a inside a function or class",
        "components.c:4: imports stacks.config (components must not)",
        "cli.browse:2: imports devtools.localprovider.client (cli must not)",
    ],
)
def test_the_checks_catch_what_they_are_for(expected: str) -> None:
    sources = {k.removesuffix(".__init__"): v for k, v in BAD.items()}
    assert expected in layer_violations(graph(sources))


def test_a_cycle_is_found_even_through_a_late_or_relative_import() -> None:
    sources = {k.removesuffix(".__init__"): v for k, v in BAD.items()}
    assert cycles(graph(sources)) == [["metadata.a", "metadata.b", "stacks.config"]]


def private_pulumi_uses(sources: Mapping[str, str]) -> list[str]:
    """`module:line: name` for every use of a private module of the Pulumi SDK (`pulumi._types`,
    `from pulumi import _utils`): internals that change without notice between releases."""
    found: list[str] = []
    for module, source in sorted(sources.items()):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute):
                names = [ast.unparse(node)]
            else:
                continue
            found += [
                f"{module}:{node.lineno}: {name}"
                for name in names
                if name.startswith("pulumi._") or name.startswith("pulumi.runtime._")
            ]
    return sorted(set(found))


def test_no_module_uses_the_pulumi_sdks_private_modules() -> None:
    assert private_pulumi_uses(project_sources()) == []


def test_a_private_pulumi_use_is_found() -> None:
    sources = {
        "a": "from pulumi import _types\n",
        "b": "import pulumi\nx = pulumi._types.input_type_types\n",
        "c": "import pulumi\nx = pulumi.getter\n",
    }
    assert private_pulumi_uses(sources) == [
        "a:1: pulumi._types",
        "b:2: pulumi._types",
        "b:2: pulumi._types.input_type_types",
    ]
