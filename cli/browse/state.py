"""What survives a reload and a restart of `lakeform browse`: the selection, the filters, the
export settings and an export in progress, in one JSON file under .lakeform/browse/."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Selected:
    kind: str
    id: str
    name: str
    sources: bool = False
    """Also fetch the notebooks and files its tasks or libraries name into the repository."""


@dataclass
class Targets:
    """Where an export writes, relative to the project."""

    rows: str = "resources/adopted/adopted.yaml"
    import_file: str = "adopt/import.json"
    sources: str = "src/adopted"


@dataclass
class ExportRun:
    """An export, written to the state file at every step so it resumes after a restart."""

    status: str = "running"
    """`running`, `done`, `failed`, `confirm` (existing files: overwrite?)."""
    refs: list[str] = field(default_factory=list[str])
    overwrite: bool = False
    phase: str = "starting"
    done: int = 0
    total: int = 0
    messages: list[str] = field(default_factory=list[str])
    """Per-item outcomes worth reading: rows left out, fetch failures, notes."""
    conflicts: list[str] = field(default_factory=list[str])
    written: list[str] = field(default_factory=list[str])
    error: str = ""
    commands: list[str] = field(default_factory=list[str])


@dataclass
class BrowseState:
    filters: dict[str, Any] = field(default_factory=dict[str, Any])
    selection: dict[str, Selected] = field(default_factory=dict[str, Selected])
    """ref (`jobs:123`) -> the selected item, in the order selected."""
    targets: Targets = field(default_factory=Targets)
    monitor_tables: list[str] = field(default_factory=list[str])
    """Tables added on the page to look for monitors on."""
    export: ExportRun | None = None


class StateFile:
    """The state, loaded once, saved atomically after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.state = self._load()

    def _load(self) -> BrowseState:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return BrowseState()
        try:
            export = data.get("export")
            return BrowseState(
                filters=dict(data.get("filters") or {}),
                selection={k: Selected(**v) for k, v in (data.get("selection") or {}).items()},
                targets=Targets(**(data.get("targets") or {})),
                monitor_tables=list(data.get("monitor_tables") or []),
                export=ExportRun(**export) if export else None,
            )
        except TypeError:  # written by another version: start afresh rather than fail
            return BrowseState()

    def save(self) -> None:
        with self.lock:
            text = json.dumps(asdict(self.state), indent=1)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            with tmp.open("w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            tmp.replace(self.path)


__all__ = ["BrowseState", "ExportRun", "Selected", "StateFile", "Targets"]
