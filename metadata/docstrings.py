"""Attribute docstrings as field descriptions, from one parse of each module's source."""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import tokenize

from pydantic import BaseModel


def describe_fields(model: type[BaseModel]) -> None:
    """Give each field of `model` without a description its attribute docstring (the string
    right under its annotation in the class body), as pydantic's `use_attribute_docstrings`
    does (pydantic 2.x `_fields._update_fields_from_docstrings`), for the model's JSON Schema.

    Pydantic finds each class's source anew (from the frame defining it: the module's lines,
    the class's block tokenised and parsed twice): 0.05 CPU-s for the row models, paid by every
    process importing them (each `lakeform` command, each run of the Pulumi program). Here each
    module's source is parsed once, for all its classes."""
    module = sys.modules.get(model.__module__)
    path = getattr(module, "__file__", None)
    docstrings = _docstrings(path).get(model.__qualname__, {}) if path else {}
    for name, field in model.model_fields.items():
        if field.description is None and name in docstrings:
            field.description = docstrings[name]


@functools.cache
def _docstrings(path: str) -> dict[str, dict[str, str]]:
    """Class qualified name -> {attribute: docstring} for the classes of the module at `path`
    (read as Python reads source: tokenize.open); {} for a file that cannot be read or parsed."""
    try:
        with tokenize.open(path) as file:
            tree = ast.parse(file.read())
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    found: dict[str, dict[str, str]] = {}
    _collect(tree, "", found)
    return found


def _collect(node: ast.AST, prefix: str, found: dict[str, dict[str, str]]) -> None:
    """The classes defined under `node`, named as `__qualname__` names them (`Outer.Inner`,
    `function.<locals>.Local`). Only statements are looked into: no expression holds one."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            name = f"{prefix}{child.name}"
            found.setdefault(name, _attribute_docstrings(child))
            _collect(child, f"{name}.", found)
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            _collect(child, f"{prefix}{child.name}.<locals>.", found)
        elif isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
            _collect(child, prefix, found)


class _AttributeDocstrings(ast.NodeVisitor):
    """pydantic 2.x `_docs_extraction.DocstringVisitor`'s rule: a string expression right after
    an annotated assignment to a name documents that name; nested classes and functions are
    not looked into."""

    def __init__(self) -> None:
        super().__init__()
        self.target: str | None = None
        self.attrs: dict[str, str] = {}
        self.previous: type[ast.AST] | None = None

    def visit(self, node: ast.AST) -> None:
        super().visit(node)
        self.previous = type(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.target = node.target.id

    def visit_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if (
            isinstance(value, ast.Constant)
            and isinstance(value.value, str)
            and self.previous is ast.AnnAssign
        ):
            if self.target:
                self.attrs[self.target] = inspect.cleandoc(value.value)
            self.target = None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        pass

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        pass


def _attribute_docstrings(node: ast.ClassDef) -> dict[str, str]:
    visitor = _AttributeDocstrings()
    visitor.generic_visit(node)
    return visitor.attrs
