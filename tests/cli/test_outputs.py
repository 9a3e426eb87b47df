"""`lakeform outputs` (and the outputs `up` prints): one line per row, its id and url."""

from __future__ import annotations

import pytest

from cli.deploy import print_outputs


def test_each_row_shows_its_id_a_monitor_the_object_it_watches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_outputs(
        {
            "jobs": {"daily": {"id": "12", "name": "Daily", "url": "https://h/jobs/12"}},
            "quality_monitors": {
                "orders": {"table_name": "main.sales.orders", "dashboard_id": "d1"}
            },
            "data_quality_monitors": {
                "sales": {"object_type": "schema", "object": "main.sales", "object_id": "u-1"}
            },
        },
        as_json=False,
    )
    assert capsys.readouterr().out.splitlines() == [
        "jobs.daily  id=12  url=https://h/jobs/12",
        "quality_monitors.orders  id=main.sales.orders",
        "data_quality_monitors.sales  id=main.sales",
    ]
