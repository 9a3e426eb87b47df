"""The workspace's state: one JSON document, optionally persisted atomically after every write."""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

STATE_VERSION = 1
USER_NAME = "local.user@lakeform.local"
USER_ID = "4212345678901234"


class StateError(Exception):
    """The state file cannot be read; the message names the file and the problem."""


def now_ms() -> int:
    return int(time.time() * 1000)


def new_state(workspace_id: int | None = None) -> dict[str, Any]:
    home = f"/Users/{USER_NAME}"
    first_object_id = random.randrange(10**15, 2 * 10**15)
    # The folders every workspace starts with.
    objects = {
        path: {"object_type": "DIRECTORY", "path": path, "object_id": first_object_id + i}
        for i, path in enumerate(("/Shared", "/Users", home))
    }
    return {
        "version": STATE_VERSION,
        # Real workspace ids are 16-digit int64s; stay below 2**53 so JSON readers keep them exact.
        "workspace_id": workspace_id or random.randrange(10**15, 9 * 10**15),
        "user_name": USER_NAME,
        "jobs": {},
        "runs": {},
        "pipelines": {},
        "monitors": {},
        # Test-only: how runs, updates and refreshes end (devtools/workspace/runs.py).
        "outcomes": [],
        "objects": objects,
        "next_object_id": first_object_id + len(objects),
        "next_run_id": random.randrange(10**14, 5 * 10**14),
    }


class Store:
    """Holds the state; `commit()` makes it durable before a write is acknowledged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            # A kill during a write can leave a temp file behind; the state file itself is whole.
            for stale in path.parent.glob(f".{path.name}.*.tmp"):
                stale.unlink(missing_ok=True)
        if path is not None and path.exists():
            self.data = self._read(path)
        else:
            self.data = new_state()
            try:
                self.commit()
            except OSError as exc:
                raise StateError(f"{path}: cannot write the workspace state: {exc}") from exc

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"{path}: cannot read the workspace state: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise StateError(
                f"{path}:{exc.lineno}:{exc.colno}: the workspace state is not valid JSON "
                f"({exc.msg}); move the file away to start with an empty workspace"
            ) from exc
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise StateError(
                f"{path}: not a Lakeform workspace state (expected an object with "
                f'"version": {STATE_VERSION}); move the file away to start afresh'
            )
        fresh = new_state(int(data.get("workspace_id") or 0) or None)
        return {**fresh, **data}

    def commit(self) -> None:
        """Write the state atomically: temp file in the same directory, fsync, rename, fsync dir."""
        if self.path is None:
            return
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        # One dumps and one write: several times faster than json.dump's many small writes.
        payload = json.dumps(self.data, separators=(",", ":")).encode()
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def reload(self) -> None:
        """Forget unsaved changes (after a failed commit) by rereading the last durable state."""
        if self.path is not None and self.path.exists():
            self.data = self._read(self.path)

    def new_object_id(self) -> int:
        value = int(self.data["next_object_id"])
        self.data["next_object_id"] = value + random.randrange(1, 1000)
        return value

    def new_run_id(self, reserve: int = 0) -> int:
        """A new run id; `reserve` more ids after it are kept free for the run's task runs."""
        value = int(self.data["next_run_id"])
        self.data["next_run_id"] = value + reserve + random.randrange(1, 1000)
        return value

    def new_job_id(self) -> int:
        while True:
            # 15-16 digits like the real service's, below 2**53 so no JSON reader rounds them.
            job_id = random.randrange(10**14, 2**53)
            if str(job_id) not in self.data["jobs"]:
                return job_id
