"""A Databricks Asset Bundle (databricks.yml and its includes) -> rows and stack settings."""

# Bundle paths are relative to the YAML file that holds them, Lakeform's to the repository
# root; bundles refer to resources by `${resources.jobs.X.id}`, Lakeform by row key; bundle
# targets are Lakeform stacks, and a target's mode, presets, run_as, workspace and permissions
# become the stack's settings or its rows' per-stack overrides, as the Databricks CLI applies
# them (bundle/config/mutator/resourcemutator: apply_target_mode.go, apply_presets.go,
# run_as.go, apply_bundle_permissions.go; bundle/config/root.go MergeTargetOverrides).
# Whatever has no place in Lakeform is listed in `skipped`, what is carried over only
# approximately in `notes`.

from __future__ import annotations

import copy
import glob
import json
import os
import re
import subprocess
import tomllib
import types
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel

from metadata.errors import Pos, Problem, format_path
from metadata.folders import git_ignored
from metadata.formats import bundle_python
from metadata.kinds import KINDS
from metadata.located import Locator, Part
from metadata.models.jobs import TASK_TYPES as TASK_TYPE_NAMES
from metadata.models.jobs import Task
from metadata.paths import is_repo_relative, resolve_within
from metadata.settings import StackSettings
from metadata.yamlsrc import LList, LMap, parse_text, plain

ID_REF = re.compile(r"^\$\{resources\.(jobs|pipelines)\.([A-Za-z0-9_-]+)\.id\}$")
FILE_PATH = re.compile(r"\$\{workspace\.file_path\}/?")
TARGET_REF = "${bundle.target}"
TARGET_VARIABLE = "bundle_target"
"""The stack variable `${bundle.target}` becomes: each stack's settings define it."""

DEFAULT_WORKSPACE_ROOT = StackSettings.model_fields["workspace_root"].default
ROOT_VARIABLE = "workspace_root"
"""The stack variable `${workspace.root_path}` becomes: each stack's workspace_root."""

ROW_FIELDS = {k: {f.alias or n for n, f in KINDS[k].row_model.model_fields.items()} for k in KINDS}
TASK_FIELDS = set(Task.model_fields)
PERMISSION_LEVELS = {"jobs": {"CAN_RUN": "CAN_MANAGE_RUN"}, "pipelines": {}}
"""Bundle-wide permission levels that a kind spells differently."""

TOP_KEYS = ("bundle", "include", "variables", "targets", "resources", "permissions")
TARGET_WIDE = ("run_as", "presets", "workspace")
"""Top-level keys that hold for every target unless the target sets its own."""
TARGET_KEYS = ("variables", "resources", "default", "mode", "permissions", *TARGET_WIDE)
"""A target's keys that Lakeform carries over (`default` only picks the CLI's default target)."""
DEV_NAME_PREFIX = "[dev] "
"""`mode: development`'s name prefix. The CLI's is `[dev ${workspace.current_user.short_name}] `,
one copy per developer; a Lakeform stack is one shared deployment, and the user deploying is not
known when importing."""
DEV_MAX_CONCURRENT_RUNS = 4
"""`mode: development`'s jobs_max_concurrent_runs (apply_target_mode.go)."""
LOOKUP_PLACEHOLDER = "REPLACE-ME"


@dataclass
class Imported:
    """The rows, the stack settings per target, and what could not be carried over."""

    name: str = "bundle"
    """The bundle's name (`bundle.name`), for the rows file."""
    rows: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    """kind -> row key -> row, as written to the rows file."""
    settings: dict[str, dict[str, Any]] = field(default_factory=dict[str, dict[str, Any]])
    """target (stack) -> `lakeform:settings` for it."""
    skipped: list[str] = field(default_factory=list[str])
    """`where: what` for each thing left out, and why."""
    notes: list[str] = field(default_factory=list[str])
    """`where: what` for each thing carried over as something close, not the same."""
    hosts: dict[str, str] = field(default_factory=dict[str, str])
    """target (stack) -> its workspace host (the provider's `databricks:host`)."""
    problems: list[str] = field(default_factory=list[str])
    """`file:line:col: field: why` for each thing refused: nothing is written then."""
    placeholders: set[str] = field(default_factory=set[str])
    """`${...}` the rows use that became stack variables holding REPLACE-ME until set."""
    short_name_used: bool = False
    root_path_used: bool = False
    other_kinds: list[str] = field(default_factory=list[str])
    """`resources.<kind> at file:line` of each kind Lakeform does not deploy, for the refusal of
    a bundle with nothing else."""
    empty_includes: list[str] = field(default_factory=list[str])
    """`'<pattern>' at file:line` of each `include` that matches no file (a bundle whose
    resources a script writes before deploying has them), for the refusal of a bundle with
    nothing Lakeform deploys."""
    unset: dict[str, str] = field(default_factory=dict[str, str])
    """Variable -> `file:line:col` of its definition, for each the rows use that has no default
    and no value in any target (the CLI refuses to deploy those)."""
    sources: dict[tuple[str, str], dict[str | None, tuple[Locator, tuple[Part, ...]]]] = field(
        default_factory=dict[tuple[str, str], dict[str | None, tuple[Locator, tuple[Part, ...]]]]
    )
    """(kind, key) -> target (None: the top-level resources) -> the bundle file and the parts
    where it defines the row, so a problem validate finds in a row points at the bundle."""
    per_stack: dict[str, dict[str, str]] = field(default_factory=dict[str, dict[str, str]])
    """Stack variable -> target -> its value ("": every other stack's), for a field of a kind
    Lakeform does not deploy that targets change."""
    artifacts_built: bool | None = None
    """None until the bundle's artifacts are built (once, when a library needs them)."""
    pending: list[_Pending] = field(default_factory=list["_Pending"])
    """Fields that are exactly a typed variable whose value differs between stacks."""
    file_path_is_default: bool = True
    """The bundle sets no `workspace.file_path`, so it is the CLI's default,
    `${workspace.root_path}/files` (bundle/config/mutator/default_workspace_paths.go)."""
    relative_vars: dict[str, str] = field(default_factory=dict[str, str])
    """Variable -> its value, for each string variable whose value is one relative path in every
    target (`../src/procs`): in a path field it is the file's folder the CLI resolves it from."""


class BundleError(Exception):
    """The bundle cannot be read at all (no databricks.yml, YAML errors)."""


def import_bundle(
    bundle: Path,
    root: Path,
    stacks: Collection[str] = (),
    given: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Imported:
    """Read the bundle at `bundle` (its folder or databricks.yml) for a project rooted at `root`.
    `stacks` are the project's other stacks that will read the rows: each gets settings as a
    target the bundle leaves empty would (the variables' defaults, the top-level presets).
    `given` (the `--var NAME=VALUE`s) and the `BUNDLE_VAR_NAME`s of `env` are variables' values
    as the Databricks CLI takes them: over the defaults and the targets' values, in every stack
    (see _give_values)."""
    main = bundle / "databricks.yml" if bundle.is_dir() else bundle
    if not main.is_file():
        raise BundleError(f"{main}: no databricks.yml here")
    out = Imported()
    located = _read(main, root, out)
    problems: list[Problem] = []
    documents = [(main, located)]
    loc = Locator(_rel(main, root), (), located, None)
    out.name = str(_map(located.get("bundle")).get("name") or "bundle")
    problems.extend(
        _file_name(loc, ("bundle", "name"), out.name, "the rows file", ("bundle", "name"))
    )
    for i, pattern in enumerate(_items(located.get("include"))):
        before = len(problems)
        found = _include(main.parent, root, str(pattern), loc, i, problems)
        documents.extend((path, _read(path, root, out)) for path in found)
        if not found and len(problems) == before:
            out.empty_includes.append(f"'{pattern}' at {loc.pos(('include', i))}")
    _give_values(documents, root, dict(given or {}), env or {}, out)
    documents.extend(_python_documents(main.parent, documents, root, out))
    for path, doc in documents:
        doc_loc = Locator(_rel(path, root), (), doc, None)
        for name in _map(doc.get("targets")):
            problems.extend(_file_name(doc_loc, ("targets", name), name, "a stack", ("targets",)))
    if problems:
        raise BundleError("\n".join(str(p) for p in problems))
    at = {path: Locator(_rel(path, root), (), doc, None) for path, doc in documents}
    synced = _sync_root(main.parent, documents)
    if synced == main.parent.resolve():
        synced = main.parent
    else:
        if not resolve_within(root, synced)[1]:
            raise BundleError(
                f"{_rel(main, root)}: sync.paths reach '{synced}', outside the project (the "
                "current directory): import from a folder that holds them"
            )
        out.notes.append(
            f"sync.paths reach outside the bundle folder: ${{workspace.file_path}} is "
            f"{_rel(synced, root)}, the folder holding them all, as the CLI infers it"
        )
    documents = [(path, cast("dict[str, Any]", plain(doc))) for path, doc in documents]
    variables: dict[str, str | None] = {}
    variable_at: dict[str, str] = {}
    targets: dict[str, dict[str, Any]] = {}
    overrides: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    """target -> kind -> key -> the partial row, converted, merged over every file."""
    first_seen: dict[tuple[str, str], str] = {}
    target_problems: dict[tuple[str, str], list[str]] = {}
    """(kind, key) -> what its targets' overrides have that is refused."""
    """(kind, key) of a row defined only in targets -> `file:line` of its first definition."""
    permissions: list[dict[str, Any]] = []
    wide: dict[str, Any] = {}
    artifacts: dict[str, dict[str, Any]] = {}
    others: dict[str, dict[str, Any]] = {}
    # the bundle's resources of kinds Lakeform does not deploy: their fields may be referred to
    for _, doc in documents:
        for kind, rows in _map(doc.get("resources")).items():
            if kind not in KINDS:
                for key, row in _map(rows).items():
                    others.setdefault(kind, {})[key] = merge_bundle(
                        others.get(kind, {}).get(key), row
                    )
        for target, body in _map(doc.get("targets")).items():
            for kind, rows in _map(_map(body).get("resources")).items():
                if kind not in KINDS:
                    for key, row in _map(rows).items():
                        place = others.setdefault(f"targets.{target}.{kind}", {})
                        place[key] = merge_bundle(place.get(key), row)
    for path, doc in documents:
        for name, spec in _map(doc.get("artifacts")).items():
            artifacts[name] = {
                **_map(spec),
                "_folder": path.parent,
                "_at": str(at[path].pos(("artifacts", name))),
            }
            if _map(spec).get("type") == "whl" and not {"build", "files"} & set(_map(spec)):
                # a wheel with neither: the CLI builds it with `python setup.py bdist_wheel`
                # (bundle/artifacts/prepare.go), as it builds the one it infers
                artifacts[name]["build"] = DEFAULT_WHEEL_BUILD
                artifacts[name]["_inferred_build"] = True
    setup_py = main.parent / "setup.py"
    if not artifacts and setup_py.is_file():
        # the CLI's artifacts.whl.AutoDetect (bundle/artifacts/whl/autodetect.go): no artifacts
        # and a setup.py in the bundle folder make one, built with `<python> setup.py
        # bdist_wheel` (whl/infer.go) when a task names a local wheel
        artifacts[INFERRED_ARTIFACT] = {
            "type": "whl",
            "build": DEFAULT_WHEEL_BUILD,
            "_folder": main.parent,
            "_at": f"{_rel(setup_py, root)}:1:1",
            "_inferred": True,
        }
    typed = _typed_variables(documents, stacks)
    out.relative_vars = _relative_variables(documents)
    out.file_path_is_default = not any(
        "file_path" in _map(workspace)
        for _, doc in documents
        for workspace in (
            doc.get("workspace"),
            *(_map(t).get("workspace") for t in _map(doc.get("targets")).values()),
        )
    )
    mutators: tuple[dict[str, Any], str] | None = None
    defined: dict[tuple[str, str], str] = {}
    """(kind, key) of each row -> where it is defined (`file:line:col`)."""
    sync: dict[str, Any] = {}
    for path, doc in documents:
        for name in ("include", "exclude"):
            entries = [
                Path(os.path.relpath(path.parent / str(e), main.parent)).as_posix()
                for e in _items(_map(doc.get("sync")).get(name))
            ]
            sync[name] = [*sync.get(name, []), *entries]
    for path, doc in documents:
        ctx = _Ctx(out, at[path], path.parent, synced, root, others, artifacts, typed, sync)
        for key in doc:
            if key in TARGET_WIDE:
                wide[key] = merge_bundle(wide.get(key), doc[key])
            elif key == "python":
                python = _map(doc[key])
                if _items(python.get("mutators")):
                    mutators = (python, str(at[path].pos((key, "mutators"))))
                for name in python:
                    if name not in ("resources", "mutators", "venv_path"):
                        out.skipped.append(f"{at[path].pos((key, name))}: python.{name} (unknown)")
            elif key == "artifacts":
                for name, spec in _map(doc[key]).items():
                    for field_name in _map(spec):
                        if field_name not in ARTIFACT_FIELDS:
                            out.skipped.append(
                                f"{at[path].pos((key, name, field_name))}: artifacts.{name}."
                                f"{field_name} (no Lakeform equivalent)"
                            )
            elif key not in TOP_KEYS:
                out.skipped.append(f"{at[path].pos((key,))}: {key} (no Lakeform equivalent)")
        for name, spec in _map(doc.get("variables")).items():
            variables[name] = _variable(spec, f"variables.{name}", out)
            variable_at[name] = str(at[path].pos(("variables", name)))
        # interpolated as the rows' own fields are (`user_name: ${workspace.current_user.userName}`)
        permissions.extend(
            _map(_convert(_map(p), ctx, ("permissions", i)))
            for i, p in enumerate(_items(doc.get("permissions")))
        )
        for kind, rows in _map(doc.get("resources")).items():
            if kind not in KINDS:
                out.other_kinds.append(f"resources.{kind} at {at[path].pos(('resources', kind))}")
                out.skipped.append(
                    f"{at[path].pos(('resources', kind))}: resources.{kind} (a kind Lakeform "
                    "does not deploy)"
                )
                continue
            for key, row in _map(rows).items():
                parts = ("resources", kind, key)
                if (kind, key) in defined:  # the CLI refuses a resource defined twice as well
                    ctx.refuse(
                        parts, f"{kind}.{key} is defined twice (also at {defined[(kind, key)]})"
                    )
                    continue
                defined[(kind, key)] = str(ctx.loc.pos(parts))
                out.sources.setdefault((kind, key), {})[None] = (ctx.loc, parts)
                converted = _row(kind, key, row, ctx, parts, f"{kind}.{key}")
                out.rows.setdefault(kind, {})[key] = converted
        # a target spread over several files is merged, as the CLI merges includes
        for name, target_any in _map(doc.get("targets")).items():
            target = {k: v for k, v in _map(target_any).items() if k != "resources"}
            if "permissions" in target:
                target["permissions"] = [
                    _map(_convert(_map(p), ctx, ("targets", name, "permissions", i)))
                    for i, p in enumerate(_items(target["permissions"]))
                ]
            targets[name] = merge_bundle(targets.get(name, {}), target)
            for kind, rows in _map(_map(target_any).get("resources")).items():
                parts = ("targets", name, "resources", kind)
                if kind not in KINDS:
                    out.other_kinds.append(
                        f"targets.{name}.resources.{kind} at {at[path].pos(parts)}"
                    )
                    out.skipped.append(
                        f"{at[path].pos(parts)}: targets.{name}.resources.{kind} (a kind "
                        "Lakeform does not deploy)"
                    )
                    continue
                for key, partial_any in _map(rows).items():
                    before = len(out.problems)
                    partial = _row(
                        kind, key, partial_any, ctx, (*parts, key), f"targets.{name}.{kind}.{key}"
                    )
                    # kept aside: a row defined only in targets is not imported (and listed)
                    target_problems.setdefault((kind, key), []).extend(out.problems[before:])
                    del out.problems[before:]
                    first_seen.setdefault((kind, key), str(at[path].pos((*parts, key))))
                    out.sources.setdefault((kind, key), {}).setdefault(
                        name, (ctx.loc, (*parts, key))
                    )
                    kind_over = overrides.setdefault(name, {}).setdefault(kind, {})
                    kind_over[key] = merge_bundle(kind_over.get(key), partial)
    if mutators is not None:
        mutator_ctx = _Ctx(out, loc, main.parent, synced, root, others, artifacts, typed, sync)
        _apply_mutators(mutators, documents, mutator_ctx)
    # a row defined only in some targets deploys to those targets only (the CLI merges it into
    # them alone): the row is `disabled: true`, and `disabled: false` in those stacks' overrides
    only_in: dict[tuple[str, str], list[str]] = {}
    for name in targets:
        for kind, rows in overrides.get(name, {}).items():
            for key in rows:
                if key not in out.rows.get(kind, {}):
                    only_in.setdefault((kind, key), []).append(name)
    for kind, key in only_in:
        out.rows.setdefault(kind, {})[key] = {"disabled": True}
    for kind, rows in out.rows.items():
        for row in rows.values():
            if permissions and kind in PERMISSION_LEVELS:
                row.setdefault("permissions", []).extend(_levels(kind, permissions))
    converted = repr([out.rows, overrides, targets])  # targets: their permissions converted
    uses_target = "${var." + TARGET_VARIABLE + "}" in converted or TARGET_REF in repr(targets)
    # a stack that is no target takes the variables of the CLI's default target, if any
    default = next((n for n, t in targets.items() if _map(t).get("default") is True), None)
    borrowed = {"variables": _map(targets[default].get("variables"))} if default else {}
    stacks_targets = {**{s: borrowed for s in stacks if s not in targets}, **targets}
    if default and any(s not in targets for s in stacks):
        out.notes.append(
            f"stacks {', '.join(s for s in stacks if s not in targets)} are no target of the "
            f"bundle: they take the variables of its default target, {default}"
        )
    if not stacks_targets:
        for key in wide:
            out.skipped.append(f"{key} (the bundle has no targets: no stack to put it in)")
    for ident, found in target_problems.items():
        if ident[1] in out.rows.get(ident[0], {}):
            out.problems.extend(found)
    for var, value in variables.items():
        in_target = any(var in _map(t.get("variables")) for t in targets.values())
        if value is None and var not in typed and not in_target:
            out.unset[var] = variable_at[var]
    for name, target in stacks_targets.items():
        stack_vars = {k: v for k, v in variables.items() if v is not None}
        for var, spec in _map(target.get("variables")).items():
            value = _variable(spec, f"targets.{name}.variables.{var}", out)
            if value is not None:
                stack_vars[var] = value
        for var, value in variables.items():
            # a target's stack only: a project stack that is no target may hold the value in
            # its settings already (kept by the merge; validate checks it)
            used = "${var." + var + "}" in converted and name in targets
            if value is None and var not in stack_vars and var not in typed and used:
                out.problems.append(
                    f"{variable_at[var]}: variables.{var}: no value for stack {name} (no "
                    "default, and the target sets none); the CLI refuses to deploy a variable "
                    f"without a value too: give it a default or a value in "
                    f"targets.{name}.variables, or {give_hint(var)}"
                )
        for variable, by_target in out.per_stack.items():
            # a stack that is no target takes the default target's, as it takes its variables
            source = name if name in targets else (default or "")
            stack_vars[variable] = by_target.get(source, by_target[""])
        if uses_target:
            stack_vars[TARGET_VARIABLE] = name
        for ref in sorted(out.placeholders):
            stack_vars.setdefault(PLACEHOLDER_VARIABLES[ref][0], LOOKUP_PLACEHOLDER)
        out.settings[name] = {"variables": _stack_values(name, stack_vars, out)}
        for key in target:
            if key not in TARGET_KEYS:
                out.skipped.append(f"targets.{name}.{key} (no Lakeform equivalent)")
        for kind, rows in overrides.get(name, {}).items():
            for key, partial in rows.items():
                out.rows[kind][key].setdefault("stack_overrides", {})[name] = partial
        _target_settings(name, target, wide, permissions, out)
        if out.root_path_used:
            root_path = out.settings[name].get("workspace_root", DEFAULT_WORKSPACE_ROOT)
            out.settings[name]["variables"].setdefault(ROOT_VARIABLE, root_path)
    _apply_pending(out)
    for ref in sorted(out.placeholders):
        variable, meaning = PLACEHOLDER_VARIABLES[ref]
        out.skipped.append(
            f"${{{ref}}}: {meaning}; the rows have ${{var.{variable}}} instead: set "
            f"lakeform:settings.variables.{variable} of each stack (it holds "
            f"'{LOOKUP_PLACEHOLDER}' until then)"
        )
    if out.short_name_used:
        out.notes.append(
            f"{SHORT_NAME} is the user deploying, which Lakeform cannot know (a stack is one "
            f"shared deployment): the rows have ${{var.{TARGET_VARIABLE}}}, the stack's name"
        )
    if out.root_path_used:
        out.notes.append(
            f"${{workspace.root_path}}: the rows have ${{var.{ROOT_VARIABLE}}}, each stack's "
            "workspace_root (the folder Lakeform uploads under)"
        )
    for (kind, key), names in only_in.items():
        # a stack that is no target deploys what the default target does, as it takes its
        # variables: the CLI deploys the default target when none is named
        over = out.rows[kind][key].setdefault("stack_overrides", {})
        followers = [s for s in stacks if s not in targets] if default in names else []
        for s in followers:
            over[s] = merge_bundle(over.get(s), copy.deepcopy(over[default]))
        enabled = [*names, *followers]
        _only_in_targets(out.rows[kind], key, enabled)
        plural = "s" if len(names) > 1 else ""
        also = (
            f" and stack{'s' if len(followers) > 1 else ''} {', '.join(followers)}, no target, "
            f"as the default target {default}"
            if followers
            else ""
        )
        out.notes.append(
            f"{first_seen[(kind, key)]}: {kind}.{key} is defined only in target{plural} "
            f"{', '.join(names)}: imported with disabled: true, and disabled: false in the "
            f"stack_overrides of {', '.join(names)}{also}, so it deploys to those stacks "
            "only, as the CLI deploys it to those targets only"
        )
    return out


PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def bundle_source(out: Imported, path: str, stack: str | None) -> tuple[Pos | None, str] | None:
    """Where in the bundle the field at `path` of an imported row (`jobs.a.tasks[0].x`, as a
    problem of the rows names it) comes from, and its path there: the stack's target when it
    writes more of that path than the top-level resources, else the row's definition. None
    when `path` is no imported row's."""
    parts: list[Part] = [int(i) if i else name for i, name in PATH_PART.findall(path)]
    if len(parts) < 2 or not isinstance(parts[0], str) or not isinstance(parts[1], str):
        return None
    found = out.sources.get((parts[0], parts[1]))
    if not found:
        return None
    rest = tuple(parts[2:])
    choices = [c for c in (found.get(None), found.get(stack or "")) if c is not None]
    if not choices:
        choices = [next(iter(found.values()))]
    loc, prefix = max(choices, key=lambda c: _depth(c[0].data, (*c[1], *rest)))
    return loc.pos((*prefix, *rest)), format_path((*prefix, *rest))


def _depth(data: Any, parts: tuple[Part, ...]) -> int:
    """How many of `parts` the located source holds, from the start."""
    node: Any = data
    depth = 0
    for part in parts:
        in_map = isinstance(node, LMap) and isinstance(part, str) and part in node
        in_list = isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_map or in_list):
            break
        node = cast("Any", node)[part]
        depth += 1
    return depth


def _only_in_targets(rows: dict[str, Any], key: str, names: list[str]) -> None:
    """Row `key`, defined only in targets `names`, made `disabled: true` but in their
    `stack_overrides`; defined alike in each and without bundle-wide fields, its definition is
    the row's and the overrides only enable it. Other stacks' overrides of it are dropped: it is
    disabled there."""
    row = rows[key]
    over = cast("dict[str, dict[str, Any]]", row.get("stack_overrides") or {})
    parts = [over.get(n, {}) for n in names]
    alike = set(row) <= {"disabled", "stack_overrides"} and all(p == parts[0] for p in parts)
    body = parts[0] if alike else {}
    rows[key] = {
        **body,
        "disabled": True,
        **{k: v for k, v in row.items() if k not in ("disabled", "stack_overrides")},
        "stack_overrides": {
            n: {"disabled": False, **({} if alike else over.get(n, {}))} for n in names
        },
    }


def _python_documents(
    folder: Path, documents: list[tuple[Path, Any]], root: Path, out: Imported
) -> list[tuple[Path, Any]]:
    """The resources the bundle defines in Python (`python.resources` loaders), run for each
    target as the CLI runs them, as one more document located at the Python lines that define
    them. The rows are the same for every stack: a loader that gives a target other resources
    is refused."""
    python: dict[str, Any] = {}
    python_at: Pos | None = None
    names: list[str] = []
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    for path, doc in documents:
        if "python" in doc and _items(_map(doc["python"]).get("resources")):
            python = cast("dict[str, Any]", plain(doc["python"]))
            python_at = Locator(_rel(path, root), (), doc, None).pos(("python", "resources"))
        for name, spec in _map(doc.get("variables")).items():
            spec_map = _map(spec)
            defaults[name] = spec_map.get("default") if isinstance(spec, dict) else spec
        for name, target in _map(doc.get("targets")).items():
            if name not in names:
                names.append(name)
            for var, spec in _map(_map(target).get("variables")).items():
                value = _map(spec).get("default") if isinstance(spec, dict) else spec
                per_target.setdefault(name, {})[var] = plain(value)
    if not python or python_at is None:
        return []
    default = next(
        (
            n
            for _, d in documents
            for n, t in _map(d.get("targets")).items()
            if _map(t).get("default") is True
        ),
        names[0] if names else "default",
    )
    order = [default, *(n for n in names if n != default)]
    where = f"{python_at}: python.resources"
    _, venv_note = bundle_python.interpreter(folder, cast("str | None", python.get("venv_path")))
    if venv_note:
        out.notes.append(f"{python_at}: {venv_note}")
    results: dict[
        str, tuple[dict[str, Any], dict[tuple[str | int, ...], tuple[str, int, int]]]
    ] = {}
    for target in order:
        values = {k: plain(v) for k, v in defaults.items()} | per_target.get(target, {})
        try:
            resources, locations, warnings = bundle_python.load(
                folder, python, out.name, target, values
            )
        except bundle_python.PythonLoadError as err:
            venv = python.get("venv_path")
            hint = (
                f"; python.venv_path '{venv}' does not exist, so they ran in Lakeform's own "
                "Python, without the bundle's own packages: create the venv as the bundle says "
                "(e.g. `uv sync` in its folder; the CLI runs the loaders in it too) and import "
                "again"
                if venv_note and "ModuleNotFoundError" in str(err)
                else ""
            )
            raise BundleError(
                f"{where}: the bundle's Python loaders failed for target {target}: {err}{hint}"
            ) from None
        out.notes.extend(f"{where}: {w}" for w in warnings)
        results[target] = (resources, locations)
    first, locations = results[default]
    if len(results) > 1 and any(r != first for r, _ in results.values()):
        # a loader writing the target's name (`bundle.target`) in values: the same with
        # ${bundle.target} there, when that makes every target's alike; each target's is then
        # exactly what the CLI deploys to it (it substitutes ${bundle.target} after loading)
        templated = {t: _target_ref(r, t) for t, (r, _) in results.items()}
        if all(r == templated[default] for r in templated.values()):
            differ = _differing(first, results)
            first = templated[default]
            results = {t: (first, found) for t, (_, found) in results.items()}
            out.notes.append(
                f"{where}: the Python loaders write each target's name in "
                f"{', '.join(differ)}: the rows have {TARGET_REF} there, each stack's name"
            )
    for target, (resources, _) in results.items():
        if resources != first:
            differ = _differing(first, {target: (resources, {})})
            raise BundleError(
                f"{where}: the Python loaders give target {target} other resources than target "
                f"{default} ({', '.join(differ)}); a Lakeform row is the same for every stack: "
                "make the loader's result the same for every target, with the differences in "
                "targets.<name>.resources or variables"
            )
    count = sum(len(_map(v)) for v in first.values())
    out.notes.append(
        f"{where}: {count} resource{'s' if count != 1 else ''} loaded by running the bundle's "
        f"Python code ({', '.join(str(x) for x in _items(python.get('resources')))}), as the "
        "Databricks CLI does"
    )

    def file_of(name: str) -> str:
        return _rel(folder / name, root)

    doc = bundle_python.located({"resources": first}, locations, file_of, python_at)
    return [(folder / bundle_python.GENERATED, doc)]


def _target_ref(value: Any, target: str) -> Any:
    """`value` with the target's name in its strings (not its keys) as ${bundle.target}."""
    if isinstance(value, str):
        return value.replace(target, TARGET_REF)
    if isinstance(value, dict):
        return {k: _target_ref(v, target) for k, v in cast("dict[str, Any]", value).items()}
    if isinstance(value, list):
        return [_target_ref(v, target) for v in cast("list[Any]", value)]
    return value


def _differing(first: dict[str, Any], results: dict[str, tuple[dict[str, Any], Any]]) -> list[str]:
    """`kind.key` of each resource some target's result has other than `first`."""
    return sorted(
        {
            f"{kind}.{key}"
            for resources, _ in results.values()
            for kind in {*first, *resources}
            for key in {*_map(first.get(kind)), *_map(resources.get(kind))}
            if _map(first.get(kind)).get(key) != _map(resources.get(kind)).get(key)
        }
    )


def _apply_mutators(
    mutators: tuple[dict[str, Any], str],
    documents: list[tuple[Path, dict[str, Any]]],
    ctx: _Ctx,
) -> None:
    """The bundle's `python.mutators` run over its resources as each target has them, as the
    CLI runs them after loading (phase apply_mutators, with the target's variables); what they
    change, told from the package's own reading of the unchanged resources, is converted like
    YAML at the mutator's Python line: into the row when every target gets the same change,
    else into each target's stack_overrides."""
    python, where = mutators
    names = list(_items(python.get("mutators")))
    out = ctx.out
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    base: dict[str, Any] = {}
    target_resources: dict[str, Any] = {}
    default = None
    for _, doc in documents:
        base = merge_bundle(base, _map(doc.get("resources")))
        for name, spec in _map(doc.get("variables")).items():
            defaults[name] = _map(spec).get("default") if isinstance(spec, dict) else spec
        for name, body in _map(doc.get("targets")).items():
            if _map(body).get("default") is True:
                default = name
            target_resources[name] = merge_bundle(
                target_resources.get(name, {}), _map(_map(body).get("resources"))
            )
            for var, spec in _map(_map(body).get("variables")).items():
                value = _map(spec).get("default") if isinstance(spec, dict) else spec
                per_target.setdefault(name, {})[var] = value
    targets = list(target_resources) or ["default"]
    if default in targets:
        targets = [default, *(t for t in targets if t != default)]
    changes: dict[str, dict[tuple[str, str], Any]] = {}
    locations: dict[tuple[str | int, ...], tuple[str, int, int]] = {}
    for target in targets:
        resources = merge_bundle(base, target_resources.get(target, {}))
        values = defaults | per_target.get(target, {})
        try:
            before, _, _ = bundle_python.mutate(
                ctx.bundle, python, out.name, target, values, resources, []
            )
            after, found, warnings = bundle_python.mutate(
                ctx.bundle, python, out.name, target, values, resources, names
            )
        except bundle_python.PythonLoadError as err:
            out.problems.append(
                f"{where}: python.mutators: the bundle's mutators failed for target {target}: {err}"
            )
            return
        out.notes.extend(f"{where}: python.mutators: {w}" for w in warnings)
        locations.update(found)
        for kind in KINDS:
            for key, resource in _map(after.get(kind)).items():
                try:
                    change = _change(_map(before.get(kind)).get(key), resource)
                except _Unsupported as err:
                    out.problems.append(
                        f"{where}: python.mutators: in target {target} they change {kind}.{key} "
                        f"in a way a Lakeform row cannot say ({err} from a list of named "
                        "items): make that change in the YAML, and import again"
                    )
                    continue
                if change is not None:
                    changes.setdefault(target, {})[(kind, key)] = change
    changed = sorted({ident for found in changes.values() for ident in found})
    if not changed:
        out.notes.append(f"{where}: python.mutators ran for each target and changed nothing")
        return

    def file_of(name: str) -> str:
        return _rel(ctx.bundle / name, ctx.root)

    top = Pos(*_pos_parts(where))
    missing = object()
    for kind, key in changed:
        row = out.rows.get(kind, {}).get(key)
        if row is None:
            continue  # defined only in targets: listed as not imported already
        per = {t: _map(changes.get(t, {}).get((kind, key))) for t in targets}
        first = per[targets[0]]
        # a field every target's mutators set alike goes in the row, the rest per target
        common = {
            f: v for f, v in first.items() if all(c.get(f, missing) == v for c in per.values())
        }
        parts = ("resources", kind, key)
        for target, change in [("", common), *per.items()]:
            change = change if not target else {f: v for f, v in change.items() if f not in common}
            if not change:
                continue
            doc = bundle_python.located(
                {"resources": {kind: {key: change}}}, locations, file_of, top
            )
            mutated = _Ctx(
                out,
                Locator(_rel(ctx.bundle / bundle_python.GENERATED, ctx.root), (), doc, None),
                ctx.bundle,
                ctx.bundle,
                ctx.root,
                ctx.others,
                ctx.artifacts,
                ctx.typed,
                ctx.sync,
            )
            converted = _row(kind, key, change, mutated, parts, f"{kind}.{key}")
            fields = ", ".join(sorted(converted))
            if not target:
                out.rows[kind][key] = row = _replace(row, converted, keep_none=False)
                for stack, over in _map(row.get("stack_overrides")).items():
                    if set(_map(over)) & set(converted):
                        row["stack_overrides"][stack] = _replace(over, converted, keep_none=True)
                out.notes.append(
                    f"{mutated.loc.pos(parts)}: {kind}.{key}: python.mutators set {fields} "
                    "alike in every target: in the row"
                )
                continue
            overrides_of = row.setdefault("stack_overrides", {})
            overrides_of[target] = _replace(overrides_of.get(target), converted, keep_none=True)
            out.notes.append(
                f"{mutated.loc.pos(parts)}: {kind}.{key}: python.mutators set {fields} in target "
                f"{target} only: in its stack_overrides (a project stack that is no target does "
                "not get it)"
            )


def _pos_parts(where: str) -> tuple[str, int, int]:
    """`file:line:col` -> its parts."""
    file, line, col = where.rsplit(":", 2)
    return file, int(line), int(col)


class _Unsupported(Exception):
    """A mutator's change that a partial row cannot say."""


def _ident(items: list[Any]) -> str | None:
    """The key that names every item of a list (task_key, ...), if one does."""
    return next(
        (
            k
            for k in KEYED_LISTS.values()
            if items and all(isinstance(i, dict) and k in i for i in items)
        ),
        None,
    )


def _change(before: Any, after: Any) -> Any:
    """The partial that turns `before` into `after`: changed keys with their new value (maps
    compared key by key, named lists item by item), a removed key as None; None when equal."""
    if before == after:
        return None
    if isinstance(before, dict) and isinstance(after, dict):
        old, new = _map(before), _map(after)
        change: dict[str, Any] = {k: None for k in old if k not in new}
        for k, v in new.items():
            if k not in old:
                change[k] = copy.deepcopy(v)
            elif old[k] != v:
                change[k] = _change(old[k], v)
        return change
    if isinstance(before, list) and isinstance(after, list):
        ident = _ident([*_items(before), *_items(after)])
        if ident is not None:
            old_items = {_map(i)[ident]: i for i in _items(before)}
            gone = set(old_items) - {_map(i)[ident] for i in _items(after)}
            if gone:
                raise _Unsupported(f"removes {', '.join(sorted(str(g) for g in gone))}")
            items: list[Any] = []
            for item in _items(after):
                name = _map(item)[ident]
                inner = _change(old_items.get(name), item)
                if inner is not None:
                    items.append({ident: name, **_map(inner)} if name in old_items else item)
            return items
    return copy.deepcopy(cast("Any", after))


def _replace(base: Any, change: Any, keep_none: bool) -> Any:
    """`change` over `base`: maps key by key, lists of named items (tasks, ...) item by item,
    anything else replaced; a None removes the key (kept as None, the removal, in a stack
    override)."""
    if isinstance(base, dict) and isinstance(change, dict):
        merged = dict(_map(base))
        for k, v in _map(change).items():
            if v is None and not keep_none:
                merged.pop(k, None)
            else:
                merged[k] = _replace(merged.get(k), v, keep_none) if v is not None else None
        return merged
    if isinstance(base, list) and isinstance(change, list):
        items = [*_items(base), *_items(change)]
        ident = _ident(items)
        if ident is None:
            return copy.deepcopy(cast("Any", change))
        merged_list = [copy.deepcopy(i) for i in _items(base)]
        index = {_map(i)[ident]: n for n, i in enumerate(merged_list)}
        for item in _items(change):
            at = index.get(_map(item)[ident])
            if at is None:
                merged_list.append(copy.deepcopy(item))
            else:
                merged_list[at] = _replace(merged_list[at], item, keep_none)
        return merged_list
    return copy.deepcopy(change)


KEYED_LISTS = {
    "tasks": "task_key",
    "job_clusters": "job_cluster_key",
    "environments": "environment_key",
    "parameters": "name",
    "clusters": "label",
}
"""Sequences of named things merged element by element (the CLI's merge.ElementsByKey in
bundle/config/resources/job.go and pipeline.go); other sequences are concatenated."""


def merge_bundle(base: Any, extra: Any, key: str = "") -> Any:
    """`extra` merged over `base` as the Databricks CLI merges includes and target overrides:
    maps key by key, named sequences element by element, other sequences concatenated, a
    scalar of `extra` wins. Nothing of either is dropped."""
    if base is None:
        return copy.deepcopy(extra)
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(_map(base))
        for k, v in _map(extra).items():
            merged[k] = merge_bundle(merged.get(k), v, k)
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        name = KEYED_LISTS.get(key)
        items = [*_items(base), *copy.deepcopy(_items(extra))]
        if name is None:
            return items
        by_key: dict[Any, Any] = {}
        loose: list[Any] = []
        for item in items:
            if isinstance(item, dict) and name in item:
                k = _map(item)[name]
                by_key[k] = merge_bundle(by_key.get(k), item)
            else:
                loose.append(item)
        return [*by_key.values(), *loose]
    return copy.deepcopy(extra)


BUNDLE_VAR_PREFIX = "BUNDLE_VAR_"
"""The environment variables the CLI reads variables' values from (set_variables.go)."""


def give_hint(var: str) -> str:
    """How to give variable `var` a value when importing, for an error about its having none."""
    return (
        f"give its value when importing, as to the CLI: --var {var}=VALUE, or the environment "
        f"variable {BUNDLE_VAR_PREFIX}{var}"
    )


def _give_values(
    documents: list[tuple[Path, Any]],
    root: Path,
    given: dict[str, str],
    env: Mapping[str, str],
    out: Imported,
) -> None:
    """The values given when importing, made each variable's only value (its default, every
    target's value and lookup dropped), so every stack gets it, as the Databricks CLI ranks them:
    `--var NAME=VALUE` (Root.InitializeVariables sets the value, bundle/config/root.go), then
    the environment's BUNDLE_VAR_NAME (SetVariables skips a variable that has a value, else
    reads it first, bundle/config/mutator/set_variables.go), then a lookup, then the default
    (which a target's value replaces, Root.MergeTargetOverrides). Refused as the CLI refuses
    them: a `--var` for a variable the bundle does not define, and either for a complex one."""
    defined: dict[str, list[tuple[Any, Pos | None]]] = {}
    """variable -> (its variables mapping, where it is defined) in each file defining it."""
    for path, doc in documents:
        variables = doc.get("variables")
        loc = Locator(_rel(path, root), (), doc, None)
        if isinstance(variables, dict):
            variables = cast("dict[str, Any]", variables)
            for name in variables:
                defined.setdefault(name, []).append((variables, loc.pos(("variables", name))))
    problems: list[str] = []
    for name in given:
        if name not in defined:
            known = ", ".join(sorted(defined)) or "none"
            problems.append(
                f"--var {name}=...: the bundle defines no variable {name} (its variables: "
                f"{known}); the CLI refuses it too (`variable {name} has not been defined`)"
            )
    for name, places in defined.items():
        if name in given:
            value, how = given[name], f"--var {name}=..."
        elif (env_name := BUNDLE_VAR_PREFIX + name) in env:
            value, how = env[env_name], f"the environment's {env_name}"
        else:
            continue
        at = places[0][1]
        if any(_map(spec[name]).get("type") == "complex" for spec, _ in places):
            problems.append(
                f"{at}: variables.{name}: a complex variable, and its value comes from {how}: "
                "the CLI takes no complex value from --var or the environment either: write it "
                "as the variable's default or in targets.<name>.variables"
            )
            continue
        for variables, pos in places:
            spec = variables[name]
            kept = LMap(pos)
            if isinstance(spec, dict) and "description" in spec:
                kept.put("description", spec["description"], pos)
            kept.put("default", _as_given(value), pos)
            variables[name] = kept
        for _, doc in documents:
            for body in _map(doc.get("targets")).values():
                target_vars = _map(body).get("variables")
                if isinstance(target_vars, dict) and name in target_vars:
                    del target_vars[name]
        out.notes.append(
            f"{at}: variables.{name}: the value from {how} is in every stack's "
            f"lakeform:settings.variables.{name}, over its default and each target's value and "
            "lookup, as the CLI ranks them"
        )
    handled = {n for n in defined if n in given or BUNDLE_VAR_PREFIX + n in env}
    problems.extend(_override_files(documents, root, defined, handled, out))
    if problems:
        raise BundleError("\n".join(problems))


def _as_given(value: str) -> str | int | bool:
    """A value given as text, as a field of the CLI gets it: the CLI keeps it a string and its
    normalize makes it a number or boolean in a field of that type (libs/dyn/convert
    normalize.go); an integer or boolean whose text is exactly this one is one here, to fill
    such a field as a typed variable does, and is this same text in a string."""
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        return int(value)
    return value


def _override_files(
    documents: list[tuple[Path, Any]],
    root: Path,
    defined: dict[str, list[tuple[Any, Pos | None]]],
    handled: set[str],
    out: Imported,
) -> list[str]:
    """Each target's `.databricks/bundle/<target>/variable-overrides.json` in the bundle
    folder, as the CLI reads it (set_variables.go readVariablesFromFile): a value there is that
    target's, below --var, BUNDLE_VAR_ and a lookup, over the default (the target's own
    included); a name the bundle does not define is passed over, as there. The problems."""
    problems: list[str] = []
    folder = documents[0][0].parent
    bodies: dict[str, list[tuple[Any, str]]] = {}
    """target -> (the mapping holding its body, its name) in each file defining it."""
    for _, doc in documents:
        for name in _map(doc.get("targets")):
            bodies.setdefault(name, []).append((doc["targets"], name))
    for target, places in bodies.items():
        path = folder / ".databricks" / "bundle" / target / "variable-overrides.json"
        if not path.is_file():
            continue
        where = _rel(path, root)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            problems.append(
                f"{where}: {err} (the CLI refuses it too: `failed to parse variables file`)"
            )
            continue
        if not isinstance(data, dict):
            problems.append(
                f"{where}: a JSON object of variable values expected, as the CLI's "
                '`{"var1": "value1", "var2": "value2"}`'
            )
            continue
        for name, value in cast("dict[str, Any]", data).items():
            if name not in defined or name in handled or value is None:
                continue
            specs = [_map(spec[name]) for spec, _ in defined[name]]
            is_complex = any(spec.get("type") == "complex" for spec in specs)
            if is_complex != isinstance(value, dict | list):
                kind = "complex" if is_complex else "not complex"
                problems.append(
                    f"{where}: {name}: the variable is {kind}, and this value is "
                    f"{'not ' if is_complex else ''}a list or map: the CLI refuses it too"
                )
                continue
            own = [_map(_map(body[key]).get("variables")).get(name) for body, key in places]
            empty: dict[str, Any] = {}
            own_spec = next((_map(v) for v in reversed(own) if isinstance(v, dict)), empty)
            lookup = "lookup" in own_spec or (
                "default" not in own_spec and any("lookup" in spec for spec in specs)
            )
            if lookup:
                continue  # the CLI resolves the lookup, and reads the file only without one
            pos = Pos(where, 1, 1)
            for i, (body, key) in enumerate(places):
                if not isinstance(body[key], dict):
                    body[key] = LMap(pos)
                variables = body[key].get("variables")
                if i == 0:
                    if not isinstance(variables, dict):
                        variables = body[key]["variables"] = LMap(pos)
                    spec = LMap(pos)
                    spec.put("default", value, pos)
                    cast("dict[str, Any]", variables)[name] = spec
                elif isinstance(variables, dict) and name in variables:
                    del cast("dict[str, Any]", variables)[name]
            out.notes.append(
                f"{where}: variables.{name}: the value there is stack {target}'s, over the "
                "variable's default and the target's value, as the CLI ranks it"
            )
    return problems


def _variable(spec: Any, where: str, out: Imported) -> str | None:
    """A bundle variable's value for the stacks' `variables` (strings), or None when it has none.
    A `lookup` is resolved by the CLI at deploy time: listed, with a placeholder to replace."""
    if isinstance(spec, dict):
        spec = _map(spec)
        if "lookup" in spec:
            lookup = ", ".join(f"{k} '{v}'" for k, v in _map(spec["lookup"]).items())
            name = where.rsplit(".", 1)[-1]
            out.skipped.append(
                f"{where}: lookup of {lookup or 'an object'} (the Databricks CLI resolves it to "
                "an id at deploy time; Lakeform has no lookup: set "
                f"lakeform:settings.variables.{name} of each stack to the id; the stack settings "
                f"hold '{LOOKUP_PLACEHOLDER}' until then)"
            )
            return LOOKUP_PLACEHOLDER
        if "default" not in spec and spec.get("type") != "complex":
            return None
        spec = spec.get("default")
    if isinstance(spec, dict | list):
        return None  # a complex value: the fields that are exactly ${var.X} take it (_typed)
    if spec is None:
        return None
    if isinstance(spec, bool):
        return "true" if spec else "false"
    return str(spec)


SHORT_NAME = "${workspace.current_user.short_name}"
ANY_REF = re.compile(r"\$\{([^}]*)\}")


def _stack_values(name: str, values: dict[str, str], out: Imported) -> dict[str, str]:
    """The stack's variables with what the CLI would substitute in them resolved where it can be
    known when importing (Lakeform substitutes `${var.NAME}` in rows only, once)."""
    resolved = {k: _with_target(v, name, out.name) for k, v in values.items()}
    for _ in range(len(resolved)):  # variables referring to variables, as deep as they go
        resolved = {k: _resolve_vars(v, resolved) for k, v in resolved.items()}
    for key, value in resolved.items():
        where = f"targets.{name}.variables.{key}"
        if SHORT_NAME in value:
            value = value.replace(SHORT_NAME, name)
            out.notes.append(
                f"{where}: {SHORT_NAME} is the user deploying, which Lakeform cannot know (a "
                f"stack is one shared deployment): the stack's name instead, {value!r}"
            )
        if "${" in value:
            out.skipped.append(
                f"{where}: {value!r} (Lakeform cannot know this when importing: set "
                f"lakeform:settings.variables.{key} of the stack; it holds "
                f"'{LOOKUP_PLACEHOLDER}' until then)"
            )
            value = LOOKUP_PLACEHOLDER
        resolved[key] = value
    return resolved


def _resolve_vars(value: str, values: dict[str, str]) -> str:
    """`${var.X}` in `value` replaced by X's value, where that is plain."""

    def repl(m: re.Match[str]) -> str:
        ref = m.group(1)
        held = values.get(ref.removeprefix("var.")) if ref.startswith("var.") else None
        return held if held is not None and "${" not in held else m.group(0)

    return ANY_REF.sub(repl, value)


def _levels(kind: str, permissions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bundle-wide permissions as `kind` spells their levels (apply_bundle_permissions.go)."""
    levels = PERMISSION_LEVELS[kind]
    return [{**p, "level": levels.get(str(p.get("level")), p.get("level"))} for p in permissions]


def _override(out: Imported, kind: str, key: str, target: str) -> dict[str, Any]:
    """The row's override for `target`, created if missing (to be written to)."""
    row = out.rows[kind][key]
    return cast("dict[str, Any]", row.setdefault("stack_overrides", {}).setdefault(target, {}))


def _peek(row: dict[str, Any], target: str) -> dict[str, Any]:
    """The row's override for `target` as it is, without creating one."""
    return _map(_map(row.get("stack_overrides")).get(target))


def _with_target(value: Any, name: str, bundle: str) -> str:
    return str(value).replace(TARGET_REF, name).replace("${bundle.name}", bundle)


def _target_settings(
    name: str,
    target: dict[str, Any],
    wide: dict[str, Any],
    permissions: list[dict[str, Any]],
    out: Imported,
) -> None:
    """The target's mode, presets, run_as, workspace and permissions -> the stack's settings,
    or the per-stack overrides of its rows where the CLI applies them per resource."""
    settings = out.settings[name]
    where = f"targets.{name}"
    mode = target.get("mode")
    presets = {**_map(wide.get("presets")), **_map(target.get("presets"))}
    tags = {**_map(_map(wide.get("presets")).get("tags")), **_map(presets.get("tags"))}
    pause = presets.get("trigger_pause_status")
    development = presets.get("pipelines_development")
    max_runs = presets.get("jobs_max_concurrent_runs")
    prefix = presets.get("name_prefix")
    if mode == "development":
        # apply_target_mode.go: each preset the target leaves unset
        pause = pause or "PAUSED"
        development = True if development is None else development
        max_runs = max_runs or DEV_MAX_CONCURRENT_RUNS
        if prefix is None:
            prefix = DEV_NAME_PREFIX
            out.notes.append(
                f"{where}.mode: development: name_prefix '{DEV_NAME_PREFIX}' (the CLI's is "
                "'[dev <your short name>] ', one copy per developer; a Lakeform stack is one "
                "shared deployment); the CLI's tag dev: <your short name> is not set (the "
                "lakeform_stack tag names the stack)"
            )
    elif mode == "production":
        settings["protect"] = True
        out.notes.append(
            f"{where}.mode: production: protect: true (Lakeform's production setting: pipelines "
            "and monitors protected, monitors retained on delete); the CLI's production checks "
            "(no development pipelines, an explicit root_path) are not Lakeform's"
        )
    elif mode is not None:
        out.skipped.append(f"{where}.mode: {mode} (the CLI knows development and production)")
    if prefix is not None:
        value = _with_target(prefix, name, out.name)
        if "${" in value and mode == "development":
            out.notes.append(
                f"{where}.presets.name_prefix: {prefix!r} names the user deploying, which "
                f"Lakeform cannot know: name_prefix '{DEV_NAME_PREFIX}' instead"
            )
            value = DEV_NAME_PREFIX
        if "${" in value:
            out.skipped.append(
                f"{where}.presets.name_prefix: {prefix!r} (Lakeform substitutes no ${{...}} in "
                "lakeform:settings.name_prefix: set it by hand)"
            )
        else:
            settings["name_prefix"] = value
    if pause == "PAUSED":
        settings["pause_schedules"] = True
        for key, monitor in out.rows.get("quality_monitors", {}).items():
            schedule = _map(monitor.get("schedule"))
            if schedule and schedule.get("pause_status") != "UNPAUSED":
                # the CLI removes them: monitors cannot pause (apply_presets.go)
                _override(out, "quality_monitors", key, name)["schedule"] = None
    elif pause not in (None, "UNPAUSED"):  # UNPAUSED is the API's default: nothing to set
        out.skipped.append(f"{where}.presets.trigger_pause_status: {pause} (PAUSED or UNPAUSED)")
    if development is True:
        settings["development"] = True
    if isinstance(max_runs, int) and max_runs > 0:
        for key, job in out.rows.get("jobs", {}).items():
            if "max_concurrent_runs" not in job and "max_concurrent_runs" not in _peek(job, name):
                _override(out, "jobs", key, name)["max_concurrent_runs"] = max_runs
    if tags:
        settings["tags"] = {str(k): _with_target(v, name, out.name) for k, v in tags.items()}
    for key in presets:
        if key not in (
            "name_prefix",
            "trigger_pause_status",
            "pipelines_development",
            "jobs_max_concurrent_runs",
            "tags",
        ):
            out.skipped.append(f"{where}.presets.{key} (no Lakeform equivalent)")
    _run_as(name, _map(target.get("run_as") or wide.get("run_as")), out)
    _workspace(name, {**_map(wide.get("workspace")), **_map(target.get("workspace"))}, out)
    _target_permissions(name, [_map(p) for p in _items(target.get("permissions"))], out)


def _run_as(name: str, run_as: dict[str, Any], out: Imported) -> None:
    """The stack's run_as for jobs; pipelines take it per row (run_as.go sets both)."""
    if not run_as:
        return
    if run_as == {"user_name": "${" + USER_NAME + "}"}:
        # the user deploying: what a job runs as with no run_as (its owner, the deployer), as
        # the CLI has it (resourcemutator/run_as.go skips its checks when run_as is the
        # current user); a stack has no "user deploying" to name, so none is set
        out.notes.append(
            f"targets.{name}.run_as: ${{{USER_NAME}}}, the user deploying: not set, as jobs and "
            "pipelines run as their owner, the principal that deploys the stack, when no run_as "
            "is set"
        )
        return
    out.settings[name]["run_as"] = run_as
    for key, pipeline in out.rows.get("pipelines", {}).items():
        if "run_as" not in pipeline and "run_as" not in _peek(pipeline, name):
            _override(out, "pipelines", key, name)["run_as"] = dict(run_as)


def _workspace(name: str, workspace: dict[str, Any], out: Imported) -> None:
    where = f"targets.{name}.workspace"
    for key, value in workspace.items():
        if key == "host":
            out.hosts[name] = str(value)
        elif key == "root_path":
            root = _with_target(value, name, out.name)
            if "${" in root or not root.startswith("/"):
                out.skipped.append(
                    f"{where}.root_path: {value!r} (Lakeform needs an absolute folder it can "
                    "know when importing: set lakeform:settings.workspace_root by hand)"
                )
            else:
                out.settings[name]["workspace_root"] = root
        else:
            out.skipped.append(f"{where}.{key} (no Lakeform equivalent)")


def _target_permissions(name: str, permissions: list[dict[str, Any]], out: Imported) -> None:
    """A target's permissions join the bundle's for every job and pipeline of that stack (the
    CLI concatenates them); a per-stack override replaces the row's list, so it holds them all."""
    for kind in PERMISSION_LEVELS:
        for key, row in out.rows.get(kind, {}).items():
            own = _items(_peek(row, name).get("permissions"))
            if not permissions and not own:
                continue
            full = [*_items(row.get("permissions")), *own, *_levels(kind, permissions)]
            # copies: shared objects would be written as YAML anchors and aliases
            _override(out, kind, key, name)["permissions"] = copy.deepcopy(full)


FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
"""A bundle or target name that may name a file written under `-o` as it is: one path component
(no `/`, no `..`, not hidden), the characters of a Pulumi stack name (a target becomes a stack)."""


def _file_name(
    loc: Locator, parts: tuple[Part, ...], name: str, what: str, shown: tuple[Part, ...]
) -> list[Problem]:
    """Refuse a name that becomes a file name unless it is one safe path component (no slug:
    the rows and stacks keep the names the bundle gives them)."""
    if FILE_NAME.match(name):
        return []
    return [
        loc.problem(
            parts,
            f"'{name}' cannot name {what}: it becomes a file name under the output folder; use "
            "letters, digits, '_', '-' and '.' (not first), at most 100",
            shown=shown,
        )
    ]


def _include(
    folder: Path, root: Path, pattern: str, loc: Locator, i: int, problems: list[Problem]
) -> list[Path]:
    """The files an `include` pattern names, relative to the bundle folder; they may lie outside
    it, as the CLI allows (process_root_includes.go refuses only absolute paths), but inside the
    project (symlinks followed): a pattern or match outside it is a problem, and nothing
    outside is read."""
    if Path(pattern).is_absolute():
        problems.append(
            loc.problem(
                ("include", i),
                f"'{pattern}' is absolute; includes are relative to databricks.yml's folder "
                "(the CLI refuses an absolute one too)",
            )
        )
        return []
    base, inside = resolve_within(root, folder / _fixed_prefix(pattern))
    if not inside:
        problems.append(
            loc.problem(
                ("include", i),
                f"'{pattern}' leads to '{base}', outside the project (the current directory); "
                "includes stay inside it",
            )
        )
        return []
    found: list[Path] = []
    for name in sorted(glob.glob(str(folder / pattern), recursive=True)):
        target, inside = resolve_within(root, Path(name))
        if not inside:
            problems.append(
                loc.problem(
                    ("include", i),
                    f"'{pattern}' matches '{os.path.relpath(name, folder)}', which resolves to "
                    f"'{target}', outside the project (the current directory); includes stay "
                    "inside it",
                )
            )
            return []
        found.append(Path(name))
    return found


def _fixed_prefix(pattern: str) -> str:
    """The folders of a glob pattern before its first wildcard."""
    fixed: list[str] = []
    for part in Path(pattern).parts[:-1]:
        if any(c in part for c in "*?["):
            break
        fixed.append(part)
    return os.path.join(*fixed) if fixed else "."


def _sync_root(folder: Path, documents: list[tuple[Path, Any]]) -> Path:
    """The folder the CLI syncs, `${workspace.file_path}`: the bundle folder, or the folder
    holding it and every `sync.paths` entry when one lies outside it (the CLI's
    sync_infer_root.go)."""
    roots = [folder.resolve()]
    for path, doc in documents:
        for entry in _items(_map(doc.get("sync")).get("paths")):
            roots.append((path.parent / str(entry)).resolve())
    return Path(os.path.commonpath(roots))


def _read(path: Path, root: Path, out: Imported) -> dict[str, Any]:
    """A bundle file as plain data; YAML errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BundleError(f"{path}: {err}") from None
    data, problems = parse_text(text, _rel(path, root))
    problems = _same_value_duplicates(text, problems, out)
    if problems:
        raise BundleError("\n".join(str(p) for p in problems))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BundleError(f"{path}: expected a mapping")
    return cast("dict[str, Any]", data)


def _node_shape(node: Any) -> Any:
    """A YAML node's tags and values without its places, to compare two nodes."""
    value = node.value
    if isinstance(value, list):
        items = cast("list[Any]", value)
        return (
            node.tag,
            [
                _node_shape(i)
                if not isinstance(i, tuple)
                else tuple(_node_shape(x) for x in cast("tuple[Any, Any]", i))
                for i in items
            ],
        )
    return (node.tag, value)


DUPLICATE_KEY = re.compile(r"^duplicate key '(.*)' \(first at line (\d+)\)$")


def _same_value_duplicates(text: str, problems: list[Problem], out: Imported) -> list[Problem]:
    """`problems` without each duplicate key whose value is the same as the first's (said in a
    note instead). The CLI reads a key written twice without a word, the later value winning
    (libs/dyn/yamlloader/loader.go loadMapping sets each pair; dyn.Mapping.SetLoc replaces);
    where both values are the same nothing is lost, so only differing ones stay refused."""
    duplicates = [p for p in problems if p.pos and DUPLICATE_KEY.match(p.message)]
    if not duplicates:
        return problems
    import yaml

    try:
        root_node = cast("yaml.Node | None", yaml.compose(text, Loader=yaml.SafeLoader))  # pyright: ignore[reportUnknownMemberType]
    except yaml.YAMLError:
        return problems
    same: set[tuple[int, int]] = set()
    stack: list[yaml.Node] = [root_node] if root_node is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, yaml.Node] = {}
            for key, value in node.value:
                name = getattr(key, "value", None)
                if isinstance(name, str) and name in first:
                    if _node_shape(first[name]) == _node_shape(value):
                        same.add((key.start_mark.line + 1, key.start_mark.column + 1))
                elif isinstance(name, str):
                    first[name] = value
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    kept: list[Problem] = []
    for problem in problems:
        if problem in duplicates and problem.pos and (problem.pos.line, problem.pos.col) in same:
            key = DUPLICATE_KEY.match(problem.message)
            out.notes.append(
                f"{problem.pos}: {problem.path}: written twice with the same value (first at "
                f"line {key.group(2) if key else '?'}); the CLI reads it once, as does the import"
            )
        else:
            kept.append(problem)
    return kept


def _map(value: Any) -> dict[str, Any]:
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return cast("list[Any]", value) if isinstance(value, list) else []


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


TASK_TYPES_LATER = (
    "gen_ai_compute_task",
    "ai_runtime_task",
    "python_operator_task",
)
"""Task types the Jobs API and the pinned provider (pulumi-databricks 1.106.0
JobTaskGenAiComputeTask, JobTaskAiRuntimeTask, JobTaskPythonOperatorTask) have and Lakeform's
rows do not model yet: each names code by path (`training_script_path`, `code_source_path`,
`main`), which Lakeform would have to upload as it uploads a notebook_path."""


@dataclass
class _Ctx:
    """What converting one bundle file's rows needs: where it is, and the bundle's resources of
    kinds Lakeform does not deploy (their static fields may be referred to)."""

    out: Imported
    loc: Locator
    folder: Path
    """The folder of the file (its paths are relative to it)."""
    bundle: Path
    """The bundle's folder, synced by the CLI to `${workspace.file_path}`."""
    root: Path
    others: dict[str, dict[str, Any]]
    artifacts: dict[str, dict[str, Any]]
    """The bundle's `artifacts` (builds the CLI runs before deploying)."""
    typed: dict[str, Any]
    """Variables whose value is no string (a number, a list, a map) -> the value every stack
    has, or a PerStack: a field that is exactly `${var.X}` takes the value itself."""
    sync: dict[str, Any] = field(default_factory=dict[str, Any])
    """The bundle's `sync` (include, exclude), for what `${workspace.file_path}/PATH` uploads."""

    def refuse(self, parts: tuple[Part, ...], message: str) -> None:
        self.out.problems.append(str(self.loc.problem(parts, message)))


def _row(
    kind: str, key: str, row: Any, ctx: _Ctx, parts: tuple[Part, ...], where: str
) -> dict[str, Any]:
    """The bundle row with its paths repository-relative, references by key and fields
    Lakeform has no place for listed and left out."""
    out = ctx.out
    row = copy.deepcopy(_map(row))
    for name in list(row):
        if name not in ROW_FIELDS[kind]:
            out.skipped.append(f"{ctx.loc.pos((*parts, name))}: {where}.{name} (no Lakeform field)")
            del row[name]
    for i, task_any in enumerate(_items(row.get("tasks"))):
        task = _map(task_any)
        for name in list(task):
            if name in TASK_TYPES_LATER:
                ctx.refuse(
                    (*parts, "tasks", i, name),
                    f"task type {name} is not supported by Lakeform yet; supported: "
                    + ", ".join(TASK_TYPE_NAMES),
                )
            elif name not in TASK_FIELDS:
                at = ctx.loc.pos((*parts, "tasks", i, name))
                out.skipped.append(f"{at}: {where}.tasks[{i}].{name} (no Lakeform field)")
                del task[name]
    trigger = _map(row.get("trigger")) if kind == "jobs" else {}
    for name in ("file_arrival", "table_update"):
        for field_name in ZERO_IS_UNSET:
            if _map(trigger.get(name)).get(field_name) == 0:
                at = ctx.loc.pos((*parts, "trigger", name, field_name))
                out.skipped.append(
                    f"{at}: {where}.trigger.{name}.{field_name}: 0 (the provider sends no 0 "
                    "here, so the API's default applies; left out, which deploys the same)"
                )
                del _map(trigger[name])[field_name]
    converted = cast("dict[str, Any]", _convert(row, ctx, parts))
    return cast("dict[str, Any]", _normalize(converted, KINDS[kind].row_model, ctx, parts))


def _normalize(value: Any, annotation: Any, ctx: _Ctx, parts: tuple[Part, ...]) -> Any:
    """`value` shaped as the row model's `annotation` wants, as the CLI's normalize shapes a
    bundle (databricks/cli libs/dyn/convert/normalize.go): a number or boolean in a string field
    is its text (normalizeString); one string where a list is wanted (`on_failure: a@b.c`) the
    CLI drops with a warning (normalizeSlice: `expected sequence, found string`), and the import
    reads as a list of that one item, with a note (a pure `${var.X}` stays, as in the CLI)."""
    options = [
        a
        for a in (
            typing.get_args(annotation)
            if typing.get_origin(annotation) in (typing.Union, types.UnionType)
            else (annotation,)
        )
        if a is not type(None)
    ]
    if len(options) != 1:
        return value
    (wanted,) = options
    origin = typing.get_origin(wanted)
    if isinstance(wanted, type) and issubclass(wanted, BaseModel) and isinstance(value, dict):
        fields = {f.alias or name: f for name, f in wanted.model_fields.items()}
        return {
            k: _normalize(v, fields[k].annotation, ctx, (*parts, k)) if k in fields else v
            for k, v in cast("dict[str, Any]", value).items()
        }
    if origin is list:
        (item,) = typing.get_args(wanted) or (Any,)
        if isinstance(value, list):
            return [
                _normalize(v, item, ctx, (*parts, i))
                for i, v in enumerate(cast("list[Any]", value))
            ]
        if isinstance(value, str) and not WHOLE_VARIABLE.fullmatch(value) and item is str:
            ctx.out.notes.append(
                f"{ctx.loc.pos(parts)}: {ctx.loc.path(parts)}: {value!r} read as the list "
                f"[{value!r}] (the field is a list; the Databricks CLI drops it with a warning, "
                "`expected sequence, found string`): write it as a list"
            )
            return [value]
        return value
    if origin is dict and isinstance(value, dict):
        args = typing.get_args(wanted)
        item = args[1] if len(args) == 2 else Any
        return {
            k: _normalize(v, item, ctx, (*parts, k))
            for k, v in cast("dict[str, Any]", value).items()
        }
    if wanted is str and isinstance(value, bool):
        return str(value).lower()
    if wanted is str and isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return value


ZERO_IS_UNSET = ("min_time_between_triggers_seconds", "wait_after_last_change_seconds")
"""Trigger fields the provider never sends as 0 (terraform-provider-databricks v1.128.0
jobs/resource_job.go FileArrival, TableUpdate: plain int32, omitempty, no ForceSendFields), so a
bundle's 0 deploys as unset; Lakeform's rows refuse 0 (the API's minimum is 60)."""


PATH_KEYS = {"notebook_path", "python_file", "path", "include", "root_path"}
LIBRARY_KEYS = {"whl", "jar", "dependencies"}
RESOURCE_REF = re.compile(r"^resources\.([a-z_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_.]+)$")
USER_NAME = "workspace.current_user.userName"
PLACEHOLDER_VARIABLES = {
    USER_NAME: (
        "current_user_name",
        "the user deploying, which a Lakeform stack (one shared deployment) does not have: set "
        "lakeform:settings.variables.current_user_name of each stack to the user or service "
        "principal it deploys as",
    ),
    "bundle.git.origin_url": ("git_origin_url", "the repository's URL"),
    "bundle.git.branch": ("git_branch", "the branch deployed"),
    "bundle.git.commit": ("git_commit", "the commit deployed, which changes with each one"),
}
"""`${...}` the CLI knows when deploying and Lakeform cannot know when importing -> the stack
variable it becomes, and what it means (the stacks hold REPLACE-ME until set)."""


def _convert(value: Any, ctx: _Ctx, parts: tuple[Part, ...], key: str = "") -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in cast("dict[str, Any]", value).items():
            ref = ID_REF.match(v) if isinstance(v, str) else None
            if ref and k in ("job_id", "pipeline_id"):
                out[k.removesuffix("_id")] = ref.group(2)  # a reference by row key
            else:
                out[k] = _convert(v, ctx, (*parts, k), k)
                if out[k] in ([], {}) and v not in ([], {}):  # emptied by the conversion
                    del out[k]
        return out
    if isinstance(value, list):
        items = cast("list[Any]", value)
        converted: list[Any] = []
        for i, v in enumerate(items):
            if key == "dependencies" and isinstance(v, str) and EDITABLE_BUNDLE.fullmatch(v):
                converted.extend(_editable_bundle(v, ctx, (*parts, i)))
            elif key == "dependencies" and isinstance(v, str) and _is_local_library(v):
                # each file a glob matches, as the CLI expands globs in dependencies
                converted.extend(_local_library(v, ctx, (*parts, i)))
            else:
                converted.append(_convert(v, ctx, (*parts, i), key))
        return converted
    if isinstance(value, str):
        value = _without_workspace_prefix(value, ctx, parts)
        if key in PATH_KEYS | LIBRARY_KEYS and ctx.out.file_path_is_default:
            value = _root_files(value, ctx, parts)
        if key in PATH_KEYS and FILE_PATH.match(value):  # the bundle root, synced
            return _rel(ctx.bundle / FILE_PATH.sub("", value, count=1), ctx.root)
        if (
            key in LIBRARY_KEYS
            and FILE_PATH.match(value)
            and _is_local_library(FILE_PATH.sub("", value, count=1))
        ):
            # a library in the synced bundle folder: the bundle's local file, from this file's
            # folder, which the library branch below builds (artifacts) and finds
            rest = FILE_PATH.sub("", value, count=1)
            value = Path(os.path.relpath(ctx.bundle / rest, ctx.folder)).as_posix()
        whole = WHOLE_VARIABLE.fullmatch(value)
        if whole and whole.group(1) in ctx.typed:
            typed = _typed(whole.group(1), ctx, parts, value)
            if (
                len(parts) >= 2
                and parts[-2] in STRING_MAPS
                and isinstance(typed, bool | int | float)
            ):
                # a map of strings: the CLI's normalize turns a number or boolean into its text
                return str(typed).lower() if isinstance(typed, bool) else str(typed)
            return typed
        if key in PATH_KEYS:
            value = _relative_variable_path(value, ctx, parts)
        value = _interpolate(value, ctx, parts)
        if (
            key in LIBRARY_KEYS
            and is_repo_relative(value)
            and "${" not in value
            and value.endswith((".whl", ".jar"))
        ):
            found = _local_library(value, ctx, parts)
            if len(found) == 1:
                return found[0]
            if found:
                ctx.refuse(
                    parts,
                    f"'{value}' matches {len(found)} files ({', '.join(found)}); this field "
                    "takes one: name it",
                )
        elif key in PATH_KEYS and is_repo_relative(value) and "${" not in value:
            return _rel(ctx.folder / value, ctx.root)
    return value


EDITABLE_BUNDLE = re.compile(r"\s*(-e|--editable)\s+\$\{workspace\.file_path\}/?\s*")
"""An environment dependency that installs the bundle folder, as the CLI syncs it, as a Python
project (the templates' pipelines have it)."""


def _editable_bundle(value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> list[str]:
    """`--editable ${workspace.file_path}` -> the dependencies the bundle's pyproject.toml lists
    (what the install brings besides the project itself), the rest said; refused when they
    cannot be read."""
    where = f"{ctx.loc.pos(parts)}: {ctx.loc.path(parts)}"
    pyproject = ctx.bundle / "pyproject.toml"
    if not pyproject.is_file():
        if (ctx.bundle / "setup.py").is_file():
            ctx.refuse(
                parts,
                f"'{value}' installs the bundle folder's setup.py project, whose dependencies "
                "Lakeform cannot read: list them here instead (pip requirement strings)",
            )
            return [value]
        ctx.out.skipped.append(
            f"{where}: '{value}' (the bundle folder has no pyproject.toml: no Python project to "
            "install; left out)"
        )
        return []
    try:
        project = _map(tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        ctx.refuse(parts, f"'{value}': {_rel(pyproject, ctx.root)} cannot be read: {err}")
        return [value]
    if "dependencies" in _items(project.get("dynamic")):
        ctx.refuse(
            parts,
            f"'{value}': {_rel(pyproject, ctx.root)} declares its dependencies dynamic, which "
            "Lakeform cannot read: list them here instead (pip requirement strings)",
        )
        return [value]
    deps = [str(d) for d in _items(project.get("dependencies"))]
    ctx.out.skipped.append(
        f"{where}: '{value}' installs the bundle's Python project "
        f"'{project.get('name', '?')}': its dependencies from "
        f"{_rel(pyproject, ctx.root)} ({', '.join(deps) or 'none'}) are listed instead; the "
        "project's own package is not installed (Lakeform uploads only the files rows name): "
        "if the code imports it, build a wheel, copy it to a volume and add that path"
    )
    return deps


STRING_MAPS = {
    "base_parameters",
    "named_parameters",
    "spark_env_vars",
    "spark_conf",
    "custom_tags",
    "tags",
    "configuration",
}
"""Fields that map names to strings: a typed variable's number or boolean there becomes text, as
the CLI's convert.Normalize makes it (libs/dyn/convert/normalize.go normalizeString)."""
WHOLE_VARIABLE = re.compile(r"\$\{var\.([A-Za-z0-9_-]+)\}")


@dataclass(frozen=True)
class PerStack:
    """A typed variable whose value is not the same in every stack."""

    values: dict[str, Any]
    """stack -> the variable's value there."""
    base: str
    """The stack whose value the row takes (the default target's, else the first); the
    others' that differ become `stack_overrides`."""


@dataclass
class _Pending:
    """A field that is exactly a per-stack typed variable: each stack's value, converted."""

    kind: str
    key: str
    path: tuple[Part, ...]
    """The field's path inside the row."""
    values: dict[str, Any]
    base: str
    at: str
    """`file:line:col` of the field, for a refusal."""


def _typed_variables(
    documents: list[tuple[Path, dict[str, Any]]], stacks: Collection[str]
) -> dict[str, Any]:
    """Variables with a value that is no string in some stack (any value, when there is no
    stack) -> that value when every stack (target, or stack taking the default target's
    variables) has the same, else a PerStack."""
    defaults: dict[str, Any] = {}
    per_target: dict[str, dict[str, Any]] = {}
    default_target = None
    for _, doc in documents:
        for name, spec in _map(doc.get("variables")).items():
            defaults[name] = _map(spec).get("default") if isinstance(spec, dict) else spec
        for target, body in _map(doc.get("targets")).items():
            per_target.setdefault(target, {})
            if _map(body).get("default") is True:
                default_target = target
            for name, spec in _map(_map(body).get("variables")).items():
                # a mapping is a variable's spec unless the variable is complex: then the value
                body_map = _map(spec)
                is_spec = "default" in body_map or "lookup" in body_map
                value: Any = body_map.get("default") if is_spec else spec
                per_target.setdefault(target, {})[name] = value
    names = [*per_target, *(s for s in stacks if s not in per_target)] or [None]
    typed: dict[str, Any] = {}
    for name in {*defaults, *(n for t in per_target.values() for n in t)}:
        values: list[Any] = []
        for stack in names:
            source = per_target.get(stack or "", per_target.get(default_target or "", {}))
            values.append(source.get(name, defaults.get(name)))
        # with no stack at all there is no place for a variable: every value goes in the rows
        if names != [None] and all(isinstance(v, str) or v is None for v in values):
            continue
        if all(v is None for v in values):
            continue
        if all(v == values[0] for v in values):
            typed[name] = values[0]
        else:
            by_stack = {str(n): v for n, v in zip(names, values, strict=True)}
            base = default_target if default_target in by_stack else str(names[0])
            typed[name] = PerStack(by_stack, base)
    return typed


VAR_REF = re.compile(r"\$\{var\.([A-Za-z0-9_-]+)\}")


def _relative_variables(documents: list[tuple[Path, dict[str, Any]]]) -> dict[str, str]:
    """Each string variable whose value is the same relative path (`../src`, `./notebooks`) in
    every target: the default, and no target setting another."""
    defaults: dict[str, Any] = {}
    overridden: set[str] = set()
    for _, doc in documents:
        for name, spec in _map(doc.get("variables")).items():
            defaults[name] = _map(spec).get("default") if isinstance(spec, dict) else spec
        for body in _map(doc.get("targets")).values():
            overridden.update(_map(_map(body).get("variables")))
    return {
        name: value
        for name, value in defaults.items()
        if name not in overridden
        and isinstance(value, str)
        and value.startswith(("./", "../"))
        and "${" not in value
    }


def _relative_variable_path(value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> str:
    """A path field holding `${var.NAME}` whose value is a relative path (the same in every
    target): the CLI substitutes variables before it translates paths, and the substituted
    value keeps the location of the field (libs/dyn/dynvar/resolve.go: `dyn.NewValue(...,
    ref.Value.Locations())`), so translate_paths.go resolves it from the folder of the file
    holding the field. The value is put in here, and the path resolved the same way."""
    first = VAR_REF.match(value)
    if first is None or first.group(1) not in ctx.out.relative_vars:
        return value  # only a variable that starts the path makes it a relative one
    name = first.group(1)
    result = ctx.out.relative_vars[name] + value[first.end() :]
    ctx.out.notes.append(
        f"{ctx.loc.pos(parts)}: {value!r}: ${{var.{name}}} is "
        f"{ctx.out.relative_vars[name]!r} in every target, a path relative to this file: "
        "read as the CLI reads it, from this file's folder"
    )
    # with other variables left (they differ per target), resolved here: the caller resolves
    # only a path with none
    return _rel(ctx.folder / result, ctx.root) if "${" in result else result


def _typed(name: str, ctx: _Ctx, parts: tuple[Part, ...], text: str) -> Any:
    """The value of typed variable `name` for a field that is exactly `text`, `${var.name}`.
    One that differs between stacks: in a target's own resources, that target's value; in a
    row, the base stack's value, each other stack's that differs kept for its
    `stack_overrides` (as the CLI substitutes each target's value in its own deploy)."""
    value = ctx.typed[name]
    if isinstance(value, PerStack):
        if len(parts) > 2 and parts[0] == "targets":
            return _interpolated(copy.deepcopy(value.values.get(str(parts[1]))), ctx, parts)
        converted = {
            stack: _interpolated(copy.deepcopy(v), ctx, parts) for stack, v in value.values.items()
        }
        if parts[:1] == ("resources",) and len(parts) > 3:
            ctx.out.pending.append(
                _Pending(
                    str(parts[1]),
                    str(parts[2]),
                    parts[3:],
                    converted,
                    value.base,
                    str(ctx.loc.pos(parts)),
                )
            )
            return converted[value.base]
        ctx.refuse(
            parts,
            f"'{text}': the variable {name} is a number, list or map whose value differs "
            "between targets, and Lakeform's variables are strings: write the value here and "
            "each target's in stack_overrides.<stack>",
        )
        return text
    return _interpolated(copy.deepcopy(value), ctx, parts)


def _apply_pending(out: Imported) -> None:
    """Each field that is exactly a per-stack typed variable: the row holds the base stack's
    value, and each stack whose value differs gets it in its `stack_overrides`, as a partial
    row whose lists name their items by key (task_key, ...), merged with the target's own."""
    for item in out.pending:
        row = out.rows.get(item.kind, {}).get(item.key)
        if row is None:
            continue
        for stack, value in item.values.items():
            if stack == item.base or value == item.values[item.base]:
                continue
            partial = _partial(row, item.path, value)
            if partial is None:
                out.problems.append(
                    f"{item.at}: {item.kind}.{item.key}: the value differs in stack {stack}, "
                    "and the field sits in a list whose items have no key (task_key, name, ...) "
                    "that a stack override could name: write each stack's value in "
                    "stack_overrides.<stack>"
                )
                break
            overrides = row.setdefault("stack_overrides", {})
            overrides[stack] = merge_bundle(overrides.get(stack), partial)
            out.notes.append(
                f"{item.at}: {item.kind}.{item.key}.{_dotted(item.path)}: the variable's value "
                f"differs between targets: the row has {item.base}'s, stack_overrides.{stack} "
                f"its own, {value!r}"
            )


def _dotted(path: tuple[Part, ...]) -> str:
    """("tasks", 0, "timeout_seconds") -> "tasks[0].timeout_seconds"."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _partial(row: Any, path: tuple[Part, ...], value: Any) -> Any:
    """The partial row that sets `value` at `path` in `row`, list items named by their key."""
    if not path:
        return copy.deepcopy(value)
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        items = _items(row)
        if step >= len(items):
            return None
        item = _map(items[step])
        ident = next((k for k in KEYED_LISTS.values() if k in item), None)
        inner = _partial(item, rest, value)
        if ident is None or inner is None:
            return None
        return [{ident: item[ident], **_map(inner)}]
    inner = _partial(_map(row).get(step), rest, value)
    return None if inner is None else {step: inner}


def _interpolated(value: Any, ctx: _Ctx, parts: tuple[Part, ...]) -> Any:
    """Every string in a typed variable's value with its `${...}` given their meaning (a list
    default may hold `${workspace.current_user.userName}`)."""
    if isinstance(value, dict):
        return {k: _interpolated(v, ctx, parts) for k, v in cast("dict[str, Any]", value).items()}
    if isinstance(value, list):
        return [_interpolated(v, ctx, parts) for v in cast("list[Any]", value)]
    return _interpolate(value, ctx, parts) if isinstance(value, str) else value


def _field(resource: Any, name: str) -> Any:
    """`resource`'s field at the dotted `name`, or None."""
    value: Any = resource
    for step in name.split("."):
        value = _map(value).get(step)
    return value


DEFAULT_WHEEL_BUILD = "python3 setup.py bdist_wheel"
"""The CLI's build of a `whl` artifact with no `build` and no `files` (python.GetExecutable()
is python3 where there is one)."""
INFERRED_ARTIFACT = "python_artifact"
"""The artifact the CLI infers from a setup.py when a bundle defines none."""
ARTIFACT_FIELDS = ("type", "path", "build", "files", "executable", "dynamic_version")
"""An artifact's fields the import reads (the build runs; `dynamic_version` and `executable`
change how the CLI runs or names it, which the notes say)."""
BUILD_TIMEOUT_SECONDS = 900


def _is_local_library(value: str) -> bool:
    return (
        "${" not in value
        and is_repo_relative(value)
        and value.endswith((".whl", ".jar"))
        and " " not in value
    )


def _local_library(value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> list[str]:
    """A library that is a local file (a build's output, or a file the CLI uploads): the
    bundle's artifacts built first, as the CLI builds them before a deploy, then each file the
    path (a glob) matches, repository-relative: Lakeform uploads it with the row's other files.
    Refused when nothing matches or a match lies outside the project."""
    built = _build_artifacts(ctx)
    if built is None:
        return []
    matches = sorted(glob.glob(str(ctx.folder / value)))
    found: list[str] = []
    for match in matches:
        target, inside = resolve_within(ctx.root, Path(match))
        if not inside:
            ctx.refuse(
                parts,
                f"'{value}' matches '{match}', which resolves to '{target}', outside the "
                "project: Lakeform uploads files of the project only",
            )
            return []
        found.append(_rel(Path(match), ctx.root))
    if not found:
        builds = ", ".join(
            f"artifacts.{name}" + (f" (build: {spec['build']!r})" if spec.get("build") else "")
            for name, spec in ctx.artifacts.items()
        )
        after = f" after building the bundle's {builds}" if builds else ""
        ctx.refuse(
            parts,
            f"'{value}' matches no file{after}; Lakeform uploads the library file as the CLI "
            "does, so it must exist: build or download it (see the bundle's README), or write a "
            "volume or workspace path (e.g. /Volumes/<catalog>/<schema>/<volume>/<file>)",
        )
    return found


PYPI_BUILD_TOOLS = {
    "poetry": "poetry",
    "hatch": "hatch",
    "pdm": "pdm",
    "flit": "flit",
    "uv": "uv",
    "twine": "twine",
}
"""Build commands that are Python packages of the same name on PyPI (installed as tools)."""
PYPI_BUILD_MODULES = {"build": "build", "wheel": "wheel", "setuptools": "setuptools", "pip": "pip"}
"""Modules a build runs with `python -m X` (or imports, as `setup.py` does setuptools), and the
PyPI package that brings each."""
NOT_FOUND = re.compile(r"(?:^|: )([\w.+-]+): command not found$", re.MULTILINE)
NO_MODULE = re.compile(r"No module named '?([\w]+)'?\s*$", re.MULTILINE)


def _missing_tool(command: str, output: str) -> tuple[str, str] | None:
    """When a build failed because its tool is not installed: (the tool, what to install).
    bash says `<name>: command not found` (exit 127) for a missing command; Python says
    `No module named <name>` for `python -m <name>` (or an import) of a missing package. A
    missing submodule (`No module named 'setuptools.backends'`) is the project's own fault, not
    a missing tool, so the generic message keeps the detail."""
    found = NOT_FOUND.search(output)
    if found:
        tool = found.group(1)
        package = PYPI_BUILD_TOOLS.get(tool)
        if package:
            how = (
                f"install it from PyPI so '{tool}' is on PATH (`uv tool install {package}` or "
                f"`pipx install {package}`)"
            )
        else:
            how = f"install '{tool}' so it is on PATH"
        return f"'{tool}'", how
    module = NO_MODULE.search(output)
    if module and module.group(1) in PYPI_BUILD_MODULES:
        package = PYPI_BUILD_MODULES[module.group(1)]
        python = command.split()[0] if command.split()[0].startswith("python") else "python3"
        return (
            f"the Python package '{package}'",
            f"install it for the Python the command runs (`{python} -m pip install {package}`, "
            f"or `uv pip install {package}` in the environment that has it)",
        )
    return None


def _build_artifacts(ctx: _Ctx) -> bool | None:
    """Run each artifact's `build` in its `path` once, as the CLI does before deploying
    (databricks/cli bundle/artifacts/build.go doBuild: the command through the shell, bash
    first (libs/exec/shell.go findShell), in the artifact's folder; files default to the
    folder's dist/*.whl, bundle/artifacts/prepare.go);
    None when one failed (refused, naming it)."""
    state = ctx.out.artifacts_built
    if state is not None:
        return state or None
    ok = True
    for name, spec in ctx.artifacts.items():
        command = spec.get("build")
        folder = cast("Path", spec["_folder"]) / str(spec.get("path") or ".")
        where = str(spec["_at"])
        inferred = (
            " (the artifact the CLI makes for a bundle with a setup.py and no artifacts)"
            if spec.get("_inferred")
            else ""
        )
        if not command:
            continue
        if not resolve_within(ctx.root, folder)[1]:
            ctx.out.problems.append(
                f"{where}: artifacts.{name}.path: '{spec.get('path')}' is outside the project"
            )
            ok = False
            continue
        if not folder.is_dir():
            ctx.out.problems.append(
                f"{where}: artifacts.{name}.path: '{spec.get('path')}' is no folder "
                f"({_rel(folder, ctx.root)}; names are case-sensitive): the CLI builds in it, "
                "so it must exist"
            )
            ok = False
            continue
        try:
            proc = subprocess.run(
                ["bash", "-c", str(command)],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            proc = None
            reason = str(err)
        else:
            lines = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
            reason = lines[-1] if lines else f"exit {proc.returncode}"
        if proc is None or proc.returncode != 0:
            output = "" if proc is None else proc.stderr + proc.stdout
            missing = _missing_tool(str(command), output)
            if missing is not None:
                tool, install = missing
                ctx.out.problems.append(
                    f"{where}: artifacts.{name}{inferred}.build: {command!r} needs {tool}, "
                    f"which is not installed here ({reason}); the CLI runs the same command "
                    f"before a deploy, so it needs it too: {install}, and import again (or "
                    "build the file yourself and remove the build)"
                )
            else:
                ctx.out.problems.append(
                    f"{where}: artifacts.{name}{inferred}.build: {command!r} failed in "
                    f"{_rel(folder, ctx.root)}: {reason}; the CLI builds it the same way "
                    "before a deploy: make the build work here (its tools installed), or build "
                    "it yourself and remove the build, and import again"
                )
            ok = False
            continue
        default = " (the CLI's build of a whl artifact with no build or files)" * bool(
            spec.get("_inferred_build")
        )
        ctx.out.notes.append(
            f"{where}: artifacts.{name}{inferred}: built by running {command!r}{default} in "
            f"{_rel(folder, ctx.root)}, as the CLI does before a deploy; the rows name the built "
            "file, which lakeform up uploads as it finds it: build again before a deploy when "
            "the code changes (the CLI builds at every deploy)"
        )
    ctx.out.artifacts_built = ok
    return ok or None


ROOT_FILES = re.compile(r"^\$\{workspace\.root_path\}/files(?=/|$)")


def _root_files(value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> str:
    """`${workspace.root_path}/files/...` in a path or library field, with the bundle's
    file_path the CLI's default (`${workspace.root_path}/files`): `${workspace.file_path}/...`,
    the bundle's synced file, which Lakeform uploads itself."""
    if not ROOT_FILES.match(value):
        return value
    rewritten = ROOT_FILES.sub("${workspace.file_path}", value, count=1)
    ctx.out.notes.append(
        f"{ctx.loc.pos(parts)}: {value!r} is {rewritten!r} (the CLI's default file_path is "
        "${workspace.root_path}/files): the bundle's own file"
    )
    return rewritten


WORKSPACE_PREFIXED = re.compile(r"/Workspace/?(\$\{workspace\.(?:root_path|file_path)\})")
"""`/Workspace/${workspace.file_path}`: the CLI's RewriteWorkspacePrefix drops the `/Workspace`
(databricks/cli bundle/config/mutator/rewrite_workspace_prefix.go), as the paths it stands for
already start with it (prepend_workspace_prefix.go); without this the path would be doubled."""


def _without_workspace_prefix(value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> str:
    """`value` with `/Workspace` dropped before `${workspace.root_path}` and
    `${workspace.file_path}`, as the CLI drops it (and warns, as the note does)."""
    rewritten = WORKSPACE_PREFIXED.sub(r"\1", value)
    if rewritten != value:
        ctx.out.notes.append(
            f"{ctx.loc.pos(parts)}: {value!r} read as {rewritten!r}, as the CLI reads it (the "
            "workspace path already starts with /Workspace; the CLI warns to write it so)"
        )
    return rewritten


def _interpolate(value: str, ctx: _Ctx, parts: tuple[Part, ...], depth: int = 0) -> str:
    """Each `${...}` of the CLI given its meaning in a Lakeform stack, or refused (a problem at
    `parts`) with what to write instead; `${var.NAME}` stays as it is."""

    def repl(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref in ("bundle.target", "bundle.environment"):
            return "${var." + TARGET_VARIABLE + "}"
        if ref == "bundle.name":
            return ctx.out.name
        if ref == "workspace.current_user.short_name":
            ctx.out.short_name_used = True
            return "${var." + TARGET_VARIABLE + "}"
        if ref in PLACEHOLDER_VARIABLES:
            name = PLACEHOLDER_VARIABLES[ref][0]
            ctx.out.placeholders.add(ref)
            return "${var." + name + "}"
        typed = ctx.typed.get(ref.removeprefix("var.")) if ref.startswith("var.") else None
        listed = [*typed.values.values()] if isinstance(typed, PerStack) else [typed]
        if any(isinstance(v, list | dict) for v in listed):
            ctx.refuse(
                parts,
                f"'{m.group(0)}' is a list or map inside a string: only a field that is "
                "exactly the variable can take it",
            )
            return m.group(0)
        if ref == "workspace.root_path":
            ctx.out.root_path_used = True
            return "${var." + ROOT_VARIABLE + "}"
        if ref == "workspace.file_path":
            ctx.refuse(
                parts,
                f"'{value}': {m.group(0)} here is followed by no plain path (a variable in it, "
                "or no '/' after it): Lakeform uploads the files a ${workspace.file_path}/PATH "
                "names, so PATH must be plain: write each stack's path in its "
                "lakeform:settings.variables and ${var.NAME} here",
            )
            return m.group(0)
        resource = RESOURCE_REF.match(ref)
        if resource and resource.group(1) not in KINDS:
            return _other_field(m.group(0), resource, ctx, parts, depth)
        return m.group(0)

    before = len(ctx.out.problems)
    value = SYNCED_PATH.sub(lambda m: _synced(m, value, ctx, parts), value)
    if len(ctx.out.problems) > before:
        return value  # refused, once
    return ANY_REF.sub(repl, value)


SYNCED_PATH = re.compile(r"\$\{workspace\.file_path\}((?:/[^\s'\",;${}]*)?)(?=$|[\s'\",;])")
"""`${workspace.file_path}` and the plain path after it, if any (`${workspace.file_path}/src`)."""


def _synced(m: re.Match[str], value: str, ctx: _Ctx, parts: tuple[Part, ...]) -> str:
    """`${workspace.file_path}/PATH` outside a path field: the folder the CLI syncs the bundle
    to, and PATH in it -> `${upload:PATH}` with PATH repository-relative, which Lakeform uploads
    with the row's files (metadata.folders); refused when PATH is not in the bundle folder, or
    when the bundle's `sync` include/exclude would sync other files below it than git's ignore
    rules (what Lakeform uploads)."""
    rest = m.group(1).strip("/")
    target = ctx.bundle / rest if rest else ctx.bundle
    rel = _rel(target, ctx.root)
    try:
        exists = target.exists() and resolve_within(ctx.root, target)[1]
    except OSError:
        exists = False
    if not exists or rel.startswith("../") or rel == "..":
        what = repr(rest) if rest else "the bundle folder"
        ctx.refuse(
            parts,
            f"'{value}': ${{workspace.file_path}} names {what} in the folder the CLI syncs, "
            f"{_rel(ctx.bundle, ctx.root)}, which has no such file or folder: add it (Lakeform "
            "uploads it as the CLI syncs it), or write a workspace or volume path",
        )
        return m.group(0)
    if rel == ".":
        ctx.refuse(
            parts,
            f"'{value}': {m.group(0)} is the whole project here (the bundle folder is the "
            "project root): Lakeform uploads the folder a reference names, never the whole "
            "project: name a folder below it",
        )
        return m.group(0)
    differs = _sync_differs(target, ctx)
    if differs:
        ctx.refuse(
            parts,
            f"'{value}': the bundle's sync {differs}; Lakeform uploads the files below "
            f"'{rest or '.'}' that .gitignore does not ignore: make .gitignore say the same "
            "(or move the file), and import again",
        )
        return m.group(0)
    ctx.out.notes.append(
        f"{ctx.loc.pos(parts)}: {m.group(0)} is ${{upload:{rel}}}: Lakeform "
        f"uploads '{rel}' with the row's files, as the CLI syncs it, and writes its workspace "
        "path"
    )
    return "${upload:" + rel + "}"


def _sync_differs(target: Path, ctx: _Ctx) -> str:
    """What the bundle's `sync.include`/`sync.exclude` change below `target` from the files
    git's ignore rules let through (the CLI's libs/sync/sync.go: the git files, plus include
    matches, minus exclude matches), or '' when nothing."""
    include = [str(p) for p in _items(ctx.sync.get("include"))]
    exclude = [str(p) for p in _items(ctx.sync.get("exclude"))]
    if not (include or exclude):
        return ""
    files = [target] if target.is_file() else sorted(p for p in target.rglob("*") if p.is_file())
    for path in files:
        in_bundle = _rel(path, ctx.bundle)
        ignored = git_ignored(ctx.root, _rel(path, ctx.root))
        included = any(_sync_match(p, in_bundle) for p in include)
        excluded = any(_sync_match(p, in_bundle) for p in exclude)
        if ignored and included and not excluded:
            return f"includes '{in_bundle}', which .gitignore ignores"
        if not ignored and excluded:
            return f"excludes '{in_bundle}'"
    return ""


def _sync_match(pattern: str, path: str) -> bool:
    """Whether a `sync.include`/`sync.exclude` glob (relative to the bundle folder; `**` any
    folders) matches `path` or a folder above it."""
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    compiled = re.compile(f"^(?:{regex})(?:/.*)?$")
    return compiled.match(path.removeprefix("./")) is not None


def _other_field(
    text: str, ref: re.Match[str], ctx: _Ctx, parts: tuple[Part, ...], depth: int
) -> str:
    """`${resources.<kind>.<key>.<field>}` of a kind Lakeform does not deploy: the field's value
    as the bundle writes it, where it is one (a schema's name); refused otherwise."""
    kind, key, name = ref.groups()
    if name == "id":
        ctx.refuse(
            parts,
            f"'{text}': {kind} is a kind Lakeform does not deploy, so the {kind} '{key}' has no "
            "id Lakeform knows: write the id, or ${var.NAME} with the id in each stack's "
            "lakeform:settings.variables",
        )
        return text
    resource = ctx.others.get(kind, {}).get(key)
    value: Any = _field(resource, name)
    if isinstance(value, bool | int | float):
        value = str(value)
    differs = [
        place.split(".")[1]
        for place, resources in ctx.others.items()
        if place.startswith("targets.")
        and place.endswith(f".{kind}")
        and key in resources
        and _field(merge_bundle(resource, resources[key]), name) != _field(resource, name)
    ]
    if differs:
        per_target = {
            target: _field(
                merge_bundle(resource, ctx.others[f"targets.{target}.{kind}"][key]), name
            )
            for target in differs
        }
        values = [value, *per_target.values()]
        if not all(isinstance(v, str) for v in values):
            ctx.refuse(
                parts,
                f"'{text}': {kind} is a kind Lakeform does not deploy, and the {kind} '{key}''s "
                f"{name} differs in target{'s' if len(differs) > 1 else ''} "
                f"{', '.join(differs)} and is not a plain value in each: write ${{var.NAME}} "
                "with each stack's value in its lakeform:settings.variables",
            )
            return text
        variable = re.sub(r"[^A-Za-z0-9_]", "_", f"{kind}_{key}_{name}")
        ctx.out.per_stack[variable] = {"": cast("str", value), **cast("dict[str, str]", per_target)}
        ctx.out.notes.append(
            f"{ctx.loc.pos(parts)}: {text} is the {kind} '{key}''s {name}, which targets "
            f"{', '.join(differs)} change (Lakeform does not deploy {kind}): the rows have "
            f"${{var.{variable}}}, each stack's value as its target writes it"
        )
        return "${var." + variable + "}"
    if not isinstance(value, str) or depth > 8:
        what = f"no {kind} '{key}'" if resource is None else f"its {name} is not a plain value"
        ctx.refuse(
            parts,
            f"'{text}': {kind} is a kind Lakeform does not deploy, and the bundle has {what}: "
            "write the value, or ${var.NAME} with it in each stack's lakeform:settings.variables",
        )
        return text
    ctx.out.notes.append(
        f"{ctx.loc.pos(parts)}: {text} is the {kind} '{key}''s {name} as the bundle writes it, "
        f"{value!r} (Lakeform does not deploy {kind})"
    )
    return _interpolate(value, ctx, parts, depth + 1)


def merge_settings(
    kept: dict[str, Any], new: dict[str, Any], where: str
) -> tuple[dict[str, Any], list[str]]:
    """`new` settings merged into `kept` (a stack file's): maps key by key, a value `kept` already
    has stays as it is; each value of `new` that differs is named, with both values."""
    merged = copy.deepcopy(kept)
    conflicts: list[str] = []
    for key, value in new.items():
        if key not in merged:
            merged[key] = copy.deepcopy(value)
        elif isinstance(merged[key], dict) and isinstance(value, dict):
            inner, more = merge_settings(_map(merged[key]), _map(value), f"{where}.{key}")
            merged[key] = inner
            conflicts.extend(more)
        elif merged[key] != value:
            conflicts.append(f"{where}.{key}: keeps {merged[key]!r}; the bundle's is {value!r}")
    return merged, conflicts
