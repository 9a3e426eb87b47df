"""The language of a Jupyter notebook: the Databricks provider uploads none without one."""

from __future__ import annotations

import json
from typing import cast

NOTEBOOK_LANGUAGES = ("PYTHON", "SQL", "SCALA", "R")
"""The languages terraform-provider-databricks accepts for a notebook (`language`)."""

_WHERE = (
    ("application/vnd.databricks.v1+notebook", "language"),  # a notebook exported by Databricks
    ("kernelspec", "language"),
    ("language_info", "name"),
)


def jupyter_language(content: bytes) -> str | None:
    """The notebook's language from its metadata (Databricks' own entry, then the kernel's),
    upper-cased as the provider wants it; None when it names none of NOTEBOOK_LANGUAGES."""
    try:
        notebook: object = json.loads(content)
    except ValueError:
        return None
    meta = _mapping(_mapping(notebook).get("metadata"))
    for block, key in _WHERE:
        value = _mapping(meta.get(block)).get(key)
        if isinstance(value, str) and value.upper() in NOTEBOOK_LANGUAGES:
            return value.upper()
    return None


def _mapping(value: object) -> dict[str, object]:
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}
