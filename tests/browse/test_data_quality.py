"""Data quality monitors in `lakeform browse` (Debian's headless Chromium): listed with their
objects' names and labels, counted, filtered by kind, marked as the stack's, and their page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.browse.app import Config
from devtools.workspace.testing import RunningWorkspace, running_workspace
from metadata import load_rows
from tests.metadata.test_export_data_quality import ROWS, deploy


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        source = tmp_path / "rows.yaml"
        source.write_text(ROWS, encoding="utf-8")
        deploy(running, load_rows([source], root=tmp_path))
        running.client().api_client.do(
            "POST", "/api/2.2/jobs/create", body={"name": "Sales nightly", "tasks": []}
        )
        yield running


def test_monitors_are_listed_labelled_and_open_their_page(
    ws: RunningWorkspace, start_browse: Any, page: Any, tmp_path: Path
) -> None:
    w = ws.client()
    browse = start_browse(
        Config(
            host=ws.url,
            connect=lambda: w.api_client.do,
            root=tmp_path,
            stack="local",
            # What stack_tables() makes of the stack's rows: the schema's monitor is its.
            stack_tables={"main.sales": "local"},
        )
    )
    page.goto(browse.url)
    page.wait_for_selector("#listing-status[data-phase=done]", state="attached")
    assert page.locator("#result-count").inner_text() == "3 of 3"
    assert "2 data quality monitors" in page.locator("#kind-counts").inner_text()

    page.select_option("select[name=kind]", "data_quality_monitors")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.items tbody tr")
    assert rows.count() == 2
    by_name = {rows.nth(i).locator("td.name").inner_text(): rows.nth(i) for i in range(2)}
    assert set(by_name) == {"main.sales", "main.sales.orders"}
    schema, table = by_name["main.sales"], by_name["main.sales.orders"]
    assert schema.locator("td.kind").inner_text() == "data quality monitor"
    assert schema.locator("td.tags").inner_text() == "monitors=anomaly detection"
    assert schema.locator(".managed").inner_text() == "this stack"
    assert table.locator("td.tags").inner_text() == "monitors=snapshot profiling"
    assert table.locator("td.mono").first.inner_text() == "0 0 6 * * ? (UTC)"
    assert table.locator(".managed").inner_text() == "—"
    table_id = str(w.tables.get("main.sales.orders").table_id)
    assert table.locator("input.pick").get_attribute("data-id") == f"table/{table_id}"

    table.locator("td.name a").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "main.sales.orders"
    assert page.locator("p.error").count() == 0
    assert page.locator("input.sources").count() == 0  # no notebooks or files to fetch
    detail = page.locator("pre.code").text_content() or ""
    assert '"monitored_table_name": "main.sales.orders"' in detail
    link = page.locator(".item-actions a").get_attribute("href")
    assert link == f"{ws.url}/explore/data/main/sales/orders?activeTab=quality"
