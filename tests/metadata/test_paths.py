"""Repository paths that lead out of the repository: `..`, an unclosed `${`, symlinks, globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.metadata.conftest import Project

SECRET = "outside: never uploaded\n"


@pytest.fixture
def repo(tmp_path: Path) -> Project:
    """A project at tmp_path/repo, with tmp_path/outside/secret.py beside it, and symlinks in
    src/ to it and its folder."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(SECRET)
    root = tmp_path / "repo"
    root.mkdir()
    project = Project(root)
    (root / "src/evil.py").symlink_to(outside / "secret.py")
    (root / "src/evil${.py").symlink_to(outside / "secret.py")
    (root / "src/linkdir").symlink_to(outside, target_is_directory=True)
    return project


def _notebook(path: str) -> str:
    return (
        "jobs:\n  a:\n    tasks:\n      - task_key: x\n"
        f"        notebook_task: {{notebook_path: '{path}'}}\n"
    )


def _glob(include: str) -> str:
    return (
        "pipelines:\n  p:\n    serverless: true\n    libraries:\n"
        f"      - glob: {{include: '{include}'}}\n"
    )


WHERE = "resources/a.yaml:5:25: jobs.a.tasks[0].notebook_task.notebook_path: "
GLOB_WHERE = "resources/a.yaml:5:16: pipelines.p.libraries[0].glob.include: "


@pytest.mark.parametrize("path", ["src/evil${.py", "src/${/../../../x", "src/${var.catalog"])
def test_an_unclosed_reference_in_a_path_is_an_error(repo: Project, path: str) -> None:
    repo.write("a.yaml", _notebook(path))
    for settings in ({}, {"stack": None, "settings": None}):  # with stack settings and without
        assert repo.problems(**settings) == [
            f"{WHERE}unclosed '${{' in '{path}'; a variable is written '${{var.NAME}}', and a "
            "path holds no other '${'"
        ]


@pytest.mark.parametrize(
    ("path", "target"), [("src/evil.py", "secret.py"), ("src/linkdir/secret.py", "secret.py")]
)
def test_a_path_through_a_symlink_out_of_the_repository_is_an_error(
    repo: Project, tmp_path: Path, path: str, target: str
) -> None:
    repo.write("a.yaml", _notebook(path))
    assert repo.problems() == [
        f"{WHERE}'{path}' resolves through a symlink to "
        f"'{(tmp_path / 'outside' / target).resolve()}', outside the repository; Lakeform "
        "uploads only files inside it: copy the file in, or point the symlink inside"
    ]


def test_a_pipeline_file_and_root_path_through_a_symlink_are_errors(
    repo: Project, tmp_path: Path
) -> None:
    repo.write(
        "a.yaml",
        """
        pipelines:
          p:
            serverless: true
            root_path: src/linkdir
            libraries: [{file: {path: src/evil.py}}]
        """,
    )
    outside = (tmp_path / "outside").resolve()
    assert repo.problems() == [
        f"resources/a.yaml:4:5: pipelines.p.root_path: 'src/linkdir' resolves through a symlink "
        f"to '{outside}', outside the repository; Lakeform uploads only files inside it: copy "
        "the file in, or point the symlink inside",
        f"resources/a.yaml:5:25: pipelines.p.libraries[0].file.path: 'src/evil.py' resolves "
        f"through a symlink to '{outside / 'secret.py'}', outside the repository; Lakeform "
        "uploads only files inside it: copy the file in, or point the symlink inside",
    ]


@pytest.mark.parametrize(
    ("include", "match", "target"),
    [
        ("src/linkdir/*", "src/linkdir/secret.py", "secret.py"),  # through a symlinked folder
        ("src/linkdir/**", "src/linkdir/secret.py", "secret.py"),
        ("src/*.py", "src/evil${.py", "secret.py"),  # a symlinked file (the first, sorted)
        ("src/**", "src/evil${.py", "secret.py"),
    ],
)
def test_a_glob_never_follows_a_symlink_out_of_the_repository(
    repo: Project, tmp_path: Path, include: str, match: str, target: str
) -> None:
    repo.write("a.yaml", _glob(include))
    resolved = (tmp_path / "outside" / target).resolve()
    assert repo.problems() == [
        f"{GLOB_WHERE}'{include}' matches '{match}', which resolves to '{resolved}', outside "
        "the repository; a glob never follows a symlink out of it: remove the symlink or "
        "narrow the pattern"
    ]


def test_symlinks_that_stay_inside_the_repository_are_followed(repo: Project) -> None:
    root = repo.root
    (root / "src/evil.py").unlink()
    (root / "src/evil${.py").unlink()
    (root / "src/linkdir").unlink()
    (root / "src/alias.py").symlink_to(root / "src/nb.py")
    (root / "src/pipe_link").symlink_to("pipe", target_is_directory=True)  # relative, inside
    repo.write(
        "a.yaml",
        """
        jobs:
          a:
            tasks:
              - task_key: x
                notebook_task: {notebook_path: src/alias.py}
              - task_key: y
                spark_python_task: {python_file: src/pipe_link/bronze.py}
        pipelines:
          p:
            serverless: true
            root_path: src/pipe_link
            libraries: [{glob: {include: src/pipe_link/**}}, {glob: {include: src/*.py}}]
        """,
    )
    loaded = repo.load()
    assert (list(loaded.jobs), list(loaded.pipelines)) == (["a"], ["p"])


def test_a_variable_does_not_lead_a_path_out_of_the_repository(
    repo: Project, tmp_path: Path
) -> None:
    (repo.root / "src/cat_dev.py").symlink_to(tmp_path / "outside/secret.py")
    repo.write("a.yaml", _notebook("src/${var.catalog}.py"))  # catalog: cat_dev in this stack
    assert repo.problems() == [
        f"{WHERE}'src/cat_dev.py' resolves through a symlink to "
        f"'{(tmp_path / 'outside/secret.py').resolve()}', outside the repository; Lakeform "
        "uploads only files inside it: copy the file in, or point the symlink inside"
    ]
