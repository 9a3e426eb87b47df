"""Aliases that keep a renamed row's resources: the old row keys listed in `previous_keys`."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi


def renamed_from(previous_keys: Sequence[str], suffix: str = "") -> list[pulumi.Alias]:
    """One alias per earlier key; `suffix` completes the name of a child named after its row."""
    return [pulumi.Alias(name=old + suffix) for old in previous_keys]
