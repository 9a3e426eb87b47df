"""The only code that reads Pulumi config: the stack's settings and the workspace host."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pulumi

from components._sdk import api_client, defer_init
from metadata import MetadataError, Rows, load_rows
from metadata.delta import Tables
from metadata.load import StaleSplit
from metadata.settings import (
    SETTINGS_KEY,
    SettingsError,
    StackSettings,
    load_stack_settings,
    parse_settings,
)
from metadata.shards import (
    SHARD_KEY,
    ShardPart,
    read_index,
    same_config,
    shard_config,
    split_stack,
)


class LakeformError(pulumi.RunError):
    """A user-facing error: Pulumi prints `error: <message>` without a traceback."""


def load_settings(root: Path | None = None) -> StackSettings:
    """This stack's `lakeform:settings`, validated; a clear error names each bad field. A shard
    (`prod.finance`) reads its environment's, from Pulumi.prod.yaml."""
    stack = pulumi.get_stack()
    env, shard = split_stack(stack)
    if shard is not None:
        return _shard_settings(root or Path.cwd(), env, shard)
    value = pulumi.Config("lakeform").get_object("settings")
    if value is None:
        raise LakeformError(
            f"Pulumi.{stack}.yaml: missing `{SETTINGS_KEY}`; add it under `config:` "
            "(see Pulumi.local.yaml for an example)"
        )
    try:
        # the project root, as the CLI's readers: a `clone_settings` file applies to both
        return parse_settings(value, f"Pulumi.{stack}.yaml", root=root or Path.cwd())
    except SettingsError as err:
        raise LakeformError(f"invalid stack settings:\n{err}") from None


def _shard_settings(root: Path, env: str, shard: str) -> StackSettings:
    """The environment's settings for one of its shards, once its shard file is current."""
    own = root / f"Pulumi.{env}.{shard}.yaml"
    write = f"run `lakeform shards --stack {env} --write`"
    try:
        settings = load_stack_settings(root, env)
    except SettingsError as err:
        raise LakeformError(f"invalid stack settings:\n{err}") from None
    if settings.shards is None or shard not in settings.shards.shard_names():
        known = settings.shards.shard_names() if settings.shards else []
        raise LakeformError(
            f"stack {env}.{shard}: Pulumi.{env}.yaml has no shard {shard!r} "
            f"(lakeform:settings.shards: {', '.join(known) or 'none'})"
        )
    named = pulumi.Config("lakeform").get(SHARD_KEY.split(":", 1)[1])
    env_text = (root / f"Pulumi.{env}.yaml").read_text(encoding="utf-8")
    text = own.read_text(encoding="utf-8") if own.is_file() else None
    if (
        named != shard
        or text is None
        or not same_config(shard_config(env, env_text, shard, text), text)
    ):
        raise LakeformError(
            f"{own.name} is missing or out of date with Pulumi.{env}.yaml (its provider "
            f"settings and secrets are copied from there): {write}"
        )
    return settings


def load_stack_rows(settings: StackSettings, root: Path) -> tuple[Rows, ShardPart | None]:
    """The stack's metadata rows, resolved for it (`build` applies the stack-wide defaults); bad
    metadata: a clean error listing each problem.

    A shard reads its environment's rows; only its own, with its part of the environment, when
    `lakeform plan/up` left the environment's shards for it (metadata/shards.py `read_index`)
    and the metadata is as then: each shard's program then parses, checks and holds a tenth of
    the rows, not all of them. Else (run by hand after an edit) every row, split by `build`."""
    stack, shard = split_stack(pulumi.get_stack())
    indexed = read_index(root, settings, stack, shard) if shard is not None else None
    only, part = indexed if indexed is not None else (None, None)
    paths = [root / p for p in settings.metadata_paths]
    # before metadata/delta.py's first `databricks.sdk.errors` import would run the package's
    # __init__.py: see _workspace_client
    defer_init("databricks.sdk")
    tables = Tables(_workspace_client)
    try:
        try:
            rows = load_rows(
                paths, root=root, stack=stack, settings=settings, tables=tables, only=only
            )
        except StaleSplit:  # the control tables changed since the split: every row, as by hand
            part = None
            rows = load_rows(paths, root=root, stack=stack, settings=settings, tables=tables)
    except MetadataError as err:
        # the warnings too: they often explain the problems (an old spelling read differently)
        warnings = "".join(f"\nwarning: {w}" for w in err.warnings)
        raise LakeformError(f"invalid metadata:\n{err}{warnings}") from None
    for warning in rows.warnings:
        pulumi.log.warn(f"metadata: {warning}")
    return rows, part


def _workspace_client() -> Any:
    """The stack's workspace for Unity Catalog calls (control tables named catalog.schema.table):
    the provider's host, and its token (`databricks:token`, else databricks-sdk's own auth,
    e.g. DATABRICKS_TOKEN, which the CLI sets for stack `local`).

    The two services metadata/delta.py calls (`tables`, `temporary_table_credentials`) on the
    client WorkspaceClient would make (components._sdk.api_client), without the package's
    `__init__.py` (deferred by `load_stack_rows`), which imports every service module: about
    0.75 CPU-s of each program run of a stack with control tables."""
    config = pulumi.Config("databricks")
    host = config.get("host") or os.environ.get("DATABRICKS_HOST")
    token = os.environ.get("DATABRICKS_TOKEN") or config.get("token")
    auth: dict[str, Any] = {"token": token, "auth_type": "pat"} if host and token else {}
    api = api_client(host=host, **auth)
    from databricks.sdk.service.catalog import TablesAPI, TemporaryTableCredentialsAPI

    return SimpleNamespace(
        tables=TablesAPI(api), temporary_table_credentials=TemporaryTableCredentialsAPI(api)
    )


def workspace_host(settings: StackSettings) -> str | None:
    """Host used for URLs in stack outputs: `ui_host`, else the provider's host config or env."""
    host = (
        settings.ui_host
        or pulumi.Config("databricks").get("host")
        or os.environ.get("DATABRICKS_HOST")
    )
    if host and not host.startswith(("http://", "https://")):
        host = f"https://{host}"
    return host.rstrip("/") if host else None
