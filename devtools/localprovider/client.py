"""The provider's configuration and its REST client: loopback workspaces only."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cli import hosts
from components._sdk import defer_google_auth

PLUGIN_VERSION = "1.106.0"
"""The pulumi_databricks release whose plugin this one answers for (pyproject.toml's pin)."""

NOT_LOOPBACK = (
    "this is Lakeform's local Databricks provider, which talks only to a workspace on this "
    "machine (127.0.0.0/8, localhost, [::1]); databricks:host is {host!r}{why}. For a real "
    "workspace install the real plugin: pulumi plugin install resource databricks {version}"
)


class ConfigError(ValueError):
    """The provider configuration cannot be used; nothing was sent."""


class NotFound(Exception):
    """The workspace answered that the object does not exist (404 / RESOURCE_DOES_NOT_EXIST)."""


@dataclass(frozen=True)
class ProviderConfig:
    host: str
    token: str
    http_timeout_seconds: int = 60
    retry_timeout_seconds: int = 300
    rate_limit: int = 15


def _setting(variables: Mapping[str, str], args: Mapping[str, Any], name: str) -> str | None:
    value = variables.get(f"databricks:config:{name}")
    if value is None:
        raw = args.get(name)
        value = None if raw is None else str(raw)
    return value or None


def _integer(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(float(raw))
    except ValueError:
        raise ConfigError(f"databricks:{name} must be a whole number, got {raw!r}") from None


def loopback_url(host: str) -> str:
    """The URL the client is given for databricks:host `host` (cli.hosts.loopback_url: the client
    connects to exactly the host that was checked). A ConfigError for a host off the loopback or
    anything but a plain http(s)://host[:port] URL."""
    try:
        return hosts.loopback_url(host)
    except hosts.NotLoopback as refused:
        raise ConfigError(
            NOT_LOOPBACK.format(host=host, why=refused.why, version=PLUGIN_VERSION)
        ) from None


def configure(variables: Mapping[str, str], args: Mapping[str, Any]) -> ProviderConfig:
    """Read the engine's Configure request (stack config first, then DATABRICKS_* variables,
    as the real provider does), refusing any host that is not on the loopback."""
    host = _setting(variables, args, "host") or os.environ.get("DATABRICKS_HOST")
    if not host:
        raise ConfigError(
            "databricks:host is not set: set it in the stack file or export DATABRICKS_HOST"
        )
    url = loopback_url(host)
    token = _setting(variables, args, "token") or os.environ.get("DATABRICKS_TOKEN")
    if not token:
        raise ConfigError(
            "no token: export DATABRICKS_TOKEN or pulumi config set --secret databricks:token"
        )
    return ProviderConfig(
        host=url,
        token=token,
        http_timeout_seconds=_integer(
            "httpTimeoutSeconds", _setting(variables, args, "httpTimeoutSeconds"), 60
        ),
        retry_timeout_seconds=_integer(
            "retryTimeoutSeconds", _setting(variables, args, "retryTimeoutSeconds"), 300
        ),
        rate_limit=_integer("rateLimit", _setting(variables, args, "rateLimit"), 15),
    )


class _RateLimiter:
    """At most `rate` requests a second across all threads (the real provider's client-side
    limit, `databricks:rateLimit`, 15 by default)."""

    def __init__(self, rate: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Client:
    """REST calls through databricks-sdk's ApiClient: the same retries (429, 503, connection
    errors, with backoff until retryTimeoutSeconds) and timeouts as the provider's Go SDK."""

    def __init__(self, config: ProviderConfig) -> None:
        defer_google_auth()  # a token only: not the Google credential modules (components/_sdk.py)
        from databricks.sdk.core import ApiClient, Config

        self.config = config
        self._limit = _RateLimiter(config.rate_limit)
        self._api = ApiClient(
            Config(
                host=config.host,
                token=config.token,
                auth_type="pat",
                http_timeout_seconds=config.http_timeout_seconds,
                retry_timeout_seconds=config.retry_timeout_seconds,
            )
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        from databricks.sdk.errors import NotFound as SdkNotFound
        from databricks.sdk.errors import ResourceDoesNotExist

        self._limit.wait()
        try:
            answer = self._api.do(
                method,
                path,
                body=dict(body) if body is not None else None,
                query=dict(query) if query is not None else None,
            )
        except (SdkNotFound, ResourceDoesNotExist) as exc:
            raise NotFound(str(exc)) from exc
        return answer if isinstance(answer, dict) else {}
