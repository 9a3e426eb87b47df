"""Search (tolerant of typos), filters, sorting and pagination over the listed items."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace

from rapidfuzz import fuzz, utils

from cli.browse.catalog import Item

PAGE_SIZE = 50
MATCH_CUTOFF = 75
"""partial_ratio score each searched word must reach: `olsit` finds `Olist` (80): a missing or
swapped letter still matches, an unrelated word does not."""
SORTS = ("relevance", "name", "kind", "creator", "changed")
MANAGED = ("", "this", "other", "none")
"""Filter values: any; deployed by this stack; by another Lakeform stack; by no Lakeform stack."""


@dataclass(frozen=True)
class Filters:
    """What the list shows; kept in the browse state so a reload or restart keeps it."""

    q: str = ""
    kind: str = ""
    creator: str = ""
    tag: str = ""
    """`key` or `key=value`."""
    managed: str = ""
    sort: str = "relevance"
    desc: bool = False
    page: int = 1

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Filters:
        known = {f.name for f in fields(cls)}
        values: dict[str, object] = {}
        for k, v in data.items():
            if k not in known:
                continue
            if k == "page":
                try:
                    values[k] = max(1, int(str(v)))
                except ValueError:
                    values[k] = 1
            elif k == "desc":
                values[k] = v in (True, "1", "true", "on")
            else:
                values[k] = str(v).strip()
        out = cls(**values)  # pyright: ignore[reportArgumentType]
        if out.sort not in SORTS:
            out = replace(out, sort="relevance")
        if out.managed not in MANAGED:
            out = replace(out, managed="")
        return out

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def query(self, **changes: object) -> str:
        """This filter set as a URL query, with `changes` applied (empty values left out)."""
        from urllib.parse import urlencode

        data = {**self.as_dict(), **changes}
        return urlencode(
            {k: ("1" if v is True else v) for k, v in data.items() if v not in ("", False, None)}
        )


def managed_as(item: Item, stack: str | None) -> str:
    if not item.stack:
        return "none"
    return "this" if stack is not None and item.stack == stack else "other"


def _tag_matches(item: Item, tag: str) -> bool:
    key, _, value = tag.partition("=")
    if key not in item.tags:
        return False
    return not value or item.tags[key] == value


def match(query: str, text: str) -> float:
    """How well `text` matches every word of `query` (0: not at all). A word of three letters
    or more matches the best-aligned piece of `text` with a typo or two (`olsit` ~ `Olist`);
    a shorter one must appear as it is. The score is the worst word's."""
    haystack = utils.default_process(text)
    worst = 100.0
    for word in utils.default_process(query).split():
        if word in haystack:
            continue
        if len(word) < 3:
            return 0.0
        score = fuzz.partial_ratio(word, haystack, score_cutoff=MATCH_CUTOFF)
        if not score:
            return 0.0
        worst = min(worst, score)
    return worst


@dataclass
class Page:
    items: list[Item]
    total: int
    page: int
    pages: int
    scores: dict[str, float]


def run(items: Sequence[Item], f: Filters, stack: str | None) -> Page:
    """Filter, search, sort and cut one page."""
    chosen = [
        i
        for i in items
        if (not f.kind or i.kind == f.kind)
        and (not f.creator or f.creator.lower() in i.creator.lower())
        and (not f.tag or _tag_matches(i, f.tag))
        and (not f.managed or managed_as(i, stack) == f.managed)
    ]
    scores: dict[str, float] = {}
    if f.q:
        scores = {i.ref: score for i in chosen if (score := match(f.q, f"{i.name} {i.id}")) > 0}
        chosen = [i for i in chosen if i.ref in scores]
    sort = f.sort if f.q or f.sort != "relevance" else "name"
    if sort == "relevance":
        chosen.sort(key=lambda i: (-scores[i.ref], i.name.lower()), reverse=f.desc)
    elif sort == "changed":
        chosen.sort(key=lambda i: i.changed, reverse=not f.desc)  # newest first
    else:
        chosen.sort(key=lambda i: (str(getattr(i, sort)).lower(), i.name.lower()), reverse=f.desc)
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    page = min(f.page, pages)
    start = (page - 1) * PAGE_SIZE
    return Page(chosen[start : start + PAGE_SIZE], len(chosen), page, pages, scores)


__all__ = ["MANAGED", "PAGE_SIZE", "SORTS", "Filters", "Page", "managed_as", "run"]
