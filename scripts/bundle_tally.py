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

A bundle refused for something the Databricks CLI or the API refuses too (a variable with no
value, a 5-field cron, a notebook that is not there, a failing build: BROKEN_BECAUSE, each with
the source that says so) is BROKEN: the tally gives the share of the bundles the CLI would deploy
as well.

A bundle refused only because a variable has no value (no default, no target's) is tried again
with the values the error asks for, `--var NAME=TALLY_PLACEHOLDER` each, as a user gives them to
`databricks bundle deploy --var`: when it then imports and validates it is GIVEN, counted on its
own line (not among OK), and every line tried so names the --var flags it was given.

A bundle that declares `python.venv_path` and has a pyproject.toml or uv.lock gets the set-up
step their READMEs give before its import, `uv sync` in the bundle folder (into the venv_path;
the CLI runs the Python loaders in that venv and refuses when it is not there), when the venv is
not there already; its line says how that went (when it fails, the venv it left is removed, and
the import runs as it would without the set-up).

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


OK, GIVEN, OUT, BROKEN, FAIL = "OK", "GIVEN", "OUT", "BROKEN", "FAIL"
"""Imported and validated; imported and validated once given the variables' values the CLI
needs too (`--var NAME=TALLY_PLACEHOLDER`); nothing Lakeform deploys (the import says what the
bundle has instead: refused, and rightly so, it is out of Lakeform's scope); refused for
something the Databricks CLI or the API refuses too (BROKEN_BECAUSE); refused for another
reason."""

PLACEHOLDER = "TALLY_PLACEHOLDER"
"""The value the tally gives each variable the import says has none."""
ASKED = re.compile(r"--var ([\w-]+)=VALUE")
"""How an error asks for a variable's value (metadata/formats/bundle.py give_hint)."""

BROKEN_BECAUSE: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"has no value: no default, and no target sets one|: no value for stack \S+ "),
        "a variable with no value",
        "databricks/cli bundle/config/mutator/set_variables.go: `no value assigned to required "
        "variable %s`",
    ),
    (
        re.compile(r"unknown variable '\$\{var\.[\w-]+\}'"),
        "a variable the bundle never defines",
        "databricks/cli libs/dyn/dynvar/resolve.go: `reference does not exist: ${%s}`",
    ),
    (
        re.compile(r"Quartz cron needs 6 or 7 fields"),
        "a cron with 5 fields",
        "the CLI passes quartz_cron_expression through; the Jobs API parses it as Quartz, whose "
        "expressions have 6 or 7 fields: `INVALID_PARAMETER_VALUE: Invalid "
        "quartz_cron_expression` (MicrosoftDocs/azure-docs#44131)",
    ),
    (
        re.compile(r"\.(notebook_path|python_file|path): file not found: "),
        "a notebook or file that is not in the bundle",
        "databricks/cli bundle/config/mutator/translate_paths.go translateNotebookPath, "
        "translateFilePath: `notebook %s not found`, `file %s not found`",
    ),
    (
        re.compile(r"\.(whl|jar|dependencies\[\d+\]): '[^']*' matches no file"),
        "a library file that is not there (to be built or downloaded first)",
        "databricks/cli bundle/libraries/expand_glob_references.go: `no files match pattern: %s`",
    ),
    (
        re.compile(r"row keys may hold letters, digits, '_' and '-' only"),
        "a resource key that is no Terraform name (a template's placeholder left in)",
        "databricks/cli bundle/deploy/terraform/tfdyn/convert_job.go, convert_pipeline.go: the "
        "key is the Terraform resource's name (`out.Pipeline[key]`); hashicorp/terraform "
        "internal/configs/resource.go decodeResourceBlock: `Invalid resource name: A name must "
        "start with a letter or underscore and may contain only letters, digits, underscores, "
        "and dashes.`",
    ),
    (
        re.compile(r"artifacts\.[\w-]+\.build: '[^']*' failed in "),
        "an artifact build that fails",
        "databricks/cli bundle/artifacts/build.go: `build failed %s, error: %v, output: %s`",
    ),
]
"""An error of the import or validate -> what the bundle has that the CLI or the API refuses
too, and where that is read. Only what the sources named say; anything else stays FAIL."""


def broken_because(error: str) -> tuple[str, str] | None:
    """(what, evidence) when `error` is one BROKEN_BECAUSE names."""
    for pattern, what, evidence in BROKEN_BECAUSE:
        if pattern.search(error):
            return what, evidence
    return None


def tally_one(bundle: Path, root: Path, policies: bool = False) -> tuple[str, str, str]:
    """The bundle's status, its line and the full output; tried again, in a fresh project,
    with each variable's value an error asks for, while new ones are asked for."""
    given: dict[str, str] = {}
    log = ""
    while True:
        status, line, out = attempt(bundle, root, policies, given)
        log += out
        asked = {n for n in ASKED.findall(out) if n not in given}
        if status == OK or not asked:
            break
        given |= dict.fromkeys(sorted(asked), PLACEHOLDER)
        log += f"$ tried again with {_flags(given)}\n"
    if given:
        line = f"with {_flags(given)}: {line}"
        status = GIVEN if status == OK else status
    return status, line, log


def _flags(given: dict[str, str]) -> str:
    return " ".join(f"--var {k}={v}" for k, v in given.items())


def attempt(
    bundle: Path, root: Path, policies: bool, given: dict[str, str]
) -> tuple[str, str, str]:
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
        setup, log = set_up(project / inner)
        flags = [a for k, v in given.items() for a in ("--var", f"{k}={v}")]
        imp = lakeform(["import-bundle", inner, "-o", f"resources/{name}", *flags], project)
        log += f"$ import-bundle {' '.join(flags)}\n{imp.stdout}{imp.stderr}"
        if imp.returncode != 0:
            out_of_scope = f": {NOTHING_TO_IMPORT}: " in imp.stderr
            error = "import: " + first_error(imp) + setup
            status = OUT if out_of_scope else BROKEN if broken_because(error) else FAIL
            return status, error, log
        val = lakeform(["validate"], project)
        log += f"$ validate\n{val.stdout}{val.stderr}"
        if val.returncode != 0:
            error = "validate: " + first_error(val)
            return BROKEN if broken_because(error) else FAIL, error, log
        return OK, val.stdout.strip().splitlines()[-1] + setup, log


def set_up(bundle: Path) -> tuple[str, str]:
    """The set-up step the bundle's README gives for its Python venv, `uv sync` in its folder,
    run when it declares `python.venv_path`, has a pyproject.toml or uv.lock, and the venv is
    not there: (what to add to its line, the log). Nothing for other bundles."""
    import yaml

    try:
        doc = yaml.safe_load((bundle / "databricks.yml").read_text(encoding="utf-8")) or {}
        venv = str(((doc.get("python") or {}).get("venv_path")) or "")
    except (OSError, yaml.YAMLError, AttributeError):
        return "", ""
    has_project = (bundle / "pyproject.toml").is_file() or (bundle / "uv.lock").is_file()
    if not venv or not has_project or (bundle / venv).exists():
        return "", ""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env |= {"UV_PROJECT_ENVIRONMENT": venv, "UV_PYTHON_DOWNLOADS": "never"}
    proc = subprocess.run(
        ["uv", "sync"], cwd=bundle, env=env, capture_output=True, text=True, check=False
    )
    log = f"$ uv sync (set-up: python.venv_path {venv})\n{proc.stdout}{proc.stderr}"
    if proc.returncode == 0:
        return f" (set-up: `uv sync` made python.venv_path {venv})", log
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.search(r"^error:|[A-Za-z]Error:", ln)]
    why = (errors or lines or [f"exit {proc.returncode}"])[-1]
    # what it left (a venv without the packages) would fail where the bundle as it is may
    # not: the import runs without it, as before, and the line says why
    shutil.rmtree(bundle / venv, ignore_errors=True)
    return f" (set-up: `uv sync` for python.venv_path {venv} failed, so none: {why})", log


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
    parser = argparse.ArgumentParser(description=(__doc__ or "bundle tally").splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each full output")
    parser.add_argument(
        "--policies", action="store_true", help="keep the stack files' deploy policies"
    )
    args = parser.parse_args()
    root: Path = args.root.resolve()
    found = bundles(root)
    reasons: Counter[str] = Counter()
    broken: Counter[tuple[str, str]] = Counter()
    counts: Counter[str] = Counter()
    for bundle in found:
        status, line, log = tally_one(bundle, root, args.policies)
        rel = bundle.relative_to(root).as_posix()
        print(f"{status:5} {rel}: {line}")
        if args.verbose:
            print("    " + log.replace("\n", "\n    "))
        counts[status] += 1
        if status == FAIL:
            reasons[fold(line)] += 1
        if status == BROKEN:
            broken[broken_because(line) or ("", "")] += 1
    in_scope = len(found) - counts[OUT]
    deployable = in_scope - counts[BROKEN]
    ok, given = counts[OK], counts[OK] + counts[GIVEN]
    print(
        f"\n{ok}/{len(found)} bundles import and validate; {counts[GIVEN]} import and validate "
        f"when given the values the CLI needs too (GIVEN: --var NAME={PLACEHOLDER}, as on their "
        f"lines); {counts[OUT]} have nothing Lakeform deploys (OUT: refused, naming what they "
        f"have instead); {counts[BROKEN]} have what the Databricks CLI or the API refuses too "
        f"(BROKEN); {counts[FAIL]} refused otherwise (FAIL)\n"
        f"{ok}/{in_scope} of the bundles with a job, pipeline or quality monitor import and "
        f"validate, {given}/{in_scope} with GIVEN; {ok}/{deployable} of those the CLI would "
        f"deploy, {given}/{deployable} with GIVEN"
    )
    for (what, evidence), n in broken.most_common():
        print(f"{n:3} BROKEN: {what} ({evidence})")
    for reason, n in reasons.most_common():
        print(f"{n:3} {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
