"""A stack's DIY-backend locks: release them only when every one is provably dead on this machine.

Pulumi's DIY backend (pkg/v3/backend/diy/lock.go, 3.259) writes one lock file per running
operation, `<backend>/.pulumi/locks/<org>/<project>/<stack>/<uuid>.json`, holding only
`{"pid", "username", "hostname", "timestamp"}`; `pulumi cancel` deletes every file in that folder,
live or not. Nothing in a lock names the machine beyond its hostname, which containers, pods and
cloned VMs share freely, and its pid means something only in the pid namespace it was taken in. So
a lock is released here only when all of these hold, for every lock of the stack:

1. the backend is a `file://` folder on a local filesystem (ext4, xfs, btrfs, tmpfs, overlay...),
   so only this machine can have written it; a bucket (s3://, gs://, azblob://) or a network or
   shared filesystem (nfs, cifs, 9p, virtiofs, fuse) may hold the lock of any machine;
2. the lock's hostname is this machine's;
3. this process is in the initial pid namespace (not in a container) and /proc hides no process
   (no `hidepid`), so every process of this machine, in every container, is visible here;
4. no process of this machine has the lock's pid (in its own pid namespace: the last entry of
   `NSpid`) and started before the lock was taken (with `SLACK` seconds for clock rounding). A
   process with that pid started after the lock's timestamp is the pid reused, not the holder:
   a process cannot take a lock before it exists. Its command name is not used: a live holder
   may have any name (a wrapper, a renamed binary), so a name says nothing either way.

Otherwise nothing is released and the error names the lock (file, pid, user@host, time) and why.
Released locks are exactly the files checked (never `pulumi cancel`), so a lock taken between the
check and the release is left alone. What no check here can rule out: a virtual machine on this
host that mounts the same folder and is given the same hostname (its processes are not in this
kernel's /proc).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

PROC = Path("/proc")
INITIAL_PID_NAMESPACE = "pid:[4026531836]"
"""/proc/self/ns/pid in the initial pid namespace (the kernel's PROC_PID_INIT_INO, 0xEFFFFFFC)."""
LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "f2fs", "bcachefs"}
)
"""Filesystems only this kernel writes; anything else (nfs, cifs, 9p, virtiofs, fuse.*) may be
shared with another machine."""
SLACK = timedelta(seconds=5)
"""A process started less than this after a lock's timestamp may still be its holder: boot time
(/proc/stat btime) is whole seconds and moves with clock adjustments."""

_LOCK_LINE = re.compile(r"^\s*(?P<url>\S+): created by .*\(pid \d+\) at \S+$", re.MULTILINE)


class LockError(Exception):
    """A lock that may be live, or a backend where that cannot be known; nothing was released."""


@dataclass(frozen=True)
class Lock:
    """One lock file, as Pulumi wrote it."""

    path: Path
    pid: int
    username: str
    hostname: str
    timestamp: datetime

    def __str__(self) -> str:
        return (
            f"{self.path}: pid {self.pid}, {self.username}@{self.hostname}, "
            f"at {self.timestamp.isoformat(timespec='seconds')}"
        )


def lock_folder(message: str) -> Path:
    """The folder of the stack's locks, from Pulumi's "currently locked" error."""
    urls = [m["url"] for m in _LOCK_LINE.finditer(message)]
    if not urls:
        raise LockError(f"no lock file named in pulumi's message: {message.strip()}")
    url = urlparse(urls[0])
    if url.scheme != "file":
        raise LockError(
            f"the locks are in {url.scheme}://{url.netloc}, not a local folder: any machine that "
            "can write there may hold them, and a lock records only a hostname"
        )
    return Path(unquote(url.path)).parent


def read_locks(folder: Path) -> list[Lock]:
    """Every lock in `folder`: as for Pulumi, each file there but gocloud's `.attrs` sidecars."""
    locks: list[Lock] = []
    for path in sorted(p for p in folder.iterdir() if not p.name.endswith(".attrs")):
        try:
            held = json.loads(path.read_text())
            locks.append(
                Lock(
                    path,
                    int(held["pid"]),
                    str(held["username"]),
                    str(held["hostname"]),
                    _timestamp(str(held["timestamp"])),
                )
            )
        except FileNotFoundError:
            continue  # released meanwhile
        except (ValueError, KeyError, TypeError) as err:
            raise LockError(f"{path}: not a Pulumi lock ({err})") from None
    return locks


def _timestamp(text: str) -> datetime:
    """Go's RFC 3339 with nanoseconds (and `Z`), at microsecond precision."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text}")
    return stamp


def why_not_dead(lock: Lock) -> str | None:
    """Why `lock` may be held by a live process; None when it is provably dead."""
    if lock.hostname != socket.gethostname():
        return f"taken on host {lock.hostname}, not this one ({socket.gethostname()})"
    if not sys.platform.startswith("linux"):
        return "only Linux's /proc shows every process and its start time"
    fstype = _filesystem(lock.path.parent)
    if fstype not in LOCAL_FILESYSTEMS:
        return f"the lock folder is on a {fstype} filesystem, which another machine may share"
    namespace = os.readlink(PROC / "self" / "ns" / "pid")
    if namespace != INITIAL_PID_NAMESPACE:
        return (
            f"this runs in a container (pid namespace {namespace}): a process of another "
            "container with the same hostname would not be visible here"
        )
    if _hidepid():
        return "/proc is mounted with hidepid: other users' processes are not visible"
    boot = _boot_time()
    for pid, started in _processes_with_pid(lock.pid, boot):
        if started <= lock.timestamp + SLACK:
            return f"process {pid} has pid {lock.pid} and started before the lock was taken"
    return None


def release_dead_locks(message: str) -> list[Lock]:
    """Delete the stack's lock files if every one is provably dead (see the module docstring);
    else raise LockError naming the first that may be live, and delete nothing."""
    folder = lock_folder(message)
    locks = read_locks(folder)
    if not locks:
        raise LockError(f"pulumi named a lock in {folder}, but there is none there now")
    for lock in locks:
        why = why_not_dead(lock)
        if why is not None:
            raise LockError(f"{lock} may be live: {why}")
    for lock in locks:
        lock.path.unlink(missing_ok=True)
        lock.path.with_name(lock.path.name + ".attrs").unlink(missing_ok=True)
    return locks


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, filesystem type, superblock options) of each mount, from mountinfo."""
    mounts: list[tuple[str, str, str]] = []
    for line in (PROC / "self" / "mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])
        mounts.append((point, rest[0], rest[2] if len(rest) > 2 else ""))
    return mounts


def _filesystem(folder: Path) -> str:
    """The type of the filesystem holding `folder` (the longest mount point above it)."""
    real = folder.resolve()
    best, fstype = -1, "unknown"
    for point, kind, _ in _mounts():
        if (real == Path(point) or Path(point) in real.parents) and len(point) > best:
            best, fstype = len(point), kind
    return fstype


def _hidepid() -> bool:
    for point, kind, options in _mounts():
        if kind == "proc" and Path(point) == PROC:
            found = re.search(r"hidepid=(\w+)", options)
            return found is not None and found[1] not in ("0", "off")
    return False


def _boot_time() -> datetime:
    for line in (PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return datetime.fromtimestamp(int(line.split()[1])).astimezone()
    raise LockError(f"no btime in {PROC / 'stat'}")


def _processes_with_pid(pid: int, boot: datetime) -> list[tuple[int, datetime]]:
    """(pid here, start time) of every process whose pid in its own namespace is `pid`."""
    ticks = os.sysconf("SC_CLK_TCK")
    found: list[tuple[int, datetime]] = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            stat = (entry / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended during the scan
        nspid = re.search(r"^NSpid:\s+(.*)$", status, re.MULTILINE)
        innermost = int(nspid[1].split()[-1]) if nspid else int(entry.name)
        if innermost == pid:
            start_ticks = int(stat.rpartition(")")[2].split()[19])
            found.append((int(entry.name), boot + timedelta(seconds=start_ticks / ticks)))
    return found
