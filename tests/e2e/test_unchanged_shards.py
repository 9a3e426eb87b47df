"""`lakeform plan --no-refresh` of a sharded stack does not preview a shard whose inputs and state
are as at its last `up` or last no-change plan without refresh (cli/unchanged.py): its engine
does not run. A shard with a changed row, a changed upload, or a state changed behind
Lakeform's back (a `pulumi up` by hand) is previewed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.e2e.conftest import lakeform_up
from tests.e2e.harness import Project

FINANCE, MARKETING = "e2e.finance", "e2e.marketing"
RUNS = ".lakeform/test-program-runs.log"
COUNTING = f"""
# test_unchanged_shards: one line per run of this program, naming its stack
with (ROOT / {RUNS!r}).open("a") as _runs:
    _runs.write(pulumi.get_stack() + "\\n")
"""


def count_program_runs(project: Project) -> None:
    """Make the project's copy of the program note every run of it (the engine runs it once per
    preview and once per update), so a test sees which shards' engines ran."""
    main = project.dir / "__main__.py"
    main.write_text(main.read_text() + COUNTING)


def runs(project: Project) -> list[str]:
    """The stacks whose program ran since the last call, in order; then forgets them."""
    log = project.dir / RUNS
    seen = log.read_text().split() if log.is_file() else []
    log.unlink(missing_ok=True)
    return seen


def plan(project: Project) -> tuple[dict[tuple[str, str], list[str]], str]:
    """`lakeform plan --no-refresh --json -j 2`: (kind, key) -> changed field paths, and stderr."""
    done = project.lakeform("plan", "--stack", project.stack, "--no-refresh", "--json", "-j", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)["rows"]
    changed = {(r["kind"], r["key"]): [f["path"] for f in r["fields"]] for r in rows}
    return changed, done.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_only_shards_that_changed_since_their_last_run_are_previewed(
    sharded_deployed: Project,
) -> None:
    project = sharded_deployed
    count_program_runs(project)

    # the program changed (above): both shards are previewed, nothing to change
    assert plan(project)[0] == {}
    assert sorted(runs(project)) == [FINANCE, MARKETING]

    # again: nothing changed since that plan, so no engine runs at all
    changed, err = plan(project)
    assert changed == {}
    assert runs(project) == []
    for stack in (FINANCE, MARKETING):
        assert f"stack {stack}: unchanged since its last no-change plan --no-refresh at" in err
        assert f"planning stack {stack}" not in err

    # a row of finance changed: finance is previewed; marketing, whose job runs finance's
    # ledger, is not (finance's state, whose outputs it reads, is as it was)
    finance_rows = project.dir / "resources" / "finance" / "jobs.yaml"
    replace_in(finance_rows, "name: Ledger\n", "name: Ledger\n    timeout_seconds: 60\n")
    changed, err = plan(project)
    assert changed == {("jobs", "ledger"): ["timeout_seconds"]}
    assert runs(project) == [FINANCE]
    assert f"stack {MARKETING}: unchanged since" in err

    # a file marketing's pipeline uploads changed: marketing is previewed (finance too: its
    # last preview had a change to show, so nothing was recorded for it)
    replace_in(project.dir / "src" / "reports.sql", "SELECT", "SELECT /* v2 */")
    changed, _ = plan(project)
    assert ("pipelines", "reports") in changed
    assert sorted(runs(project)) == [FINANCE, MARKETING]

    # deployed: both shards are as at their last up, and not previewed
    lakeform_up(project, "-j", "2")
    runs(project)
    changed, err = plan(project)
    assert changed == {}
    assert runs(project) == []
    for stack in (FINANCE, MARKETING):
        assert f"stack {stack}: unchanged since its last up at" in err

    # finance deployed by hand, not through Lakeform: its state changed, so it is previewed
    # (and marketing, which reads finance's outputs)
    done = subprocess.run(
        ["pulumi", "up", "--yes", "--non-interactive", "--stack", FINANCE],
        cwd=project.dir,
        env=project.env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runs(project)
    changed, err = plan(project)
    assert changed == {}
    assert sorted(runs(project)) == [FINANCE, MARKETING]
    assert "unchanged since" not in err
