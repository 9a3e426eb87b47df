"""A scratch project for metadata tests: write rows, load them, read the problems."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from metadata import MetadataError, Rows, load_rows
from metadata.settings import StackSettings

SOURCES = ("src/nb.py", "src/other.py", "src/query.sql", "src/pipe/bronze.py", "src/pipe/gold.sql")
SETTINGS = StackSettings(
    variables={"catalog": "cat_dev", "notification_email": "team@example.com"},
    default_warehouse_id=None,
)


class Project:
    """A temporary project root with a `resources/` folder and a few source files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "resources").mkdir()
        for rel in SOURCES:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("-- sample\n")

    def write(self, name: str, text: str) -> Path:
        path = self.root / "resources" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def load(self, stack: str | None = "dev", settings: StackSettings | None = SETTINGS) -> Rows:
        return load_rows([Path("resources")], root=self.root, stack=stack, settings=settings)

    def problems(
        self, stack: str | None = "dev", settings: StackSettings | None = SETTINGS
    ) -> list[str]:
        with pytest.raises(MetadataError) as info:
            self.load(stack, settings)
        return str(info.value).splitlines()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


@pytest.fixture
def one_problem(project: Project) -> Callable[[str], str]:
    """Write `resources/a.yaml`, load it, and return the single problem reported."""

    def run(text: str) -> str:
        project.write("a.yaml", text)
        problems = project.problems()
        assert len(problems) == 1, problems
        return problems[0]

    return run
