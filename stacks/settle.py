"""The program's wait for its Outputs after the body, once per Output instead of once per Output
per completion.

After the program's body, the Python SDK waits until every registered resource is answered and
every Output is resolved (pulumi/runtime/stack.py `wait_for_rpcs`, pulumi 3.272.0; the loop came
with pulumi/pulumi#22411). Its Output loop takes the whole set of pending Outputs (every
resource's output properties: about 50 a job), `asyncio.wait(..., FIRST_COMPLETED)` on it, and
when any completes puts the rest back and starts again: each round adds and removes a callback on
every pending Output, and the engine answers the registrations one at a time. That is quadratic in
the stack's resources: measured at 500 jobs (575 resources), half of the program's CPU in a
preview from empty; at 1,000 jobs, 28 CPU-s of program for 1,150 resources
(docs/performance.md, "Scale").

`install()` puts `wait_for_rpcs` below in the SDK's module (where `run_pulumi_func` looks it up
when the body has returned). It waits for the same things in the same order and re-raises the
same errors: the RPCs until none is outstanding (the SDK's own loop, called with
`await_all_outstanding_tasks=False`), then every tracked Output, each subscribed to once, taking
those tracked meanwhile (an apply's result, a resource registered in an apply) as it goes, and
re-raising the first that fails as it completes; then again while new RPCs started. Only the
program (`__main__.py`) installs it, and only over the SDK version it was read from: any other
keeps the SDK's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from importlib.metadata import version
from typing import Any, cast

from pulumi.runtime import stack as _stack
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager  # pyright: ignore[reportPrivateUsage]

READ_FROM = "3.272.0"
"""The pulumi SDK whose `wait_for_rpcs` this replaces (pyproject.toml pins it)."""

_sdk_wait: Callable[..., Coroutine[Any, Any, None]] = _stack.wait_for_rpcs


async def _settle_outputs() -> None:
    """Until no Output is tracked: await each as it completes (a failed one re-raises)."""
    done: asyncio.Queue[asyncio.Future[Any]] = asyncio.Queue()
    waiting = 0

    def take_tracked() -> None:
        nonlocal waiting
        # the Settings fields are context properties, which the type checker cannot read
        settings: Any = SETTINGS
        lock = cast(threading.Lock, settings.lock)
        outputs = cast(set[asyncio.Future[Any]], settings.outputs)
        with lock:
            tracked = list(outputs)
            outputs.clear()
        for task in tracked:
            task.add_done_callback(done.put_nowait)
        waiting += len(tracked)

    take_tracked()
    while waiting:
        task = await done.get()
        waiting -= 1
        await task  # re-raises its error, as the SDK's loop does
        take_tracked()


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """The SDK's `wait_for_rpcs`, with the Output loop above."""
    while True:
        await _sdk_wait(await_all_outstanding_tasks=False)  # the RPCs, until none is left
        if not await_all_outstanding_tasks:
            return
        await _settle_outputs()
        rpc_manager: Any = _get_rpc_manager()
        if not rpc_manager.rpcs:  # what the SDK's loop checks
            return


def install() -> bool:
    """Replace the SDK's wait (for this process), if the SDK is the version it was read from."""
    if version("pulumi") != READ_FROM:
        return False
    _stack.wait_for_rpcs = wait_for_rpcs
    return True
