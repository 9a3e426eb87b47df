"""Reading existing resources and turning them into validated rows: the one code path of
`lakeform export` and `lakeform browse`."""

from __future__ import annotations

import re
import shlex
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metadata.kinds import KINDS

if TYPE_CHECKING:
    from metadata.formats.export import Export

PAGE = 100
PARALLEL = 8
"""Concurrent GETs: thousands of jobs one by one take minutes; the SDK retries 429s."""

Api = Callable[..., Any]
"""`WorkspaceClient.api_client.do`: (method, path, query=..., ...) -> the JSON answer."""
Skipped = tuple[str, str, list[str]]


def list_pages(
    api: Api,
    path: str,
    items: str,
    query: Mapping[str, Any],
    on_page: Callable[[int, bool], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a paginated list call; `on_page(count so far, last page)` after each page."""
    token: str | None = None
    count = 0
    while True:
        page = api("GET", path, query={**query, **({"page_token": token} if token else {})})
        for item in page.get(items) or []:
            count += 1
            yield item
        token = page.get("next_page_token")
        if on_page is not None:
            on_page(count, not token)
        if not token:
            break


def get_one(api: Api, kind: str, ident: Any) -> dict[str, Any]:
    """The API answer for one resource of `kind` (`Kind.rest`), every page of its lists read
    (jobs/get answers at most 100 tasks, job clusters, parameters and environments a page)."""
    rest = KINDS[kind].rest
    assert rest is not None, kind
    if "?" in rest.get:
        path, param = rest.get.split("?", 1)
        query: dict[str, Any] = {param: ident}
    else:
        parts = str(ident).split("/", rest.id_field.count("/"))
        quoted = "/".join(urllib.parse.quote(part, safe="") for part in parts)
        path, query = rest.get.replace("{id}", quoted), {}
    answer: dict[str, Any] = api("GET", path, query=query) if query else api("GET", path)
    token = answer.pop("next_page_token", None) if rest.paged else None
    while token:
        more = api("GET", path, query={**query, "page_token": token})
        for name in rest.paged:
            extra = (more.get("settings") or {}).get(name)
            if extra:
                answer["settings"].setdefault(name, []).extend(extra)
        token = more.get("next_page_token")
    if rest.paged:
        answer.pop("has_more", None)
    return answer


def list_all(
    api: Api, kind: str, on_page: Callable[[int, bool], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Every resource of a listable `kind` (`Kind.rest.list_path`), a page at a time."""
    rest = KINDS[kind].rest
    assert rest is not None and rest.list_path is not None, kind
    return list_pages(api, rest.list_path, rest.list_items, rest.list_query, on_page)


UC = "/api/2.1/unity-catalog"


def catalog_names(api: Api, wanted: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Unity Catalog id -> full name of the schemas and tables `wanted` names ((`schema` |
    `table`, id)): the catalogs listed, their schemas (SchemasAPI.list) and, when a table is
    wanted, those schemas' tables (TablesAPI.list). Ids not found are left out."""
    wanted = set(wanted)
    if not wanted:
        return {}
    ids = {ident for _, ident in wanted}
    names: dict[str, str] = {}
    catalogs = [str(c["name"]) for c in list_pages(api, f"{UC}/catalogs", "catalogs", {})]
    for cat in catalogs:
        for schema in list_pages(api, f"{UC}/schemas", "schemas", {"catalog_name": cat}):
            names[str(schema.get("schema_id"))] = str(schema.get("full_name"))
            if not any(t == "table" and i not in names for t, i in wanted):
                continue
            query = {"catalog_name": cat, "schema_name": schema.get("name")}
            for table in list_pages(api, f"{UC}/tables", "tables", query):
                names[str(table.get("table_id"))] = str(table.get("full_name"))
        if ids <= set(names):
            break
    return {i: names[i] for i in ids if i in names}


def with_catalog_names(api: Api, kind: str, answers: list[dict[str, Any]]) -> None:
    """Add `full_names` {id: name} to each answer of a kind whose answers name Unity Catalog
    objects by id (`Rest.catalog_ids`), with one look-up for them all."""
    rest = KINDS[kind].rest
    if rest is None or rest.catalog_ids is None or not answers:
        return
    names = catalog_names(api, [pair for a in answers for pair in rest.catalog_ids(a)])
    for answer in answers:
        answer["full_names"] = {i: names[i] for _, i in rest.catalog_ids(answer) if i in names}


GETTERS: dict[str, str] = {name: kind.rest.noun for name, kind in KINDS.items() if kind.rest}
"""Kind -> how a failed read names it: the kinds `fetch_each` reads."""


def fetch_each(
    api: Api,
    kind: str,
    idents: Sequence[Any],
    failures: list[str],
    on_step: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """GET each one (a few at once, answers in the order asked); `on_step(done, total)` after
    each; a failed GET becomes a line in `failures` (`job 12: ...`)."""
    from databricks.sdk.errors.base import DatabricksError

    if not idents:
        return []
    label = GETTERS[kind]
    done = [0]
    lock = threading.Lock()

    def one(ident: Any) -> dict[str, Any] | str:
        try:
            return get_one(api, kind, ident)
        except DatabricksError as e:
            return f"{label} {ident}: {e}"
        finally:
            with lock:
                done[0] += 1
                if on_step is not None:
                    on_step(done[0], len(idents))

    out: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for answer in pool.map(one, idents):
            if isinstance(answer, str):
                failures.append(answer)
            else:
                out.append(answer)
    with_catalog_names(api, kind, out)
    return out


ROW_PATH = re.compile(rf"^((?:{'|'.join(KINDS)})\.[A-Za-z0-9_-]+)")


def validate_text(text: str, where: str, root: Path | None = None) -> list[tuple[str, str | None]]:
    """Load the rows exactly as `lakeform validate` would (paths relative to `root`, the project
    root, by default the current directory), without stack settings. Each problem as a line
    naming `where`, and the row it is about (`jobs.<key>`), if any."""
    from metadata import MetadataError, load_rows

    root = root if root is not None else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="lakeform-export-") as tmp:
        path = Path(tmp) / "export.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            load_rows([path], root=root)
        except MetadataError as e:
            out: list[tuple[str, str | None]] = []
            for p in e.problems:
                row = ROW_PATH.match(p.path)
                out.append((str(p).replace(str(path), where), row.group(1) if row else None))
            return out
    return []


@dataclass
class Built:
    """Rows built from API answers and validated."""

    export: Export
    text: str
    problems: list[tuple[str, str | None]]
    """What still does not validate (empty unless `skip_invalid` was off or a problem names no
    row): (line, row label or None)."""
    skipped: list[Skipped] = field(default_factory=list[Skipped])
    """Rows left out by `skip_invalid`: (label `jobs.<key>`, resource id, problem lines)."""


def build_rows(
    answers: Mapping[str, Sequence[Mapping[str, Any]]],
    header: Sequence[str],
    where: str,
    *,
    skip_invalid: bool,
    root: Path | None = None,
    rewrite: Callable[[Export], None] | None = None,
) -> Built:
    """API answers (kind -> answers) -> rows as YAML text, validated. With `skip_invalid`, rows
    that do not validate are left out and the rest built again (references to them become ids).
    `rewrite` may change the rows (e.g. point them at fetched sources) before they are checked."""
    from metadata.formats.export import ExportedRow, build_export, to_yaml

    kept_answers = {kind: list(answers.get(kind, ())) for kind in KINDS}
    skipped: list[tuple[str, str, list[str]]] = []
    while True:
        export = build_export(kept_answers)
        if rewrite is not None:
            rewrite(export)
        text = to_yaml(export, header)
        problems = validate_text(text, where, root)
        if not problems:
            return Built(export, text, [], skipped)
        rows_at_fault = {row for _, row in problems}
        if not skip_invalid or None in rows_at_fault:
            return Built(export, text, problems, skipped)
        for kind in KINDS:
            rows: list[ExportedRow] = getattr(export, kind)
            kept: list[Mapping[str, Any]] = []
            for answer, r in zip(kept_answers[kind], rows, strict=True):
                label = f"{kind}.{r.key}"
                if label not in rows_at_fault:
                    kept.append(answer)
                    continue
                lines = [line for line, row in problems if row == label]
                skipped.append((label, r.resource_id, lines))
            kept_answers[kind] = kept


def adoption_steps(
    rows: str | None, import_file: str | None, stack: str = "STACK", *, in_place: bool = False
) -> list[str]:
    """The commands that adopt exported rows into a stack without recreating the resources
    (`in_place`: the rows were written under resources/ already; `rows` None: written to
    stdout). Every path and the stack are quoted for the shell: they are pasted into one."""
    q = shlex.quote
    said = "the rows" if rows is None else q(rows)
    stack = q(stack)
    if import_file is None:
        step2 = "run the export again with --import-file FILE for the pulumi import file, then"
        file = "FILE"
    else:
        step2 = "adopt the resources (creates the Lakeform components, imports the resources):"
        file = q(import_file)
    return [
        f"1. lakeform validate   # {said} is read with the other rows"
        if in_place
        else f"1. put {said} under resources/ and run: lakeform validate",
        f"2. {step2}",
        f"   pulumi import --stack {stack} --file {file} --generate-code=false",
        f"3. pulumi preview --diff --stack {stack}   # expect updates only, no create or replace",
    ]


__all__ = [
    "GETTERS",
    "KINDS",
    "PAGE",
    "PARALLEL",
    "Built",
    "adoption_steps",
    "build_rows",
    "catalog_names",
    "fetch_each",
    "get_one",
    "list_pages",
    "validate_text",
]
