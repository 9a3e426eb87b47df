"""A job's task graph as an SVG drawn on the server: tasks in columns by dependency depth."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 44, 60, 16, 10
TASK_KINDS = (
    "notebook_task",
    "pipeline_task",
    "sql_task",
    "spark_python_task",
    "python_wheel_task",
    "run_job_task",
    "for_each_task",
    "condition_task",
    "dbt_task",
    "spark_jar_task",
    "spark_submit_task",
    "clean_rooms_notebook_task",
    "dashboard_task",
    "gen_ai_compute_task",
    "power_bi_task",
)


def _kind(task: Mapping[str, Any]) -> str:
    return next((k.removesuffix("_task") for k in TASK_KINDS if k in task), "task")


def layers(tasks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """task_key -> column: 0 for tasks without dependencies, else one more than the deepest
    dependency (unknown keys and cycles, which the service refuses anyway, count as column 0)."""
    deps = {
        str(t.get("task_key")): [str(d.get("task_key")) for d in t.get("depends_on") or []]
        for t in tasks
    }
    depth: dict[str, int] = {}

    def visit(key: str, seen: frozenset[str]) -> int:
        if key in depth:
            return depth[key]
        if key not in deps or key in seen:
            return -1
        d = 1 + max((visit(p, seen | {key}) for p in deps[key]), default=-1)
        depth[key] = d
        return d

    for key in deps:
        visit(key, frozenset())
    return depth


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def task_graph_svg(tasks: Sequence[Mapping[str, Any]]) -> str:
    """The SVG markup (no scripts, no external references)."""
    if not tasks:
        return '<p class="muted">This job has no tasks.</p>'
    depth = layers(tasks)
    columns: dict[int, list[Mapping[str, Any]]] = {}
    for t in sorted(tasks, key=lambda t: str(t.get("task_key"))):
        columns.setdefault(depth.get(str(t.get("task_key")), 0), []).append(t)
    where: dict[str, tuple[int, int]] = {}
    for col, members in columns.items():
        for row, t in enumerate(members):
            where[str(t.get("task_key"))] = (
                PAD + col * (BOX_W + GAP_X),
                PAD + row * (BOX_H + GAP_Y),
            )
    width = PAD * 2 + (max(columns) + 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max(len(m) for m in columns.values()) * (BOX_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="task-graph" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="task graph: {len(tasks)} tasks">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#64748b"/></marker></defs>',
    ]
    for t in tasks:
        key = str(t.get("task_key"))
        x2, y2 = where[key]
        for d in t.get("depends_on") or []:
            source = where.get(str(d.get("task_key")))
            if source is None:
                continue
            x1, y1 = source[0] + BOX_W, source[1] + BOX_H // 2
            mid = (x1 + x2) // 2
            parts.append(
                f'<path class="edge" d="M{x1},{y1} C{mid},{y1} {mid},{y2 + BOX_H // 2} '
                f'{x2},{y2 + BOX_H // 2}" fill="none" stroke="#64748b" stroke-width="1.5" '
                'marker-end="url(#arrow)"/>'
            )
    for t in tasks:
        key = str(t.get("task_key"))
        x, y = where[key]
        disabled = " disabled" if t.get("disabled") else ""
        parts.append(
            f'<g class="task{disabled}" data-task="{escape(key)}"><title>{escape(key)}</title>'
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#eff6ff" '
            f'stroke="#3b82f6"/><text x="{x + 10}" y="{y + 18}" font-size="13" '
            f'font-weight="600" fill="#0f172a">{escape(_short(key))}</text>'
            f'<text x="{x + 10}" y="{y + 35}" font-size="11" fill="#475569">'
            f"{escape(_kind(t))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["layers", "task_graph_svg"]
