"""Import then validate every bundle under a folder, each in a fresh copy of the project skeleton.

    uv run python scripts/bundle_tally.py /tmp/bundles [-v]

For each folder holding a databricks.yml (templates, `*.tmpl`, are skipped), a temporary project
gets this repository's Pulumi.yaml and Pulumi.<stack>.yaml files and a copy of the bundle under
`bundles/<name>` (the bundle inside the repository, where its notebooks can be uploaded from);
then `lakeform import-bundle bundles/<name> -o resources/<name>` and `lakeform validate` run
in it (a bundle whose includes or sync paths reach `../` comes with the folders above it that
they reach). Prints OK or the first error line per bundle, the tally, and the first errors ranked by
how many bundles each stops (numbers and quoted names folded so alike errors count together).

A bundle with no job, pipeline or quality monitor (only apps, dashboards, ...; or no resources
at all) is counted apart, as OUT: the import refuses it, naming what it has with file:line,
because an empty import would exit 0 and write stack files for a bundle none of whose
resources Lakeform will ever deploy. It is neither imported nor a fault of the import, so the
tally gives the share of the other bundles as well.

The stack files are copied without their deploy `policies` (Pulumi.prod.yaml's make every prod
job need a timeout and failure emails): the tally measures the import, and a project's policy
rules are its own; `--policies` keeps them, to see what a bundle would need to pass them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from cli.import_bundle import NOTHING_TO_IMPORT  # noqa: E402  (after the path above)


def bundles(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("databricks.yml") if "{{" not in p.as_posix())


def lakeform(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lakeform ARGS` run in `cwd`, in this process (its imports take seconds each time)."""
    from cli.main import main

    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def first_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    for line in lines:
        quiet = line.startswith(("wrote ", "note: ", "not imported: ", "warning: "))
        if not quiet and "FAILED" not in line:
            return line
    return lines[-1] if lines else f"exit {proc.returncode}"


def copy_stacks(project: Path, policies: bool) -> None:
    """This repository's Pulumi.yaml and stack files into `project`, without `policies`
    unless asked."""
    import yaml

    for f in PROJECT.glob("Pulumi*.yaml"):
        if policies:
            shutil.copy(f, project / f.name)
            continue
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        settings = (doc.get("config") or {}).get("lakeform:settings")
        if isinstance(settings, dict):
            settings.pop("policies", None)
        (project / f.name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


OK, OUT, FAIL = "OK", "OUT", "FAIL"
"""Imported and validated; nothing Lakeform deploys (the import says what the bundle has
instead: refused, and rightly so, it is out of Lakeform's scope); refused for another reason."""


def tally_one(bundle: Path, root: Path, policies: bool = False) -> tuple[str, str, str]:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", bundle.relative_to(root).as_posix()) or "bundle"
    with tempfile.TemporaryDirectory(prefix="lakeform-tally-") as tmp:
        project = Path(tmp)
        copy_stacks(project, policies)
        # the folders its includes and sync paths reach (`../common`) come with it, as they
        # would in the repository that holds the bundle
        base = bundle
        for _ in range(_levels_up(bundle)):
            base = base.parent if base != root else base
        shutil.copytree(base, project / "bundles" / name, symlinks=True)
        inner = f"bundles/{name}/{bundle.relative_to(base).as_posix()}".rstrip("/.")
        imp = lakeform(["import-bundle", inner, "-o", f"resources/{name}"], project)
        log = f"$ import-bundle\n{imp.stdout}{imp.stderr}"
        if imp.returncode != 0:
            out_of_scope = f": {NOTHING_TO_IMPORT}: " in imp.stderr
            return OUT if out_of_scope else FAIL, "import: " + first_error(imp), log
        val = lakeform(["validate"], project)
        log += f"$ validate\n{val.stdout}{val.stderr}"
        if val.returncode != 0:
            return FAIL, "validate: " + first_error(val), log
        return OK, val.stdout.strip().splitlines()[-1], log


def _levels_up(bundle: Path) -> int:
    """How many folders above the bundle its `include` and `sync.paths` entries reach."""
    import yaml

    try:
        doc = yaml.safe_load((bundle / "databricks.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return 0
    entries = [*(doc.get("include") or []), *((doc.get("sync") or {}).get("paths") or [])]
    return max((Path(str(e)).parts.count("..") for e in entries), default=0)


def fold(error: str) -> str:
    """An error without its file, line and names, so alike errors count together."""
    error = error.replace("lakeform import-bundle: ", "")
    error = re.sub(r"^(import|validate): \S+?:\d+:\d+: ", r"\1: ", error)
    kinds = r"(jobs|pipelines|quality_monitors)"
    error = re.sub(rf"^(import|validate): {kinds}\.[\w-]+", r"\1: \2.X", error)
    error = re.sub(r"\bbundles/[^\s:()]+", "PATH", error)
    error = re.sub(r"'[^']*'", "'…'", error)
    error = re.sub(r"\b[\w.\[\]-]+\.(yml|yaml|py)\b", "FILE", error)
    return re.sub(r"\d+", "N", error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each full output")
    parser.add_argument(
        "--policies", action="store_true", help="keep the stack files' deploy policies"
    )
    args = parser.parse_args()
    root: Path = args.root.resolve()
    found = bundles(root)
    reasons: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for bundle in found:
        status, line, log = tally_one(bundle, root, args.policies)
        rel = bundle.relative_to(root).as_posix()
        print(f"{status:4} {rel}: {line}")
        if args.verbose:
            print("    " + log.replace("\n", "\n    "))
        counts[status] += 1
        if status == FAIL:
            reasons[fold(line)] += 1
    in_scope = len(found) - counts[OUT]
    print(
        f"\n{counts[OK]}/{len(found)} bundles import and validate; {counts[OUT]} have nothing "
        f"Lakeform deploys (OUT: refused, naming what they have instead); {counts[FAIL]} refused "
        f"otherwise (FAIL)\n{counts[OK]}/{in_scope} of the bundles with a job, pipeline or "
        "quality monitor import and validate"
    )
    for reason, n in reasons.most_common():
        print(f"{n:3} {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
