"""lakeform:settings.shards: which shard deploys each row, the shard order, every refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from metadata import Rows, apply_stack_defaults, load_rows
from metadata.delta import Tables
from metadata.formats.control_table import LAKEFORM
from metadata.load import Only, StaleSplit
from metadata.settings import SettingsError, StackSettings, parse_settings
from metadata.shards import (
    INDEX,
    SHARD_KEY,
    ShardError,
    inputs_digest,
    layout,
    read_index,
    same_config,
    shard_config,
    split_stack,
    stable_hash,
)
from tests.metadata.conftest import SETTINGS, Project
from tests.metadata.test_control_table import lakeform_row, write_table

JOB = """
jobs:
  {key}:
    name: {key}
    tags: {{team: {team}}}
    tasks:
      - task_key: t
        notebook_task: {{notebook_path: src/nb.py}}
"""
RUNNER = """
jobs:
  {key}:
    name: {key}
    tasks:
      - task_key: t
        run_job_task: {{job: {runs}}}
"""


def sharded(**shards: Any) -> StackSettings:
    return SETTINGS.model_copy(update={"shards": parse_settings({"shards": shards}, "x").shards})


def placed(project: Project, settings: StackSettings) -> dict[str, str]:
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    lay = layout(rows, settings, "dev")
    assert lay is not None
    return {key: shard for (_, key), shard in lay.of.items()}


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        ({"by": "folder"}, "by: folder needs `folders`"),
        ({"by": "tag", "names": ["a"]}, "by: tag needs `tag`"),
        ({"by": "tag", "tag": "team"}, "by: tag needs `names`"),
        ({"by": "hash"}, "by: hash needs `count`"),
        ({"by": "hash", "count": 0}, "greater than or equal to 1"),
        (
            {"by": "folder", "folders": {"a.b": ["x"]}},
            r"letters, digits, '-' and '_' only; got \['a.b'\]",
        ),
        ({"by": "tag", "tag": "t", "names": ["a"], "default": "z"}, "default 'z' is not a shard"),
        ({"by": "size"}, "lakeform:settings.shards.by: Input should be 'folder', 'tag' or 'hash'"),
    ],
)
def test_settings_refuse_an_incomplete_split(shards: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings({"shards": shards}, "Pulumi.prod.yaml")


def test_by_folder_the_deepest_folder_wins_and_the_default_takes_the_rest(project: Project) -> None:
    project.write("finance/a.yaml", JOB.format(key="a", team="x"))
    project.write("finance/eu/b.yaml", JOB.format(key="b", team="x"))
    project.write("c.yaml", JOB.format(key="c", team="x"))
    settings = sharded(
        by="folder",
        folders={"fin": ["resources/finance/"], "eu": ["./resources/finance/eu"], "rest": []},
        default="rest",
    )
    assert placed(project, settings) == {"a": "fin", "b": "eu", "c": "rest"}


def test_by_tag_a_row_goes_to_its_tag_value(project: Project) -> None:
    project.write("a.yaml", JOB.format(key="a", team="finance"))
    project.write("b.yaml", JOB.format(key="b", team="marketing"))
    project.write("c.yaml", JOB.format(key="c", team="other"))
    settings = sharded(by="tag", tag="team", names=["finance", "marketing"], default="finance")
    assert placed(project, settings) == {"a": "finance", "b": "marketing", "c": "finance"}


def test_by_hash_is_stable_and_spreads_rows(project: Project) -> None:
    for i in range(40):
        project.write(f"j{i}.yaml", JOB.format(key=f"j{i}", team="x"))
    settings = sharded(by="hash", count=4)
    where = placed(project, settings)
    assert set(where.values()) == {"00", "01", "02", "03"}
    assert where["j7"] == f"{stable_hash('jobs', 'j7', 4):02d}"
    # sha256, not Python's salted hash(): the same in every process and release (a change
    # would move rows between shards)
    assert stable_hash("jobs", "daily", 10) == 3


def test_by_hash_rows_that_name_each_other_share_a_shard(project: Project) -> None:
    # 30 runners each running their own job: hashed one by one, pairs would cross the 4 shards
    # both ways (a cycle); hashed by their component (its smallest `kind.key`), each pair is
    # together and no shard names another.
    for i in range(30):
        project.write(f"r{i}.yaml", RUNNER.format(key=f"run{i}", runs=f"job{i}"))
        project.write(f"j{i}.yaml", JOB.format(key=f"job{i}", team="x"))
    # a chain a -> b <- c: one component, placed by `jobs.a`
    project.write("a.yaml", RUNNER.format(key="a", runs="b"))
    project.write("b.yaml", JOB.format(key="b", team="x"))
    project.write("c.yaml", RUNNER.format(key="c", runs="b"))
    project.write("alone.yaml", JOB.format(key="alone", team="x"))
    settings = sharded(by="hash", count=4)
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    lay = layout(rows, settings, "dev")  # no ShardError: no cycle
    assert lay is not None
    assert lay.needs == {}
    where = {key: shard for (_, key), shard in lay.of.items()}
    for i in range(30):
        assert where[f"run{i}"] == where[f"job{i}"] == f"{stable_hash('jobs', f'job{i}', 4):02d}"
    assert len({where[f"job{i}"] for i in range(30)}) == 4  # still spread
    assert where["a"] == where["b"] == where["c"] == f"{stable_hash('jobs', 'a', 4):02d}"
    # one by one, these would have been split: the pairs hashed by their own key
    assert any(
        stable_hash("jobs", f"run{i}", 4) != stable_hash("jobs", f"job{i}", 4) for i in range(30)
    )
    # a row naming none and named by none hashes as itself, as before components
    assert where["alone"] == f"{stable_hash('jobs', 'alone', 4):02d}"


def test_a_row_no_shard_takes_is_named_with_its_file(project: Project) -> None:
    project.write("finance/a.yaml", JOB.format(key="a", team="x"))
    project.write("other/b.yaml", JOB.format(key="b", team="x"))
    settings = sharded(by="folder", folders={"fin": ["resources/finance"]})
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    with pytest.raises(ShardError) as info:
        layout(rows, settings, "dev")
    assert str(info.value) == (
        "resources/other/b.yaml:2: jobs.b: no shard takes it: its file is under none of "
        "['resources/finance']; add its folder, or set shards.default; "
        "Pulumi.dev.yaml: lakeform:settings.shards"
    )


def test_references_order_the_shards_and_a_cycle_is_refused(project: Project) -> None:
    project.write("a/x.yaml", RUNNER.format(key="x", runs="y"))
    project.write("b/y.yaml", JOB.format(key="y", team="t"))
    project.write("c/z.yaml", RUNNER.format(key="z", runs="x"))
    settings = sharded(
        by="folder", folders={"c": ["resources/c"], "a": ["resources/a"], "b": ["resources/b"]}
    )
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    lay = layout(rows, settings, "dev")
    assert lay is not None
    assert lay.order() == ["b", "a", "c"]
    assert lay.waves() == [["b"], ["a"], ["c"]]
    assert lay.foreign(rows, "a") == {
        "jobs": {"y": "dev.b"},
        "pipelines": {},
        "quality_monitors": {},
        "data_quality_monitors": {},
    }
    assert set(lay.rows(rows, "a").jobs) == {"x"}

    project.write("b/y.yaml", RUNNER.format(key="y", runs="z"))
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    with pytest.raises(ShardError, match="shards name each other in a cycle") as info:
        layout(rows, settings, "dev")
    cycle = "c -> a (jobs.z -> jobs.x); a -> b (jobs.x -> jobs.y); b -> c (jobs.y -> jobs.z)"
    assert cycle in str(info.value)


def test_a_shard_loads_only_its_rows_from_the_index_while_the_metadata_is_unchanged(
    project: Project,
) -> None:
    """The index `lakeform plan/up` writes: shard b's program reads the one file holding its
    rows, builds only them (the same rows as the whole environment split), takes the job of
    shard a that one of them runs as known, and reads it from dev.a's outputs."""
    project.write(
        "ab.yaml",
        """
        jobs:
          first:
            name: first
            tags: {team: a}
            tasks: [{task_key: t, notebook_task: {notebook_path: src/nb.py}}]
          second:
            name: second
            tags: {team: b}
            tasks: [{task_key: t, run_job_task: {job: first}}]
        """,
    )
    project.write("a.yaml", JOB.format(key="alone", team="a"))
    (project.root / "Pulumi.dev.yaml").write_text("config: {}\n")
    settings = sharded(by="tag", tag="team", names=["a", "b"])
    rows = apply_stack_defaults(project.load(settings=settings), settings, "dev")
    lay = layout(rows, settings, "dev")
    assert lay is not None
    digest = inputs_digest(project.root, settings, "dev")
    assert digest is not None
    index = project.root / INDEX.format(env="dev")
    index.parent.mkdir(parents=True)
    index.write_text(lay.index(rows, digest))

    found = read_index(project.root, settings, "dev", "b")
    assert found is not None
    only, part = found
    assert only.files == {"resources/ab.yaml"}
    mine = load_rows([project.root / "resources"], root=project.root, stack="dev",
                     settings=settings, only=only)  # fmt: skip
    assert apply_stack_defaults(mine, settings, "dev") == lay.rows(rows, "b")
    assert set(mine.positions) == {("jobs", "second")}
    assert part.foreign["jobs"] == {"first": "dev.a"}
    assert part.total == 3
    assert part.present["jobs"] == ["alone", "first", "second"]
    assert read_index(project.root, settings, "dev", "c") is None  # no such shard

    # any edit of the metadata or the stack file: the program reads every row again
    for path, text in (
        (project.root / "resources" / "a.yaml", JOB.format(key="alone", team="b")),
        (project.root / "Pulumi.dev.yaml", "config: {x: 1}\n"),
    ):
        before = path.read_text()
        path.write_text(text)
        assert read_index(project.root, settings, "dev", "b") is None
        path.write_text(before)
        assert read_index(project.root, settings, "dev", "b") is not None


def test_a_shard_stack_file_copies_the_provider_settings_not_lakeform_settings() -> None:
    env = yaml.safe_dump(
        {
            "encryptionsalt": "v1:abc",
            "config": {
                "databricks:host": "https://x",
                "databricks:token": {"secure": "v1:zzz"},
                "lakeform:settings": {"shards": {"by": "hash", "count": 2}},
            },
        }
    )
    text = shard_config("prod", env, "01")
    assert text.startswith("# Generated by `lakeform shards --stack prod --write`")
    assert yaml.safe_load(text) == {
        "encryptionsalt": "v1:abc",
        "config": {
            "databricks:host": "https://x",
            "databricks:token": {"secure": "v1:zzz"},
            SHARD_KEY: "01",
        },
    }
    assert same_config(text, text)
    assert not same_config(shard_config("prod", env.replace("https://x", "https://y"), "01"), text)
    assert split_stack("prod.01") == ("prod", "01")
    assert split_stack("prod") == ("prod", None)


def test_a_shard_loads_only_its_control_table_rows_while_the_tables_are_unchanged(
    project: Project, tmp_path: Path
) -> None:
    """With rows from a control table too, the index holds a digest of the tables as the CLI
    read them: shard b's program, reading the same table, builds only its rows (none of shard
    a's); once the table changed, the split no longer holds and the program reads every row."""
    project.write("a.yaml", JOB.format(key="alone", team="a"))
    (project.root / "Pulumi.dev.yaml").write_text("config: {}\n")
    records = [
        lakeform_row("jobs", key, yaml.safe_load(JOB.format(key=key, team=team))["jobs"][key])
        for key, team in (("ta", "a"), ("tb", "b"))
    ]
    table = write_table(tmp_path / "control", LAKEFORM, records)
    settings = sharded(by="tag", tag="team", names=["a", "b"]).model_copy(
        update={"control_tables": [table]}
    )

    def load(only: Only | None = None) -> Rows:
        return load_rows([project.root / "resources"], root=project.root, stack="dev",
                         settings=settings, tables=Tables(), only=only)  # fmt: skip

    whole = load()
    assert whole.table_digest is not None
    rows = apply_stack_defaults(whole, settings, "dev")
    lay = layout(rows, settings, "dev")
    assert lay is not None
    digest = inputs_digest(project.root, settings, "dev")
    assert digest is not None
    index = project.root / INDEX.format(env="dev")
    index.parent.mkdir(parents=True)
    index.write_text(lay.index(rows, digest, whole.table_digest))

    found = read_index(project.root, settings, "dev", "b")
    assert found is not None
    only, part = found
    mine = load(only)
    assert sorted(mine.jobs) == ["tb"]  # not ta (shard a), nor alone (a file of shard a's)
    assert apply_stack_defaults(mine, settings, "dev") == lay.rows(rows, "b")
    assert part.present["jobs"] == ["alone", "ta", "tb"]

    # a row added to the table (for shard b): the split is stale, the program reads every row
    extra = yaml.safe_load(JOB.format(key="tc", team="b"))["jobs"]["tc"]
    write_table(tmp_path / "control", LAKEFORM, [*records, lakeform_row("jobs", "tc", extra)])
    with pytest.raises(StaleSplit):
        load(only)
    assert sorted(load().jobs) == ["alone", "ta", "tb", "tc"]
