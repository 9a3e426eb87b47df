"""Rows validated for a stack, with what the cross-row rules need to point at their source."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from metadata.errors import Problem
from metadata.located import Locator


@dataclass
class Resolved:
    """A validated row with what the cross-row rules need to point at its source."""

    kind: str
    key: str
    model: BaseModel
    loc: Locator


@dataclass
class Resolution:
    """Everything read: resolved rows, keys present (valid or not), disabled keys, problems."""

    rows: list[Resolved] = field(default_factory=list[Resolved])
    present: dict[str, set[str]] = field(default_factory=dict[str, set[str]])
    disabled: dict[str, set[str]] = field(default_factory=dict[str, set[str]])
    problems: list[Problem] = field(default_factory=list[Problem])
    warnings: list[Problem] = field(default_factory=list[Problem])
    """Accepted, but to be written differently (an old spelling): shown, never fatal."""
