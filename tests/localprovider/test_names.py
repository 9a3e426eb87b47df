"""The names table serves the plugin: exactly its resource types, and every property the program
sends (components/names.json; tests/unit/test_names.py checks the table itself)."""

from __future__ import annotations

import pytest

from components import names
from components.names import unknown_properties
from devtools.localprovider.resources import KINDS
from tests.unit.test_program import STACKS, run_program


def test_the_table_serves_exactly_the_kinds_the_plugin_implements() -> None:
    assert sorted(names.table()["resources"]) == sorted(KINDS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_property_the_program_sends_is_mapped(program, stack: str) -> None:
    p = run_program(program, stack)
    kinds = {token: kind() for token, kind in KINDS.items()}
    custom = [r for r in p.monitor.registrations if r.custom and r.type.startswith("databricks:")]
    assert custom
    for reg in custom:
        assert reg.type in kinds, f"the plugin does not serve {reg.type}"
        assert unknown_properties(kinds[reg.type].fields, reg.inputs) == [], reg.name
        # Nor anything the provider's schema refuses (tests/localprovider/test_schema_rules.py).
        assert kinds[reg.type].failures(reg.inputs) == [], reg.name
