"""Who the client is and which workspace this is: SCIM Me and the host metadata document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devtools.workspace.app import Request, Response, route
from devtools.workspace.state import USER_ID

if TYPE_CHECKING:
    from devtools.workspace.app import Workspace


def well_known(ws: Workspace, req: Request) -> Response:
    # Always a workspace host: the SDKs must never take this for an account or unified host.
    host = req.headers.get("host") or "127.0.0.1"
    return Response(
        body={
            "workspace_id": str(ws.workspace_id),
            "host_type": "WORKSPACE_HOST",
            "cloud": "AWS",
            "oidc_endpoint": f"http://{host}/oidc",
        }
    )


def scim_me(ws: Workspace, req: Request) -> Response:
    user = ws.user_name
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": USER_ID,
        "userName": user,
        "displayName": "Local User",
        "active": True,
        "emails": [{"type": "work", "value": user, "primary": True}],
        "name": {"givenName": "Local", "familyName": "User"},
        "groups": [{"display": "admins", "type": "direct", "value": "1"}],
    }
    # The provider reads only this header; it must equal the well-known workspace_id.
    return Response(body=body, headers={"X-Databricks-Org-Id": str(ws.workspace_id)})


ROUTES = [
    route("GET", r"/\.well-known/databricks-config", "identity.well_known", well_known, auth=False),
    route("GET", r"/api/2\.0/preview/scim/v2/Me", "identity.me", scim_me),
]
