"""The options of `lakeform plan`, `up`, `drift`, `outputs` and `shards`, apart from what runs
them: their modules (cli/deploy.py, cli/environment.py, cli/shards.py) import the metadata models
and Pulumi's Automation API, about a second of CPU that `lakeform up --help` need not spend. Each
command's `run` imports its module when the command runs."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.follow import add_follow_args, run_keys

Command = Callable[[argparse.Namespace], int]

FORMAT_NAMES = ("json", "markdown", "text")
"""cli/render.py FORMATS' names (tests/cli/test_main.py checks they agree)."""


def _later(module: str, function: str) -> Command:
    """`module.function(args)`, `module` imported when the command runs."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), function)(args))

    return run


def _stack_command(name: str) -> Command:
    """`plan`, `up`, `drift` or `outputs`: every shard of a sharded stack, else the stack
    (cli/environment.py `command`)."""

    def run(args: argparse.Namespace) -> int:
        from cli import environment

        return environment.command(name)(args)

    return run


def _stack_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--stack", default="local", help="the stack (Pulumi.<stack>.yaml); default local"
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="a sharded stack (lakeform:settings.shards): run N shards at once, each its own "
        "engine process (default 1)",
    )


class _Format(argparse.Action):
    """`--format`, which says that `--format json` is the deprecated spelling of `--json`."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        if values == "json":
            print(f"{parser.prog}: --format json is deprecated; use --json", file=sys.stderr)
        setattr(namespace, self.dest, values)


def _report_args(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--json",
        action="store_const",
        const="json",
        dest="format",
        help="as JSON (for machines)",
    )
    how.add_argument(
        "--format",
        action=_Format,
        choices=sorted(FORMAT_NAMES),
        help="text (default) or markdown (for a pull-request comment); json: deprecated, "
        "use --json",
    )
    p.set_defaults(format="text")  # one default for both (else --json's None would win)
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")


def deploy(sub: Any) -> None:
    """plan, up, drift and outputs (cli/deploy.py; a sharded stack: cli/environment.py)."""
    plan = sub.add_parser(
        "plan",
        help="what a deploy would do, by row",
        description="Preview the stack and summarize it by row key, grouped by kind: creates, "
        "updates (each field old -> new, in API field names), replaces (and the field forcing "
        "each) and deletes; a Mermaid task graph for jobs whose tasks change (markdown).",
    )
    _stack_arg(plan)
    reads = plan.add_mutually_exclusive_group()
    reads.add_argument(
        "--refresh",
        action="store_const",
        const=True,
        help="read the workspace first (every plan does where Pulumi.yaml sets "
        "options.refresh: always, as Lakeform's own does)",
    )
    reads.add_argument(
        "--no-refresh",
        action="store_const",
        const=False,
        dest="refresh",
        help="trust the state: compare the rows with the stack as last deployed, reading "
        "nothing from the workspace (every stack and shard; fast). A change made in the "
        "workspace by hand (drift) is not seen: `lakeform drift` shows it, and a plain plan or "
        "`lakeform up` reads it",
    )
    plan.add_argument(
        "--save",
        type=Path,
        metavar="PLAN",
        help="also save the plan to this file, for `lakeform up --plan PLAN` (the workspace must "
        "match the stack)",
    )
    _report_args(plan)
    plan.set_defaults(run=_stack_command("plan"))

    up = sub.add_parser(
        "up",
        help="plan, the mass-delete guard, deploy, outputs",
        description="Compare each deployed job and pipeline with its row (as lakeform drift) "
        "and record what drifted in the state, so the deploy puts it back in place; plan, "
        "refuse when more rows would be deleted than the stack allows "
        "(lakeform:settings.max_deletes; default 5 or 10% of the stack's rows, whichever is "
        "larger) unless --allow-deletes covers them, then deploy and print the outputs. When the "
        "preview changes no resource and no output, no update runs (the stack's history and "
        "state stay as they are).",
    )
    _stack_arg(up)
    up.add_argument(
        "--plan",
        type=Path,
        metavar="PLAN",
        help="apply exactly this saved plan (`lakeform plan --save PLAN`), or refuse before any "
        "write when the rows, the settings, the workspace, the stack or the program changed since",
    )
    up.add_argument(
        "--prepare",
        action="store_true",
        help="with --plan, a sharded stack: check every shard's saved plan, apply the "
        "mass-delete guard and move rows between shards, but deploy no shard (then `lakeform "
        "up --stack <stack>.<shard> --plan PLAN` per shard, in reference order: GitOps)",
    )
    up.add_argument("--yes", action="store_true", help="deploy without asking")
    up.add_argument(
        "--allow-deletes",
        type=int,
        default=None,
        metavar="N",
        help="allow up to N row deletes in this run, above the stack's limit",
    )
    up.add_argument(
        "--run",
        dest="run_keys",
        type=run_keys,
        default=[],
        metavar="KEY[,KEY]",
        help="after a successful deploy, run these rows one by one (as `lakeform run KEY`)",
    )
    add_follow_args(up)
    up.set_defaults(run=_stack_command("up"))

    drift = sub.add_parser(
        "drift",
        help="does the workspace still match the stack? (exit 0 yes, 2 drifted, 1 error)",
        description="Read every resource of the stack from the workspace (a refresh preview, "
        "nothing written), compare each deployed job and pipeline with its row (jobs/get, "
        "pipelines/get: what the provider's read cannot see, such as a schedule, tags or "
        "notifications removed by hand) and list what changed there: exit 0 when it matches, "
        "2 when it drifted, 1 on error.",
    )
    _stack_arg(drift)
    _report_args(drift)
    drift.set_defaults(run=_stack_command("drift"))

    outputs = sub.add_parser(
        "outputs",
        help="the stack outputs by row key (ids, URLs)",
        description="Print the stack's outputs by row key: each row's id and URL (all fields "
        "with --json).",
    )
    _stack_arg(outputs)
    outputs.add_argument("--json", action="store_true", help="as JSON (for machines)")
    outputs.set_defaults(run=_stack_command("outputs"))


def shards(sub: Any) -> None:
    """`lakeform shards` (cli/shards.py)."""
    p = sub.add_parser(
        "shards",
        help="a sharded stack's shards, their rows and order; writes their stack files",
        description="List the shards of a stack (lakeform:settings.shards): each shard's Pulumi "
        "stack, its row count and the shards its rows name (deployed before it). --write "
        "writes each shard's Pulumi.<stack>.<shard>.yaml (provider settings and secrets copied "
        "from Pulumi.<stack>.yaml), so `pulumi up --stack <stack>.<shard>` works by hand.",
    )
    p.add_argument("--stack", required=True, help="the stack (Pulumi.<stack>.yaml)")
    p.add_argument("--write", action="store_true", help="write the shards' stack files")
    p.add_argument(
        "--move",
        action="store_true",
        help="also move each row whose resources are in another shard's state to its shard's "
        "(pulumi state move; nothing in the workspace changes), as `lakeform up` does first",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="as JSON: {include: [{stack, shard, rows, needs}], waves: [[...], ...]}, GitHub "
        "Actions matrices (an ordinary stack: itself, one wave)",
    )
    p.set_defaults(run=_later("cli.shards", "run_shards"))


def watch(sub: Any) -> None:
    """`lakeform watch` (cli/watch.py)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "watch",
        help="deploy the stack whenever its rows change",
        description="Watch the stack's row folders (lakeform:settings.metadata_paths and the "
        "stack file, by content hash), its volume (lakeform:settings.watch_volume, copied into "
        "the project with the Files API) and its control tables (Delta version); on a change, "
        "validate the rows and deploy them as `lakeform up --yes` does (plan, mass-delete "
        "guard, deploy). Rows that do not validate and plans the guard refuses are logged and "
        "never deployed; a failed deploy is tried again on the next change or after a "
        "back-off. An iteration with no change runs no Pulumi. The last deployed fingerprint "
        "is kept in .lakeform/watch/<stack>.json.",
    )
    p.add_argument("--stack", required=True, help="the stack (Pulumi.<stack>.yaml)")
    p.add_argument(
        "--interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seconds between checks (default 60); also the first back-off after a failed "
        "deploy, doubled after each further failure up to an hour",
    )
    once = p.add_mutually_exclusive_group()
    once.add_argument(
        "--once",
        action="store_true",
        help="check once, deploy if needed, and exit (for a job with a file-arrival trigger)",
    )
    once.add_argument(
        "--max-iterations", type=int, metavar="N", help="stop after N checks (default: never)"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per check on stdout (for machines); the log stays on stderr",
    )
    p.set_defaults(run=_later("cli.watch", "run"))


def table(sub: Any) -> None:
    """`lakeform table push` and `pull` (cli/table.py)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "table",
        help="push YAML rows into a control table, or pull its rows as YAML",
        description="Keep a stack's Delta control table (lakeform:settings.control_tables) and "
        "YAML rows in step: `push` MERGEs the YAML rows of metadata_paths into the table, "
        "`pull` writes the table's rows as YAML files.",
    )
    verbs = p.add_subparsers(dest="verb", required=True, title="commands", help="push or pull")
    push = verbs.add_parser(
        "push",
        help="YAML rows -> the control table (MERGE by kind and key)",
        description="Validate the YAML rows of the stack's metadata_paths (nothing is written "
        "when one is bad), then MERGE them into the control table by kind and key: new rows "
        "inserted (created_* and updated_* set), changed rows updated (updated_* only), rows no "
        "longer in YAML deleted. A table named by a storage URI is created when missing.",
    )
    pull = verbs.add_parser(
        "pull",
        help="the control table's rows -> YAML files",
        description="Write the control table's rows as YAML into DIR: one file per kind "
        "(jobs.yaml, pipelines.yaml, quality_monitors.yaml) for a Lakeform table, "
        "lakeflow_jobs_meta.yaml (its own format) for a lakeflow-jobs-meta table.",
    )
    for verb in (push, pull):
        verb.add_argument("--stack", default="local", help="the stack (Pulumi.<stack>.yaml)")
        verb.add_argument(
            "--table", help="the control table (default: the stack's first control_tables entry)"
        )
    push.add_argument(
        "--from",
        dest="paths",
        action="append",
        type=Path,
        help="files or folders of rows (default: the stack's metadata_paths); repeatable",
    )
    pull.add_argument("-o", "--output", type=Path, required=True, help="folder to write into")
    push.set_defaults(run=_later("cli.table", "run_push"))
    pull.set_defaults(run=_later("cli.table", "run_pull"))
