"""What the page lists: every job, pipeline and monitor of the workspace, read once in the
background (with progress), cached on disk, and read again on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cli.adopt import PARALLEL, Api, get_monitor, get_pipeline, list_all
from cli.browse.errors import in_words
from metadata.kinds import JOBS, KINDS, PIPELINES, QUALITY_MONITORS

KIND_LABELS = {name: kind.key_word for name, kind in KINDS.items()}


@dataclass
class Item:
    """One listed resource, with what people search and filter on."""

    kind: str
    """`jobs`, `pipelines` or `quality_monitors` (as in rows)."""
    id: str
    """Job id, pipeline id or monitored table: what `pulumi import` needs."""
    name: str
    creator: str = ""
    trigger: str = ""
    """`0 0 6 * * ? (UTC)`, `continuous`, `file arrival`, `manual`."""
    state: str = ""
    tags: dict[str, str] = field(default_factory=dict[str, str])
    changed: int = 0
    """Last change (pipelines, monitors) or creation (jobs: the API has no last change), in ms."""
    stack: str = ""
    """The Lakeform stack that deploys it (tag lakeform_stack), empty when none does."""

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


def _schedule(settings: Mapping[str, Any]) -> tuple[str, str]:
    """(trigger, state) of a job from its settings."""
    schedule = settings.get("schedule") or {}
    trigger = settings.get("trigger") or {}
    continuous = settings.get("continuous") or {}
    if schedule:
        paused = schedule.get("pause_status") == "PAUSED"
        cron = f"{schedule.get('quartz_cron_expression', '?')} ({schedule.get('timezone_id', '')})"
        return cron, "paused" if paused else "scheduled"
    if continuous:
        return "continuous", "paused" if continuous.get("pause_status") == "PAUSED" else "active"
    if trigger:
        paused = trigger.get("pause_status") == "PAUSED"
        kinds = [k for k in ("file_arrival", "table_update", "periodic", "table") if k in trigger]
        return (kinds[0].replace("_", " ") if kinds else "trigger"), (
            "paused" if paused else "active"
        )
    return "manual", "manual"


def job_item(job: Mapping[str, Any]) -> Item:
    settings = job.get("settings") or {}
    trigger, state = _schedule(settings)
    tags = {str(k): str(v) for k, v in (settings.get("tags") or {}).items()}
    return Item(
        kind=JOBS.name,
        id=str(job.get("job_id", "")),
        name=str(settings.get("name") or f"job {job.get('job_id')}"),
        creator=str(job.get("creator_user_name") or ""),
        trigger=trigger,
        state=state,
        tags=tags,
        changed=int(job.get("created_time") or 0),
        stack=tags.get("lakeform_stack", "") if tags.get("lakeform_managed") == "true" else "",
    )


def pipeline_item(pipeline: Mapping[str, Any]) -> Item:
    spec = pipeline.get("spec") or {}
    tags = {str(k): str(v) for k, v in (spec.get("tags") or {}).items()}
    continuous = bool(spec.get("continuous"))
    return Item(
        kind=PIPELINES.name,
        id=str(pipeline.get("pipeline_id", "")),
        name=str(pipeline.get("name") or spec.get("name") or ""),
        creator=str(pipeline.get("creator_user_name") or ""),
        trigger="continuous" if continuous else "triggered",
        state=str(pipeline.get("state") or "").lower(),
        tags=tags,
        changed=int(pipeline.get("last_modified") or 0),
        stack=tags.get("lakeform_stack", "") if tags.get("lakeform_managed") == "true" else "",
    )


def monitor_item(monitor: Mapping[str, Any], stack_tables: Mapping[str, str]) -> Item:
    schedule = monitor.get("schedule") or {}
    table = str(monitor.get("table_name") or "")
    profile = next((k for k in ("time_series", "snapshot", "inference_log") if k in monitor), "")
    cron = schedule.get("quartz_cron_expression")
    return Item(
        kind=QUALITY_MONITORS.name,
        id=table,
        name=table,
        creator="",
        trigger=f"{cron} ({schedule.get('timezone_id', '')})" if cron else "manual refresh",
        state=str(monitor.get("status") or "").removeprefix("MONITOR_STATUS_").lower(),
        tags={"profile": profile} if profile else {},
        changed=0,
        # Monitors carry no tags: one is the stack's when a row of the stack names its table.
        stack=stack_tables.get(table, ""),
    )


@dataclass
class Listing:
    """Progress of the background read, as the page shows it."""

    phase: str = "idle"
    """`idle`, `listing`, `done`, `failed`."""
    counts: dict[str, int] = field(default_factory=dict[str, int])
    detail: str = ""
    error: str = ""
    started: float = 0.0
    finished: float = 0.0


class Catalog:
    """The listed items, in memory and in `cache_path`; one background read at a time."""

    def __init__(
        self,
        connect: Callable[[], Api],
        cache_path: Path,
        monitor_tables: Callable[[], Iterable[str]],
        stack_tables: Mapping[str, str],
    ) -> None:
        self.connect = connect
        self.cache_path = cache_path
        self.monitor_tables = monitor_tables
        self.stack_tables = dict(stack_tables)
        self.items: list[Item] = []
        self.by_ref: dict[str, Item] = {}
        self.listing = Listing()
        self.cached_at = 0.0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._load_cache()

    def _load_cache(self) -> None:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            items = [Item(**i) for i in data["items"]]
        except (OSError, ValueError, KeyError, TypeError):
            return
        self._set(items)
        self.cached_at = float(data.get("at") or 0)
        self.listing = Listing(phase="done", counts=self._counts(items), finished=self.cached_at)

    def _set(self, items: list[Item]) -> None:
        items.sort(key=lambda i: (i.name.lower(), i.kind, i.id))
        with self._lock:
            self.items = items
            self.by_ref = {i.ref: i for i in items}

    @staticmethod
    def _counts(items: Iterable[Item]) -> dict[str, int]:
        counts = dict.fromkeys(KIND_LABELS, 0)
        for i in items:
            counts[i.kind] += 1
        return counts

    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def refresh(self) -> None:
        """Start a background read unless one is running."""
        with self._lock:
            if self.busy():
                return
            self.listing = Listing(phase="listing", started=time.time())
            self._thread = threading.Thread(target=self._read, daemon=True, name="browse-list")
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _read(self) -> None:
        listing = self.listing
        try:
            items = self._read_all(listing)
        except Exception as err:  # shown on the page; what was listed before stays
            listing.error = in_words(err)
            listing.phase = "failed"
            listing.finished = time.time()
            return
        self._set(items)
        self.cached_at = time.time()
        tmp = self.cache_path.with_suffix(".tmp")
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"at": self.cached_at, "items": [asdict(i) for i in items]}))
        tmp.replace(self.cache_path)
        listing.counts = self._counts(items)
        listing.phase = "done"
        listing.detail = ""
        listing.finished = time.time()

    def _read_all(self, listing: Listing) -> list[Item]:
        from databricks.sdk.errors import NotFound

        api = self.connect()
        items: list[Item] = []
        listing.counts = dict.fromkeys(KIND_LABELS, 0)

        def counted(kind: str) -> Callable[[int, bool], None]:
            def on_page(count: int, _last: bool) -> None:
                listing.counts[kind] = count
                listing.detail = f"listing {KIND_LABELS[kind]}s: {count}"

            return on_page

        for job in list_all(api, JOBS.name, counted(JOBS.name)):
            items.append(job_item(job))
        # The list answer has no tags, schedule or last change: each pipeline is read.
        states = list(list_all(api, PIPELINES.name, counted(PIPELINES.name)))
        done = [0]

        def one_pipeline(state: Mapping[str, Any]) -> Item:
            answer = get_pipeline(api, str(state["pipeline_id"]))
            done[0] += 1
            listing.detail = f"reading pipelines: {done[0]}/{len(states)}"
            return pipeline_item(answer)

        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            items.extend(pool.map(one_pipeline, states))

        tables = list(dict.fromkeys(self.monitor_tables()))
        found = [0]

        def one_monitor(table: str) -> Item | None:
            try:
                answer = get_monitor(api, table)
            except NotFound:
                return None
            found[0] += 1
            listing.counts[QUALITY_MONITORS.name] = found[0]
            listing.detail = f"looking for monitors on {len(tables)} tables: {found[0]} found"
            return monitor_item(answer, self.stack_tables)

        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            items.extend(i for i in pool.map(one_monitor, tables) if i is not None)
        return items


__all__ = ["KIND_LABELS", "Catalog", "Item", "Listing", "job_item", "monitor_item", "pipeline_item"]
