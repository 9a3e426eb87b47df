"""The parent of every resource Lakeform makes for the rows of one kind.

One component per kind (`lakeform:jobs:Job` named `jobs`, and so on), not one per row: each
Pulumi resource the program registers costs the Python SDK and the engine the same work, so a
component per row doubled a stack's resources and made a no-change preview of 1,000 jobs about
1.4 times as slow as a plain program declaring the same jobs (docs/performance.md). The type
token is the one the per-row components had and a URN holds its parent's type, not its name, so
every job, pipeline, monitor and upload keeps the URN it had: stacks deployed before keep their
resources, and only the per-row components (which have nothing in the workspace) go.
"""

from __future__ import annotations

import pulumi

from metadata.kinds import Kind


class RowGroup(pulumi.ComponentResource):
    """The component of one kind: the rows' resources are its children."""

    def __init__(self, kind: Kind) -> None:
        super().__init__(kind.component_type, kind.name)
        self.register_outputs({})
