"""components._sdk: `pulumi_databricks` and `databricks.sdk` imported without their `__init__.py`
give every name the object the full import gives; each check in a process of its own
(sys.modules is global)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.unit.test_program import ROOT

PULUMI_DATABRICKS = textwrap.dedent(
    """
    import importlib, sys
    from components import _sdk  # installs the deferred pulumi_databricks

    import pulumi_databricks as databricks
    import pulumi_databricks.job

    assert not databricks.__dict__.get("_lakeform_loaded_all")
    assert "pulumi_databricks.access_control_rule_set" not in sys.modules
    job, get_table_output = databricks.Job, databricks.get_table_output

    # every module the package's __init__.py star-imports, in its order
    source = open(databricks.__file__).read().splitlines()
    modules = [
        line.split()[1][1:] for line in source if line.startswith("from .") and "import *" in line
    ]
    lazy = {}
    for module in modules:
        for name in importlib.import_module(f"pulumi_databricks.{module}").__all__:
            lazy[name] = _sdk._bind(databricks, name)  # no fallback: each name is found alone
    assert not databricks.__dict__.get("_lakeform_loaded_all")
    assert len(lazy) > 5000, len(lazy)

    # the real __init__.py, run in the same module, binds the very same objects
    try:
        databricks.this_name_is_not_in_the_sdk
    except AttributeError:
        pass
    assert databricks.__dict__["_lakeform_loaded_all"]
    differ = [n for n, value in lazy.items() if vars(databricks)[n] is not value]
    assert not differ, differ[:10]
    assert databricks.Job is job and databricks.get_table_output is get_table_output
    assert databricks.job is pulumi_databricks.job and databricks.config.__name__.endswith("config")
    # ... and registers the package for resource references, as a plain import does
    from pulumi.runtime import rpc
    assert rpc.get_resource_package("databricks", "") is not None
    print("ok", len(lazy))
    """
)

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


def test_each_pulumi_databricks_name_is_the_object_the_full_import_binds() -> None:
    assert _run(PULUMI_DATABRICKS).startswith("ok ")


def test_databricks_sdk_core_imports_alone_and_the_rest_on_first_use() -> None:
    assert _run(DATABRICKS_SDK) == "ok\n"
