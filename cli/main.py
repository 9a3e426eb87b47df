"""Entry point of the `lakeform` command: dispatches to one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def make_parser() -> argparse.ArgumentParser:
    """The `lakeform` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="lakeform", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    from cli import browse, deploy, export, import_bundle, recover, run, schema, validate, workspace

    validate.register(sub)
    schema.register(sub)
    workspace.register(sub)
    export.register(sub)
    import_bundle.register(sub)
    recover.register(sub)
    browse.register(sub)
    deploy.register(sub)
    run.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
