"""`lakeform policy-config --stack S`: the stack's policy levels and parameters as Pulumi policy
configuration, for plain `pulumi preview/up --policy-pack policies --policy-pack-config FILE`
(`lakeform plan/up` write the same file themselves)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "policy-config",
        help="the stack's policies as a Pulumi policy pack config (--policy-pack-config)",
        description="Print (or write) the JSON that `pulumi preview/up --policy-pack policies "
        "--policy-pack-config FILE` takes, from Pulumi.<stack>.yaml's lakeform:settings.policies: "
        "each rule's enforcement level (rules not listed are disabled) and parameters.",
    )
    p.add_argument("--stack", required=True, help="the stack whose settings to read")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cli.files import write_atomic
    from metadata.policy import pack_config
    from metadata.settings import SettingsError, load_stack_settings

    try:
        settings = load_stack_settings(Path.cwd(), args.stack)
    except SettingsError as err:
        print(f"lakeform policy-config: error: {err}", file=sys.stderr)
        return 1
    text = json.dumps(pack_config(settings.policies), indent=2) + "\n"
    output: Path | None = args.output
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic({output: text})
        print(f"wrote {output}", file=sys.stderr)
    return 0
