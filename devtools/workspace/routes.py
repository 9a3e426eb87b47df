"""Every route of the local workspace, in match order (the route modules build on `app`)."""

from __future__ import annotations

from devtools.workspace import (
    catalog,
    data_quality,
    files,
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
    *data_quality.ROUTES,
    *objects.ROUTES,
    *permissions.ROUTES,
    *runs.ROUTES,
    *files.ROUTES,
]
