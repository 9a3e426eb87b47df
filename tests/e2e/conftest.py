"""End-to-end fixtures: a local workspace per test and Pulumi projects against it."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Project, processes_in, provider_used
from workspace.testing import RunningWorkspace, running_workspace

PROGRAMS = Path(__file__).resolve().parent / "programs"
LEFTOVER_SECONDS = 30
"""How long plugins may outlive a test: a few of their engine checks (5 s apart by default)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def pytest_report_header() -> str:
    try:
        return f"e2e databricks provider: {provider_used()}"
    except RuntimeError as exc:
        return f"e2e databricks provider: unavailable ({exc})"


@pytest.fixture(autouse=True)
def no_process_left_behind(tmp_path: Path) -> Iterator[None]:
    """Every process a test's Pulumi runs started in its folder (language host, provider
    plugins) is gone soon after: they exit with their engine, killed or not (issue 26)."""
    yield
    deadline = time.monotonic() + LEFTOVER_SECONDS
    while (left := processes_in(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for line in left:
        os.kill(int(line.split()[0]), signal.SIGKILL)
    assert not left, f"still running {LEFTOVER_SECONDS} s after the test: {left}"


@pytest.fixture
def workspace(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    with running_workspace() as ws:
        yield ws


@pytest.fixture
def one_of_each(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    """The one-of-each-type program, a fresh stack `e2e`, not yet deployed."""
    return Project.copy_of(PROGRAMS / "one_of_each", tmp_path, workspace=workspace, stack="e2e")


ProjectFactory = Callable[..., Project]
