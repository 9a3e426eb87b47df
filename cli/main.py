"""Entry point of the `lakeform` command: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import NoReturn

from cli.version import version

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


def make_parser() -> Parser:
    """The `lakeform` argument parser with every subcommand."""
    parser = Parser(prog="lakeform", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument(
        "--version",
        action="version",
        version=version(),
        help="print the version of lakeform and of its pinned pulumi and pulumi-databricks",
    )
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        title="commands",
        help="`lakeform COMMAND --help` gives its options",
    )

    from cli import (
        browse,
        deploy,
        environment,
        export,
        import_bundle,
        policy,
        recover,
        run,
        schema,
        shards,
        table,
        validate,
        watch,
    )

    validate.register(sub)
    schema.register(sub)
    policy.register(sub)
    export.register(sub)
    import_bundle.register(sub)
    recover.register(sub)
    browse.register(sub)
    deploy.register(sub)
    environment.register(sub)
    shards.register(sub)
    run.register(sub)
    watch.register(sub)
    table.register(sub)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
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
