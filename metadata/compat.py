"""Readers of the lakeflow-jobs-meta formats into the native row layout."""

from __future__ import annotations

from typing import Any

from metadata.errors import Problem


def from_lakeflow_jobs_meta(data: Any, name: str) -> tuple[Any, list[Problem]]:
    return data, []


def from_source_rows(data: Any, name: str) -> tuple[Any, list[Problem]]:
    return data, []
