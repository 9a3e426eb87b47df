"""What the page lists: every resource of each browsed kind in the workspace, read once in the
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

from cli.adopt import PARALLEL, Api, get_one, list_all, with_catalog_names
from cli.browse.errors import in_words
from metadata.kinds import KINDS

KIND_LABELS = {name: kind.key_word for name, kind in KINDS.items() if kind.browse is not None}


@dataclass
class Item:
    """One listed resource, with what people search and filter on."""

    kind: str
    """The kind's name (as in rows)."""
    id: str
    """The id its kind's `rest.get` takes: job id, pipeline id, monitored table, ..."""
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


def item_of(kind: str, answer: Mapping[str, Any], stack_objects: Mapping[str, str]) -> Item:
    """An API answer -> the listed item, labelled by the kind's `Browse.item`. Its stack: the
    `lakeform_stack` tag of a Lakeform-managed one; for kinds without tags, the stack whose rows
    name it (`stack_objects`, full name -> stack)."""
    browse = KINDS[kind].browse
    assert browse is not None, kind
    labels = browse.item(answer)
    item = Item(kind=kind, **labels)
    tags = item.tags
    if tags.get("lakeform_managed") == "true":
        item.stack = tags.get("lakeform_stack", "")
    elif "lakeform_managed" not in tags:
        item.stack = stack_objects.get(item.name, "")
    return item


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
        api = self.connect()
        items: list[Item] = []
        listing.counts = dict.fromkeys(KIND_LABELS, 0)

        def counted(kind: str) -> Callable[[int, bool], None]:
            def on_page(count: int, _last: bool) -> None:
                listing.counts[kind] = count
                listing.detail = f"listing {KIND_LABELS[kind]}s: {count}"

            return on_page

        for name in KIND_LABELS:
            items.extend(self._read_kind(api, name, listing, counted(name)))
        return items

    def _read_kind(
        self, api: Api, kind: str, listing: Listing, on_page: Callable[[int, bool], None]
    ) -> list[Item]:
        """Every resource of `kind` as its `Browse.read` says it is found."""
        from databricks.sdk.errors import NotFound

        browse, rest = KINDS[kind].browse, KINDS[kind].rest
        assert browse is not None and rest is not None, kind
        what = KIND_LABELS[kind]
        if browse.read == "tables":
            # Schemas named by other kinds' rows are not tables.
            tables = [t for t in dict.fromkeys(self.monitor_tables()) if t.count(".") == 2]
            found = [0]

            def on_table(table: str) -> dict[str, Any] | None:
                try:
                    answer = get_one(api, kind, table)
                except NotFound:
                    return None
                found[0] += 1
                listing.counts[kind] = found[0]
                listing.detail = f"looking for {what}s on {len(tables)} tables: {found[0]} found"
                return answer

            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                answers = [a for a in pool.map(on_table, tables) if a is not None]
        else:
            answers = list(list_all(api, kind, on_page))
            if browse.read == "list_then_get":
                done = [0]

                def read(listed: Mapping[str, Any]) -> dict[str, Any]:
                    answer = get_one(api, kind, rest.ident(listed))
                    done[0] += 1
                    listing.detail = f"reading {what}s: {done[0]}/{len(answers)}"
                    return answer

                with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                    answers = list(pool.map(read, answers))
        with_catalog_names(api, kind, answers)
        return [item_of(kind, a, self.stack_tables) for a in answers]


__all__ = ["KIND_LABELS", "Catalog", "Item", "Listing", "item_of"]
