"""`${upload:PATH}` in rows (metadata.folders): what validates, and one test per refusal."""

from __future__ import annotations

import pytest

from metadata.folders import git_ignored, upload_files
from tests.metadata.conftest import Project

NOTEBOOK = "notebook_task: {notebook_path: src/nb.py}"


def job(value: str, field: str = "base_parameters: {dir: VALUE}") -> str:
    return f"""
        jobs:
          a:
            tasks:
              - task_key: x
                notebook_task: {{notebook_path: src/nb.py, {field.replace("VALUE", value)}}}
        """


def test_a_file_and_a_folder_validate(project: Project) -> None:
    project.write("a.yaml", job('"${upload:src/pipe}"'))
    assert project.load().total == 1
    project.write("a.yaml", job('"--data=${upload:src/query.sql} -v"'))
    assert project.load().total == 1


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "${upload:src/missing}",
            "'${upload:src/missing}': no file or folder: 'src/missing' (repository-relative paths "
            "are relative to the project root; absolute workspace paths start with '/')",
        ),
        (
            "${upload:../outside}",
            "'${upload:../outside}': '../outside' leaves the repository; paths are "
            "repository-relative (to the project root, not to this file): write it from the "
            "root, e.g. 'src/...'",
        ),
        (
            "${upload:src/pipe/}",
            "'${upload:src/pipe/}': ${upload:PATH} takes a clean repository-relative path (to "
            "the project root, no '..', './' or trailing '/'), e.g. '${upload:src/data}'",
        ),
        (
            "${upload:/Workspace/x}",
            "'${upload:/Workspace/x}': ${upload:PATH} takes a clean repository-relative path (to "
            "the project root, no '..', './' or trailing '/'), e.g. '${upload:src/data}'",
        ),
    ],
)
def test_a_path_that_is_not_a_repository_file_or_folder_is_refused(
    project: Project, value: str, problem: str
) -> None:
    project.write("a.yaml", job(f'"{value}"'))
    assert project.problems() == [
        f"resources/a.yaml:5:69: jobs.a.tasks[0].notebook_task.base_parameters.dir: {problem}",
    ]


def test_a_folder_with_only_ignored_files_is_refused(project: Project) -> None:
    (project.root / "cache").mkdir()
    (project.root / "cache/x.pyc").write_text("compiled")
    (project.root / ".gitignore").write_text("*.pyc\n")
    project.write("a.yaml", job('"${upload:cache}"'))
    assert project.problems() == [
        "resources/a.yaml:5:69: jobs.a.tasks[0].notebook_task.base_parameters.dir: "
        "'${upload:cache}': the folder 'cache' has no file to upload (empty, or every file in "
        "it ignored by .gitignore, as the Databricks CLI's sync ignores them)",
    ]


def test_an_upload_in_a_path_field_is_refused(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        jobs:
          a:
            tasks:
              - task_key: x
                spark_python_task: {python_file: "${upload:src/other.py}"}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:5:29: jobs.a.tasks[0].spark_python_task.python_file: "
        "'${upload:src/other.py}' in python_file, which names a repository file itself: write "
        "'src/other.py' (Lakeform uploads it and writes its workspace path)",
    ]


def test_an_upload_in_a_monitor_is_refused(project: Project) -> None:
    project.write(
        "a.yaml",
        """
        quality_monitors:
          m:
            table_name: main.s.t
            assets_dir: "${upload:src/pipe}"
            output_schema_name: main.s
            snapshot: {}
        """,
    )
    assert project.problems() == [
        "resources/a.yaml:4:5: quality_monitors.m.assets_dir: '${upload:src/pipe}': only job "
        "and pipeline rows upload repository files; a quality monitor has none: write a "
        "workspace or volume path",
    ]


def test_git_ignore_rules_as_git_reads_them(project: Project) -> None:
    root = project.root
    (root / ".gitignore").write_text("build/\n*.log\n!keep.log\n/top.txt\ndocs/**/draft.md\n")
    (root / "app/.gitignore").parent.mkdir()
    (root / "app/.gitignore").write_text("local.cfg\n")
    for rel in (
        "app/main.py",
        "app/local.cfg",
        "app/run.log",
        "app/keep.log",
        "app/build/out.whl",
        "app/top.txt",
        "top.txt",
        "docs/a/b/draft.md",
        "docs/final.md",
        ".databricks/state.json",
    ):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    ignored = (
        "app/local.cfg",
        "app/run.log",
        "app/build/out.whl",
        "top.txt",
        "docs/a/b/draft.md",
        ".databricks/state.json",
    )
    for rel in ignored:
        assert git_ignored(root, rel), rel
    for rel in ("app/main.py", "app/keep.log", "app/top.txt", "docs/final.md"):
        assert not git_ignored(root, rel), rel
    assert upload_files(root, "app") == [
        "app/.gitignore",
        "app/keep.log",
        "app/main.py",
        "app/top.txt",
    ]
