"""`lakeform watch --once` through the real engine against a local workspace: a change to the rows
(in the project or in a volume) is deployed with exactly its writes; bad rows, a guard trip and
another deploy's lock deploy nothing; no change runs no engine.

Each test starts from its own copy of tests/e2e/programs/lakeform's rows deployed as stack `e2e`
(conftest.lakeform_once) after a first `watch --once` took that deployed state as its own
(`watched_once`: once a session, not once a test; it deploys nothing, checked there).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import REPO, Deployed, Project

STACK = "e2e"


def watch(project: Project, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`lakeform watch --stack e2e --once --json`: the process and its one JSON check."""
    done = project.lakeform("watch", "--stack", STACK, "--once", "--json", *args)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, f"stdout: {done.stdout}\nstderr: {done.stderr}"
    return done, json.loads(lines[0])


def writes(project: Project) -> Counter[str]:
    return project.workspace.requests.writes()


def edit_rows(project: Project, edit: Any) -> None:
    path = project.dir / "resources" / "rows.yaml"
    rows = yaml.safe_load(path.read_text())
    edit(rows)
    path.write_text(yaml.safe_dump(rows, sort_keys=False))


def set_setting(project: Project, name: str, value: Any) -> None:
    project.edit_stack_file(lambda doc: doc["config"]["lakeform:settings"].__setitem__(name, value))


def job_names(project: Project) -> dict[str, int]:
    return {j.settings.name: j.job_id for j in project.workspace.client().jobs.list()}


@pytest.fixture(scope="session")
def watched_once(lakeform_once: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The deployed project after a first `watch --once`: it deploys nothing new (0 writes) and
    records the deployed fingerprint; each test gets a copy of the project, its backend, the
    workspace and the watcher's state (.lakeform/watch/e2e.json, in the project)."""
    root = tmp_path_factory.mktemp("watched")
    with lakeform_once.started(root) as project:
        project.workspace.requests.clear()
        done, check = watch(project)
        assert done.returncode == 0, done.stderr
        assert check["result"] == "deployed"
        assert writes(project) == Counter()
        url = project.workspace.url
    return Deployed(root=root, stack=STACK, url=url)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def watched(
    watched_once: Deployed, clean_databricks_env: None, tmp_path: Path
) -> Iterator[Project]:
    """A copy of `watched_once` with its own workspace. The copy's stack file names the copy's
    workspace (Deployed.copy rewrites the address, as in the backend), so the watcher's record
    of that file is rewritten alike: the digest `watch` takes of a file (cli/watch.py Folders),
    of the copy's file instead of the deployed one; nothing else in the record changes."""
    with watched_once.started(tmp_path) as project:
        record = project.dir / ".lakeform" / "watch" / f"{STACK}.json"
        state = json.loads(record.read_text())
        item = f"file:{project.stack_file.name}"
        assert state["deployed"][item] == sha256(watched_once.root / "program" / item[5:])
        state["deployed"][item] = sha256(project.stack_file)
        record.write_text(json.dumps(state))
        project.workspace.requests.clear()
        yield project


def test_a_changed_row_is_one_deploy_writing_only_that_row_and_no_change_runs_no_engine(
    watched: Project,
) -> None:
    history = len(json.loads(watched.pulumi("stack", "history", "--json").stdout))
    done, check = watch(watched)
    assert (done.returncode, check["result"]) == (0, "unchanged")
    # No engine: a Pulumi run would read every resource of the stack (refresh: always).
    assert watched.workspace.requests.records == []
    assert check["seconds"] < 1.0

    edit_rows(watched, lambda rows: rows["jobs"]["weekly"].update(timeout_seconds=900))
    done, check = watch(watched)
    assert done.returncode == 0, done.stderr
    assert check["result"] == "deployed"
    assert check["changed"] == ["changed file:resources/rows.yaml"]
    assert check["rows"] == ["changed jobs.weekly"]
    assert (
        check["outputs"]
        == [line for line in check["outputs"] if line.startswith("jobs.weekly  id=")]
        and len(check["outputs"]) == 1
    )
    assert writes(watched) == Counter({"jobs.reset": 1})
    weekly = job_names(watched)["Weekly"]
    assert f"id={weekly}" in check["outputs"][0]
    assert "jobs.weekly" in done.stderr and "deployed stack e2e" in done.stderr
    assert len(json.loads(watched.pulumi("stack", "history", "--json").stdout)) == history + 1


def test_an_added_and_a_removed_row_are_created_and_deleted_others_untouched(
    watched: Project,
) -> None:
    def edit(rows: dict[str, Any]) -> None:
        rows["jobs"]["hourly"] = {
            "name": "Hourly",
            "tasks": [{"task_key": "only", "notebook_task": {"notebook_path": "src/ingest.py"}}],
        }
        del rows["jobs"]["legacy"]

    edit_rows(watched, edit)
    done, check = watch(watched)
    assert done.returncode == 0, done.stderr
    assert check["rows"] == ["added jobs.hourly", "removed jobs.legacy"]
    names = job_names(watched)
    assert "Hourly" in names and "Legacy" not in names
    counts = writes(watched)
    assert counts["jobs.create"] == 1 and counts["jobs.delete"] == 1
    assert not {"jobs.reset", "pipelines.edit", "pipelines.create"} & set(counts)
    # Only the new job's upload and the removed job's upload are written.
    assert set(counts) <= {
        "jobs.create",
        "jobs.delete",
        "workspace.import",
        "workspace.mkdirs",
        "workspace.delete",
    }


def test_a_bad_row_deploys_nothing_names_file_and_line_then_deploys_once_fixed(
    watched: Project,
) -> None:
    edit_rows(watched, lambda rows: rows["jobs"]["weekly"].update(timeot_seconds=900))
    done, check = watch(watched)
    assert (done.returncode, check["result"]) == (1, "invalid")
    assert any(
        p.startswith("resources/rows.yaml:") and "jobs.weekly.timeot_seconds" in p
        for p in check["problems"]
    ), check["problems"]
    assert "resources/rows.yaml:" in done.stderr and "not deploying" in done.stderr
    assert watched.workspace.requests.records == []  # not even an engine run

    done, check = watch(watched)  # the same bad rows: not tried again
    assert check["result"] == "waiting" and watched.workspace.requests.records == []

    def fix(rows: dict[str, Any]) -> None:
        rows["jobs"]["weekly"].pop("timeot_seconds")
        rows["jobs"]["weekly"]["timeout_seconds"] = 900

    edit_rows(watched, fix)
    done, check = watch(watched)
    assert (done.returncode, check["result"]) == (0, "deployed"), done.stderr
    assert writes(watched) == Counter({"jobs.reset": 1})


def test_a_guard_trip_deploys_nothing_and_is_not_tried_again_until_the_rows_change(
    watched: Project,
) -> None:
    set_setting(watched, "max_deletes", 0)
    watched.workspace.requests.clear()
    edit_rows(watched, lambda rows: rows["jobs"].pop("legacy"))
    done, check = watch(watched)
    assert (done.returncode, check["result"]) == (1, "refused"), done.stderr
    assert "refusing to deploy stack e2e: it would delete 1 rows" in done.stderr
    assert "jobs.legacy" in done.stderr
    assert writes(watched) == Counter()
    assert "Legacy" in job_names(watched)

    watched.workspace.requests.clear()
    done, check = watch(watched)
    assert check["result"] == "waiting" and watched.workspace.requests.records == []


def test_a_second_watcher_deploys_nothing_while_another_holds_the_stack_and_names_it(
    watched: Project, tmp_path: Path
) -> None:
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        folder = tmp_path / "state" / ".pulumi" / "locks" / "organization" / "lakeform" / STACK
        found = list((tmp_path / "state" / ".pulumi" / "locks").rglob("*"))
        folders = [p for p in found if p.is_dir() and p.name == STACK]
        folder = folders[0] if folders else folder
        folder.mkdir(parents=True, exist_ok=True)
        from tests.cli.test_locks import write_lock

        write_lock(folder, sleeper.pid)
        edit_rows(watched, lambda rows: rows["jobs"]["weekly"].update(timeout_seconds=900))
        done, check = watch(watched)
        assert check["result"] == "locked", done.stderr
        assert f"pid {sleeper.pid}" in done.stderr
        assert "being deployed by another process" in done.stderr
        assert writes(watched) == Counter()
    finally:
        sleeper.kill()
        sleeper.wait()
    # The holder is gone: its lock is provably dead, released, and the change deployed.
    done, check = watch(watched)
    assert check["result"] == "deployed", done.stderr
    assert writes(watched) == Counter({"jobs.reset": 1})


def test_yaml_rows_in_a_volume_are_synced_and_deployed_and_removed_with_the_file(
    watched: Project,
) -> None:
    files = watched.workspace.client().files
    volume = "/Volumes/main/lakeform/rows"
    row = {
        "jobs": {
            "from_volume": {
                "name": "From volume",
                "tasks": [
                    {"task_key": "only", "notebook_task": {"notebook_path": "src/ingest.py"}}
                ],
            }
        }
    }
    from databricks.sdk.service.files import FilesAPI

    api = FilesAPI(files._api)
    api.upload(f"{volume}/team/a.yaml", io.BytesIO(yaml.safe_dump(row).encode()))
    set_setting(watched, "watch_volume", {"path": volume, "folder": "resources/volume"})
    watched.workspace.requests.clear()
    done, check = watch(watched)
    assert check["result"] == "deployed", done.stderr
    assert "YAML files changed in volume /Volumes/main/lakeform/rows" in done.stderr
    assert (watched.dir / "resources" / "volume" / "team" / "a.yaml").is_file()
    assert check["rows"] == ["added jobs.from_volume"]
    assert "From volume" in job_names(watched)
    assert writes(watched)["jobs.create"] == 1

    watched.workspace.requests.clear()
    done, check = watch(watched)
    assert check["result"] == "unchanged"
    # The listing only (and the SDK's host-metadata look-up of a new process).
    assert {r.route for r in watched.workspace.requests.records} <= {
        "files.list_directory_contents",
        "identity.well_known",
    }
    assert writes(watched) == Counter()

    api.delete(f"{volume}/team/a.yaml")
    done, check = watch(watched)
    assert check["rows"] == ["removed jobs.from_volume"], done.stderr
    assert "From volume" not in job_names(watched)
    assert not (watched.dir / "resources" / "volume" / "team" / "a.yaml").exists()


def test_the_sample_watch_job_entry_point_runs_watch_once_as_the_job_would(
    watched: Project,
) -> None:
    """The task of resources/lakeform/watch.yaml, as the job runs it: its script with the
    job's own parameters, in the project."""
    sample = yaml.safe_load((REPO / "resources" / "lakeform" / "watch.yaml").read_text())
    task = sample["jobs"]["lakeform_watch"]["tasks"][0]["spark_python_task"]
    variables = {"${var.lakeform_stack}": STACK, "${var.lakeform_project}": str(watched.dir)}
    params: list[str] = [variables.get(p) or p for p in task["parameters"]]
    edit_rows(watched, lambda rows: rows["jobs"]["weekly"].update(timeout_seconds=900))
    env = {**watched.env, "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{watched.env['PATH']}"}
    done = subprocess.run(
        [sys.executable, str(REPO / task["python_file"]), *params],
        cwd=watched.dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert "deployed stack e2e" in done.stderr
    assert writes(watched) == Counter({"jobs.reset": 1})


def test_a_watcher_killed_mid_deploy_is_recovered_by_the_next_check_without_duplicates(
    watched: Project,
) -> None:
    def add(rows: dict[str, Any]) -> None:
        for name in ("one", "two", "three"):
            rows["jobs"][name] = {
                "name": name.title(),
                "tasks": [{"task_key": "only", "notebook_task": {"notebook_path": "/Shared/nb"}}],
            }

    edit_rows(watched, add)
    # The engine creates the three at once: the first is answered, the others only after the
    # kill (the workspace makes them all the same, as a service would that got the calls). The
    # kill follows the first answer within a poll (0.1 s); the test then waits out the delay
    # with nothing to do, so it is seconds, not more (it was 15).
    watched.workspace.faults.delay("POST", "/api/2.2/jobs/create", 0.1, times=1)
    watched.workspace.faults.delay("POST", "/api/2.2/jobs/create", 5.0, times=2)
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "lakeform"), "watch", "--stack", STACK, "--once"],
        cwd=watched.dir,
        env=watched.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    while watched.workspace.requests.count("POST", "/api/2.2/jobs/create", status=200) < 1:
        assert proc.poll() is None, "the watcher ended before the kill"
        assert time.monotonic() < deadline, "no job was created in time"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the watcher and its engine
    proc.wait()
    assert watched.workspace.requests.count("POST", "/api/2.2/jobs/create", status=200) == 1
    while watched.workspace.requests.count("POST", "/api/2.2/jobs/create") < 3:
        assert time.monotonic() < deadline, "the delayed creates were never answered"
        time.sleep(0.2)

    done, check = watch(watched)
    assert (done.returncode, check["result"]) == (0, "deployed"), done.stderr
    assert "a deploy was interrupted; recovering" in done.stderr
    names = [j.settings.name for j in watched.workspace.client().jobs.list()]
    assert sorted(names) == sorted(set(names)), names
    assert {"One", "Two", "Three"} <= set(names)
    assert watched.workspace.requests.count("POST", "/api/2.2/jobs/create", status=200) == 3


def test_a_control_table_row_updated_is_deployed_and_an_unchanged_table_runs_no_engine(
    workspace: RunningWorkspace, tmp_path: Path
) -> None:
    from deltalake import DeltaTable, write_deltalake

    from metadata.delta import arrow_table
    from metadata.formats.control_table import DEPLOYMENTS, LAKEFORM, LFJM_V2
    from tests.e2e.test_control_table import DEPLOYED, ETL, ROWS, etl_row, lakeform_row, project

    lakeform = project(tmp_path, workspace)
    rows = workspace.table_folder(ROWS).as_uri()
    write_deltalake(workspace.table_folder(ETL).as_uri(), arrow_table(LFJM_V2, [etl_row("load")]))
    write_deltalake(rows, arrow_table(LAKEFORM, [lakeform_row("tbl_daily", "Table daily")]))
    write_deltalake(workspace.table_folder(DEPLOYED).as_uri(), arrow_table(DEPLOYMENTS, []))
    done, check = watch(lakeform)
    assert (done.returncode, check["result"]) == (0, "deployed"), done.stderr
    assert "Table daily" in job_names(lakeform)

    workspace.requests.clear()
    done, check = watch(lakeform)
    assert check["result"] == "unchanged", done.stderr
    # The tables' versions only: no engine (it would read every job), no row read.
    routes = {r.route for r in workspace.requests.records}
    assert not {r for r in routes if r.startswith(("jobs.", "pipelines.", "workspace."))}

    DeltaTable(rows).update(
        new_values={"row": json.dumps({**json.loads(lakeform_row("x", "Table daily v2")["row"])})},
        predicate="key = 'tbl_daily'",
    )
    workspace.requests.clear()
    done, check = watch(lakeform)
    assert (done.returncode, check["result"]) == (0, "deployed"), done.stderr
    assert check["changed"] == [f"changed table:{ROWS}"]
    assert check["rows"] == ["changed jobs.tbl_daily"]
    counts = writes(lakeform)
    assert (counts["jobs.reset"], counts["jobs.create"], counts["jobs.delete"]) == (1, 0, 0)
    assert "Table daily v2" in job_names(lakeform)
