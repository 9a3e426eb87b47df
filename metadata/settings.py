"""The stack settings model: one structured `lakeform:settings` config value per stack."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from metadata.kinds import PROTECTED_KINDS
from metadata.models.shared import EmailNotifications, RunAs
from metadata.paths import clean_path
from metadata.policy import PolicySettings
from metadata.yamlsrc import depth_problem

STACKS = ("local", "dev", "staging", "prod")
TABLE_SCHEMES = ("file", "s3", "s3a", "abfss", "gs")
"""Storage URIs a control table may have: what delta-rs reads (local files, S3, ADLS Gen2, GCS)."""
UC_NAME = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def table_problem(name: str) -> str:
    """Why `name` is neither a Unity Catalog table name nor a storage URI ('' when it is one)."""
    scheme, sep, rest = name.partition("://")
    if sep:
        if scheme not in TABLE_SCHEMES:
            return (
                f"{name!r}: storage URIs may be {', '.join(s + '://' for s in TABLE_SCHEMES)}; "
                f"got {scheme}://"
            )
        return "" if rest.strip("/") else f"{name!r}: the URI names no table folder"
    if UC_NAME.match(name):
        return ""
    return (
        f"{name!r}: expected a Unity Catalog name catalog.schema.table or a storage URI "
        "(file:///path, s3://bucket/path, abfss://container@account.dfs.core.windows.net/path, "
        "gs://bucket/path)"
    )


SETTINGS_KEY = "lakeform:settings"


_GO_NUMBER = re.compile(
    r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?0[xXoObB][0-9a-fA-F_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
"""A plain scalar Pulumi's Go YAML reads as a number (YAML 1.2's ints and floats, with Go's
`0x`/`0o`/`0b` and `_`), e.g. `08`, `1e3`, `0o17`, which PyYAML, reading YAML 1.1, takes for
strings and so writes unquoted. Seen with pulumi 3.276.0: a stack file with `folders: {08:
...}` unquoted came back as `"8":` after a `pulumi config set`, and `pulumi config --json`
gave the key `8`."""


class _PulumiDumper(yaml.SafeDumper):
    """Writes every string so that Pulumi reads it back as that string."""


def _pulumi_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if _GO_NUMBER.fullmatch(value) else None
    represent: Any = dumper.represent_scalar  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return represent("tag:yaml.org,2002:str", value, style=style)


_PulumiDumper.add_representer(str, _pulumi_str)


def dump_for_pulumi(data: object, *, sort_keys: bool = True) -> str:
    """YAML for a file Pulumi reads and rewrites (Pulumi.<stack>.yaml): `yaml.safe_dump`, with a
    string Go's YAML would take for a number quoted. Unquoted, Pulumi reads a folder `08` or a
    value `1e3` as 8 and 1000, and writes them back so on its next change to the file."""
    return yaml.dump(data, Dumper=_PulumiDumper, sort_keys=sort_keys, default_flow_style=False)


class SettingsError(ValueError):
    """A stack's `lakeform:settings` value is missing or malformed; the message names each field."""


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class WatchVolume(_Model):
    """A Unity Catalog volume folder of YAML rows that `lakeform watch` copies into the project."""

    path: str
    """`/Volumes/<catalog>/<schema>/<volume>[/<folder>]`: its `.yaml` and `.yml` files, at every
    level, are read with the Files API."""
    folder: str
    """Project folder they are copied to, mirrored (a file gone from the volume is removed); it
    must lie inside one of `metadata_paths`, so its rows are deployed like any other."""

    @field_validator("path")
    @classmethod
    def _volume(cls, value: str) -> str:
        parts = [p for p in value.split("/") if p]
        if (
            not value.startswith("/Volumes/")
            or len(parts) < 4
            or any(p in (".", "..") for p in parts)
        ):
            raise ValueError(
                "must be a volume path, /Volumes/<catalog>/<schema>/<volume>[/<folder>], "
                f"got {value!r}"
            )
        return "/" + "/".join(parts)

    @field_validator("folder")
    @classmethod
    def _relative(cls, value: str) -> str:
        parts = [p for p in value.split("/") if p not in ("", ".")]
        if value.startswith("/") or not parts or ".." in parts:
            raise ValueError(
                f"must be a folder inside the project, e.g. resources/volume; got {value!r}"
            )
        return "/".join(parts)


SHARD_NAME = r"[A-Za-z0-9_-]+"
"""A shard's name: the part after the dot of its Pulumi stack (`prod.finance`)."""


class Shards(_Model):
    """How a stack's rows are split over several Pulumi stacks, `<stack>.<shard>` each (own
    state, lock and outputs), so a large environment deploys side by side (metadata/shards.py)."""

    by: Literal["folder", "tag", "hash"]
    """`folder`: the folder a row is written in; `tag`: the value of one of the row's tags;
    `hash`: a stable hash of `<kind>.<key>` into `count` shards named `00`, `01`, ..."""
    folders: dict[str, list[str]] = Field(default_factory=dict)
    """`by: folder`: shard -> folders (project-relative) whose rows it deploys."""
    tag: str | None = None
    """`by: tag`: the tag whose value names the row's shard (e.g. `team`)."""
    names: list[str] = Field(default_factory=list)
    """`by: tag`: the tag values that are shards."""
    count: int | None = Field(default=None, ge=1, le=100)
    """`by: hash`: the number of shards."""
    default: str | None = None
    """The shard of a row outside every folder, or without the tag (or with another value)."""

    @model_validator(mode="after")
    def _complete(self) -> Shards:
        needs = {"folder": "folders", "tag": "tag", "hash": "count"}
        if not getattr(self, needs[self.by]):
            raise ValueError(f"by: {self.by} needs `{needs[self.by]}`")
        if self.by == "tag" and not self.names:
            raise ValueError("by: tag needs `names`, the tag values that are shards")
        names = self.shard_names()
        bad = [n for n in names if not re.fullmatch(SHARD_NAME, n)]
        if bad:
            raise ValueError(f"shard names may hold letters, digits, '-' and '_' only; got {bad}")
        if self.default is not None and self.default not in names:
            raise ValueError(f"default {self.default!r} is not a shard; shards: {names}")
        return self

    def shard_names(self) -> list[str]:
        """Every shard, in the order written (hash: `00` .. `count-1`)."""
        if self.by == "folder":
            return list(self.folders)
        if self.by == "tag":
            return list(dict.fromkeys(self.names))
        return [f"{i:02d}" for i in range(self.count or 0)]


class StackSettings(_Model):
    """Everything that differs between stacks; read from the `lakeform:settings` config key."""

    metadata_paths: list[str] = Field(default_factory=lambda: ["resources"])
    """Folders or files of metadata rows, relative to the project root."""
    control_tables: list[str] = Field(default_factory=list)
    """Delta control tables whose rows are read next to `metadata_paths`: a Unity Catalog name
    (`catalog.schema.table`) or a storage URI (`file://`, `s3://`, `abfss://`, `gs://`); either
    lakeflow-jobs-meta's control table or a Lakeform table (kind, key, row as JSON)."""
    deployments_table: str | None = None
    """Where `lakeform up` records what the stack deployed (a name or URI as above); default: the
    first control table's name with `_jobs` appended, as lakeflow-jobs-meta names its jobs table."""
    variables: dict[str, str] = Field(default_factory=dict)
    """Values for `${var.NAME}` in any string of a row, e.g. `catalog: olist_dev`."""
    name_prefix: str = ""
    """Prepended to every job and pipeline name, e.g. `[DEV] `."""
    pause_schedules: bool = False
    """Force schedules, triggers and continuous jobs to PAUSED (development stacks)."""
    development: bool = False
    """Pipelines run in development mode with `continuous` off."""
    default_warehouse_id: str | None = None
    """SQL warehouse for SQL tasks that name none."""
    email_notifications: EmailNotifications | None = None
    """Job email notifications applied where a row sets none."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Tags added to every job and pipeline (row tags win; `lakeform_*` tags win over both)."""
    run_as: RunAs | None = None
    """Identity jobs run as where a row sets none."""
    workspace_root: str = "/Workspace/Shared/lakeform"
    """Workspace folder that repository files (notebooks, SQL, pipeline sources) are uploaded to."""
    protect: bool = False
    """Protect pipelines and monitors, and retain monitors on delete (production)."""
    release: list[str] = Field(default_factory=list)
    """`<kind>.<key>` entries of protected kinds (`pipelines.<key>`, `quality_monitors.<key>`)
    whose protection (and monitor retention) is lifted on purpose, so the row can be removed or
    the monitor reset in a protected stack."""
    max_deletes: int | None = Field(default=None, ge=0)
    """Rows `lakeform up` may delete in one run without `--allow-deletes` (default: 5, or 10% of
    the stack's rows when that is larger)."""
    allow_empty: bool = False
    """Allow a deploy that loads zero rows (which deletes every resource of the stack)."""
    ui_host: str | None = None
    """Host for URLs in stack outputs when it differs from the API host."""
    watch_volume: WatchVolume | None = None
    """A volume of YAML rows `lakeform watch` copies into the project before each check."""
    policies: PolicySettings = Field(default_factory=PolicySettings)
    """Deploy policies for the stack (`rules:` name -> mandatory/advisory/disabled,
    `required_tags:`), checked by `lakeform validate --stack`, `lakeform plan/up` and the
    policy pack in policies/ (README: Policies)."""

    shards: Shards | None = None
    """Split the stack's rows over several Pulumi stacks `<stack>.<shard>`, deployed side by
    side by `lakeform up --stack <stack>` (README: Sharding large environments)."""
    clone_settings: str | None = None
    """A YAML file of settings, relative to the project root, that only this clone has: when it
    exists, each field it sets replaces the stack file's, for every `lakeform` command and the
    Pulumi program alike. `make demo` names the control tables it made in the local workspace
    there (`.lakeform/` is not in git: CI and a fresh clone, which have no such tables, go
    without them)."""

    @model_validator(mode="after")
    def _volume_folder_deployed(self) -> StackSettings:
        volume = self.watch_volume
        if volume is not None and not any(
            PurePosixPath(volume.folder).is_relative_to(
                PurePosixPath(p).as_posix().strip("/") or "."
            )
            for p in self.metadata_paths
        ):
            raise ValueError(
                f"watch_volume.folder {volume.folder!r} must lie inside one of metadata_paths "
                f"({', '.join(self.metadata_paths)}), else its rows would never be deployed"
            )
        return self

    @field_validator("clone_settings")
    @classmethod
    def _relative_file(cls, value: str | None) -> str | None:
        if value is not None and (value == "" or PurePosixPath(value).is_absolute()):
            raise ValueError(f"must be a file path relative to the project root, got {value!r}")
        return value

    @field_validator("workspace_root")
    @classmethod
    def _absolute_root(cls, value: str) -> str:
        if not value.startswith("/") or value.rstrip("/") == "":
            raise ValueError(
                f"must be an absolute workspace folder (e.g. /Workspace/Shared/x), got {value!r}"
            )
        root = value.rstrip("/")
        if clean_path(root) != root:
            # Uploads go to <root>/...: the Databricks provider refuses a path not clean.
            raise ValueError(
                f"must be a clean path (no './', '//' or '..'): write {clean_path(root)!r}, "
                f"got {value!r}"
            )
        return root

    @field_validator("control_tables")
    @classmethod
    def _table_names(cls, value: list[str]) -> list[str]:
        bad = [t for t in value if table_problem(t)]
        if bad:
            raise ValueError(table_problem(bad[0]))
        if len(set(value)) != len(value):
            raise ValueError(f"a table is listed twice: {value}")
        return value

    @field_validator("deployments_table")
    @classmethod
    def _deployments_name(cls, value: str | None) -> str | None:
        if value is not None and table_problem(value):
            raise ValueError(table_problem(value))
        return value

    def deployments(self) -> str | None:
        """The deployments table: `deployments_table`, else `<first control table>_jobs`."""
        if self.deployments_table is not None:
            return self.deployments_table
        if not self.control_tables:
            return None
        return self.control_tables[0].rstrip("/") + "_jobs"

    @field_validator("release")
    @classmethod
    def _release_entries(cls, value: list[str]) -> list[str]:
        bad = [e for e in value if not re.fullmatch(rf"({'|'.join(PROTECTED_KINDS)})\.[^.\s]+", e)]
        if bad:
            shapes = " or ".join(f"{kind}.<key>" for kind in PROTECTED_KINDS)
            raise ValueError(f"entries must look like {shapes}; got {bad}")
        return value

    def empty_refusal(self, paths: Sequence[str] | None = None) -> str:
        """Why a run that loaded zero rows is refused (deploy and `lakeform validate` alike)."""
        where = ", ".join(
            [*(self.metadata_paths if paths is None else paths), *self.control_tables]
        )
        return (
            f"no metadata rows were loaded from {where}; refusing to deploy, since that would "
            "delete every job, pipeline and monitor of the stack. Check "
            "lakeform:settings.metadata_paths, or set lakeform:settings.allow_empty: true if an "
            "empty stack is intended."
        )

    def released(self, kind: str, key: str) -> bool:
        """Whether `<kind>.<key>` is listed in `release` (its protection is lifted on purpose)."""
        return f"{kind}.{key}" in self.release


def format_validation_error(
    err: ValidationError, where: str, lines: dict[str, int] | None = None
) -> str:
    """One line per problem: `where[:line]: lakeform:settings.<field.path>: message`."""
    out: list[str] = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"])
        full = f"{SETTINGS_KEY}.{path}" if path else SETTINGS_KEY
        line = (lines or {}).get(path) or (lines or {}).get(
            path.rsplit(".", 1)[0] if "." in path else ""
        )
        loc = f"{where}:{line}" if line else where
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            known = ", ".join(_known_fields(e["loc"]))
            msg = f"unknown field; known: {known}"
        out.append(f"{loc}: {full}: {msg}")
    return "\n".join(out)


def _known_fields(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = StackSettings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        if field is None:
            break
        ann = field.annotation
        nested = next(
            (
                a
                for a in getattr(ann, "__args__", (ann,))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
        if nested is None:
            break
        model = nested
    return sorted(model.model_fields)


def parse_settings(
    value: object,
    where: str,
    lines: dict[str, int] | None = None,
    root: Path | None = None,
) -> StackSettings:
    """Validate a `lakeform:settings` mapping into StackSettings, or raise SettingsError. With
    the project `root`, the settings' `clone_settings` file, when it exists, replaces the
    fields it sets (every reader of a stack's settings passes it, so all see the same)."""
    if not isinstance(value, dict):
        raise SettingsError(
            f"{where}: {SETTINGS_KEY}: expected a mapping of settings, got {type(value).__name__}"
        )
    try:
        settings = StackSettings.model_validate(value)
    except ValidationError as err:
        raise SettingsError(format_validation_error(err, where, lines)) from None
    name = settings.clone_settings
    if root is None or name is None or not (root / name).is_file():
        return settings
    return _with_clone_settings(cast("dict[str, object]", value), root, name)


def _read_yaml(path: Path, where: str) -> tuple[yaml.Node | None, object]:
    """A settings file's node tree (for line numbers) and its data; a SettingsError naming
    `where` when it is nested too deep or not YAML."""
    text = path.read_text(encoding="utf-8")
    too_deep = depth_problem(text, where)
    if too_deep is not None:
        raise SettingsError(str(too_deep))
    try:
        doc = cast("yaml.Node | None", yaml.compose(text))  # pyright: ignore[reportUnknownMemberType]
        data: object = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise SettingsError(f"{where}: not valid YAML: {err}") from None
    return doc, data


def _with_clone_settings(value: dict[str, object], root: Path, name: str) -> StackSettings:
    doc, data = _read_yaml(root / name, name)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(
            f"{name}: expected a mapping of {SETTINGS_KEY} fields (clone_settings), "
            f"got {type(data).__name__}"
        )
    fields = cast("dict[str, object]", data)
    if "clone_settings" in fields:
        raise SettingsError(
            f"{name}:{_node_lines(doc).get('clone_settings', 1)}: clone_settings: not allowed "
            "in a clone_settings file; name it in the stack file only"
        )
    try:
        return StackSettings.model_validate({**value, **fields})
    except ValidationError as err:
        raise SettingsError(format_validation_error(err, name, _node_lines(doc))) from None


def load_stack_settings(project_dir: Path, stack: str, *, clone: bool = True) -> StackSettings:
    """Read `Pulumi.<stack>.yaml`'s `config: lakeform:settings` without the Pulumi runtime; a
    shard's stack (`prod.finance`) has its environment's (Pulumi.prod.yaml). With its
    `clone_settings` file applied, unless `clone` is False (the stack file as committed)."""
    path = project_dir / f"Pulumi.{stack.partition('.')[0]}.yaml"
    where = path.name
    if not path.is_file():
        known = sorted(p.name for p in project_dir.glob("Pulumi.*.yaml"))
        raise SettingsError(f"{where}: no such stack file; known: {', '.join(known) or 'none'}")
    doc, data = _read_yaml(path, where)
    config = cast("dict[str, object]", data).get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict) or SETTINGS_KEY not in config:
        raise SettingsError(
            f"{where}: config: missing `{SETTINGS_KEY}`; add it under `config:` "
            "(see Pulumi.local.yaml for an example)"
        )
    value = cast("dict[str, object]", config)[SETTINGS_KEY]
    return parse_settings(value, where, _settings_lines(doc), root=project_dir if clone else None)


def _settings_lines(doc: yaml.Node | None) -> dict[str, int]:
    """Map dotted field paths under `lakeform:settings` to 1-based line numbers."""
    if not isinstance(doc, yaml.MappingNode):
        return {}
    config = _child(doc, "config")
    settings = _child(config, SETTINGS_KEY) if config is not None else None
    return {} if settings is None else _node_lines(settings)


def _node_lines(settings: yaml.Node | None) -> dict[str, int]:
    """Map dotted field paths under a settings mapping node to 1-based line numbers."""
    lines: dict[str, int] = {}
    if settings is None:
        return lines

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                path = f"{prefix}.{k.value}" if prefix else str(k.value)
                lines[path] = k.start_mark.line + 1
                walk(v, path)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                path = f"{prefix}.{i}"
                lines[path] = item.start_mark.line + 1
                walk(item, path)

    lines[""] = settings.start_mark.line + 1
    walk(settings, "")
    return lines


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None
