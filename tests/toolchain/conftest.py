"""Load devtools/toolchain/pins.py and devtools/toolchain/build.py (plain scripts, not an
installed package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TOOLCHAIN = Path(__file__).resolve().parents[2] / "devtools" / "toolchain"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLCHAIN / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # build.py does `import pins`
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def pins() -> ModuleType:
    return _load("pins")


@pytest.fixture(scope="session")
def build(pins: ModuleType) -> ModuleType:
    return _load("build")
