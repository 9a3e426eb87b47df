"""One registry of kinds: metadata.kinds and components.registry list the same kinds, and each
kind's row becomes a component and a Databricks resource of the types the registry names."""

from __future__ import annotations

from typing import Any

from components.registry import COMPONENTS
from metadata import KINDS, Rows
from metadata.settings import StackSettings
from tests.unit.rows import build_rows, data_quality_monitor, job, monitor, pipeline, rows

# One row per kind (a test fails when a new kind has none).
CASES: dict[str, Any] = {
    "jobs": job(tasks=[{"task_key": "t", "notebook_task": {"notebook_path": "/abs/nb"}}]),
    "pipelines": pipeline(catalog="c"),
    "quality_monitors": monitor(),
    "data_quality_monitors": data_quality_monitor(),
}


def test_every_kind_has_a_component_a_rows_field_and_a_case() -> None:
    assert list(COMPONENTS) == list(KINDS)
    assert [kind for kind, _ in Rows().items()] == list(KINDS)
    assert set(CASES) == set(KINDS)


def test_each_row_builds_the_component_and_resource_its_entry_names(program) -> None:
    p = program("dev")
    the_rows = rows(**{kind: {"r": row} for kind, row in CASES.items()})
    p.run(lambda: build_rows(StackSettings(), the_rows, "dev"))
    for kind in KINDS.values():
        component = p.one(kind.component_type, kind.name)  # one component per kind
        assert p.one(kind.resource_type, "r").parent == component.urn, kind.name
    assert set(p.outputs) == set(KINDS)
