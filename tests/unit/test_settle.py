"""stacks.settle: the program's wait for its Outputs does what the SDK's does (waits for Outputs
made while it waits, re-raises an apply's error), checked against the SDK's own loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from pulumi import Output
from pulumi.runtime import stack
from pulumi.runtime.settings import SETTINGS

from stacks import settle

WAITS: dict[str, Callable[..., Coroutine[Any, Any, None]]] = {
    "sdk": settle._sdk_wait,  # pyright: ignore[reportPrivateUsage]
    "lakeform": settle.wait_for_rpcs,
}


def later(seconds: float, value: object) -> Output[Any]:
    """An Output the 'engine' answers after `seconds` (as a registration's outputs are)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[object] = loop.create_future()
    loop.call_later(seconds, answer.set_result, value)
    known: asyncio.Future[bool] = loop.create_future()
    known.set_result(True)
    return Output(set(), answer, known)


def run(body: Callable[[list[str]], None], wait: str) -> list[str]:
    """Run `body` (the program) in a fresh event loop, then the wait; what the applies did."""
    seen: list[str] = []

    async def program() -> None:
        settings: Any = SETTINGS  # its fields are context properties
        settings.outputs.clear()
        body(seen)
        await WAITS[wait]()
        seen.append("waited")

    # not asyncio.run: it leaves the thread with no event loop, and the Pulumi mocks other tests
    # of this worker set up later ask for the current one
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(program())
    finally:
        loop.close()
    return seen


@pytest.mark.parametrize("wait", WAITS)
def test_waits_for_outputs_made_while_waiting(wait: str) -> None:
    def body(seen: list[str]) -> None:
        def first(value: str) -> Output[Any]:
            seen.append(value)
            # an apply that starts more work: an Output the wait has not seen yet
            return later(0.02, "second").apply(seen.append)

        later(0.01, "first").apply(first)
        for i in range(50):
            later(0.001 * i, f"row {i}").apply(lambda v: None)

    seen = run(body, wait)
    assert seen == ["first", "second", "waited"]


@pytest.mark.parametrize("wait", WAITS)
def test_an_apply_that_fails_fails_the_program(wait: str) -> None:
    def body(seen: list[str]) -> None:
        later(0.05, "slow").apply(seen.append)
        later(0.01, 0).apply(lambda v: 1 / v)

    with pytest.raises(ZeroDivisionError):
        run(body, wait)


def test_installed_over_the_sdk_it_was_read_from() -> None:
    before = stack.wait_for_rpcs
    try:
        assert settle.install()
        assert stack.wait_for_rpcs is settle.wait_for_rpcs
    finally:
        stack.wait_for_rpcs = before
