"""components.provider registers what `pulumi_databricks`' generated classes register.

The program builds its Databricks resources from wire-named inputs (components.provider) instead
of the SDK's classes. The engine must not see the difference: for every resource and data source
the program registers (the sample rows of resources/ on every stack, and rows with what the
sample lacks: permissions, data quality monitors on a schema and on a table), the generated class
given the same inputs sends the same request, field by field, save where it was made from (the
stack trace and source position) and what the options make (parent, aliases, dependencies).
"""

from __future__ import annotations

import importlib.metadata
import runpy
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from google.protobuf import json_format
from pulumi.runtime import rpc

from components import names
from components.provider import provider_version
from metadata.settings import StackSettings
from tests.unit.conftest import Mocks, Program, RecordingMonitor
from tests.unit.rows import build_rows, data_quality_monitor, job, pipeline, rows
from tests.unit.test_program import ROOT, STACKS, collector_restored, stack_config

# What the generated class decides, not the options the component passes (parent, aliases,
# depends_on, protect...) nor where the call was made.
REGISTER_FIELDS = (
    "type",
    "custom",
    "object",
    "provider",
    "version",
    "pluginDownloadURL",
    "acceptSecrets",
    "acceptResources",
    "additionalSecretOutputs",
    "supportsPartialValues",
    "supportsResultReporting",
    "packageRef",
)
ProgramFactory = Callable[..., Program]
"""The `program` fixture (tests.unit.conftest.configure)."""
INVOKE_FIELDS = ("tok", "args", "provider", "version", "pluginDownloadURL", "acceptResources")


class RawMonitor(RecordingMonitor):
    """The recording mocks, also keeping each RegisterResource and Invoke request as sent."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.requests: list[Any] = []
        self.invokes: list[Any] = []

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method name
        if request.custom:
            self.requests.append(request)
        return super().RegisterResource(request)

    def Invoke(self, request: Any) -> Any:  # the gRPC method name
        self.invokes.append(request)
        return super().Invoke(request)


def raw_program(
    configure: ProgramFactory, stack: str, config: Mapping[str, Any]
) -> tuple[Program, RawMonitor]:
    """A mocked runtime (the `program` fixture's) with the raw monitor."""
    p = configure(stack, dict(config), monitor_class=RawMonitor)
    assert isinstance(p.monitor, RawMonitor)
    return p, p.monitor


def _fields(message: Any, wanted: tuple[str, ...]) -> dict[str, Any]:
    full = json_format.MessageToDict(message, preserving_proto_field_name=False)
    return {name: full.get(name) for name in wanted}


def _sdk_value(value: Any, node: Mapping[str, Any]) -> Any:
    """A wire value as the SDK's input types hold it (nested blocks as their Args classes)."""
    import pulumi_databricks

    if node["type"] == "object" and isinstance(value, Mapping):
        return getattr(pulumi_databricks, node["class"])(**_sdk_kwargs(node["fields"], value))
    if node["type"] == "array" and isinstance(value, list):
        return [_sdk_value(item, node["items"]) for item in value]
    return value


def _sdk_kwargs(fields: Mapping[str, Any], wire: Mapping[str, Any]) -> dict[str, Any]:
    return {fields[name]["python"]: _sdk_value(value, fields[name]) for name, value in wire.items()}


def _sdk_requests(
    configure: ProgramFactory, stack: str, registered: list[Any], invoked: list[Any]
) -> tuple[list[Any], list[Any]]:
    """The requests the generated classes send for the same resources and data sources."""
    import pulumi_databricks

    p, monitor = raw_program(configure, stack, {})

    def program() -> None:
        for request in registered:
            inputs = rpc.deserialize_properties(request.object)
            declared = names.table()["resources"][request.type]["inputs"]
            cls = getattr(pulumi_databricks, request.type.rsplit(":", 1)[1])
            cls(request.name, **_sdk_kwargs(declared, inputs))
        for request in invoked:
            args = rpc.deserialize_properties(request.args)
            function = request.tok.rsplit(":", 1)[1]  # getTable
            snake = "get_" + function.removeprefix("get").lower()
            getattr(pulumi_databricks, f"{snake}_output")(**args)

    p.run(program)
    return monitor.requests, monitor.invokes


def _compare(configure: ProgramFactory, stack: str, build: Any, config: Mapping[str, Any]) -> int:
    p, monitor = raw_program(configure, stack, config)
    with collector_restored():
        p.run(build)
    ours, our_invokes = list(monitor.requests), list(monitor.invokes)
    theirs, their_invokes = _sdk_requests(configure, stack, ours, our_invokes)
    assert [r.name for r in theirs] == [r.name for r in ours]
    for mine, sdk in zip(ours, theirs, strict=True):
        assert _fields(mine, REGISTER_FIELDS) == _fields(sdk, REGISTER_FIELDS), mine.name
        assert sorted(mine.propertyDependencies) == sorted(sdk.propertyDependencies), mine.name
    assert len(their_invokes) == len(our_invokes)
    for mine, sdk in zip(our_invokes, their_invokes, strict=True):
        assert _fields(mine, INVOKE_FIELDS) == _fields(sdk, INVOKE_FIELDS)
    return len(ours)


@pytest.mark.parametrize("stack", STACKS)
def test_the_sample_program_registers_what_the_generated_classes_would(
    program: ProgramFactory, stack: str
) -> None:
    count = _compare(
        program,
        stack,
        lambda: runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__"),
        stack_config(stack),
    )
    assert count > 30  # jobs, pipelines, monitors and the files they upload


def test_permissions_and_data_quality_monitors_register_what_the_generated_classes_would(
    program: ProgramFactory,
) -> None:
    notebook = {"task_key": "t", "notebook_task": {"notebook_path": "/Shared/n"}}
    grants = [
        {"user_name": "a@example.com", "level": "CAN_MANAGE"},
        {"group_name": "analysts", "level": "CAN_VIEW"},
    ]
    the_rows = rows(
        jobs={"j": job(tasks=[notebook], permissions=grants)},
        pipelines={
            "p": pipeline(
                catalog="main",
                schema="s",
                libraries=[{"notebook": {"path": "/Shared/p"}}],
                permissions=grants,
            )
        },
        data_quality_monitors={
            "on_schema": data_quality_monitor(),
            "on_table": data_quality_monitor(
                object_type="table",
                schema=None,
                table="olist.gold.orders",
                anomaly_detection_config=None,
                data_profiling_config={
                    "output_schema": "olist.monitoring",
                    "assets_dir": "/Shared/m",
                    "snapshot": {},
                },
            ),
        },
    )
    count = _compare(program, "dev", lambda: build_rows(StackSettings(), the_rows, "dev"), {})
    assert count == 6  # job, pipeline, their two permissions, two monitors


def test_the_provider_version_is_the_one_the_package_asks_for() -> None:
    from pulumi_databricks import _utilities  # pyright: ignore[reportPrivateUsage]

    assert provider_version() == str(_utilities.get_version())
    assert provider_version() == importlib.metadata.version("pulumi_databricks")
