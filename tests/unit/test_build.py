"""The build: execution_order, reference order, determinism, empty stacks, outputs, release."""

from __future__ import annotations

import base64
import logging
import random
from pathlib import Path
from typing import Any

import pytest

from metadata import Rows, load_rows
from metadata.kinds import JOBS
from metadata.settings import StackSettings
from stacks.build import build, row_order
from stacks.config import LakeformError
from tests.unit.conftest import Program, configure
from tests.unit.rows import JOB, build_rows, job, monitor, pipeline, rows

NB = {"notebook_path": "/abs/nb"}


def test_execution_order_becomes_a_sorted_depends_on_graph(program, tmp_path: Path) -> None:
    (tmp_path / "jobs.yaml").write_text(
        """
jobs:
  staged:
    tasks:
      - {task_key: load_b, execution_order: 1, notebook_task: {notebook_path: /n}}
      - {task_key: load_a, execution_order: 1, notebook_task: {notebook_path: /n}}
      - {task_key: silver, execution_order: 2, notebook_task: {notebook_path: /n}}
      - {task_key: gold_y, execution_order: 3, notebook_task: {notebook_path: /n}}
      - {task_key: gold_x, execution_order: 3, notebook_task: {notebook_path: /n}}
"""
    )
    settings = StackSettings()
    the_rows = load_rows([tmp_path], root=tmp_path, stack="dev", settings=settings)
    p = program("dev")
    p.run(lambda: build_rows(settings, the_rows, "dev"))
    tasks = {t["taskKey"]: t.get("dependsOns") for t in p.one(JOB, "staged").inputs["tasks"]}
    assert [t["taskKey"] for t in p.one(JOB, "staged").inputs["tasks"]] == sorted(tasks)
    assert tasks == {
        "load_a": None,
        "load_b": None,
        "silver": [{"taskKey": "load_a"}, {"taskKey": "load_b"}],
        "gold_x": [{"taskKey": "silver"}],
        "gold_y": [{"taskKey": "silver"}],
    }
    assert "executionOrder" not in str(p.one(JOB, "staged").inputs)


def _chain() -> dict[str, Any]:
    return {
        "c_last": job(tasks=[{"task_key": "t", "run_job_task": {"job": "b_middle"}}]),
        "b_middle": job(tasks=[{"task_key": "t", "run_job_task": {"job": "a_first"}}]),
        "a_first": job(tasks=[{"task_key": "t", "notebook_task": NB}]),
        "z_alone": job(tasks=[{"task_key": "t", "notebook_task": NB}]),
    }


def test_job_order_puts_referenced_jobs_first() -> None:
    chain = _chain()
    assert row_order(JOBS, {k: chain[k] for k in ["c_last", "b_middle", "a_first", "z_alone"]}) == [
        "a_first",
        "b_middle",
        "c_last",
        "z_alone",
    ]
    backwards = {
        "a": job(tasks=[{"task_key": "t", "run_job_task": {"job": "b"}}]),
        "b": job(tasks=[{"task_key": "t", "notebook_task": NB}]),
    }
    assert row_order(JOBS, backwards) == ["b", "a"]


def test_run_job_task_chains_resolve_to_the_referenced_job_ids(program) -> None:
    p = program("dev")
    p.run(lambda: build_rows(StackSettings(), rows(jobs=_chain()), "dev"))
    ids = {k: v["id"] for k, v in p.outputs["jobs"].items()}
    b_task = p.one(JOB, "b_middle").inputs["tasks"][0]["runJobTask"]
    c_task = p.one(JOB, "c_last").inputs["tasks"][0]["runJobTask"]
    assert b_task == {"jobId": float(ids["a_first"])}
    assert c_task == {"jobId": float(ids["b_middle"])}
    assert len({ids["a_first"], ids["b_middle"], ids["c_last"]}) == 3


def _signature(p: Program) -> list[tuple[str, str, Any, Any]]:
    return sorted(
        (r.type, r.name, repr(r.inputs), (r.protect, r.aliases, r.parent))
        for r in p.monitor.registrations
    )


ROWS_YAML = {
    "a.yaml": """
jobs:
  daily:
    schedule: {quartz_cron_expression: "0 0 6 * * ?", timezone_id: UTC}
    tags: {b: "2", a: "1"}
    tasks:
      - {task_key: report, depends_on: [gen_b, gen_a], notebook_task: {notebook_path: nb/report.py}}
      - task_key: gen_b
        notebook_task: {notebook_path: nb/gen.py, base_parameters: {y: "1", x: "2"}}
      - {task_key: gen_a, sql_task: {query_text: "SELECT 1"}}
      - {task_key: refresh, depends_on: [report], pipeline_task: {pipeline: main}}
""",
    "b.yaml": """
pipelines:
  main:
    catalog: c
    configuration: {z: "1", a: "2"}
    libraries: [{file: {path: nb/p.py}}]
quality_monitors:
  orders: {table_name: c.s.o, assets_dir: /a, output_schema_name: c.s, snapshot: {}}
""",
}


def _shuffled_yaml(text: str, rng: random.Random) -> str:
    """The same YAML with its task list items in a random order."""
    head, sep, rest = text.partition("    tasks:\n")
    if not sep:
        return text
    items = ("\n" + rest).split("\n      - ")[1:]
    rng.shuffle(items)
    return head + sep + "".join("      - " + item.rstrip("\n") + "\n" for item in items)


def _load_and_build(program, folder: Path) -> Program:
    for rel, text in {"nb/report.py": "r", "nb/gen.py": "g", "nb/p.py": "p"}.items():
        (folder / rel).parent.mkdir(exist_ok=True)
        (folder / rel).write_text(text)
    settings = StackSettings(default_warehouse_id="wh")
    the_rows = load_rows([folder], root=folder, stack="dev", settings=settings)
    p = program("dev")
    p.run(lambda: build(settings, the_rows, stack="dev", root=folder, host="https://h"))
    return p


def test_shuffled_rows_and_files_give_identical_inputs(program, tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    for name, text in ROWS_YAML.items():
        (first / name).write_text(text)
    baseline = _signature(_load_and_build(program, first))
    rng = random.Random(7)
    for attempt in range(3):
        other = tmp_path / f"other{attempt}"
        other.mkdir()
        # Different file names (so a different file order) and shuffled tasks.
        (other / "0_pipelines.yaml").write_text(ROWS_YAML["b.yaml"])
        (other / "z_jobs.yaml").write_text(_shuffled_yaml(ROWS_YAML["a.yaml"], rng))
        assert _signature(_load_and_build(program, other)) == baseline


def test_rows_dict_order_does_not_change_registrations(program) -> None:
    chain = _chain()
    p1 = program("dev")
    p1.run(lambda: build_rows(StackSettings(), rows(jobs=chain), "dev"))
    p2 = program("dev")
    reordered = dict(reversed(list(chain.items())))
    p2.run(lambda: build_rows(StackSettings(), rows(jobs=reordered), "dev"))
    assert row_order(JOBS, chain) == row_order(JOBS, reordered)
    assert _signature(p1) == _signature(p2)


def test_zero_rows_refuse_to_deploy_before_any_resource(program) -> None:
    p = program("prod")
    with pytest.raises(LakeformError, match="no metadata rows were loaded from resources"):
        p.run(lambda: build_rows(StackSettings(), rows(), "prod"))
    assert p.monitor.registrations == []
    assert p.outputs == {}


def test_zero_rows_deploy_when_the_stack_allows_empty(program) -> None:
    p = program("dev")
    p.run(lambda: build_rows(StackSettings(allow_empty=True), rows(), "dev"))
    assert p.monitor.registrations == []
    assert p.outputs == {
        "jobs": {},
        "pipelines": {},
        "quality_monitors": {},
        "data_quality_monitors": {},
    }


def test_outputs_per_kind_keyed_by_row_key(program) -> None:
    p = program("prod")
    the_rows = rows(
        jobs={"daily": job(name="Daily", tasks=[{"task_key": "t", "notebook_task": NB}])},
        pipelines={"main": pipeline(name="Main", catalog="c")},
        quality_monitors={"orders": monitor()},
    )
    p.run(lambda: build_rows(StackSettings(), the_rows, "prod", host="https://ws.example"))
    job_id = p.outputs["jobs"]["daily"]["id"]
    assert p.outputs == {
        "jobs": {
            "daily": {"id": job_id, "name": "Daily", "url": f"https://ws.example/jobs/{job_id}"}
        },
        "pipelines": {
            "main": {
                "id": "main-id",
                "name": "Main",
                "url": "https://ws.example/pipelines/main-id",
                "protected": False,
                "replaced_by": {"storage": None},
            }
        },
        "quality_monitors": {
            "orders": {
                "table_name": "olist.gold.orders",
                "dashboard_id": "dash-orders",
                "profile_metrics_table_name": "olist.gold.orders_profile_metrics",
                "drift_metrics_table_name": "olist.gold.orders_drift_metrics",
                "protected": False,
                "reset": 0,
                "replaced_by": {
                    "table_name": "olist.gold.orders",
                    "warehouse_id": None,
                    "skip_builtin_dashboard": False,
                },
            }
        },
        "data_quality_monitors": {},
    }


def test_release_entries_are_reported(program, caplog: pytest.LogCaptureFixture) -> None:
    p = program("prod")
    settings = StackSettings(protect=True, release=["pipelines.main", "quality_monitors.gone"])
    caplog.set_level(logging.WARNING)
    p.run(lambda: build_rows(settings, rows(pipelines={"main": pipeline(catalog="c")}), "prod"))
    text = caplog.text
    assert "pipelines.main is released (not protected)" in text
    assert "quality_monitors.gone matches no row" in text


LINKED_ROWS = """
jobs:
  a:
    tasks: [{task_key: x, notebook_task: {notebook_path: src/nb_link.py}}]
pipelines:
  p:
    serverless: true
    libraries: [{glob: {include: src/pipe_link/*}}]
"""


def _linked_repo(tmp_path: Path) -> tuple[Path, Path, Rows]:
    """A repository whose rows use a symlinked file and folder that point inside it (validated),
    and a folder beside it holding what must never be uploaded."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "nb.py").write_text("SECRET")
    root = tmp_path / "repo"
    (root / "src/pipe").mkdir(parents=True)
    (root / "src/nb.py").write_text("honest notebook")
    (root / "src/pipe/bronze.py").write_text("honest source")
    (root / "src/nb_link.py").symlink_to("nb.py")
    (root / "src/pipe_link").symlink_to("pipe", target_is_directory=True)
    (root / "rows.yaml").write_text(LINKED_ROWS)
    return root, outside, load_rows([root / "rows.yaml"], root=root, stack="dev")


def test_symlinks_inside_the_repository_are_uploaded(program, tmp_path: Path) -> None:
    root, _, the_rows = _linked_repo(tmp_path)
    p = program("dev")
    p.run(lambda: build(StackSettings(), the_rows, stack="dev", root=root))
    uploads = {
        r.name: base64.b64decode(r.inputs["contentBase64"])
        for r in p.monitor.registrations
        if "contentBase64" in r.inputs
    }
    assert uploads == {
        "a/src/nb_link": b"honest notebook",
        "p/src/pipe_link/bronze.py": b"honest source",
    }


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (
            "src/nb_link.py",
            "cannot upload: 'src/nb_link.py' resolves through a symlink to '{outside}/nb.py', "
            "outside the repository; Lakeform uploads only files inside it: copy the file in, "
            "or point the symlink inside",
        ),
        (
            "src/pipe_link",
            "cannot upload: 'src/pipe_link/*' matches 'src/pipe_link/nb.py', which resolves to "
            "'{outside}/nb.py', outside the repository; a glob never follows a symlink out of "
            "it: remove the symlink or narrow the pattern",
        ),
    ],
)
def test_a_symlink_changed_after_validation_is_refused_when_read(
    program, tmp_path: Path, link: str, message: str
) -> None:
    root, outside, the_rows = _linked_repo(tmp_path)
    (root / link).unlink()  # after `lakeform validate`, before the deploy reads the file
    (root / link).symlink_to(outside if link.endswith("_link") else outside / "nb.py")
    p = program("dev")
    with pytest.raises(LakeformError) as info:
        p.run(lambda: build(StackSettings(), the_rows, stack="dev", root=root))
    assert str(info.value) == message.format(outside=outside.resolve())
    assert p.monitor.registrations == []  # refused before any resource, nothing uploaded


def test_a_shard_builds_its_rows_and_reads_the_rows_of_other_shards_from_their_outputs(
    program,
) -> None:
    """Stack dev.b of a stack sharded by tag: its own rows only; a job of shard a that one of its
    rows runs comes from dev.a's outputs (a StackReference), as a number."""
    settings = StackSettings.model_validate(
        {"shards": {"by": "tag", "tag": "team", "names": ["a", "b"]}}
    )
    the_rows = rows(
        jobs={
            "first": job(tags={"team": "a"}, tasks=[{"task_key": "t", "notebook_task": NB}]),
            "second": job(
                tags={"team": "b"}, tasks=[{"task_key": "t", "run_job_task": {"job": "first"}}]
            ),
        }
    )
    p = configure("dev.b", previous_outputs={"jobs": {"first": {"id": "4242", "name": "x"}}})
    p.run(lambda: build_rows(settings, the_rows, "dev.b"))
    assert p.names(JOB) == ["second"]
    assert p.one(JOB, "second").inputs["tasks"][0]["runJobTask"]["jobId"] == 4242
    # tags and names are the environment's, so a row is the same resource in any shard
    assert p.one(JOB, "second").inputs["tags"]["lakeform_stack"] == "dev"
    assert set(p.outputs["jobs"]) == {"second"}
