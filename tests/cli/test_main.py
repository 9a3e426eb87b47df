"""The `lakeform` command's conventions: help on every option, --version, --json, exit codes,
internal errors, Ctrl-C, and files written whole or not at all."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import cli
from cli.files import write_atomic
from cli.main import make_parser, walk
from devtools.toolchain.pins import bin_dir
from devtools.toolchain.pins import load as pins_of_toolchain

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [
    "validate",
    "schema",
    "policy-config",
    "export",
    "import-bundle",
    "recover",
    "browse",
    "plan",
    "up",
    "drift",
    "outputs",
    "run",
    "watch",
    "shards",
    "table",
    "table push",
    "table pull",
]


def lakeform(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `lakeform` console script, in a process of its own."""
    command = [str(Path(sys.executable).with_name("lakeform")), *args]
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _module_docstrings() -> set[str]:
    import pkgutil

    docs: set[str] = set()
    for info in pkgutil.walk_packages(cli.__path__, "cli."):
        module = sys.modules.get(info.name) or __import__(info.name, fromlist=["_"])
        if module.__doc__:
            docs.add(module.__doc__.strip())
    return docs


# --- help ----------------------------------------------------------------------------------------


def test_every_command_is_walked() -> None:
    """The walk below reaches every command (a new one is checked without being listed here)."""
    names = {p.prog.removeprefix("lakeform").strip() for p in walk(make_parser())}
    assert names == {"", *COMMANDS}


@pytest.mark.parametrize("parser", list(walk(make_parser())), ids=lambda p: p.prog)
def test_every_option_and_command_has_help(parser: argparse.ArgumentParser) -> None:
    docstrings = _module_docstrings()
    assert parser.description, f"{parser.prog}: no description"
    texts = [parser.description, parser.epilog or ""]
    for action in parser._actions:
        assert action.help and action.help != argparse.SUPPRESS, (
            f"{parser.prog} {'/'.join(action.option_strings) or action.dest}: no help"
        )
        texts.append(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"{parser.prog} {choice.dest}: no help"
                texts.append(choice.help)
    for text in texts:
        assert text.strip() not in docstrings, f"{parser.prog}: a module docstring as help"
        assert "\n" not in text, f"{parser.prog}: a docstring-like help text: {text!r}"
    rendered = parser.format_help()
    assert "%%" not in rendered and "%(" not in rendered, rendered


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_command_renders(command: str) -> None:
    done = lakeform(*command.split(), "--help", env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: lakeform {command} ")
    assert "%%" not in done.stdout and "Entry point" not in done.stdout
    # `lakeform CMD --help` registers only CMD's modules: its help is the whole parser's, every
    # option of it listed
    full = next(p for p in walk(make_parser()) if p.prog == f"lakeform {command}")
    options = [o for a in full._actions for o in a.option_strings]
    assert options and all(o in done.stdout for o in options), options
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "100")
        assert done.stdout == full.format_help()


def test_the_top_level_help_is_the_whole_parsers_without_importing_the_commands() -> None:
    """`lakeform --help`, `--version` and a usage error list the commands from cli/main.py's
    table: the same lines as the modules register, without importing them (most import the
    metadata models and Pulumi's Automation API: about a second of CPU); nor does the help of a
    command whose options are in cli/commands.py."""
    assert make_parser(None).format_help() == make_parser().format_help()
    # and the help of the commands whose options cli/commands.py holds: their modules are
    # imported when they run
    heavy_help = [[c, "--help"] for c in ("plan", "up", "drift", "outputs", "shards", "watch")]
    for argv in (
        ["--help"],
        ["--version"],
        ["no-such-command"],
        *heavy_help,
        ["table", "push", "-h"],
    ):
        probe = (
            "import sys\nfrom cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('metadata', 'pulumi')"
            " or m in ('cli.deploy', 'cli.environment', 'cli.shards', 'cli.export', 'cli.run',"
            " 'cli.table', 'cli.watch'))\n"
            "print(heavy, file=sys.stderr)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.stderr.splitlines()[-1] == "[]", (argv, done.stderr)


def test_top_level_help_says_what_lakeform_is_and_the_exit_codes() -> None:
    done = lakeform("--help")
    assert done.returncode == 0
    assert "Entry point" not in done.stdout and "dispatches" not in done.stdout
    assert "Lakeform: Databricks jobs" in done.stdout
    assert (
        "exit codes: 0 success; 1 error (usage, bad input, failed run, internal error); 2 drift "
        "found (lakeform drift); 130 interrupted (Ctrl-C)"
    ) in " ".join(done.stdout.split())


def test_the_report_formats_are_those_render_writes() -> None:
    """cli/commands.py names them without importing cli/render.py (the metadata models)."""
    from cli.commands import FORMAT_NAMES
    from cli.render import FORMATS

    assert sorted(FORMAT_NAMES) == sorted(FORMATS)


# --- version -------------------------------------------------------------------------------------


def test_version_names_lakeform_the_engine_it_runs_and_the_pinned_sdks() -> None:
    """The engine is the toolchain's, built for the SDK's pin but of another release where the
    Go module proxy serves none of the SDK's (devtools/toolchain/versions.toml `engine`): both
    are printed, each with its name, as `terraform version` prints its own and its providers'."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(d.split("==") for d in project["dependencies"] if d.startswith("pulumi"))
    toolchain = pins_of_toolchain()
    done = lakeform("--version")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:1] == [f"lakeform {project['version']}"]
    assert lines[1] == (
        f"pulumi engine {toolchain.engine} (the pulumi CLI lakeform runs: "
        f"{bin_dir(toolchain) / 'pulumi'})"
    )
    assert toolchain.engine != pins["pulumi"]  # else this test no longer shows them apart
    assert lines[2:4] == [
        f"pulumi Python SDK {pins['pulumi']}",
        f"pulumi-databricks Python SDK {pins['pulumi-databricks']}",
    ]
    assert lines[4].startswith("databricks provider plugin: ")
    assert pins["pulumi-databricks"] in lines[4]  # the plugin's version (local or real)
    assert len(lines) == 5


# --- --json --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "plan", "drift", "outputs", "export", "run"])
def test_json_is_spelled_json_on_every_command_with_machine_output(command: str) -> None:
    parser = next(p for p in walk(make_parser()) if p.prog == f"lakeform {command}")
    args = parser.parse_args(["--json", *(["daily"] if command == "run" else [])])  # run KEY
    assert args.format == "json" if command in ("plan", "drift") else args.json is True


@pytest.mark.parametrize("command", ["plan", "drift"])
def test_format_json_still_works_and_says_it_is_deprecated(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = next(p for p in walk(make_parser()) if p.prog == f"lakeform {command}")
    assert parser.parse_args(["--format", "json"]).format == "json"
    assert capsys.readouterr().err == (
        f"lakeform {command}: --format json is deprecated; use --json\n"
    )
    assert parser.parse_args(["--format", "markdown"]).format == "markdown"
    assert parser.parse_args([]).format == "text"
    assert capsys.readouterr().err == ""


# --- exit codes ----------------------------------------------------------------------------------


def test_a_usage_error_exits_1_with_its_message() -> None:
    done = lakeform("validate", "--bogus")
    assert done.returncode == 1
    assert done.stderr.endswith("lakeform: error: unrecognized arguments: --bogus\n")
    done = lakeform("plan", "--format", "xml")
    assert done.returncode == 1
    assert "lakeform plan: error: argument --format: invalid choice: 'xml'" in done.stderr
    done = lakeform("no-such-command")
    assert done.returncode == 1
    assert "lakeform: error: argument COMMAND: invalid choice: 'no-such-command'" in done.stderr


def test_nothing_to_export_is_a_usage_error_exit_1(tmp_path: Path) -> None:
    done = lakeform("export", cwd=tmp_path)
    assert done.returncode == 1
    assert "lakeform export: nothing to export: give --job-id" in done.stderr


def test_honest_validate_exits_0(tmp_path: Path) -> None:
    # the committed project, without this clone's .lakeform/ (make demo's clone settings name
    # control tables only its local workspace holds)
    for path in [*ROOT.glob("Pulumi*.yaml"), ROOT / "resources", ROOT / "src"]:
        if path.is_dir():
            shutil.copytree(path, tmp_path / path.name)
        else:
            shutil.copy2(path, tmp_path / path.name)
    done = lakeform("validate", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: ")


BROKEN = (
    "import sys, cli.main, cli.validate\n"
    "def broken(*args, **kwargs):\n"
    "    raise RuntimeError('boom')\n"
    "cli.validate._validate = broken\n"
    "sys.exit(cli.main.main(sys.argv[1:]))\n"
)
"""The real entry point, with a bug put into validate."""


def test_an_internal_error_is_one_line_and_exit_1() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BROKEN, "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "lakeform validate: internal error: RuntimeError: boom "
        "(run with --debug for the traceback)\n"
    )


@pytest.mark.parametrize("argv", [["--debug", "validate"], ["validate", "--debug"]])
def test_debug_shows_the_traceback(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BROKEN, *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):\n")
    assert 'File "<string>", line 3, in broken' in done.stderr
    assert done.stderr.endswith(
        "RuntimeError: boom\nlakeform validate: internal error: RuntimeError: boom\n"
    )


# --- Ctrl-C --------------------------------------------------------------------------------------


class SilentHost:
    """A loopback host that accepts connections and never answers: a command reading from it
    waits until interrupted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connected = threading.Event()


@pytest.fixture
def silent_host() -> Iterator[SilentHost]:
    server = socket.create_server(("127.0.0.1", 0))
    host = SilentHost(f"http://127.0.0.1:{server.getsockname()[1]}")
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
                host.connected.set()
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield host
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_ctrl_c_exits_130_and_writes_nothing(
    silent_host: SilentHost, tmp_path: Path, clean_databricks_env: None
) -> None:
    del clean_databricks_env
    env = {**os.environ, "DATABRICKS_HOST": silent_host.url, "DATABRICKS_TOKEN": "t"}
    command = [str(Path(sys.executable).with_name("lakeform"))]
    args = ["export", "--all-jobs", "-o", "rows.yaml", "--import-file", "import.json"]
    with subprocess.Popen(
        [*command, *args], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            # Connected: the export now waits on the silent host.
            assert silent_host.connected.wait(timeout=60), "lakeform export never connected"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.endswith("lakeform export: interrupted\n")
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# --- files written whole or not at all -----------------------------------------------------------


def test_write_atomic_writes_every_file(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text("old\n")
    write_atomic({tmp_path / "old.yaml": "new\n", tmp_path / "sub" / "b.json": "{}\n"})
    assert (tmp_path / "old.yaml").read_text() == "new\n"
    assert (tmp_path / "sub" / "b.json").read_text() == "{}\n"
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "old.yaml").stat().st_mode & 0o777 == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["b.json", "old.yaml", "sub"]


@pytest.mark.parametrize("interrupted_at", [0, 1])
def test_ctrl_c_while_writing_leaves_no_file_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupted_at: int
) -> None:
    """Ctrl-C during the second file's write (or during the first rename): the targets are as
    they were, and no temporary file is left."""
    (tmp_path / "rows.yaml").write_text("old rows\n")
    calls: list[int] = []
    real_fsync, real_replace = os.fsync, Path.replace

    def fsync(fd: int) -> None:
        calls.append(fd)
        if interrupted_at == 0 and len(calls) == 2:
            raise KeyboardInterrupt
        real_fsync(fd)

    def replace(self: Path, target: Path) -> Path:
        if interrupted_at == 1:
            raise KeyboardInterrupt
        return real_replace(self, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic({tmp_path / "rows.yaml": "new rows\n", tmp_path / "import.json": "{}\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.yaml"]
    assert (tmp_path / "rows.yaml").read_text() == "old rows\n"
