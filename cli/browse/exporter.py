"""Preview and export of the selection, on `lakeform export`'s code path (cli/adopt.py): the
same reads, the same rows, the same validator, the same pulumi import document."""

from __future__ import annotations

import fnmatch
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cli.adopt import GETTERS, KINDS, Api, adoption_steps, build_rows, fetch_each
from cli.browse.errors import in_words
from cli.browse.sources import export_source, repo_path, source_refs
from cli.browse.state import ExportRun, Selected, StateFile, Targets
from cli.files import write_atomic
from metadata.formats.export import Export, ExportedRow, build_export, import_file


@dataclass
class RowView:
    """One row of the preview, with what the validator says about it."""

    ref: str
    label: str
    problems: list[str]
    not_exported: list[str]
    notes: list[str]
    sources: list[tuple[str, str]]
    """(workspace path, repository path) for "with sources"."""


@dataclass
class Preview:
    text: str = ""
    import_json: str = ""
    rows: list[RowView] = field(default_factory=list[RowView])
    problems: list[str] = field(default_factory=list[str])
    """Problems that name no row."""
    failures: list[str] = field(default_factory=list[str])
    """Items that could not be read (deleted, no access)."""
    error: str = ""


def _ref(r: ExportedRow) -> str:
    return f"{r.kind}:{r.resource_id}"


RUNS_THINGS = (
    "makefile",
    "gnumakefile",
    "*.mk",
    "pulumi*.yaml",
    "pulumi*.yml",
    "pyproject.toml",
    "uv.lock",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "noxfile.py",
    "conftest.py",
    "sitecustomize.py",
    "__init__.py",
    "__main__.py",
    "package.json",
    "dockerfile",
    "justfile",
    "*.sh",
    "*.bash",
    "*.ps1",
    "*.bat",
    "*.cmd",
)
"""Names (lower case) of files that configure or run things: make, Pulumi, Python and its
tools, npm, shells. An export never writes one, even when asked to overwrite."""
SCRIPT_FOLDERS = ("scripts", "bin")
"""Top-level folders of the project's own scripts."""
SUFFIXES = {"rows file": (".yaml", ".yml"), "import file": (".json",)}


class TargetError(ValueError):
    """A place an export may not write to; nothing is written."""


def target_problem(root: Path, relative: str, what: str) -> str | None:
    """Why an export may not write `relative` (a `rows file`, `import file`, `sources folder` or
    `source file`, relative to the project), or None. Checked on the resolved path, so `..` and
    symbolic links do not get around it."""
    said = f"{what} {relative!r}"
    if not relative or any(ord(c) < 32 or ord(c) == 127 for c in relative):
        return f"{said}: empty or holds control characters; give a plain path"
    base = root.resolve()
    path = (base / relative).resolve()
    if path == base:
        return f"{said}: the project folder itself; give a path inside it"
    if not path.is_relative_to(base):
        return f"{said}: outside the project; give a path inside it"
    parts = path.relative_to(base).parts
    hidden = next((part for part in parts if part.startswith(".")), None)
    if hidden is not None:
        return (
            f"{said}: in {hidden}, a hidden file or folder (.git, .github, .lakeform, ...), "
            "which configure tools; give a path outside them"
        )
    if parts[0] in SCRIPT_FOLDERS:
        return f"{said}: under {parts[0]}/, the project's scripts; give a path outside it"
    name = parts[-1].lower()
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in RUNS_THINGS):
        return (
            f"{said}: {parts[-1]} configures or runs things (make, Pulumi, Python tools, a shell);"
            " give a file of its own"
        )
    suffixes = SUFFIXES.get(what)
    if suffixes is not None and not name.endswith(suffixes):
        return f"{said}: must end in {' or '.join(suffixes)}"
    return None


def target_problems(root: Path, targets: Targets) -> list[str]:
    """What is wrong with where an export is set to write."""
    checks = (
        (targets.rows, "rows file"),
        (targets.import_file, "import file"),
        (targets.sources, "sources folder"),
    )
    found = (target_problem(root, relative, what) for relative, what in checks)
    return [problem for problem in found if problem is not None]


class Stopped(Exception):
    """`lakeform browse` is stopping: the export stays `running` in the state and resumes."""


class Exporter:
    """Reads the selected items (answers cached for the session), previews and exports them."""

    def __init__(
        self, connect: Callable[[], Api], root: Path, state: StateFile, host: str, stack: str | None
    ) -> None:
        self.connect, self.root, self.state, self.host, self.stack = (
            connect,
            root,
            state,
            host,
            stack,
        )
        self.answers: dict[str, dict[str, Any]] = {}
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._last_save = 0.0

    # --- reading -------------------------------------------------------------------------------

    def read(
        self, selected: Sequence[Selected], on_step: Callable[[int, int], None] | None = None
    ) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        """Answers by kind for the selected items (from the cache when read before)."""
        failures: list[str] = []
        missing = [s for s in selected if f"{s.kind}:{s.id}" not in self.answers]
        if missing:
            api = self.connect()
            total, base = len(missing), 0
            for kind in GETTERS:
                rest = KINDS[kind].rest
                assert rest is not None
                of_kind = [s for s in missing if s.kind == kind]
                idents: list[Any] = [int(s.id) if rest.numeric_id else s.id for s in of_kind]

                def step(done: int, _n: int, base: int = base) -> None:
                    if on_step is not None:
                        on_step(base + done, total)

                got = fetch_each(api, kind, idents, failures, step)
                base += len(of_kind)
                for answer in got:
                    self.answers[f"{kind}:{rest.ident(answer)}"] = answer
        by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
        for s in selected:
            answer = self.answers.get(f"{s.kind}:{s.id}")
            if answer is not None:
                by_kind[s.kind].append(answer)
        return by_kind, failures

    def header(self) -> list[str]:
        return [f"Exported by `lakeform browse` from {self.host}."]

    # --- preview -------------------------------------------------------------------------------

    def preview(self) -> Preview:
        with self.state.lock:
            selected = list(self.state.state.selection.values())
            targets = self.state.state.targets
        if not selected:
            return Preview()
        try:
            answers, failures = self.read(selected)
        except Exception as err:
            return Preview(error=in_words(err))
        built = build_rows(answers, self.header(), targets.rows, skip_invalid=False, root=self.root)
        with_sources = {f"{s.kind}:{s.id}" for s in selected if s.sources}
        views: list[RowView] = []
        for r in built.export.all():
            label = f"{r.kind}.{r.key}"
            plan = (
                [
                    (s.path, repo_path(targets.sources, s.path, None) + " (extension by language)")
                    for s in source_refs(r)
                ]
                if _ref(r) in with_sources
                else []
            )
            views.append(
                RowView(
                    ref=_ref(r),
                    label=label,
                    problems=[line for line, row in built.problems if row == label],
                    not_exported=r.not_exported,
                    notes=r.notes,
                    sources=plan,
                )
            )
        return Preview(
            text=built.text,
            import_json=json.dumps(import_file(built.export), indent=2),
            rows=views,
            problems=[line for line, row in built.problems if row is None],
            failures=failures,
        )

    # --- export --------------------------------------------------------------------------------

    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, overwrite: bool) -> None:
        with self.state.lock:
            if self.busy():
                return
            refs = list(self.state.state.selection)
            previous = self.state.state.export
            run = ExportRun(refs=refs, overwrite=overwrite)
            if previous is not None and previous.status in ("confirm", "running"):
                run.written = previous.written  # ours to rewrite
            self.state.state.export = run
            self.state.save()
        self._launch()

    def resume(self) -> None:
        """Carry on with an export a restart interrupted (from the start: it is idempotent)."""
        run = self.state.state.export
        if run is not None and run.status == "running" and not self.busy():
            run.messages.append("resumed after a restart of lakeform browse")
            self._launch()

    def _launch(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="browse-export")
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float = 30) -> None:
        """Leave the export where it is (it resumes on the next start) and wait for the thread."""
        self._stopping.set()
        self.wait(timeout)

    def _progress(self, run: ExportRun, phase: str, done: int, total: int) -> None:
        if self._stopping.is_set():
            raise Stopped
        run.phase, run.done, run.total = phase, done, total
        now = time.monotonic()
        if now - self._last_save >= 0.2 or done == total:
            self._last_save = now
            self.state.save()

    def _run(self) -> None:
        run = self.state.state.export
        assert run is not None
        try:
            self._export(run)
        except Stopped:
            pass
        except TargetError as err:
            run.status, run.error = "failed", f"Nothing written: {err}"
        except Exception as err:  # shown on the page, the selection stays
            run.status, run.error = "failed", in_words(err)
        self.state.save()

    def _target(self, relative: str, what: str) -> Path:
        problem = target_problem(self.root, relative, what)
        if problem is not None:
            raise TargetError(problem)
        return (self.root / relative).resolve()

    def _export(self, run: ExportRun) -> None:
        with self.state.lock:
            selection = self.state.state.selection
            selected = [selection[r] for r in run.refs if r in selection]
            targets = self.state.state.targets
        # The state file may hold targets no longer allowed: checked again before anything.
        problems = target_problems(self.root, targets)
        if problems:
            raise TargetError("; ".join(problems))
        rows_path = self._target(targets.rows, "rows file")
        import_path = self._target(targets.import_file, "import file")
        conflicts = [
            str(p.relative_to(self.root.resolve()))
            for p in (rows_path, import_path)
            if p.exists() and not run.overwrite and str(p) not in run.written
        ]

        self._progress(run, "reading", 0, len(selected))
        answers, failures = self.read(
            selected, lambda done, total: self._progress(run, "reading", done, total)
        )
        if failures:
            run.status = "failed"
            run.error = "Some selected items could not be read; nothing written: " + "; ".join(
                failures
            )
            return

        # Sources: read every one first, write none until all are read and none would clobber.
        with_sources = {f"{s.kind}:{s.id}" for s in selected if s.sources}
        first = build_export(answers)
        wanted = sorted(
            {s.path for r in first.all() if _ref(r) in with_sources for s in source_refs(r)}
        )
        api = self.connect() if wanted else None
        files: dict[str, tuple[str, bytes]] = {}  # workspace path -> (repository path, content)
        for i, path in enumerate(wanted):
            assert api is not None
            content, language = export_source(api, path)
            relative = repo_path(targets.sources, path, language)
            files[path] = (relative, content)
            target = self._target(relative, "source file")
            if (
                target.exists()
                and target.read_bytes() != content
                and not run.overwrite
                and str(target) not in run.written
            ):
                conflicts.append(relative)
            self._progress(run, "fetching sources", i + 1, len(wanted))
        if conflicts:
            run.status, run.conflicts = "confirm", conflicts
            return
        for relative, content in files.values():
            target = self._target(relative, "source file")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            run.written.append(str(target))

        def point_at_copies(export: Export) -> None:
            for r in export.all():
                if _ref(r) in with_sources:
                    for s in source_refs(r):
                        s.block[s.field] = files[s.path][0]

        self._progress(run, "validating", 0, 1)
        built = build_rows(
            answers,
            self.header(),
            targets.rows,
            skip_invalid=True,
            root=self.root,
            rewrite=point_at_copies,
        )
        for label, ident, lines in built.skipped:
            run.messages.append(
                f"{label} ({ident}) left out, it does not validate: " + "; ".join(lines)
            )
        if built.problems:
            run.status = "failed"
            run.error = "The rows do not validate; nothing written: " + "; ".join(
                line for line, _ in built.problems
            )
            return
        for r in built.export.all():
            run.messages.extend(f"{r.kind}.{r.key}: note: {n}" for n in r.notes)
        self._progress(run, "writing", 0, 2)
        # Both whole or neither, as `lakeform export` writes them (cli/files.py).
        write_atomic(
            {
                rows_path: built.text,
                import_path: json.dumps(import_file(built.export), indent=2) + "\n",
            }
        )
        run.written.extend([str(rows_path), str(import_path)])
        self._progress(run, "writing", 2, 2)
        run.commands = adoption_steps(
            targets.rows,
            targets.import_file,
            self.stack or "STACK",
            in_place=targets.rows.startswith("resources/"),
        )
        run.status = "done"


def counts(export: Mapping[str, Sequence[Any]]) -> str:
    return ", ".join(f"{len(v)} {k}" for k, v in export.items())


__all__ = ["Exporter", "Preview", "RowView", "TargetError", "target_problem", "target_problems"]
