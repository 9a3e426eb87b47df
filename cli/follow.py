"""Options of following a run, shared by `lakeform run` (cli/run.py) and `lakeform up --run`
(cli/commands.py), apart from both: cli/run.py imports the kinds' registry."""

from __future__ import annotations

import argparse


def add_follow_args(p: argparse.ArgumentParser) -> None:
    """Options of following a run (shared with `lakeform up --run`)."""
    p.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="on Ctrl-C (SIGINT), cancel the run without asking (for scripts)",
    )
    p.add_argument(
        "--poll-seconds",
        type=float,
        default=2.0,
        metavar="S",
        help="how often to ask the workspace for the run's state (default 2)",
    )


def names(text: str) -> list[str]:
    """A comma-separated list of names (`--run`, and `lakeform run --only/--refresh`)."""
    found = [n.strip() for n in text.split(",")]
    if not all(found):
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return found


def run_keys(text: str) -> list[str]:
    """`--run KEY[,KEY]` of `lakeform up`."""
    return names(text)
