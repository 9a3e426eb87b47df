"""Recording Pulumi mocks: every registration with its inputs and resource options."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pytest
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await


@dataclass
class Registration:
    """One RegisterResource call as the engine would see it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    protect: bool | None
    retain_on_delete: bool | None
    delete_before_replace: bool
    aliases: list[str]
    """Alias names (from alias specs)."""
    replacement_trigger: Any
    depends_on: list[str]
    replace_on_changes: list[str]
    ignore_changes: list[str]


class Mocks(pulumi.runtime.Mocks):
    """Ids that look like Databricks ids; monitors get their server-side fields; a stack
    reference answers with `previous_outputs` (the stack's last deployment)."""

    def __init__(self, previous_outputs: dict[str, Any] | None = None) -> None:
        self.previous_outputs = previous_outputs or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            state.update(outputs=self.previous_outputs, secretOutputNames=[])
            return args.name, state
        if args.typ == "databricks:index/job:Job":
            return str(1000 + sum(map(ord, args.name))), state
        if args.typ == "databricks:index/qualityMonitor:QualityMonitor":
            table = state["tableName"]
            state.update(
                dashboardId=f"dash-{args.name}",
                profileMetricsTableName=f"{table}_profile_metrics",
                driftMetricsTableName=f"{table}_drift_metrics",
            )
            return table, state
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        # The Unity Catalog look-ups by name (components/data_quality_monitors.py): an id per
        # name, `id:<name>`, so a test can tell which object a monitor was pointed at.
        name = str(args.args.get("name", ""))
        if args.token == "databricks:index/getSchema:getSchema":
            return {"id": name, "name": name, "schemaInfo": {"schemaId": f"id:{name}"}}, []
        if args.token == "databricks:index/getTable:getTable":
            return {"id": f"id:{name}", "name": name, "tableInfo": {"tableId": f"id:{name}"}}, []
        return {}, []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object)
        trigger = (
            json_format.MessageToDict(request.replacement_trigger)
            if request.HasField("replacement_trigger")
            else None
        )
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=request.custom,
                inputs=inputs,
                protect=request.protect if request.HasField("protect") else None,
                retain_on_delete=(
                    request.retainOnDelete if request.HasField("retainOnDelete") else None
                ),
                delete_before_replace=request.deleteBeforeReplace,
                aliases=[a.spec.name for a in request.aliases if a.HasField("spec")],
                replacement_trigger=trigger,
                depends_on=list(request.dependencies),
                replace_on_changes=list(request.replaceOnChanges),
                ignore_changes=list(request.ignoreChanges),
            )
        )
        return response


@dataclass
class Program:
    """A fresh mocked Pulumi runtime for one test."""

    monitor: RecordingMonitor
    stack: str
    outputs: dict[str, Any] = field(default_factory=dict[str, Any])

    def run(self, fn: Callable[[], Any]) -> None:
        """Run `fn` as a Pulumi program and wait for every registration and stack output."""
        settings.SETTINGS.rpc_manager.clear()  # pyright: ignore[reportAttributeAccessIssue]
        settings.SETTINGS.outputs.clear()  # pyright: ignore[reportAttributeAccessIssue]
        _sync_await(run_pulumi_func(fn))
        root = settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}))
        self.outputs = _sync_await(pulumi.Output.from_input(exported).future()) or {}

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.monitor.registrations if r.type == typ]

    def one(self, typ: str, name: str) -> Registration:
        found = [r for r in self.of_type(typ) if r.name == name]
        assert len(found) == 1, f"{typ} {name}: {len(found)} registrations"
        return found[0]

    def names(self, typ: str) -> list[str]:
        return sorted(r.name for r in self.of_type(typ))


def configure(
    stack: str,
    config: dict[str, Any] | None = None,
    previous_outputs: dict[str, Any] | None = None,
    monitor_class: type[RecordingMonitor] = RecordingMonitor,
) -> Program:
    """Reset Pulumi's global runtime state and install recording mocks for `stack` (with a
    monitor of `monitor_class`)."""
    settings.reset_options()
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    )
    mocks = Mocks(previous_outputs)
    monitor = monitor_class(mocks)
    pulumi.runtime.set_mocks(mocks, project="lakeform", stack=stack, preview=False, monitor=monitor)
    return Program(monitor=monitor, stack=stack)


@pytest.fixture
def program() -> Iterator[Callable[..., Program]]:
    """`program(stack, config)` gives an isolated mocked runtime; reset again afterwards."""
    yield configure
    settings.reset_options()
    pulumi.runtime.set_all_config({})
