"""Opaque page tokens for the list calls (an offset, so pages are stable between calls)."""

from __future__ import annotations

import base64

from devtools.workspace.app import Request
from devtools.workspace.errors import invalid


def token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def offset(req: Request) -> int:
    """Where a page starts: from `page_token` if given, else from `offset` (Jobs API 2.1)."""
    raw = req.arg("page_token")
    if raw:
        try:
            text = base64.urlsafe_b64decode(raw.encode()).decode()
            if not text.startswith("offset:"):
                raise ValueError(text)
            return int(text.removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError):
            raise invalid(f"Invalid page_token {raw!r}") from None
    start = req.arg_int("offset", 0) or 0
    if start < 0:
        raise invalid(f"offset must not be negative, got {start}")
    return start
