"""Task of the lakeform_watch job: `lakeform watch --once --stack STACK` in the project folder.

    python watch_once.py --project /Workspace/Shared/lakeform/project --stack prod

The job's file-arrival trigger starts it when YAML rows land in the volume. It checks first what
the cluster must provide (README.md, "Watching for changes"), and names what is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def missing(project: Path, stack: str) -> list[str]:
    """What the cluster lacks to deploy `stack` from `project`, in words."""
    found: list[str] = []
    if not (project / "Pulumi.yaml").is_file():
        found.append(f"the project: no Pulumi.yaml in {project} (a Git folder of the repository)")
    elif not (project / f"Pulumi.{stack}.yaml").is_file():
        found.append(f"the stack file Pulumi.{stack}.yaml in {project}")
    if shutil.which("lakeform") is None:
        found.append("the lakeform command (the environment's dependencies install the project)")
    if stack != "local" and not os.environ.get("PULUMI_BACKEND_URL"):
        found.append("PULUMI_BACKEND_URL, the stack's state backend (s3://, azblob://, gs://...)")
    if stack != "local" and not (
        os.environ.get("PULUMI_CONFIG_PASSPHRASE") or os.environ.get("PULUMI_ACCESS_TOKEN")
    ):
        found.append("PULUMI_CONFIG_PASSPHRASE (or PULUMI_ACCESS_TOKEN for Pulumi Cloud)")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    lacking = missing(args.project, args.stack)
    if lacking:
        print("lakeform_watch: cannot deploy; the cluster lacks:", file=sys.stderr)
        for what in lacking:
            print(f"  - {what}", file=sys.stderr)
        return 1
    command = ["lakeform", "watch", "--once", "--stack", args.stack]
    print(f"lakeform_watch: {' '.join(command)} in {args.project}", file=sys.stderr, flush=True)
    return subprocess.call(command, cwd=args.project)


if __name__ == "__main__":
    sys.exit(main())
