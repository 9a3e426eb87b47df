"""A seeded local workspace, `lakeform browse` over it, and Debian's headless Chromium."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.browse.app import Config, create_app, serve_in_thread
from devtools.workspace.testing import RunningWorkspace, running_workspace
from tests.browse.seed import Seeded, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A name that resolves to this machine, as DNS rebinding makes one (tests/browse/test_security).
    "--host-resolver-rules=MAP rebind.example 127.0.0.1",
    # Recent Chromium stops a public page's fetch to 127.0.0.1 itself; other browsers and older
    # ones do not, so the page's own refusal is what the tests must see.
    "--disable-features=LocalNetworkAccessChecks",
]
SHOTS = (
    Path(os.environ.get("LAKEFORM_SCREENSHOTS", ""))
    if os.environ.get("LAKEFORM_SCREENSHOTS")
    else None
)
"""Where screenshots go besides the test's tmp dir (set it to refresh docs/browse.png)."""


@dataclass
class Seed:
    ws: RunningWorkspace
    w: Any
    seeded: Seeded


@pytest.fixture(scope="package")
def seeded_workspace() -> Iterator[Seed]:
    """2,000 jobs, 200 pipelines and 50 monitors (some deployed by Lakeform stacks), made once
    for the browser tests: seeding takes about 15 s on 2 cores."""
    with running_workspace() as ws:
        w = ws.client()
        yield Seed(ws, w, seed(w))


@dataclass
class Running:
    url: str
    app: Any
    stop: Callable[[], None]

    @property
    def browser(self) -> Any:
        return self.app.state.browser

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/api/status", timeout=10) as answer:
            return json.loads(answer.read())

    def wait_listed(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status()
            if status["listing"]["phase"] != "listing":
                return status
            time.sleep(0.1)
        raise AssertionError("the listing did not finish")


@pytest.fixture
def start_browse() -> Iterator[Callable[[Config], Running]]:
    """Start `lakeform browse`'s app on a free port; every one started is stopped at the end."""
    started: list[Running] = []

    def start(config: Config) -> Running:
        app = create_app(config)
        server, url, thread = serve_in_thread(app)

        def stop() -> None:
            server.should_exit = True
            thread.join(10)

        running = Running(url, app, stop)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser). Missing: skipped on a
    developer machine, a failure in CI (CI=true), where scripts/ensure-chromium.sh installs it."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (scripts/ensure-chromium.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
    return path
