"""The program drops the SDK's debug messages unless LAKEFORM_SDK_DEBUG=1 (stacks/sdklog.py)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from stacks.sdklog import SDK_DEBUG, install


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What pulumi.log would send to an engine (install()'s replacement is undone after)."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(pulumi.log, "debug", pulumi.log.debug)
    monkeypatch.setattr(pulumi.log, "get_engine", lambda: object())
    monkeypatch.setattr(pulumi.log, "_log", lambda *args: calls.append(args))  # pyright: ignore[reportUnknownLambdaType]
    return calls


def test_debug_messages_are_not_sent_but_info_and_warnings_are(
    sent: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SDK_DEBUG, raising=False)
    install()
    pulumi.log.debug("resource registration successful: ty=databricks:index/job:Job")
    pulumi.log.info("info")
    pulumi.log.warn("warning")
    assert [call[2] for call in sent] == ["info", "warning"]


def test_lakeform_sdk_debug_1_sends_them(
    sent: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SDK_DEBUG, "1")
    install()
    pulumi.log.debug("resource registration successful: ty=databricks:index/job:Job")
    assert [call[2] for call in sent] == [
        "resource registration successful: ty=databricks:index/job:Job"
    ]
