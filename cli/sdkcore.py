"""databricks-sdk's client core (`databricks.sdk.core`: ApiClient, Config) without the Google
Cloud credential modules until a Google method uses them."""

from __future__ import annotations

import importlib.util
import sys

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
