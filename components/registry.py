"""The component of each kind of row, keyed like metadata.kinds.KINDS.

metadata declares the kinds and cannot import components/ (it is the layer below); a kind's
component type token `lakeform:<module>:<Class>` names the module here that holds it, and that
module's `COMPONENT` says how a row becomes it. Nothing here lists kinds.
"""

from __future__ import annotations

import importlib

from components.wiring import ComponentKind
from metadata.kinds import KINDS, Kind


def _component(kind: Kind) -> ComponentKind:
    module = importlib.import_module(f"components.{kind.component_module}")
    found = getattr(module, "COMPONENT", None)
    if not isinstance(found, ComponentKind):
        raise TypeError(f"components/{kind.component_module}.py has no COMPONENT for {kind.name}")
    return found


COMPONENTS: dict[str, ComponentKind] = {name: _component(kind) for name, kind in KINDS.items()}
"""Kind name (a key of metadata.kinds.KINDS) -> its component."""
