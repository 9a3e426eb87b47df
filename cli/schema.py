"""`lakeform schema`: write the JSON Schema of the metadata format for YAML editors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "schema",
        help="write the JSON Schema of metadata files (for editor completion)",
        description="Write the JSON Schema of Lakeform metadata files. "
        "See metadata/README.md for wiring it into VS Code's YAML extension.",
    )
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cli.files import write_atomic
    from metadata.schema import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=False) + "\n"
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        write_atomic({output: text})
    except OSError as err:
        print(f"{output}: cannot write: {err.strerror}", file=sys.stderr)
        return 1
    print(f"wrote {output}")
    return 0
