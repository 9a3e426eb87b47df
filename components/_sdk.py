"""A package imported without running its `__init__.py` until a name needs it (`defer_init`).

Some packages' `__init__.py` import far more than a process uses: databricks-sdk's imports every
service module (1.0 CPU-s) where the local provider and `lakeform`'s API reads use the client
core alone. `defer_init` puts such a package in `sys.modules` unexecuted, so its submodules import
alone; any other name read from it runs the real `__init__.py` first, once.
(The program itself no longer imports `pulumi_databricks` at all: components/provider.py.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any


def _load_all(package: ModuleType) -> None:
    """Run the package's real `__init__.py` in `package` (once)."""
    if package.__dict__.get("_lakeform_loaded_all"):
        return
    package.__dict__["_lakeform_loaded_all"] = True
    spec = package.__spec__
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(package)


def defer_init(name: str) -> None:
    """Put package `name` in `sys.modules` with its `__init__.py` not run yet (a no-op once it
    is imported): its submodules import alone; a name read from it is its submodule of that
    name, else (the real `__init__.py` run first) what that binds.
    Any package whose `__init__.py` imports much more than the process uses can be deferred so;
    databricks-sdk's (every service module, 1.0 CPU-s) is by the local provider."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return  # not installed: the first real import says so
    package = importlib.util.module_from_spec(spec)

    def __getattr__(attribute: str) -> Any:  # PEP 562
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        if not package.__dict__.get("_lakeform_loaded_all"):
            submodule = f"{name}.{attribute}"  # `from . import useragent` asks here first
            if submodule in sys.modules or importlib.util.find_spec(submodule) is not None:
                return importlib.import_module(submodule)
            _load_all(package)
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    def __dir__() -> list[str]:  # PEP 562
        _load_all(package)
        return sorted(package.__dict__)

    package.__dict__["__getattr__"] = __getattr__
    package.__dict__["__dir__"] = __dir__
    sys.modules[name] = package
