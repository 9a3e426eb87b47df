"""components._sdk: `databricks.sdk` imported without its `__init__.py` gives every name the object
the full import gives; each check in a process of its own (sys.modules is global)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.unit.test_program import ROOT

DATABRICKS_SDK = textwrap.dedent(
    """
    import sys
    from components._sdk import defer_init

    defer_init("databricks.sdk")
    from databricks.sdk.core import ApiClient, Config
    from databricks.sdk.errors import NotFound

    assert "databricks.sdk.service.jobs" not in sys.modules  # what __init__.py would import
    from databricks.sdk import WorkspaceClient  # a name of __init__.py: it runs then

    assert "databricks.sdk.service.jobs" in sys.modules
    assert WorkspaceClient.__module__ == "databricks.sdk"
    print("ok")
    """
)


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_databricks_sdk_core_imports_alone_and_the_rest_on_first_use() -> None:
    assert _run(DATABRICKS_SDK) == "ok\n"
