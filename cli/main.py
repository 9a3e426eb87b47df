"""Entry point of the `lakeform` command: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import NoReturn

# Exit codes. 2 is left to "drift found" (cli/deploy.py's DRIFTED), as in Terraform's
# -detailed-exitcode: argparse's own 2 for a usage error is made 1 (Parser).
ERROR = 1
"""Usage errors, bad input, failed runs and internal errors alike."""
INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, as shells report it."""

DESCRIPTION = (
    "Lakeform: Databricks jobs, Lakeflow Declarative Pipelines, quality monitors and data quality "
    "monitors as reviewed YAML rows, deployed by Pulumi."
)
EPILOG = (
    "exit codes: 0 success; 1 error (usage, bad input, failed run, internal error); 2 drift "
    "found (lakeform drift); 130 interrupted (Ctrl-C)"
)


class Version(argparse.Action):
    """`--version`: worked out only when asked for (it runs the engine's `pulumi version`)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        from cli.version import report

        print(report())
        parser.exit()


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors exiting 1: 2 means only "drift found"."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ERROR, f"{self.prog}: error: {message}\n")


def walk(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """`parser` and every subcommand's parser under it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from walk(child)


COMMANDS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("validate", (("validate", "check metadata rows"),)),
    ("schema", (("schema", "write the JSON Schema of metadata files (for editor completion)"),)),
    (
        "policy",
        (
            (
                "policy-config",
                "the stack's policies as a Pulumi policy pack config (--policy-pack-config)",
            ),
        ),
    ),
    (
        "export",
        (
            (
                "export",
                "write existing jobs, pipelines, quality monitors and data quality monitors as "
                "metadata rows",
            ),
        ),
    ),
    (
        "import_bundle",
        (("import-bundle", "turn a Databricks Asset Bundle into rows and stack settings"),),
    ),
    ("recover", (("recover", "adopt what a killed `pulumi up` created (no duplicate jobs)"),)),
    (
        "browse",
        (
            (
                "browse",
                "a local web page to find, select and adopt existing jobs, pipelines and monitors",
            ),
        ),
    ),
    (
        "commands:deploy",
        (
            ("plan", "what a deploy would do, by row"),
            ("up", "plan, the mass-delete guard, deploy, outputs"),
            ("drift", "does the workspace still match the stack? (exit 0 yes, 2 drifted, 1 error)"),
            ("outputs", "the stack outputs by row key (ids, URLs)"),
        ),
    ),
    (
        "commands:shards",
        (("shards", "a sharded stack's shards, their rows and order; writes their stack files"),),
    ),
    ("run", (("run", "run a deployed job, pipeline update or monitor refresh and follow it"),)),
    ("commands:watch", (("watch", "deploy the stack whenever its rows change"),)),
    (
        "commands:table",
        (("table", "push YAML rows into a control table, or pull its rows as YAML"),),
    ),
)
"""Each cli module with a `register(sub)` (`module:function`: that function of the module), in
the order `lakeform --help` lists its commands, and the commands it registers with their help
lines. Only the modules of the command being run are imported (most import the metadata models
and Pulumi's Automation API: about a second of CPU); `lakeform --help`, `--version` and a usage
error list the commands from here. The options of the heaviest commands are in cli/commands.py,
whose commands import their own modules only when they run, so their `--help` imports neither.
tests/cli/test_main.py checks that these lines are what the modules register."""
EVERY = "*"


def make_parser(command: str | None = EVERY) -> Parser:
    """The `lakeform` argument parser with every subcommand registered by its module; with a
    `command`, only that command's modules are imported and registered, the others listed by
    name and help line only (enough for the top-level help and usage errors); None: none."""
    parser = Parser(prog="lakeform", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument(
        "--version",
        action=Version,
        help="print the versions of lakeform, of the pulumi engine it runs, of the pulumi and "
        "pulumi-databricks Python SDKs the program runs with and of the databricks provider",
    )
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        title="commands",
        help="`lakeform COMMAND --help` gives its options",
    )
    for module, commands in COMMANDS:
        names = [name for name, _ in commands]
        if command == EVERY or command in names:
            name, _, function = module.partition(":")
            getattr(importlib.import_module(f"cli.{name}"), function or "register")(sub)
        else:
            for name, line in commands:
                sub.add_parser(name, help=line)
    for i, p in enumerate(list(walk(parser))):
        # On every command, before or after its name; SUPPRESS: a subcommand that is not given
        # it leaves the top-level value alone.
        p.add_argument(
            "--debug",
            action="store_true",
            default=False if i == 0 else argparse.SUPPRESS,
            help="on an internal error, show the traceback",
        )
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command `argv` names: its first word that is not an option (the top-level options
    take no value), when it is a command."""
    known = {name for _, commands in COMMANDS for name, _ in commands}
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in known else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = make_parser(command_of(argv)).parse_args(argv)
    command = f"lakeform {args.command}"
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as err:  # a bug: one line, the traceback only when asked for
        if args.debug:
            traceback.print_exc()
        hint = "" if args.debug else " (run with --debug for the traceback)"
        print(f"{command}: internal error: {type(err).__name__}: {err}{hint}", file=sys.stderr)
        return ERROR


if __name__ == "__main__":
    sys.exit(main())
