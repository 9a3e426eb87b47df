"""Files the CLI writes, whole or not at all: a temporary file beside each target, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_atomic(files: Mapping[Path, str]) -> None:
    """Write each text to its path. All are written to temporary files in the targets' folders
    first, then each is renamed over its target, so an interruption (Ctrl-C, a full disk) leaves
    every target as it was or whole, never half written; the temporary files are removed."""
    umask = os.umask(0)
    os.umask(umask)
    temps: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((Path(tmp), path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(fd, 0o666 & ~umask)  # what a plain write gives, not mkstemp's 0600
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, path in temps:
            tmp.replace(path)
    finally:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
