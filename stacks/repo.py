"""The repository's files as a program run reads them for uploads: contents on first use, glob
matches, nothing leading out of the repository (no resources: `lakeform drift` uses them too)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from metadata.paths import LeavesRepository, inside_repository, repo_glob
from stacks.config import LakeformError


class RepoFiles(Mapping[str, bytes]):
    """Repository-relative path -> file contents, read on first use. Each path is resolved again
    when read (metadata checked it, but a symlink may have changed since): one that leads out of
    the repository is refused, and the file is never opened."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._read: dict[str, bytes] = {}

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._read:
            try:
                path = inside_repository(self._root, rel)
            except LeavesRepository as err:
                raise LakeformError(f"cannot upload: {err}") from None
            if not path.is_file():
                raise KeyError(rel)
            # O_NOFOLLOW: the resolved path has no symlink left; one put there since is refused.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as f:
                self._read[rel] = f.read()
        return self._read[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read)

    def __len__(self) -> int:
        return len(self._read)


class RepoGlobs(Mapping[str, Sequence[str]]):
    """Repository-relative glob pattern -> matching files, sorted (`dir/**` means every file);
    a pattern matching anything that leads out of the repository is refused (`repo_glob`)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._seen: dict[str, list[str]] = {}

    def __getitem__(self, pattern: str) -> Sequence[str]:
        if pattern not in self._seen:
            try:
                self._seen[pattern] = repo_glob(self._root, pattern)
            except LeavesRepository as err:
                raise LakeformError(f"cannot upload: {err}") from None
        return self._seen[pattern]

    def __iter__(self) -> Iterator[str]:
        return iter(self._seen)

    def __len__(self) -> int:
        return len(self._seen)
