"""Uploads of repository files and inline SQL that jobs and pipelines refer to."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pulumi

from components._aliases import renamed_from
from components._convert import to_wire
from components.provider import DatabricksResource
from components.uploads import (
    NOTEBOOK_LANGUAGES as NOTEBOOK_LANGUAGES,
)
from components.uploads import (
    RowFiles as RowFiles,
)
from components.uploads import (
    Upload as Upload,
)
from components.uploads import (
    dedupe as dedupe,
)
from components.uploads import (
    file_upload as file_upload,
)
from components.uploads import (
    notebook_upload as notebook_upload,
)
from components.uploads import (
    upload_base as upload_base,
)

NOTEBOOK = "databricks:index/notebook:Notebook"
WORKSPACE_FILE = "databricks:index/workspaceFile:WorkspaceFile"


def create_uploads(
    uploads: Sequence[Upload],
    *,
    key: str,
    previous_keys: Sequence[str],
    parent: pulumi.Resource | None,
) -> list[pulumi.Resource]:
    """Register the uploads as children of `parent`, aliased from the row's previous keys."""
    created: list[pulumi.Resource] = []
    for upload in uploads:
        suffix = upload.name[len(key) :]
        opts = pulumi.ResourceOptions(parent=parent, aliases=renamed_from(previous_keys, suffix))
        content = base64.b64encode(upload.content).decode("ascii")
        if upload.kind == "notebook":
            fields = {
                "path": upload.path,
                "content_base64": content,
                "language": upload.language,
                "format": upload.format,
            }
            inputs = to_wire(fields, NOTEBOOK)
            created.append(DatabricksResource(NOTEBOOK, upload.name, inputs, opts))
        else:
            inputs = to_wire({"path": upload.path, "content_base64": content}, WORKSPACE_FILE)
            created.append(DatabricksResource(WORKSPACE_FILE, upload.name, inputs, opts))
    return created
