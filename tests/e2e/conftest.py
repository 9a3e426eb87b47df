"""End-to-end fixtures: a local workspace per test and Pulumi projects against it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.e2e.harness import (
    LAKEFORM_PROGRAM,
    Deployed,
    Project,
    deploy_once,
    lakeform_project,
    processes_in,
    provider_used,
)

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


# Programs deployed once a run: a test that starts from one deployed gets a copy of its program,
# backend and workspace state (harness.Deployed) instead of an `up` of its own. The tests of a
# first deploy keep theirs.


def shared_once(
    factory: pytest.TempPathFactory,
    name: str,
    make: Callable[[Path, RunningWorkspace], Project],
    deploy: Callable[[Project], object] = Project.up,
) -> Deployed:
    """`deploy_once` once a run, not once a pytest-xdist worker: the first worker to ask makes
    the deploy under a lock in the run's temporary folder (which every worker's is in), the
    others wait for it and copy from it (each test copies anyway). A deploy that failed is
    tried again by the next worker, which then fails as the first did."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return deploy_once(factory.mktemp(name), make, deploy)
    shared = factory.getbasetemp().parent / f"deployed-{name}"
    with shared.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        record = shared / "deployed.json"
        if record.is_file():
            held = json.loads(record.read_text())
            return Deployed(root=Path(held["root"]), stack=held["stack"], url=held["url"])
        shutil.rmtree(shared, ignore_errors=True)  # what a failed deploy left
        shared.mkdir()
        deployed = deploy_once(shared, make, deploy)
        held = {"root": str(deployed.root), "stack": deployed.stack, "url": deployed.url}
        record.write_text(json.dumps(held))
        return deployed


@pytest.fixture(scope="session")
def one_of_each_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "one_of_each",
        lambda tmp, ws: Project.copy_of(PROGRAMS / "one_of_each", tmp, workspace=ws, stack="e2e"),
    )


@pytest.fixture
def one_of_each_deployed(
    one_of_each_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """The one-of-each-type program, stack `e2e`, deployed to its own workspace."""
    with one_of_each_once.started(tmp_path) as project:
        yield project


@pytest.fixture(scope="session")
def sample_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "sample",
        lambda tmp, ws: lakeform_project(tmp, workspace=ws, stack="local"),
    )


@pytest.fixture
def sample_deployed(
    sample_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """Lakeform's program with the repository's rows and stack file, stack `local`, deployed to
    its own workspace."""
    with sample_once.started(tmp_path) as project:
        yield project


@pytest.fixture(scope="session")
def lakeform_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "lakeform",
        lambda tmp, ws: Project.copy_of(
            PROGRAMS / "lakeform", tmp, workspace=ws, stack="e2e", include=LAKEFORM_PROGRAM
        ),
    )


@pytest.fixture
def lakeform_deployed(
    lakeform_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """Lakeform's program on tests/e2e/programs/lakeform's rows, stack `e2e`, deployed to its
    own workspace."""
    with lakeform_once.started(tmp_path) as project:
        yield project


def lakeform_up(project: Project, *options: str) -> None:
    """`lakeform up --yes [options]` of the project's stack, which must succeed."""
    done = project.lakeform("up", "--stack", project.stack, "--yes", *options)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def sharded_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "sharded",
        lambda tmp, ws: Project.copy_of(
            PROGRAMS / "sharded",
            tmp,
            workspace=ws,
            stack="e2e",
            include=LAKEFORM_PROGRAM,
            init=False,
        ),
        lambda project: lakeform_up(project, "-j", "2"),  # each shard its own stack, two at once
    )


@pytest.fixture
def sharded_deployed(
    sharded_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """tests/e2e/programs/sharded, stack `e2e` split into shards e2e.finance and e2e.marketing,
    deployed by `lakeform up` to its own workspace."""
    with sharded_once.started(tmp_path) as project:
        yield project


@pytest.fixture(scope="session")
def prod_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "prod",
        lambda tmp, ws: lakeform_project(tmp, workspace=ws, stack="prod"),
    )


@pytest.fixture
def prod_deployed(
    prod_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """Lakeform's program with the repository's rows and stack file, stack `prod` (protected
    rows), deployed to its own workspace."""
    with prod_once.started(tmp_path) as project:
        yield project


@pytest.fixture(scope="session")
def settling_once(tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    return shared_once(
        tmp_path_factory,
        "settling",
        lambda tmp, ws: Project.copy_of(
            PROGRAMS / "settling", tmp, workspace=ws, stack="e2e", include=LAKEFORM_PROGRAM
        ),
        lakeform_up,
    )


@pytest.fixture
def settling_deployed(
    settling_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """tests/e2e/programs/settling, stack `e2e`, deployed by `lakeform up` to its own workspace
    (test_settling.py, test_emails.py)."""
    with settling_once.started(tmp_path) as project:
        yield project
