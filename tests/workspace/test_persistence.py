"""Durability: everything survives a restart, and a kill -9 loses no acknowledged write."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest
from databricks.sdk.service.workspace import ImportFormat

from devtools.workspace.command import main
from devtools.workspace.state import StateError, Store
from devtools.workspace.testing import running_workspace
from tests.workspace.helpers import FAST, call
from tests.workspace.specs import rich_job, rich_pipeline, time_series_monitor

REPO = Path(__file__).resolve().parents[2]
MONITOR = "/api/2.1/unity-catalog/tables/main.gold.fact/monitor"
SLOW_MACHINE = 600
"""Seconds a step below may take before the test gives up: a bound for a hung server, not a
timing the test relies on. With a load average of 36 on 2 cores a process gets about 1/18 of a
core, and a few seconds of work take minutes; none of these tests waits that long when it passes."""


def test_everything_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "workspace.json"
    with running_workspace(state, timings=FAST) as ws:
        w = ws.client()
        workspace_id = ws.workspace_id
        job_id = call(w, "POST", "/api/2.2/jobs/create", body=rich_job())["job_id"]
        run_id = w.jobs.run_now(job_id).run_id
        pipeline_id = call(w, "POST", "/api/2.0/pipelines", body=rich_pipeline())["pipeline_id"]
        call(w, "POST", MONITOR, body=time_series_monitor())
        w.workspace.mkdirs("/Shared/lakeform")
        w.workspace.upload("/Shared/lakeform/f.txt", b"kept", format=ImportFormat.RAW)
        before = {
            "job": call(w, "GET", "/api/2.2/jobs/get", query={"job_id": job_id}),
            "pipeline": call(w, "GET", f"/api/2.0/pipelines/{pipeline_id}"),
            "monitor": call(w, "GET", MONITOR),
            "file": w.workspace.get_status("/Shared/lakeform/f.txt").as_dict(),
        }
    assert json.loads(state.read_text())["workspace_id"] == workspace_id
    with running_workspace(state, timings=FAST) as ws:
        w = ws.client()
        assert ws.workspace_id == workspace_id
        assert w.get_workspace_id() == workspace_id
        assert call(w, "GET", "/api/2.2/jobs/get", query={"job_id": job_id}) == before["job"]
        assert call(w, "GET", f"/api/2.0/pipelines/{pipeline_id}") == before["pipeline"]
        assert call(w, "GET", MONITOR) == before["monitor"]
        assert w.workspace.get_status("/Shared/lakeform/f.txt").as_dict() == before["file"]
        assert w.workspace.download("/Shared/lakeform/f.txt").read() == b"kept"
        assert w.jobs.get_run(run_id).job_id == job_id


def test_without_a_state_file_nothing_is_kept(tmp_path: Path) -> None:
    with running_workspace() as ws:
        ws.client().jobs.create(name="gone")
        first_id = ws.workspace_id
    with running_workspace() as ws:
        assert list(ws.client().jobs.list()) == []
        assert ws.workspace_id != first_id
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "ws.json"
    state.write_text('{"version": 1,\n  "jobs": {oops}\n}')
    with pytest.raises(StateError, match=r"ws\.json:2:12: the workspace state is not valid JSON"):
        Store(state)
    state.write_text('{"something": "else"}')
    with pytest.raises(StateError, match="not a Lakeform workspace state"):
        Store(state)


def _start_serve(state: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABRICKS_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.workspace",
            "serve",
            "--port",
            "0",
            "--state",
            str(state),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    first = _readline(proc.stdout, timeout=SLOW_MACHINE)
    assert "Local Databricks workspace at http://" in first, first
    url = first.split(" at ", 1)[1].split(" ", 1)[0]
    return proc, url


def _readline(stream: IO[str], timeout: float) -> str:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert lines, "the server did not start in time"
    return lines[0]


def _create_job(url: str, name: str) -> int:
    request = urllib.request.Request(
        f"{url}/api/2.2/jobs/create",
        data=json.dumps({"name": name}).encode(),
        method="POST",
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=SLOW_MACHINE) as response:
        return int(json.loads(response.read())["job_id"])


def test_kill_9_mid_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    state = tmp_path / "ws.json"
    proc, url = _start_serve(state)
    acknowledged: list[int] = []
    failed: list[BaseException] = []
    stop, killed = threading.Event(), threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            try:
                acknowledged.append(_create_job(url, f"job-{i}"))
            except (OSError, http.client.HTTPException) as exc:
                if not killed.is_set():  # not the kill: said if 60 are not reached
                    failed.append(exc)
                return  # the server is gone; a torn answer is not an acknowledgement
            i += 1

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    # 60 acknowledged writes, however long a loaded machine takes for them (no wall-clock
    # budget: at a load average of 36 they took more than the 20 s once allowed here).
    deadline = time.monotonic() + SLOW_MACHINE
    while len(acknowledged) < 60 and any(t.is_alive() for t in threads):
        assert time.monotonic() < deadline, f"{len(acknowledged)} writes in {SLOW_MACHINE} s"
        time.sleep(0.01)
    killed.set()
    proc.send_signal(signal.SIGKILL)  # while the writers are still writing
    proc.wait(SLOW_MACHINE)
    stop.set()
    for t in threads:
        t.join(SLOW_MACHINE)
    assert proc.stdout is not None
    proc.stdout.close()
    assert len(acknowledged) >= 60, failed
    saved = Store(state).data["jobs"]
    missing = [job_id for job_id in acknowledged if str(job_id) not in saved]
    assert missing == []
    assert not list(tmp_path.glob(".ws.json.*.tmp"))  # Store cleaned up a torn temp file


def test_serve_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    state = tmp_path / "ws.json"
    proc, url = _start_serve(state)
    job_id = _create_job(url, "kept")
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=SLOW_MACHINE)
    assert proc.returncode == 0, output
    assert "Local workspace stopped." in output
    assert str(job_id) in Store(state).data["jobs"]


def test_serve_reports_a_busy_port(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "--port", str(port), "--state", str(tmp_path / "s")])
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_serve_reports_a_bad_state_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert main(["serve", "--port", "0", "--state", str(bad)]) == 1
    assert "not a Lakeform workspace state" in capsys.readouterr().err
