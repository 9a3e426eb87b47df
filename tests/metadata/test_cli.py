"""`lakeform validate` and `lakeform schema` through the console entry point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from metadata.schema import json_schema

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's samples and stack files; the working directory."""
    for name in ("resources", "src"):
        shutil.copytree(ROOT / name, tmp_path / name)
    for stack_file in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(stack_file, tmp_path / stack_file.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_samples_for_every_stack(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    stacks = ", ".join(sorted(p.name[7:-5] for p in repo.glob("Pulumi.*.yaml")))
    assert out == (
        f"OK: 8 jobs, 2 pipelines, 5 quality monitors, 0 data quality monitors (stacks: {stacks})\n"
    )


def test_validate_one_stack(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "prod", "resources/olist"]) == 0
    assert (
        capsys.readouterr().out
        == "OK: 2 jobs, 2 pipelines, 0 quality monitors, 0 data quality monitors (stacks: prod)\n"
    )


def test_validate_reads_the_stack_metadata_paths(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "Pulumi.qa.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [resources/olist]\n"
        "    variables: {catalog: qa, notification_email: qa@example.com}\n"
    )
    assert main(["validate", "--stack", "qa"]) == 0
    assert (
        capsys.readouterr().out
        == "OK: 2 jobs, 2 pipelines, 0 quality monitors, 0 data quality monitors (stacks: qa)\n"
    )


def test_validate_without_stack_files_checks_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for stack_file in repo.glob("Pulumi*.yaml"):
        stack_file.unlink()
    assert main(["validate"]) == 0
    assert (
        capsys.readouterr().out
        == "OK: 8 jobs, 2 pipelines, 5 quality monitors, 0 data quality monitors\n"
    )


def test_validate_reports_every_problem(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "resources" / "bad.yaml").write_text(
        "pipelines:\n  p: {serverless: maybe}\n  q: {catalog: '${var.nope}', serverless: true}\n"
    )
    assert main(["validate"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert (
        lines[0] == "resources/bad.yaml:2:7: pipelines.p.serverless: expected true or false, "
        "got string 'maybe'"
    )
    assert lines[1].startswith(
        "resources/bad.yaml:3:7: pipelines.q.catalog: unknown variable '${var.nope}'"
    )
    assert len(lines) == 2
    assert captured.err == "FAILED: 2 problems\n"


def test_validate_names_the_stacks_a_problem_is_specific_to(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "resources" / "bad.yaml").write_text(
        "pipelines:\n  p:\n    serverless: true\n    stack_overrides:\n      prod: {photon: 1}\n"
    )
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == (
        "resources/bad.yaml:5:14: pipelines.p.photon: expected true or false, got integer 1 "
        "[stack: prod]\n"
    )


def test_validate_json_locates_every_problem(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "resources" / "bad.yaml").write_text(
        "pipelines:\n  p:\n    serverless: maybe\n    stack_overrides:\n      prod: {photon: 1}\n"
    )
    assert main(["validate", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    report = json.loads(captured.out)
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "file": "resources/bad.yaml",
            "line": 3,
            "column": 5,
            "field": "pipelines.p.serverless",
            "message": "expected true or false, got string 'maybe'",
            "stacks": [],
        },
        {
            "file": "resources/bad.yaml",
            "line": 5,
            "column": 14,
            "field": "pipelines.p.photon",
            "message": "expected true or false, got integer 1",
            "stacks": ["prod"],
        },
    ]
    assert {s["stack"]: s["ok"] for s in report["stacks"]} == dict.fromkeys(
        sorted(p.name[7:-5] for p in repo.glob("Pulumi.*.yaml")), False
    )


def test_validate_json_of_good_rows_counts_them(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--json", "--stack", "prod", "resources/olist"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "stacks": [
            {
                "stack": "prod",
                "ok": True,
                "rows": {
                    "jobs": 2,
                    "pipelines": 2,
                    "quality_monitors": 0,
                    "data_quality_monitors": 0,
                },
            }
        ],
        "problems": [],
        "warnings": [],
    }


def test_validate_json_of_an_unreadable_stack_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--json", "--stack", "qa"]) == 1
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    assert problem["file"] is None
    assert problem["message"].startswith("Pulumi.qa.yaml: no such stack file; known:")


def test_validate_unknown_stack(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "qa"]) == 1
    assert capsys.readouterr().out.startswith("Pulumi.qa.yaml: no such stack file; known:")


def test_validate_missing_path(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "dev", "nowhere"]) == 1
    assert capsys.readouterr().out == "nowhere: no such file or folder\n"


def test_validate_binary_garbage_without_traceback(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "resources" / "junk.yaml").write_bytes(b"\xff\xfe\x00garbage\x81")
    assert main(["validate", "--stack", "dev"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("resources/junk.yaml:1:1: not UTF-8 text")
    assert "Traceback" not in out


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lakeform ARGS` in a process of its own: a crash shows as a signal, not as a failed test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


TOO_DEEP = (
    "nested deeper than 64 levels of mappings and lists (an alias counts as deep as its value); "
    "rows need about 10: flatten this value"
)


def test_validate_refuses_a_map_500_levels_deep(repo: Path) -> None:
    keys = "".join("  " * (i + 1) + f"k{i}:\n" for i in range(500))
    text = "jobs:\n" + keys + "  " * 501 + "x: 1\n"
    (repo / "resources" / "deep.yaml").write_text(text)
    done = run_cli("validate", cwd=repo)
    # the 65th mapping is the value of k63 (line 65), whose first key is at column 2 * 64 + 1
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        f"resources/deep.yaml:65:129: {TOO_DEEP}\n",
        "FAILED: 1 problem\n",
    )


def test_validate_refuses_30000_open_brackets_without_crashing(repo: Path) -> None:
    (repo / "resources" / "brackets.yaml").write_text("jobs: " + "[" * 30000 + "\n")
    done = run_cli("validate", cwd=repo)
    # the 64th `[` (column 6 + 64) opens the 65th level; libyaml's composer used to overflow
    # the C stack here (SIGSEGV, return code -11)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        f"resources/brackets.yaml:1:70: {TOO_DEEP}\n",
        "FAILED: 1 problem\n",
    )


def test_validate_refuses_a_deep_stack_file(repo: Path) -> None:
    (repo / "Pulumi.qa.yaml").write_text(
        "config:\n  lakeform:settings:\n    variables: " + "[" * 30000 + "\n"
    )
    done = run_cli("validate", "--stack", "qa", cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        f"Pulumi.qa.yaml:3:77: {TOO_DEEP}\n",
        "FAILED: 1 problem\n",
    )


def test_validate_accepts_values_nested_64_levels_deep(repo: Path) -> None:
    # jobs (1), the jobs (2), the row (3), tasks (4), a task (5), new_cluster (6),
    # aws_attributes (7) and 57 more mappings inside it: 64 levels, through every stack
    inner = "{a: " * 57 + "1" + "}" * 57
    (repo / "resources" / "deep.yaml").write_text(
        # a timeout: prod's policies (Pulumi.prod.yaml) require one
        "jobs:\n  deep:\n    timeout_seconds: 600\n    tasks:\n      - task_key: t\n"
        "        notebook_task: {notebook_path: src/utils/data_generator.py}\n"
        f"        new_cluster: {{num_workers: 1, aws_attributes: {inner}}}\n"
    )
    done = run_cli("validate", cwd=repo)
    assert done.stderr == ""
    assert done.stdout.startswith(
        "OK: 9 jobs, 2 pipelines, 5 quality monitors, 0 data quality monitors (stacks: "
    )
    assert done.returncode == 0


def test_schema_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()


def test_schema_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "metadata.schema.json"
    assert main(["schema", "-o", str(target)]) == 0
    assert json.loads(target.read_text()) == json_schema()
    assert capsys.readouterr().out == f"wrote {target}\n"


def test_validate_refuses_an_empty_folder_as_the_deploy_would(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "empty").mkdir()
    assert main(["validate", "--stack", "prod", "empty"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("no metadata rows were loaded from empty; refusing to deploy")
    assert "allow_empty: true" in out


def test_validate_accepts_an_empty_folder_where_the_stack_allows_it(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "empty").mkdir()
    (repo / "Pulumi.qa.yaml").write_text(
        "config:\n  lakeform:settings:\n    metadata_paths: [empty]\n    allow_empty: true\n"
    )
    assert main(["validate", "--stack", "qa"]) == 0
    assert (
        capsys.readouterr().out
        == "OK: 0 jobs, 0 pipelines, 0 quality monitors, 0 data quality monitors (stacks: qa)\n"
    )


def test_validate_prints_old_spelling_warnings_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "resources" / "old.yaml").write_text(
        "pipelines:\n  p:\n    serverless: true\n    environments:\n      prod: {photon: true}\n"
    )
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "warning: resources/old.yaml:4:5: pipelines.p.environments: per-stack overrides are now "
        "spelt stack_overrides: write 'stack_overrides:' instead of 'environments:'\n"
    )
    assert captured.out.startswith("OK: ")


def test_validate_prints_the_warnings_also_when_it_fails(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a mapping under `environments` is read as the old overrides spelling: the warning says so,
    # and explains the error on the same field
    (repo / "resources" / "old.yaml").write_text(
        "pipelines:\n  p:\n    serverless: true\n    environments:\n      default: {photon: true}\n"
    )
    assert main(["validate"]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "warning: resources/old.yaml:4:5: pipelines.p.environments: per-stack overrides are now "
        "spelt stack_overrides: write 'stack_overrides:' instead of 'environments:'",
        "FAILED: 1 problem",
    ]
    assert captured.out.startswith(
        "resources/old.yaml:5:7: pipelines.p.environments.default: unknown stack 'default'"
    )


def test_validate_counts_agree_in_number(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for stack_file in repo.glob("Pulumi*.yaml"):
        stack_file.unlink()
    for path in (repo / "resources").rglob("*.yaml"):
        path.unlink()
    (repo / "resources" / "one.yaml").write_text(
        "pipelines:\n  p: {serverless: true}\n"
        "jobs:\n  j:\n    tasks: [{task_key: t, pipeline_task: {pipeline: p}}]\n"
    )
    assert main(["validate"]) == 0
    assert (
        capsys.readouterr().out
        == "OK: 1 job, 1 pipeline, 0 quality monitors, 0 data quality monitors\n"
    )
