"""Fixtures shared by the test folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def clean_databricks_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Stray DATABRICKS_* / cloud variables or a ~/.databrickscfg could add a second auth method
    to a databricks-sdk client: remove them for the test."""
    for name in list(os.environ):
        if name.startswith(("DATABRICKS_", "ARM_", "GOOGLE_", "AZURE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
