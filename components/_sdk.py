"""Packages imported without the modules a process does not use, until it uses them.

Some packages' `__init__.py` import far more than a process uses: databricks-sdk's imports every
service module (1.0 CPU-s) where the local provider, the program's control-table reads and
`lakeform`'s API reads use the client core alone (`api_client`). `defer_init` puts such a package
in `sys.modules` unexecuted, so its submodules import alone; any other name read from it runs the
real `__init__.py` first, once. `defer_google_auth` does the like for the Google credential
modules the SDK's core imports for two sign-in methods.
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


GOOGLE_MODULES = ("google.auth.impersonated_credentials", "google.oauth2.service_account")
"""What databricks.sdk.credentials_provider imports at its top for its `google-credentials` and
`google-id` methods only (databricks-sdk 0.x), and which import `cryptography`'s x509 and key
modules: 0.045 of the client core's 0.105 CPU-s (google.auth.transport.requests, which it
imports too, takes the service_account module from here)."""


def defer_google_auth() -> None:
    """Make GOOGLE_MODULES load on first use (importlib.util.LazyLoader): the module object is
    in sys.modules and on its package at once, its code run when an attribute of it is first
    read. Every other credential method never reads one: `lakeform plan/up/drift` and the local
    provider, which import the client core for every run, authenticate with a token or by the
    method the configuration names; a Google method runs as before, the modules loaded then.
    A no-op for a module already imported (and so once credentials_provider is)."""
    for name in GOOGLE_MODULES:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue  # not installed: the SDK's own import says so
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        package, _, child = name.rpartition(".")
        setattr(sys.modules[package], child, module)  # `from package import child` takes it


def api_client(**config: Any) -> Any:
    """databricks-sdk's `ApiClient` on `Config(**config)`, as `WorkspaceClient(**config)` makes
    it (databricks-sdk 0.x `__init__.py`: `Config(...)`, then `ApiClient` on a copy of it, which
    for a Config made here and held nowhere else is the same; the user agent's product, which
    WorkspaceClient names `unknown/0.0.0`, is the SDK's default, the same),
    with neither the package's `__init__.py` (every service module) nor the Google credential
    modules until something uses them. Service classes (`catalog.TablesAPI`) take it as their
    `WorkspaceClient` attribute does."""
    defer_init("databricks.sdk")  # a no-op where it is imported already
    defer_google_auth()
    from databricks.sdk.core import ApiClient, Config

    return ApiClient(Config(**config))
