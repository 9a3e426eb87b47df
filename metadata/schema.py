"""The JSON Schema of a metadata file, for YAML editors (completion, hover, checks)."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from metadata.kinds import KINDS

SCHEMA_ID = "https://lakeform.dev/schema/metadata.json"


class _FileBase(BaseModel):
    """A Lakeform metadata file: rows keyed by a stable row key, per kind."""

    model_config = ConfigDict(extra="forbid")


_FIELDS: dict[str, Any] = {
    kind.name: (dict[str, kind.row_model] | None, Field(None, description=kind.description))
    for kind in KINDS.values()
}
MetadataFile: type[BaseModel] = create_model(
    "MetadataFile", __base__=_FileBase, __doc__=_FileBase.__doc__, **_FIELDS
)
"""One optional top-level key per kind of the registry."""


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the native metadata format, with field descriptions."""
    schema = MetadataFile.model_json_schema(by_alias=True, mode="validation")
    defs = cast("dict[str, dict[str, Any]]", schema["$defs"])
    # What the loader accepts beyond the models' own shapes:
    deps = defs["Task"]["properties"]["depends_on"]
    deps["anyOf"] = [
        {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/TaskDependency"}]},
        },
        {"type": "null"},
    ]
    metric_type = defs["CustomMetric"]["properties"]["type"]
    metric_type["enum"] = [*metric_type["enum"], "AGGREGATE", "DERIVED", "DRIFT"]
    metric_type.pop("const", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Lakeform metadata",
        **schema,
    }
