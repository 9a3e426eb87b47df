"""A pipeline row as the Pipelines API's spec, and the files its libraries upload (no resources:
`lakeform drift` compares these with the workspace without importing the provider SDK)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.uploads import (
    RowFiles,
    Upload,
    dedupe,
    file_upload,
    notebook_upload,
    upload_references,
)
from metadata.models.pipelines import PipelineRow
from metadata.paths import is_repo_relative

LAKEFORM_ONLY = ("previous_keys", "disabled", "stack_overrides", "permissions")
"""Row fields that are not pipeline settings: Lakeform's own (already applied by metadata), and
`permissions`, deployed as the pipeline's `databricks.Permissions` child."""


@dataclass(frozen=True, kw_only=True)
class PipelineArgs:
    """Everything a pipeline needs: its final row and the files its libraries use."""

    key: str
    """Row key: the logical name of the pipeline (its uploads are named `<key>/<path>`)."""
    row: PipelineRow
    """Validated and final for the stack (name prefix, tags, development mode applied)."""
    files: RowFiles
    """The repository files the libraries use, and where they are uploaded."""
    protect: bool = False
    """Protect the pipeline (deleting it drops its tables)."""


def pipeline_spec(args: PipelineArgs) -> tuple[dict[str, Any], list[Upload]]:
    """The API-shaped pipeline spec of the final row, and the files to upload (no resources)."""
    spec: dict[str, Any] = args.row.model_dump(exclude_none=True, by_alias=True)
    for name in LAKEFORM_ONLY:
        spec.pop(name, None)
    base = args.files.folder
    contents = args.files.contents
    uploads: list[Upload] = []
    spec = upload_references(spec, args.files, args.key, uploads)
    libraries: list[dict[str, Any]] = []
    for library in spec.get("libraries", []):
        library = dict(library)
        if "notebook" in library and is_repo_relative(library["notebook"]["path"]):
            upload = notebook_upload(base, args.key, library["notebook"]["path"], contents)
            uploads.append(upload)
            library["notebook"] = {"path": upload.path}
        elif "file" in library and is_repo_relative(library["file"]["path"]):
            rel = library["file"]["path"]
            upload = file_upload(base, args.key, rel, contents[rel])
            uploads.append(upload)
            library["file"] = {"path": upload.path}
        elif "glob" in library and is_repo_relative(library["glob"]["include"]):
            pattern = library["glob"]["include"]
            for rel in args.files.globs.get(pattern, ()):
                uploads.append(file_upload(base, args.key, rel, contents[rel]))
            library["glob"] = {"include": f"{base}/{pattern}"}
        libraries.append(library)
    if libraries:
        spec["libraries"] = libraries
    if "root_path" in spec and is_repo_relative(spec["root_path"]):
        spec["root_path"] = f"{base}/{spec['root_path']}".rstrip("/")
    return spec, dedupe(uploads)
