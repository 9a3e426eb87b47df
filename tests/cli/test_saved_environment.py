"""A sharded stack's saved plan file (cli/saved.py SavedEnvironment): it reads back as written,
and the ordinary path sends it to the sharded stack's `up --plan`."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.saved import Saved, SavedEnvironment, SavedShard, StalePlan, read_any


def record() -> SavedEnvironment:
    return SavedEnvironment(
        stack="prod",
        program={"lakeform": "lakeform 1", "sources": "abc"},
        settings={"shards": "h"},
        rows={"jobs.a": {"name": "h"}},
        order=["prod.finance", "prod.marketing"],
        moves=[{"kind": "jobs", "key": "a", "source": "prod.marketing", "dest": "prod.finance"}],
        versions={"prod.finance": "update 0 started x", "prod.marketing": "update 0 started y"},
        plan=[{"kind": "jobs", "key": "a", "action": "move", "fields": []}],
        existing=3,
        shards={
            "prod.finance": SavedShard(
                stack_version="update 0 started x", plan=[], workspace=[], engine_plan={"a": 1}
            ),
            "prod.marketing": SavedShard(
                stack_version="update 0 started y", plan=[], workspace=[], engine_plan={}
            ),
        },
    )


def test_a_sharded_stacks_saved_plan_reads_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(record().to_json())
    assert '"format": "lakeform-saved-environment/1"' in path.read_text()
    assert read_any(path) == record()


def test_an_ordinary_up_plan_refuses_a_sharded_stacks_plan_and_says_which(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(record().to_json())
    with pytest.raises(
        StalePlan,
        match=r"plan.json is the saved plan of the sharded stack prod: apply it with lakeform up "
        r"--stack prod --plan .*plan.json",
    ):
        Saved.read(path)


def test_a_sharded_plan_missing_a_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format": "lakeform-saved-environment/1", "stack": "prod"}')
    with pytest.raises(StalePlan, match=r"plan\.json is not a Lakeform saved plan: program: Field"):
        read_any(path)
