"""The GitOps workflows (.github/): actionlint finds nothing, and every `lakeform` command they run
parses as the CLI defines it (the commands themselves are tested in tests/e2e/test_plan.py)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.main import make_parser

REPO = Path(__file__).resolve().parents[1]
GITHUB = REPO / ".github"
ACTIONLINT = "v1.7.7"
"""github.com/rhysd/actionlint, built from the Go module proxy into a cache outside the repo."""
CACHE = Path(os.environ.get("LAKEFORM_TOOLS_HOME", Path.home() / ".cache" / "lakeform"))


def actionlint() -> Path:
    binary = CACHE / "actionlint" / ACTIONLINT / "actionlint"
    if binary.is_file():
        return binary
    if shutil.which("go") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("go is needed to build actionlint")
        pytest.skip("go is not installed: cannot build actionlint")
    subprocess.run(
        ["go", "install", f"github.com/rhysd/actionlint/cmd/actionlint@{ACTIONLINT}"],
        env={**os.environ, "GOBIN": str(binary.parent), "GOFLAGS": "-mod=mod"},
        check=True,
        capture_output=True,
        timeout=900,
    )
    return binary


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run(
        [str(actionlint()), "-no-color"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def lakeform_commands() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for path in sorted(GITHUB.rglob("*.yml")):
        for line in path.read_text().splitlines():
            match = re.search(r"uv run lakeform (.*?)(?: [>|].*)?$", line)
            if match:
                command = re.sub(r"\$\{\{ *[\w.]+ *\}\}", "dev", match.group(1))
                found.append((path.name, shlex.split(command)))
    return found


def test_workflows_run_each_lakeform_command_with_arguments_it_takes() -> None:
    commands = lakeform_commands()
    assert {argv[0] for _, argv in commands} == {"validate", "plan", "up", "outputs", "drift"}
    for where, argv in commands:
        args = make_parser().parse_args(argv)
        assert args.command == argv[0], where
        if argv[0] != "validate":
            assert args.stack == "dev", f"{where}: {argv} names no --stack"
