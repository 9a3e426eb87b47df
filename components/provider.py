"""Resources and data sources of the Databricks provider, registered as `pulumi_databricks`
registers them, without importing its generated classes.

A `pulumi_databricks.Job(name, args, opts)` (pulumi-databricks 1.106.0 `job.py`) does three things:
it merges its package's defaults into the options (`_utilities.get_resource_opts_defaults()`: the
provider `version` its release was generated for, no plugin download URL), puts every input of
the type in a property bag (unset ones as None) and every output-only property as None, and calls
`pulumi.CustomResource.__init__('databricks:index/job:Job', name, bag, opts)`. The SDK then sends
the engine the non-None inputs under their wire names (the Args classes' metadata turns
`task_key` into `taskKey`), and makes an Output attribute of each key of the bag.

`DatabricksResource` does the same from a bag that already holds wire names (components._convert
builds it from the names table), so the engine receives the same RegisterResource request: same
type token, inputs, provider version and options (tests/unit/test_provider_resource.py compares
the two requests field by field). What it saves is the import of the generated input and output
types (`_inputs.py`, `outputs.py`: about 1.1 CPU-seconds, most of a program run's CPU, paid by
every preview and update). Its Outputs are named by wire name (`monitor.output("dashboardId")`)
and hold plain values (dicts and lists where the SDK would give its output types); the components
read ids and names only.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from collections.abc import Mapping
from typing import Any

import pulumi

from components import names

PACKAGE = "pulumi_databricks"


@functools.cache
def provider_version() -> str:
    """The provider version `pulumi_databricks` asks the engine for: its release, as semver.

    A release (`1.106.0`) is its own semver; for anything else (a pre-release or dev build) the
    package's own conversion is used (`_utilities.get_version`, PEP 440 to semver), which costs
    the full import once."""
    version = importlib.metadata.version(PACKAGE)
    if re.fullmatch(r"\d+\.\d+\.\d+", version):
        return version
    from pulumi_databricks import _utilities  # pyright: ignore[reportPrivateUsage]

    return str(_utilities.get_version())


class DatabricksResource(pulumi.CustomResource):
    """A resource of the Databricks provider, from its inputs under their wire names."""

    def __init__(
        self,
        resource_type: str,
        name: str,
        inputs: Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        declared = names.table()["resources"][resource_type]
        bag: dict[str, Any] = dict.fromkeys(declared["inputs"])
        bag.update(inputs)
        for output in declared["outputs"]:  # output-only properties
            bag.setdefault(output, None)
        defaults = pulumi.ResourceOptions(version=provider_version())
        super().__init__(resource_type, name, bag, pulumi.ResourceOptions.merge(defaults, opts))

    def output(self, wire_name: str) -> pulumi.Output[Any]:
        """The resource's property `wire_name` (`dashboardId`) as an Output."""
        value: pulumi.Output[Any] = getattr(self, wire_name)
        return value


def invoke_output(
    token: str, args: Mapping[str, Any], opts: pulumi.InvokeOutputOptions | None = None
) -> pulumi.Output[Any]:
    """A data source of the provider (`databricks:index/getTable:getTable`), as the package's
    `get_table_output` calls it: its version in the options; the result is the provider's
    answer under its wire names (`{"id": ..., "tableInfo": {...}}`)."""
    defaults = pulumi.InvokeOutputOptions(version=provider_version())
    merged = pulumi.InvokeOutputOptions.merge(defaults, opts)
    return pulumi.runtime.invoke_output(token, dict(args), opts=merged)
