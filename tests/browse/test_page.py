"""The page in a real browser (Debian's headless Chromium) over a seeded local workspace: list,
search with a typo, filter, select across pages, preview, export with sources while reloading
and restarting, then check what was written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cli.browse.app import Config
from metadata import load_rows
from tests.browse.conftest import Seed, shoot
from tests.browse.seed import NOTEBOOK_DIR, SPECIAL_JOB, job_spec
from tests.metadata.test_export import api_shaped

TOTAL = 2001 + 200 + 50


def config(seed: Seed, root: Path) -> Config:
    return Config(
        host=seed.ws.url,
        connect=lambda: seed.w.api_client.do,
        root=root,
        stack="local",
        # Two tables without a monitor: looked at, not listed.
        monitor_tables=[*seed.seeded.tables, "main.sales.no_monitor", "main.hr.none_here"],
    )


def picked(page: Any) -> int:
    return int(page.locator("#selected-count").inner_text())


def test_find_select_preview_and_export_with_sources(
    seeded_workspace: Seed, start_browse: Any, page: Any, tmp_path: Path
) -> None:
    seed, project = seeded_workspace, tmp_path / "project"
    project.mkdir()
    browse = start_browse(config(seed, project))
    page.goto(browse.url)
    page.wait_for_selector("#listing-status[data-phase=done]", state="attached")
    assert page.locator("#result-count").inner_text() == f"{TOTAL} of {TOTAL}"
    assert page.locator("table.items tbody tr").count() == 50
    assert page.locator("#page-info").inner_text() == f"page 1 of {-(-TOTAL // 50)}"

    # "not managed": what no Lakeform stack deployed (the seed tagged some for local and prod).
    page.select_option("select[name=managed]", "none")
    page.click("form.filters button[type=submit]")
    unmanaged = TOTAL - len(seed.seeded.managed)
    assert page.locator("#result-count").inner_text() == f"{unmanaged} of {TOTAL}"
    assert page.locator(".managed.this, .managed.other").count() == 0

    # Two on page 1, one on page 2.
    boxes = page.locator("input.pick")
    first = [boxes.nth(i).get_attribute("data-id") for i in (0, 1)]
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.wait_for_function("document.getElementById('selected-count').textContent === '2'")
    shoot(page, tmp_path, "list")
    page.click("a[rel=next]")
    assert page.locator("#page-info").inner_text().startswith("page 2 of")
    second = page.locator("input.pick").nth(0).get_attribute("data-id")
    page.locator("input.pick").nth(0).check()
    page.wait_for_function("document.getElementById('selected-count').textContent === '3'")

    # A typo still finds it, first.
    page.fill("input[name=q]", "olsit nightly")
    page.press("input[name=q]", "Enter")
    top = page.locator("table.items tbody tr").first
    assert top.locator("td.name").inner_text() == SPECIAL_JOB
    top.locator("input.pick").check()
    page.wait_for_function("document.getElementById('selected-count').textContent === '4'")
    shoot(page, tmp_path, "search")

    # A reload keeps the filters and the selection.
    page.reload()
    assert page.locator("input[name=q]").input_value() == "olsit nightly"
    assert page.locator("select[name=managed]").input_value() == "none"
    assert page.locator("table.items tbody tr").first.locator("input.pick").is_checked()
    assert picked(page) == 4

    # The detail view draws the task graph.
    page.locator("table.items tbody tr").first.locator("td.name a").click()
    assert page.locator("svg.task-graph g.task").count() == 1
    page.locator("input.sources").check()
    page.wait_for_load_state("networkidle")
    page.goto(f"{browse.url}/item/jobs/{first[0]}")
    graph_tasks = page.locator("svg.task-graph g.task")
    spec = job_spec(seed.seeded.job_ids.index(int(first[0] or 0)))
    assert graph_tasks.count() == len(spec["tasks"])
    assert page.locator("svg.task-graph path.edge").count() == sum(
        len(t.get("depends_on", [])) for t in spec["tasks"]
    )
    page.locator("input.sources").check()
    page.wait_for_load_state("networkidle")
    shoot(page, tmp_path, "graph")

    # Preview: the rows, each validated, and the import file.
    page.goto(f"{browse.url}/selection")
    assert page.locator("#selected-items tbody tr").count() == 4
    assert page.locator("#selected-items .ok").count() == 4
    rows_yaml = page.locator("#rows-yaml").inner_text()
    assert "olist_orders_nightly:" in rows_yaml
    assert f"{NOTEBOOK_DIR}/report" in rows_yaml  # not fetched yet: still the workspace path
    imports = json.loads(page.locator("#import-json").inner_text())
    ids = {r.get("id") for r in imports["resources"]}
    assert {str(seed.seeded.special_job), first[0], first[1], second} <= ids
    shoot(page, tmp_path, "preview")

    # Export with sources, slowly enough to reload and restart in the middle of it.
    seed.ws.faults.delay("GET", "/api/2.0/workspace/export", 0.7, times=20)
    page.click("#export-button")
    page.wait_for_selector("#export[data-status=running]")
    page.reload()
    page.wait_for_selector("#export[data-status=running]")
    assert picked(page) == 4
    shoot(page, tmp_path, "exporting")

    browse.stop()  # a restart of lakeform browse in the middle of the export
    state = json.loads(next((project / ".lakeform" / "browse").glob("state-*.json")).read_text())
    assert state["export"]["status"] == "running"
    again = start_browse(config(seed, project))
    page.goto(f"{again.url}/selection")
    page.wait_for_selector("#export[data-status=done]", timeout=60_000)
    assert picked(page) == 4
    commands = page.locator("#commands").inner_text()
    assert "pulumi import --stack local --file adopt/import.json" in commands
    assert "resumed after a restart of lakeform browse" in page.locator(".messages").inner_text()
    shoot(page, tmp_path, "exported")
    seed.ws.faults.clear()

    # What was written validates and round-trips.
    rows = load_rows([project / "resources/adopted/adopted.yaml"], root=project)
    assert len(rows.jobs) == 4
    special = rows.jobs["olist_orders_nightly"]
    copied = "src/adopted/Users/ana@example.com/etl/report.py"
    assert special.tasks[0].notebook_task is not None
    assert special.tasks[0].notebook_task.notebook_path == copied
    assert (project / copied).read_text() == "# Databricks notebook source\nprint('report')\n"
    for ident in (first[1], second):  # without sources: as the workspace has them
        i = seed.seeded.job_ids.index(int(ident or 0))
        key = next(k for k in rows.jobs if k.endswith(f"_{i:04d}"))
        assert api_shaped(rows.jobs[key], {}, {}) == job_spec(i)
    written = json.loads((project / "adopt/import.json").read_text())
    assert written == imports


def test_export_never_overwrites_without_asking(
    seeded_workspace: Seed, start_browse: Any, page: Any, tmp_path: Path
) -> None:
    seed = seeded_workspace
    (tmp_path / "resources/adopted").mkdir(parents=True)
    mine = tmp_path / "resources/adopted/adopted.yaml"
    mine.write_text("# someone's rows\n")
    browse = start_browse(config(seed, tmp_path))
    browse.wait_listed()
    page.goto(f"{browse.url}/?q={re.sub(' ', '+', SPECIAL_JOB)}")
    page.locator("table.items tbody tr").first.locator("input.pick").check()
    page.wait_for_function("document.getElementById('selected-count').textContent === '1'")
    page.goto(f"{browse.url}/selection")
    page.click("#export-button")
    page.wait_for_selector("#export[data-status=confirm]")
    assert "resources/adopted/adopted.yaml" in page.locator(".conflicts").inner_text()
    assert mine.read_text() == "# someone's rows\n"
    assert not (tmp_path / "adopt/import.json").exists()
    page.click("#overwrite")
    page.wait_for_selector("#export[data-status=done]")
    assert "olist_orders_nightly:" in mine.read_text()


def test_errors_are_shown_where_they_happen_and_keep_the_selection(
    start_browse: Any, page: Any, tmp_path: Path
) -> None:
    from devtools.workspace.testing import running_workspace

    with running_workspace() as ws:
        w = ws.client()
        api = w.api_client.do
        fine = {"task_key": "t", "notebook_task": {"notebook_path": "/Workspace/x/nb"}}
        good = api("POST", "/api/2.2/jobs/create", body={"name": "good", "tasks": [fine]})["job_id"]
        # Valid for the service, not for Lakeform: the repository has no such file.
        task = {"task_key": "t", "notebook_task": {"notebook_path": "nowhere/nb.py"}}
        bad = api("POST", "/api/2.2/jobs/create", body={"name": "bad", "tasks": [task]})["job_id"]
        browse = start_browse(Config(host=ws.url, connect=lambda: api, root=tmp_path))
        browse.wait_listed()
        page.goto(browse.url)
        for box in page.locator("input.pick").all():
            box.check()
        page.wait_for_function("document.getElementById('selected-count').textContent === '2'")

        # A row that does not validate: its problem on its line; the export leaves it out.
        page.goto(f"{browse.url}/selection")
        bad_row = page.locator(f"tr[data-ref='jobs:{bad}']")
        assert "tasks[0].notebook_task.notebook_path" in bad_row.locator(".problems").inner_text()
        assert page.locator(f"tr[data-ref='jobs:{good}'] .ok").count() == 1
        page.click("#export-button")
        page.wait_for_selector("#export[data-status=done]")
        assert f"jobs.bad ({bad}) left out" in page.locator(".messages").inner_text()
        assert picked(page) == 2
        shoot(page, tmp_path, "invalid-row")

        # The workspace failing: the listing says so in words, the selection stays.
        ws.faults.error("GET", "/api/2.2/jobs/list")
        page.goto(browse.url)
        page.click("#refresh")
        page.wait_for_selector("#listing-status[data-phase=failed]")
        said = page.locator("#listing-status").inner_text()
        assert "The workspace answered with an error" in said
        assert picked(page) == 2

    # No credentials at all.
    def no_auth() -> Any:
        raise ValueError("default auth: cannot configure default credentials")

    other = start_browse(Config(host="https://example.invalid", connect=no_auth, root=tmp_path))
    page.goto(other.url)
    page.wait_for_selector("#listing-status[data-phase=failed]")
    assert "No usable Databricks credentials" in page.locator("#listing-status").inner_text()


def test_two_quick_picks_leave_the_count_of_the_later_answer(
    start_browse: Any, page: Any, tmp_path: Path
) -> None:
    # The first pick's answer is held until the second's has arrived, as a loaded machine or
    # network may deliver them: the page sends one change at a time, so the count shown is the
    # server's after both picks, never the older answer's.
    from devtools.workspace.testing import running_workspace

    held: list[tuple[Any, Any]] = []
    answers: list[Any] = []

    def answer(route: Any) -> None:
        response = route.fetch()
        answers.append(response)
        if len(answers) == 1:
            held.append((route, response))  # answered below, after the second (if it comes)
            return
        route.fulfill(response=response)
        while held:
            route, response = held.pop()
            route.fulfill(response=response)

    with running_workspace() as ws:
        api = ws.client().api_client.do
        task = {"task_key": "t", "notebook_task": {"notebook_path": "/Workspace/x/nb"}}
        for name in ("one", "two"):
            api("POST", "/api/2.2/jobs/create", body={"name": name, "tasks": [task]})
        browse = start_browse(Config(host=ws.url, connect=lambda: api, root=tmp_path))
        browse.wait_listed()
        page.goto(browse.url)
        page.route("**/select", answer)
        boxes = page.locator("input.pick")
        assert boxes.count() == 2
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.wait_for_timeout(500)  # a second request in flight would have come by now
        while held:
            route, response = held.pop()
            route.fulfill(response=response)
        page.wait_for_function("document.getElementById('selected-count').textContent === '2'")
        assert len(answers) == 2
