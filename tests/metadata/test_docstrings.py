"""Field descriptions come from attribute docstrings, as pydantic's own reading gives them."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ConfigDict
from pydantic._internal._docs_extraction import (  # pyright: ignore[reportPrivateImportUsage]
    extract_docstrings_from_cls,
)

import metadata  # noqa: F401  (every row model defined)
from metadata.docstrings import describe_fields
from metadata.models.shared import ApiModel


def _models(base: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for model in base.__subclasses__():
        yield model
        yield from _models(model)


MODELS = sorted(set(_models(ApiModel)), key=lambda m: f"{m.__module__}.{m.__qualname__}")


def test_there_are_row_models() -> None:
    assert len(MODELS) > 80


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
def test_descriptions_are_pydantic_s_attribute_docstrings(model: type[BaseModel]) -> None:
    """What `use_attribute_docstrings=True` would give each field (pydantic reads the class's
    source with `inspect`), and the model built at its definition, as without defer_build."""
    docstrings = extract_docstrings_from_cls(model, use_inspect=True)
    own = inspect.get_annotations(model)
    expected = {
        # a field annotated in the class body: its docstring there; else the parent's field
        name: docstrings.get(name) if name in own else _inherited(model, name)
        for name in model.model_fields
    }
    assert {name: f.description for name, f in model.model_fields.items()} == expected
    assert model.__pydantic_complete__


def _inherited(model: type[BaseModel], name: str) -> str | None:
    parent = next(b for b in model.__mro__[1:] if name in getattr(b, "model_fields", {}))
    return parent.model_fields[name].description


def test_the_fields_are_documented() -> None:
    """The test above compares something: nearly every field has a docstring."""
    fields = [f for m in MODELS for f in m.model_fields.values()]
    assert sum(f.description is not None for f in fields) > 0.9 * len(fields)


def test_nested_and_local_classes_are_found() -> None:
    class Local(BaseModel):
        model_config = ConfigDict(defer_build=True)

        class Inner(BaseModel):
            model_config = ConfigDict(defer_build=True)

            a: int
            """Inner's a."""

        b: int = 1
        """Local's b,
            over two lines."""
        c: int = 2
        d: int
        "Local's d."

    describe_fields(Local)
    describe_fields(Local.Inner)
    assert {n: f.description for n, f in Local.model_fields.items()} == {
        "b": "Local's b,\nover two lines.",
        "c": None,
        "d": "Local's d.",
    }
    assert Local.Inner.model_fields["a"].description == "Inner's a."
