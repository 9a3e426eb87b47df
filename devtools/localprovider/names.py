"""The names table: pulumi_databricks wire names -> REST API names, per resource type.

names.json is derived by localprovider.derive from the installed SDKs and committed; the plugin
reads only this JSON at start-up.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("names.json")


@functools.cache
def table() -> dict[str, Any]:
    """The committed table (what the plugin uses at run time)."""
    return json.loads(TABLE.read_text(encoding="utf-8"))
