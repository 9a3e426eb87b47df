"""cli/shards.py without an engine: which rows a state holds, which move, one plan for the
environment, and shards run side by side in reference order."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cli.engine import EngineError
from cli.plan import Plan, RowChange
from cli.render import text
from cli.shards import Environment, combined, held, planned_moves, side_by_side
from metadata import Rows
from metadata.settings import StackSettings
from metadata.shards import Layout

P = "urn:pulumi:{stack}::lakeform::"


def urn(stack: str, chain: str, name: str) -> str:
    return f"{P.format(stack=stack)}{chain}::{name}"


def env_of(of: dict[tuple[str, str], str]) -> Environment:
    lay = Layout(env="prod", shards=["a", "b"], of=of, needs={"b": {"a": ["jobs.x -> jobs.y"]}})
    return Environment(
        root=Path("."), name="prod", settings=StackSettings(), rows=Rows(), layout=lay
    )


def test_held_finds_each_rows_resources_under_its_group_and_at_the_root() -> None:
    job = "lakeform:jobs:Job$databricks:index/job:Job"
    resources = [
        {"urn": urn("prod.a", "pulumi:pulumi:Stack", "lakeform-prod.a")},
        {"urn": urn("prod.a", "lakeform:jobs:Job", "jobs")},
        {"urn": urn("prod.a", job, "x")},
        {"urn": urn("prod.a", "lakeform:jobs:Job$databricks:index/permissions:Permissions", "x")},
        {
            "urn": urn(
                "prod.a",
                "lakeform:jobs:Job$databricks:index/workspaceFile:WorkspaceFile",
                "x/src/a.py",
            )
        },
        # moved in by `pulumi state move`, not yet deployed: at the root
        {"urn": urn("prod.a", "databricks:index/job:Job", "y")},
        {"urn": urn("prod.a", "databricks:index/workspaceFile:WorkspaceFile", "y/src/b.py")},
        {"urn": urn("prod.a", "pulumi:providers:databricks", "default_1_106_0")},
    ]
    found = held(resources)
    assert sorted(found) == [("jobs", "x"), ("jobs", "y")]
    assert len(found[("jobs", "x")]) == 3
    assert found[("jobs", "y")] == [resources[5]["urn"], resources[6]["urn"]]


def test_rows_in_another_stacks_state_move_and_removed_rows_stay() -> None:
    env = env_of({("jobs", "x"): "a", ("jobs", "y"): "b"})
    states = {
        "prod.a": {("jobs", "x"): ["u1"], ("jobs", "y"): ["u2"], ("jobs", "gone"): ["u3"]},
        "prod": {("jobs", "old"): ["u4"]},
    }
    moves = planned_moves(env, states)
    assert [(m.key, m.source, m.dest, m.urns) for m in moves] == [("y", "prod.a", "prod.b", ["u2"])]


def test_one_plan_for_the_environment_shows_a_move_once() -> None:
    env = env_of({("jobs", "x"): "a", ("jobs", "y"): "b", ("jobs", "z"): "b"})
    states = {"prod.a": {("jobs", "y"): ["u"]}}
    moves = planned_moves(env, states)
    plans = {
        "prod.a": Plan(stack="prod.a", rows=[RowChange("jobs", "y", "delete")], existing=2),
        "prod.b": Plan(
            stack="prod.b",
            rows=[RowChange("jobs", "y", "create"), RowChange("jobs", "z", "delete")],
            existing=1,
        ),
    }
    plan = combined(env, plans, moves)
    assert [(r.key, r.action) for r in plan.rows] == [("y", "move"), ("z", "delete")]
    assert plan.stack == "prod"
    assert plan.existing == 3
    out = text(plan)
    assert out.startswith(
        "plan for stack prod: 0 to create, 0 to update, 0 to replace, 1 to delete, "
        "1 to move to another shard (3 rows in the stack, 1 unchanged)"
    )
    assert "    > y (moved from prod.a to prod.b, not recreated)" in out
    assert plan.to_json()["rows"][0]["moved"] == ["prod.a", "prod.b"]


def test_shards_run_after_the_ones_they_name_and_a_failure_skips_its_dependants() -> None:
    started: list[str] = []
    lock = threading.Lock()
    needs = {"c": ["a"], "d": ["b"]}

    def work(stack: str) -> str:
        with lock:
            started.append(stack)
        time.sleep(0.05)
        if stack == "b":
            raise EngineError("the workspace refused it")
        return stack.upper()

    results, errors = side_by_side(["a", "b", "c", "d"], work, 2, lambda s: needs.get(s, []))
    assert results == {"a": "A", "c": "C"}
    assert errors == {"b": "the workspace refused it", "d": "not run: stack b it names failed"}
    assert started.index("c") > started.index("a")
    assert "d" not in started


@pytest.mark.parametrize("jobs", [1, 3])
def test_no_more_than_j_shards_at_once(jobs: int) -> None:
    running = [0]
    most = [0]
    lock = threading.Lock()

    def work(stack: str) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1

    side_by_side([str(i) for i in range(6)], work, jobs)
    assert most[0] == jobs
