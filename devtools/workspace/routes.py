"""Every route of the local workspace, in match order (the route modules build on `app`)."""

from __future__ import annotations

from devtools.workspace import (
    catalog,
    identity,
    jobs,
    monitors,
    objects,
    permissions,
    pipelines,
    runs,
)
from devtools.workspace.app import Route

ROUTES: list[Route] = [
    *identity.ROUTES,
    *jobs.ROUTES,
    *pipelines.ROUTES,
    *monitors.ROUTES,
    *catalog.ROUTES,
    *objects.ROUTES,
    *permissions.ROUTES,
    *runs.ROUTES,
]
