"""`lakeform watch` without the engine: fingerprints by content, the back-off, what a check does
with bad rows, a failed deploy and unchanged sources, and the volume copy."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.watch import (
    BACKOFF_CAP,
    Folders,
    Outcome,
    State,
    Versions,
    VolumeSync,
    Watcher,
    backoff,
    changes,
    digest,
    fingerprint,
)
from devtools.workspace.testing import running_workspace
from metadata.settings import StackSettings, WatchVolume

ROW = {
    "jobs": {
        "daily": {
            "name": "Daily",
            "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "/Shared/nb"}}],
        }
    }
}


def project(tmp_path: Path, rows: dict[str, Any] | None = None) -> Path:
    (tmp_path / "resources").mkdir(parents=True, exist_ok=True)
    (tmp_path / "resources" / "rows.yaml").write_text(yaml.safe_dump(rows or ROW))
    (tmp_path / "Pulumi.yaml").write_text("name: lakeform\nruntime: python\n")
    settings = {"metadata_paths": ["resources"]}
    (tmp_path / "Pulumi.dev.yaml").write_text(
        yaml.safe_dump({"config": {"lakeform:settings": settings}})
    )
    return tmp_path


# ---------------------------------------------------------------- fingerprints


def test_a_fingerprint_follows_content_not_modification_time(tmp_path: Path) -> None:
    root = project(tmp_path)
    folders = Folders(root, ["resources", "Pulumi.dev.yaml"])
    first = folders.fingerprint()
    assert sorted(first) == ["file:Pulumi.dev.yaml", "file:resources/rows.yaml"]
    rows = root / "resources" / "rows.yaml"
    os.utime(rows, (1, 1))  # touched: same bytes
    assert folders.fingerprint() == first
    rows.write_text(rows.read_text() + "# a comment\n")
    assert changes(first, folders.fingerprint()) == ["changed file:resources/rows.yaml"]


def test_added_and_removed_files_are_changes_hidden_files_are_not(tmp_path: Path) -> None:
    root = project(tmp_path)
    folders = Folders(root, ["resources"])
    first = folders.fingerprint()
    (root / "resources" / ".rows.yaml.swp").write_text("editor")
    (root / "resources" / "__pycache__").mkdir()
    (root / "resources" / "__pycache__" / "x.pyc").write_bytes(b"x")
    assert folders.fingerprint() == first
    (root / "resources" / "more.yaml").write_text("jobs: {}\n")
    (root / "resources" / "rows.yaml").unlink()
    assert changes(first, folders.fingerprint()) == [
        "added file:resources/more.yaml",
        "removed file:resources/rows.yaml",
    ]


def test_table_versions_are_one_more_source() -> None:
    versions = {"main.meta.control": 3}
    source = Versions("table", lambda: versions)
    first = fingerprint([source])
    assert first == {"table:main.meta.control": "3"}
    versions["main.meta.control"] = 4
    assert changes(first, fingerprint([source])) == ["changed table:main.meta.control"]
    assert digest(first) != digest(fingerprint([source]))


# ---------------------------------------------------------------- back-off


@pytest.mark.parametrize(
    ("attempts", "interval", "wait"),
    [(0, 60, 0), (1, 60, 60), (2, 60, 120), (3, 60, 240), (7, 60, BACKOFF_CAP), (1, 0.1, 1)],
)
def test_backoff_doubles_from_the_interval_up_to_an_hour(
    attempts: int, interval: float, wait: float
) -> None:
    assert backoff(attempts, interval) == wait


class Recording(Watcher):
    """A watcher whose deploy is scripted: each call pops the next result."""

    def __init__(self, root: Path, results: list[str], clock: list[float]) -> None:
        super().__init__(root, "dev", interval=10, clock=lambda: clock[0])
        self.results, self.deploys = results, 0

    def _deploy(self, settings: StackSettings, items: Any, changed: list[str]) -> Outcome:
        self.deploys += 1
        if self.results.pop(0) == "fail":
            return self._failed("boom", digest(items), changed, [])
        self.state.deployed, self.state.failed, self.state.attempts = items, None, 0
        return Outcome("deployed", changed=changed)

    def engine(self) -> Any:
        raise AssertionError("no engine in unit tests")


def test_a_failed_deploy_waits_out_its_backoff_then_retries_and_a_change_retries_at_once(
    tmp_path: Path,
) -> None:
    root = project(tmp_path)
    clock = [1000.0]
    watcher = Recording(root, ["fail", "fail", "fail", "ok"], clock)
    assert watcher.check().result == "failed"
    assert watcher.state.retry_at == 1010.0  # the interval
    clock[0] = 1005.0
    assert watcher.check().result == "waiting" and watcher.deploys == 1
    clock[0] = 1010.0
    assert watcher.check().result == "failed" and watcher.deploys == 2
    assert watcher.state.retry_at == 1030.0  # doubled
    clock[0] = 1011.0
    assert watcher.check().result == "waiting"
    rows = root / "resources" / "rows.yaml"
    rows.write_text(rows.read_text() + "# changed\n")
    assert watcher.check().result == "failed" and watcher.deploys == 3  # a change: at once
    assert watcher.state.attempts == 1
    clock[0] = 2000.0
    assert watcher.check().result == "deployed"
    assert watcher.check().result == "unchanged" and watcher.deploys == 4


def test_the_state_survives_the_process(tmp_path: Path) -> None:
    root = project(tmp_path)
    clock = [0.0]
    first = Recording(root, ["ok"], clock)
    assert first.check().result == "deployed"
    again = Recording(root, [], clock)  # a new process: --once from a job, say
    assert again.check().result == "unchanged" and again.deploys == 0
    assert State.read(root / ".lakeform" / "watch" / "dev.json").deployed is not None


def test_bad_rows_are_named_by_file_and_line_and_never_reach_the_engine(tmp_path: Path) -> None:
    bad = {"jobs": {"daily": {**ROW["jobs"]["daily"], "timeot_seconds": 5}}}
    root = project(tmp_path, bad)

    class NoEngine(Watcher):
        def engine(self) -> Any:
            raise AssertionError("bad rows reached the engine")

    watcher = NoEngine(root, "dev")
    outcome = watcher.check()
    assert outcome.result == "invalid"
    line = yaml.safe_dump(bad).splitlines().index("    timeot_seconds: 5") + 1
    assert outcome.problems == [
        f"resources/rows.yaml:{line}:5: jobs.daily.timeot_seconds: unknown field "
        "'timeot_seconds'; did you mean 'timeout_seconds'?"
    ]
    assert watcher.check().result == "waiting"  # the same rows: not tried again


# ---------------------------------------------------------------- the volume


def test_a_volume_is_mirrored_and_only_changed_files_are_downloaded(
    tmp_path: Path, clean_databricks_env: None
) -> None:
    from databricks.sdk.service.files import FilesAPI

    volume = WatchVolume(path="/Volumes/main/meta/rows", folder="resources/volume")
    with running_workspace() as ws:
        api = FilesAPI(ws.client().api_client)
        api.upload(f"{volume.path}/a.yaml", io.BytesIO(b"jobs: {}\n"))
        api.upload(f"{volume.path}/team/b.yml", io.BytesIO(b"pipelines: {}\n"))
        api.upload(f"{volume.path}/notes.txt", io.BytesIO(b"not rows"))
        sync = VolumeSync(api, volume, tmp_path)
        assert sync.sync() == ["copied a.yaml", "copied team/b.yml"]
        local = tmp_path / "resources" / "volume"
        assert (local / "team" / "b.yml").read_bytes() == b"pipelines: {}\n"
        assert not (local / "notes.txt").exists()

        ws.requests.clear()
        assert sync.sync() == []
        assert {r.route for r in ws.requests.records} == {"files.list_directory_contents"}

        api.upload(f"{volume.path}/a.yaml", io.BytesIO(b"jobs: {x: 1}\n"))
        api.delete(f"{volume.path}/team/b.yml")
        ws.requests.clear()
        assert sync.sync() == ["copied a.yaml", "removed team/b.yml"]
        assert ws.requests.count(route="files.download") == 1
        assert (local / "a.yaml").read_bytes() == b"jobs: {x: 1}\n"
        assert not (local / "team" / "b.yml").exists()
