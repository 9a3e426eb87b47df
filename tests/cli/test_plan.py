"""The plan by row, from engine steps recorded from a real preview and refresh (the rows of
tests/e2e/test_plan.py), its text, markdown and JSON, and the mass-delete guard's arithmetic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.deploy import delete_limit, guard_deletes
from cli.plan import MASKED, build_plan, for_review
from cli.render import COMMENT_LIMIT, markdown, text, to_json
from metadata import load_rows
from metadata.settings import StackSettings

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE.parent / "e2e" / "programs"
"""The recorded steps are of tests/e2e/programs/lakeform's rows."""


def recorded(name: str) -> list[dict[str, Any]]:
    return json.loads((HERE / name).read_text())


def test_each_row_gets_its_action_in_api_field_names_tasks_by_key() -> None:
    plan = build_plan("e2e", recorded("preview_steps.json"))
    actions = {(r.kind, r.key): r.action for r in plan.rows}
    assert actions == {
        ("jobs", "daily"): "update",
        ("jobs", "hourly"): "create",
        ("jobs", "legacy"): "delete",
        ("jobs", "weekly"): "update",
        ("pipelines", "sales"): "replace",
    }
    assert plan.existing == 4
    rows = {r.key: r for r in plan.rows}
    assert rows["sales"].forced_by == ["storage"]
    weekly = {f.path: (f.old, f.new) for f in rows["weekly"].fields}
    assert weekly["timeout_seconds"] == ("600", "900")
    assert weekly["tasks[refresh].pipeline_task.pipeline_id"][1] == "(known after deploy)"
    daily = {f.path for f in rows["daily"].fields}
    assert daily == {"tasks[publish]", "tasks[report]", "tasks[transform].timeout_seconds"}
    assert rows["daily"].task_status == {
        "publish": "added",
        "report": "removed",
        "transform": "changed",
    }
    assert rows["hourly"].files == {"src/ingest": "create"}


def test_reordered_tasks_are_no_change() -> None:
    steps = recorded("preview_steps.json")
    for step in steps:
        if step["urn"].endswith("job:Job::daily"):
            step["new"]["inputs"] = dict(step["old"]["inputs"])
            step["new"]["inputs"]["tasks"] = list(reversed(step["old"]["inputs"]["tasks"]))
    rows = {r.key: r for r in build_plan("e2e", steps).rows}
    assert rows["daily"].fields == [] and rows["daily"].task_status == {}


def test_secrets_are_masked() -> None:
    steps = recorded("preview_steps.json")
    for step in steps:
        if step["urn"].endswith("job:Job::weekly"):
            step["old"]["inputs"]["description"] = "[secret]"
            step["new"]["inputs"]["description"] = {
                "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                "value": "hunter2",
            }
            step["diffs"].append("description")
    rows = {r.key: r for r in build_plan("e2e", steps).rows}
    fields = {f.path: (f.old, f.new) for f in rows["weekly"].fields}
    assert fields["description"] == (MASKED, MASKED)
    assert "hunter2" not in markdown(build_plan("e2e", steps))


def test_text_and_json_name_every_row() -> None:
    plan = build_plan("e2e", recorded("preview_steps.json"))
    out = text(plan)
    assert out.startswith("plan for stack e2e: 1 to create, 2 to update, 1 to replace, 1 to delete")
    assert "  -/+ sales (forced by storage)\n" in out
    assert "        timeout_seconds: 600 -> 900\n" in out
    data = json.loads(to_json(plan))
    assert data["totals"] == {"create": 1, "update": 2, "replace": 1, "delete": 1}


def test_markdown_draws_the_task_graph_with_marks() -> None:
    out = markdown(build_plan("e2e", recorded("preview_steps.json")))
    assert '    t1["+ publish"]:::added\n' in out
    assert '    t2["- report"]:::removed\n' in out
    assert "    t3 -.-> t2\n" in out  # a removed task's edge, dashed
    assert out.count("<details>") == 2


def test_drift_lists_what_changed_in_the_workspace() -> None:
    plan = build_plan("e2e", recorded("refresh_steps.json"), drift=True)
    assert [(r.key, r.action) for r in plan.rows] == [("weekly", "update")]
    assert "        timeout_seconds: 600 -> 42\n" in text(plan)


def many_jobs(count: int) -> list[dict[str, Any]]:
    """Preview steps creating `count` jobs, each updating another `count` jobs' timeouts."""
    template = next(
        s for s in recorded("preview_steps.json") if s["urn"].endswith("job:Job::weekly")
    )
    steps: list[dict[str, Any]] = []
    for i in range(count):
        key = f"job_number_{i:04d}_of_the_benchmark"
        step = json.loads(json.dumps(template))
        step["urn"] = step["urn"].replace("::weekly", f"::{key}")
        step["new"]["parent"] = step["old"]["parent"] = step["old"]["parent"].replace(
            "::weekly", f"::{key}"
        )
        steps.append(step)
    return steps


def test_markdown_of_1000_changed_jobs_fits_a_comment() -> None:
    plan = build_plan("dev", many_jobs(1000))
    out = markdown(plan)
    assert len(plan.rows) == 1000
    assert len(out) < COMMENT_LIMIT
    assert "1000 to update" in out


@pytest.mark.parametrize(
    ("rows", "setting", "limit"),
    [(10, None, 5), (49, None, 5), (51, None, 6), (1000, None, 100), (1000, 3, 3)],
)
def test_delete_limit_is_5_or_10_percent_unless_set(
    rows: int, setting: int | None, limit: int
) -> None:
    assert delete_limit(StackSettings(max_deletes=setting), rows) == limit


def test_guard_refuses_beyond_the_limit_unless_allowed() -> None:
    plan = build_plan("e2e", recorded("preview_steps.json"))
    refusal = guard_deletes(plan, StackSettings(max_deletes=0), None)
    assert refusal is not None and "  - jobs.legacy" in refusal
    assert guard_deletes(plan, StackSettings(max_deletes=0), 1) is None
    assert guard_deletes(plan, StackSettings(), None) is None


def test_permissions_show_as_the_rows_field_not_as_a_file() -> None:
    steps = recorded("preview_steps.json")
    weekly = next(s for s in steps if s["urn"].endswith("job:Job::weekly"))
    grants = [{"groupName": "analysts", "permissionLevel": "CAN_VIEW"}]
    changed = [{"groupName": "analysts", "permissionLevel": "CAN_MANAGE_RUN"}]
    urn = weekly["urn"].replace("databricks:index/job:Job::weekly", "")
    permissions = {
        "op": "update",
        "type": "databricks:index/permissions:Permissions",
        "urn": urn + "databricks:index/permissions:Permissions::weekly/permissions",
        "old": {"parent": weekly["old"]["parent"], "inputs": {"accessControls": grants}},
        "new": {"parent": weekly["new"]["parent"], "inputs": {"accessControls": changed}},
        "diffs": ["accessControls"],
    }
    rows = {r.key: r for r in build_plan("e2e", [*steps, permissions]).rows}
    fields = {f.path: (f.old, f.new) for f in rows["weekly"].fields}
    assert fields["permissions"] == (
        '[{"group_name": "analysts", "level": "CAN_VIEW"}]',
        '[{"group_name": "analysts", "level": "CAN_MANAGE_RUN"}]',
    )
    assert fields["timeout_seconds"] == ("600", "900")  # the job's own changes are kept
    assert rows["weekly"].files == {}
    created = {**permissions, "op": "create"}
    rows = {r.key: r for r in build_plan("e2e", [*steps, created]).rows}
    assert {f.path: f.old for f in rows["weekly"].fields}["permissions"] == "(none)"


def reviewed(settings: StackSettings, steps: list[dict[str, Any]] | None = None) -> Any:
    """The recorded plan with file:line from the rows it was recorded from (before the edits of
    tests/e2e/test_plan.py: hourly is not written yet, legacy still is)."""
    root = PROGRAMS / "lakeform"
    rows = load_rows([Path("resources")], root=root, stack="e2e", settings=settings)
    plan = build_plan("e2e", recorded("preview_steps.json") if steps is None else steps)
    return for_review(plan, settings, rows)


def gone_pipelines(steps: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """`steps` plus the delete of pipelines `keys` whose rows were removed."""
    preview = recorded("preview_steps.json")
    sales = next(s for s in preview if s["op"] == "replace" and s["urn"].endswith("::sales"))
    template = json.dumps(sales)
    gone = [json.loads(template.replace("::sales", f"::{key}")) for key in keys]
    for step in gone:
        step.update(op="delete", new=None, diffs=[], keys=[])
    return [*steps, *gone]


def test_markdown_opens_with_counts_by_kind_in_a_table() -> None:
    out = markdown(build_plan("e2e", recorded("preview_steps.json")))
    table = (
        "| kind | to create | to update | to replace | to delete |\n"
        "|---|---:|---:|---:|---:|\n"
        "| jobs | 1 | 2 | 0 | 1 |\n"
        "| pipelines | 0 | 0 | 1 | 0 |\n"
        "| quality_monitors | 0 | 0 | 0 | 0 |\n"
    )
    assert table in out
    assert out.index(table) < out.index("<details>")


def test_drift_table_has_the_drift_columns() -> None:
    out = markdown(build_plan("e2e", recorded("refresh_steps.json"), drift=True))
    assert "| kind | changed in the workspace | deleted in the workspace |\n" in out
    assert "| jobs | 1 | 0 |\n" in out


def test_each_row_in_the_metadata_names_its_file_and_line() -> None:
    plan = reviewed(StackSettings())
    where = {r.key: r.source for r in plan.rows}
    # hourly's row is not in the recorded rows; legacy's delete has no row left to point at.
    assert where == {
        "daily": "resources/rows.yaml:3",
        "weekly": "resources/rows.yaml:16",
        "hourly": "",
        "legacy": "",
        "sales": "resources/rows.yaml:28",
    }
    out = markdown(plan)
    assert "- `weekly` (resources/rows.yaml:16)\n" in out
    assert "- `sales` (resources/rows.yaml:28; forced by storage)\n" in out
    assert "  ~ daily (resources/rows.yaml:3)\n" in text(plan)
    assert {r["key"]: r["source"] for r in json.loads(to_json(plan))["rows"]}["weekly"] == (
        "resources/rows.yaml:16"
    )


def test_protected_stack_calls_out_replaced_and_deleted_pipelines_first_with_why() -> None:
    settings = StackSettings(protect=True, release=["pipelines.old_sales"])
    plan = reviewed(settings, gone_pipelines(recorded("preview_steps.json"), "old_sales"))
    assert {(r.kind, r.key): r.attention for r in plan.attention()} == {
        ("pipelines", "old_sales"): "its row is removed; deleting a pipeline drops its tables; "
        "released on purpose (lakeform:settings.release: pipelines.old_sales)",
        ("pipelines", "sales"): "replaced because storage changed; "
        "deleting a pipeline drops its tables",
    }
    out = markdown(plan)
    callout = (
        "> [!CAUTION]\n"
        "> **Protected rows to delete or replace: read these first**\n"
        ">\n"
        "> - `pipelines.old_sales` to delete: its row is removed; deleting a pipeline drops its "
        "tables; released on purpose (lakeform:settings.release: pipelines.old_sales)\n"
        "> - `pipelines.sales` to replace (resources/rows.yaml:28): replaced because storage "
        "changed; deleting a pipeline drops its tables\n"
    )
    assert callout in out
    assert out.index("| kind |") < out.index(callout) < out.index("<details>")
    assert "protected rows to delete or replace:\n  pipelines.old_sales: its row" in text(plan)
    assert "jobs.legacy" not in out.split("<details>")[0]  # jobs are not a protected kind


def test_a_stack_that_protects_nothing_calls_nothing_out() -> None:
    plan = reviewed(StackSettings(), gone_pipelines(recorded("preview_steps.json"), "old_sales"))
    assert plan.attention() == []
    assert "[!CAUTION]" not in markdown(plan)
    assert "protected rows" not in text(plan)


def test_a_resource_protected_in_the_state_is_called_out_in_any_stack() -> None:
    steps = recorded("preview_steps.json")
    for step in steps:
        if step["op"] == "replace" and step["urn"].endswith("::sales"):
            step["old"]["protect"] = True
    plan = reviewed(StackSettings(), steps)
    assert [(r.key, r.attention) for r in plan.attention()] == [
        (
            "sales",
            "replaced because storage changed; deleting a pipeline drops its tables; protected "
            "in the stack: the run is refused until it is released",
        )
    ]


def test_the_callout_stays_when_a_long_plan_is_shortened() -> None:
    steps = gone_pipelines(many_jobs(1000), *(f"pipeline_number_{i:04d}" for i in range(300)))
    plan = for_review(build_plan("prod", steps), StackSettings(protect=True), None)
    out = markdown(plan)
    assert len(out) < COMMENT_LIMIT
    assert "> - `pipelines.pipeline_number_0000` to delete: its row is removed" in out
    assert "> - … and 100 more (`lakeform plan` lists all)" in out  # 200 named


def test_a_monitor_replaced_by_its_reset_says_so() -> None:
    """A bumped `reset` replaces through Pulumi's replacement trigger, which names no field."""
    steps = recorded("preview_steps.json")
    sales = next(s for s in steps if s["op"] == "replace" and s["urn"].endswith("::sales"))
    pipeline = "lakeform:pipelines:Pipeline$databricks:index/pipeline:Pipeline::sales"
    monitor = "lakeform:monitors:QualityMonitor$databricks:index/qualityMonitor:QualityMonitor"
    step = {
        **sales,
        "urn": sales["urn"].replace(pipeline, f"{monitor}::orders"),
        "type": "databricks:index/qualityMonitor:QualityMonitor",
        "keys": [],
        "diffs": [],
    }
    plan = for_review(build_plan("prod", [step]), StackSettings(protect=True), None)
    assert [(r.kind, r.key, r.attention) for r in plan.attention()] == [
        (
            "quality_monitors",
            "orders",
            "replaced because reset changed; deleting or resetting a monitor loses its history",
        )
    ]
