"""Malformed input of any shape yields MetadataError with positions, never another exception."""

from __future__ import annotations

import contextlib
import random

import pytest

from metadata import MetadataError
from tests.metadata.conftest import Project

SHAPES = [
    "",
    "~\n",
    "42\n",
    "[1, 2, 3]\n",
    "- - -\n",
    "jobs: 5\n",
    "jobs: {a: null}\n",
    "jobs: {a: {tasks: 5}}\n",
    "jobs: {a: {tasks: [5, null, [], {}]}}\n",
    "jobs: {a: {tasks: [{task_key: [1], depends_on: 7}]}}\n",
    "jobs: {a: {tasks: [{task_key: x, depends_on: [[x]], notebook_task: []}]}}\n",
    "jobs: {a: {environments: {dev: [1]}, tasks: []}}\n",
    "jobs: {a: {environments: [], tasks: [{task_key: t, for_each_task: {task: 5}}]}}\n",
    "jobs: {a: {schedule: {quartz_cron_expression: 5, timezone_id: []}, tasks: []}}\n",
    "pipelines: {p: {libraries: [{glob: {include: '['}}], serverless: true}}\n",
    "pipelines: {p: {libraries: [{glob: {include: '/abs/**'}}, {file: {path: 7}}]}}\n",
    "quality_monitors: {m: {custom_metrics: 3}}\n",
    "quality_monitors: {m: {custom_metrics: [{type: DRIFT, definition: '{{'}}]}}\n",
    "metadata_version: '2.0'\n"
    "jobs: [1, {job_name: 5}, {job_name: a, tasks: [7, {task_type: 1}]}]\n",
    "metadata_version: 2.0\njobs: 3\n",
    "sources: 5\n",
    "- 1\n- {source_id: 1, source_type: x, execution_order: x, transformation_config: 1}\n",
    "a: &a [*a]\n",
    "? [complex, key]\n: 1\n",
    "jobs: {a: {<<: 5}}\n",
    "!!python/object:os.system {}\n",
    "jobs: {a: {tasks: [{task_key: 2020-01-01, timeout_seconds: 1e400}]}}\n",
    "\t\tjobs:\n",
    'jobs:\n  a:\n    tasks: [{task_key: a, notebook_task: {notebook_path: "\\x00"}}]\n',
]


@pytest.mark.parametrize("text", SHAPES)
def test_malformed_shapes(project: Project, text: str) -> None:
    project.write("a.yaml", text)
    try:
        project.load()
    except MetadataError as err:
        assert err.problems
        assert all(str(p).startswith("resources/a.yaml:") for p in err.problems), str(err)


def test_random_bytes(project: Project) -> None:
    rng = random.Random(20261122)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        (project.root / "resources" / "a.yaml").write_bytes(data)
        with contextlib.suppress(MetadataError):
            project.load()


def test_random_mutations_of_a_valid_file(project: Project) -> None:
    valid = (
        "jobs:\n  a:\n    schedule: {quartz_cron_expression: '0 0 6 * * ?', timezone_id: UTC}\n"
        "    tasks:\n      - {task_key: x, notebook_task: {notebook_path: /abs/nb}}\n"
        "      - {task_key: y, depends_on: [x], pipeline_task: {pipeline: p}}\n"
        "pipelines:\n  p: {serverless: true, libraries: [{file: {path: /abs/f.py}}]}\n"
    )
    rng = random.Random(7)
    alphabet = "{}[]:,-'\"\n #&*!?|>ab1"
    for _ in range(300):
        chars = list(valid)
        for _ in range(rng.randrange(1, 4)):
            chars[rng.randrange(len(chars))] = rng.choice(alphabet)
        project.write("a.yaml", "".join(chars))
        with contextlib.suppress(MetadataError):
            project.load()


def test_alias_bomb_is_refused(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("metadata.yamlsrc.MAX_NODES", 10_000)  # the real limit, reached sooner
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    project.write("a.yaml", "\n".join(lines) + "\n")
    problems = project.problems()
    assert problems[0].startswith("resources/a.yaml:")
    assert "expands to more than 10,000 values" in problems[0]


def test_aliased_mapping_with_a_merge_key_used_twice(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        pipelines:
          p: &dev {<<: {serverless: true, catalog: c}, catalog: d}
          q: *dev
        """,
    )
    rows = project.load()
    assert [(p.catalog, p.serverless) for p in rows.pipelines.values()] == [
        ("d", True),
        ("d", True),
    ]
