"""The JSON Schema editors use: generated from the models, committed, with descriptions."""

from __future__ import annotations

import json
from pathlib import Path

from metadata.models import TASK_TYPES
from metadata.schema import json_schema

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current() -> None:
    committed = json.loads((ROOT / "schema" / "metadata.schema.json").read_text())
    assert committed == json_schema(), "run: uv run lakeform schema -o schema/metadata.schema.json"


def test_fields_carry_their_docstrings() -> None:
    defs = json_schema()["$defs"]
    task = defs["Task"]["properties"]
    assert set(TASK_TYPES) <= set(task)
    assert "stage number" in task["execution_order"]["description"]
    assert defs["JobRow"]["properties"]["timeout_seconds"]["description"]
    assert defs["PipelineRow"]["properties"]["schema"]["description"]  # alias, not schema_


def test_top_level_kinds_and_lakeform_shapes() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == {
        "jobs",
        "pipelines",
        "quality_monitors",
        "data_quality_monitors",
    }
    dq = schema["$defs"]["DataQualityMonitorRow"]["properties"]
    assert {"object_type", "schema", "table", "anomaly_detection_config"} <= set(dq)
    assert schema["additionalProperties"] is False
    overrides = schema["$defs"]["JobRow"]["properties"]["stack_overrides"]["anyOf"][0]
    assert overrides["additionalProperties"]["type"] == "object"  # per-stack overrides
    assert schema["$defs"]["JobRow"]["properties"]["environments"]["anyOf"][0]["type"] == "array"
    items = schema["$defs"]["Task"]["properties"]["depends_on"]["anyOf"][0]["items"]["anyOf"]
    assert {"type": "string"} in items  # `depends_on: [task_key]`
