"""`lakeform recover` releases a stack's locks only when every one is provably dead (cli/locks.py).

Each test writes lock files as Pulumi's DIY backend does (backend/diy/lock.go, 3.259) into a
file backend in tmp_path, and hands recover the error `pulumi` prints for them; the holders are
real processes: a `sleep` this test starts (alive) and a `true` that has exited (dead)."""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cli.locks import release_dead_locks
from cli.recover import RecoverError, _release_stale_lock

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    locks = tmp_path / "state" / ".pulumi" / "locks" / "organization" / "lakeform" / "dev"
    locks.mkdir(parents=True)
    return locks


@pytest.fixture
def live_pid() -> Iterator[int]:
    sleeper = subprocess.Popen(["sleep", "300"])
    yield sleeper.pid
    sleeper.kill()
    sleeper.wait()


def dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    assert not Path(f"/proc/{done.pid}").exists()
    return done.pid


def write_lock(
    folder: Path,
    pid: int,
    *,
    host: str | None = None,
    at: datetime | None = None,
    name: str | None = None,
) -> Path:
    """A lock file as Pulumi writes it: json.Marshal of lockContent (RFC 3339, nanoseconds)."""
    stamp = at or datetime.now().astimezone()
    offset = stamp.isoformat()[-6:] if stamp.utcoffset() else "Z"
    content = {
        "pid": pid,
        "username": getpass.getuser(),
        "hostname": host or socket.gethostname(),
        "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.%f") + "789" + offset,
    }
    path = folder / f"{name or uuid.uuid4()}.json"
    path.write_text(json.dumps(content, separators=(",", ":")))
    return path


def pulumi_error(*locks: Path, backend: str = "") -> str:
    """The message `pulumi` prints for them (checkForLock, lockURLForError), for a file backend
    with metadata=skip (cli/pulumienv.py), or for `backend` in its place."""
    lines = [
        f"error: the stack is currently locked by {len(locks)} lock(s). Either wait for the "
        "other process(es) to end or delete the lock file with `pulumi cancel`."
    ]
    for path in locks:
        held = json.loads(path.read_text())
        url = f"{backend}{path}" if backend else f"file://{path}?metadata=skip"
        lines.append(
            f"  {url}: created by {held['username']}@{held['hostname']} (pid {held['pid']}) "
            f"at {held['timestamp'][:19]}Z"
        )
    return "\n".join(lines) + "\n"


def test_a_live_lock_keeps_every_lock_even_when_pulumi_names_a_dead_one_first(
    folder: Path, live_pid: int
) -> None:
    dead = write_lock(folder, dead_pid(), name="0-dead")
    live = write_lock(folder, live_pid, name="1-live")
    stamp = json.loads(live.read_text())["timestamp"][:19]
    with pytest.raises(
        RecoverError,
        match=(
            rf"^stack dev is locked and nothing was released: {re.escape(str(live))}: "
            rf"pid {live_pid}, "
            rf"{getpass.getuser()}@{socket.gethostname()}, at {stamp}[^ ]* may be live: process "
            rf"{live_pid} has pid {live_pid} and started before the lock was taken\. If no run "
            r"of the stack is still going, release its locks with `pulumi cancel --stack dev`"
        ),
    ):
        _release_stale_lock("dev", pulumi_error(dead, live))
    assert sorted(p.name for p in folder.iterdir()) == ["0-dead.json", "1-live.json"]


def test_a_live_lock_pulumi_did_not_name_is_found_in_the_folder(
    folder: Path, live_pid: int
) -> None:
    dead = write_lock(folder, dead_pid())
    message = pulumi_error(dead)  # a run that took its lock after pulumi listed them
    live = write_lock(folder, live_pid)
    found = rf"{re.escape(str(live))}: pid {live_pid}, .* may be live"
    with pytest.raises(RecoverError, match=found):
        _release_stale_lock("dev", message)
    assert {dead, live} == set(folder.iterdir())


def test_locks_whose_processes_all_ended_are_released(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = write_lock(folder, dead_pid()), write_lock(folder, dead_pid())
    first.with_name(first.name + ".attrs").write_text("{}")  # fileblob's sidecar, if written
    _release_stale_lock("dev", pulumi_error(first, second))
    assert list(folder.iterdir()) == []
    out = capsys.readouterr().out
    assert f"released the lock of a run that no longer exists: {first}: pid" in out
    assert f"released the lock of a run that no longer exists: {second}: pid" in out


def test_a_lock_taken_on_another_host_is_kept(folder: Path) -> None:
    foreign = write_lock(folder, dead_pid(), host="runner-7")
    with pytest.raises(
        RecoverError,
        match=rf"{re.escape(str(foreign))}: pid \d+, .*@runner-7, .* may be live: taken on "
        rf"host runner-7, not this one \({re.escape(socket.gethostname())}\)",
    ):
        _release_stale_lock("dev", pulumi_error(foreign))
    assert foreign.exists()


def test_a_reused_pid_does_not_keep_a_dead_lock(folder: Path, live_pid: int) -> None:
    """The lock is older than the process now holding its pid: that process cannot have taken
    it, so the holder is gone."""
    old = write_lock(folder, live_pid, at=datetime.now().astimezone() - timedelta(hours=1))
    assert [lock.pid for lock in release_dead_locks(pulumi_error(old))] == [live_pid]
    assert not old.exists()


def test_locks_in_a_bucket_are_never_released(folder: Path) -> None:
    lock = write_lock(folder, dead_pid())
    message = pulumi_error(lock, backend="s3://state-bucket/lakeform")
    with pytest.raises(
        RecoverError,
        match=r"nothing was released: the locks are in s3://state-bucket, not a local folder",
    ):
        _release_stale_lock("dev", message)
    assert lock.exists()


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"),
    reason="a new pid namespace needs root and util-linux's unshare",
)
def test_inside_a_container_no_lock_is_provably_dead(folder: Path) -> None:
    """In a pid namespace of its own (as in a container) the processes of another container with
    the same hostname are invisible: even a lock whose pid is unused there is kept."""
    lock = write_lock(folder, dead_pid())
    script = (
        "import sys\nfrom cli.locks import LockError, release_dead_locks\n"
        "try:\n    release_dead_locks(sys.stdin.read())\nexcept LockError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run(
        ["unshare", "--pid", "--fork", "--mount", "--mount-proc", sys.executable, "-c", script],
        input=pulumi_error(lock),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "may be live: this runs in a container (pid namespace pid:[" in done.stdout
    assert lock.exists()
