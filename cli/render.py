"""A plan as text (terminals), markdown (pull-request comments, with Mermaid task graphs) or JSON.

The markdown stays under GitHub's comment limit: when the full version is too long, field details
and graphs give way to one line per row, then to counts with the first rows named.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from cli.plan import ACTIONS, Plan, PolicyResult, RowChange
from metadata.kinds import KINDS

COMMENT_LIMIT = 65_536
"""GitHub's maximum comment body, in characters."""
DEFAULT_BUDGET = 60_000
"""What a plan's markdown may take: the limit, less room for the comment's own wrapper."""
VERBS = {
    "create": "to create",
    "update": "to update",
    "replace": "to replace",
    "delete": "to delete",
    "move": "to move to another shard",
}
DRIFT_VERBS = {"update": "changed in the workspace", "delete": "deleted in the workspace"}
SIGNS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "move": ">"}


def _verbs(plan: Plan) -> dict[str, str]:
    return DRIFT_VERBS if plan.drift else VERBS


def summary(plan: Plan) -> str:
    totals = plan.totals()
    verbs = _verbs(plan)
    parts = [
        f"{totals[a]} {verbs[a]}"
        for a in ACTIONS
        if a in verbs and (totals[a] or not (plan.drift or a == "move"))
    ]
    changed = sum(totals.values())
    if plan.drift:
        head = f"drift in stack {plan.stack}: " + (", ".join(parts) if changed else "none")
    else:
        head = f"plan for stack {plan.stack}: " + ", ".join(parts)
    changing = ("update", "replace", "delete", "move")
    unchanged = max(plan.existing - sum(totals[a] for a in changing), 0)
    return f"{head} ({plan.existing} rows in the stack, {unchanged} unchanged)"


def _row_notes(row: RowChange) -> str:
    notes: list[str] = [row.source] if row.source else []
    if row.action == "move":
        notes.append(f"moved from {row.moved_from} to {row.moved_to}, not recreated")
    if row.action == "replace" and row.forced_by:
        notes.append(f"forced by {', '.join(row.forced_by)}")
    if row.protected and row.action in ("delete", "replace"):
        notes.append("PROTECTED: blocks the run until released")
    return f" ({'; '.join(notes)})" if notes else ""


def _policy_line(result: PolicyResult) -> str:
    where = f" ({result.source})" if result.source else ""
    return f"[{result.level}] {result.rule}: {result.kind}.{result.key}{where}: {result.message}"


def text(plan: Plan) -> str:
    lines = [summary(plan)]
    if plan.policies:
        head = "REFUSED by the stack's policies" if plan.refused else "policy warnings"
        lines += ["", f"{head}:"]
        lines += [f"  {_policy_line(p)}" for p in plan.policies]
    if plan.attention():
        lines += ["", "protected rows to delete or replace:"]
        lines += [f"  {r.kind}.{r.key}: {r.attention}" for r in plan.attention()]
    for kind in KINDS:
        rows = [r for r in plan.rows if r.kind == kind]
        if not rows:
            continue
        lines += ["", kind]
        for row in rows:
            lines.append(f"  {SIGNS[row.action]:>3} {row.key}{_row_notes(row)}")
            lines += [f"        {f.path}: {f.old} -> {f.new}" for f in row.fields]
            lines += [f"        file {path}: {act}" for path, act in sorted(row.files.items())]
            lines += [f"        task {k}: {s}" for k, s in sorted(row.task_status.items())]
    return "\n".join(lines) + "\n"


def to_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=True) + "\n"


def _md(value: str) -> str:
    return "`" + value.replace("`", "'").replace("|", "\\|") + "`"


def mermaid(row: RowChange) -> list[str]:
    """The job's task graph after the change, removed tasks and edges drawn dashed."""
    keys = sorted(set(row.old_tasks) | set(row.new_tasks))
    ids = {k: f"t{i}" for i, k in enumerate(keys)}
    marks = {"added": "+ ", "changed": "~ ", "removed": "- "}
    lines = ["```mermaid", "graph LR"]
    for key in keys:
        status = row.task_status.get(key)
        label = (marks.get(status or "", "") + key).replace('"', "#quot;")
        lines.append(f'  {ids[key]}["{label}"]' + (f":::{status}" if status else ""))
    edges: list[str] = []
    for key in keys:
        after = set(row.new_tasks.get(key, []))
        before = set(row.old_tasks.get(key, []))
        for dep in sorted(after | before):
            if dep not in ids:
                continue
            arrow = "-->" if dep in after else "-.->"
            edges.append(f"  {ids[dep]} {arrow} {ids[key]}")
    lines += edges
    lines += [
        "  classDef added fill:#dafbe1,stroke:#1a7f37",
        "  classDef changed fill:#fff8c5,stroke:#9a6700",
        "  classDef removed fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 4",
        "```",
    ]
    return lines


def _row_full(row: RowChange) -> list[str]:
    lines = [f"- {_md(row.key)}{_row_notes(row)}"]
    lines += [f"  - {_md(f.path)}: {_md(f.old)} → {_md(f.new)}" for f in row.fields]
    lines += [f"  - file {_md(p)}: {a}" for p, a in sorted(row.files.items())]
    if row.task_status:
        lines += ["", *("  " + line for line in mermaid(row)), ""]
    return lines


def _row_short(row: RowChange) -> list[str]:
    return [f"- {_md(row.key)}{_row_notes(row)}"]


Style = Callable[[RowChange], list[str]]


def table(plan: Plan) -> list[str]:
    """Counts by kind and action: one line per kind, one column per action."""
    verbs = _verbs(plan)
    moves = any(r.action == "move" for r in plan.rows)  # a column only in sharded plans
    actions = [a for a in ACTIONS if a in verbs and (a != "move" or moves)]
    lines = [
        "| kind | " + " | ".join(verbs[a] for a in actions) + " |",
        "|---|" + "---:|" * len(actions),
    ]
    for kind in KINDS:
        counts = [len([r for r in plan.rows if r.kind == kind and r.action == a]) for a in actions]
        lines.append(f"| {kind} | " + " | ".join(str(n) for n in counts) + " |")
    return lines


def attention(plan: Plan, cap: int | None) -> list[str]:
    """Deletes and replaces of protected rows, each with why: what a reviewer reads first."""
    rows = plan.attention()
    if not rows:
        return []
    lines = ["> [!CAUTION]", "> **Protected rows to delete or replace: read these first**", ">"]
    shown = rows if cap is None else rows[:cap]
    verbs = _verbs(plan)
    for row in shown:
        name = _md(f"{row.kind}.{row.key}")
        where = f" ({row.source})" if row.source else ""
        lines.append(f"> - {name} {verbs[row.action]}{where}: {row.attention}")
    if len(shown) < len(rows):
        lines.append(f"> - … and {len(rows) - len(shown)} more (`lakeform plan` lists all)")
    return [*lines, ""]


def policies(plan: Plan, cap: int | None) -> list[str]:
    """The policy pack's verdict: refusals (mandatory rules) stop the deploy; warnings do not."""
    if not plan.policies:
        return []
    if plan.refused:
        lines = ["> [!CAUTION]", "> **Refused by the stack's policies: this plan cannot deploy**"]
    else:
        lines = ["> [!WARNING]", "> **Policy warnings (advisory: the deploy goes on)**"]
    lines.append(">")
    shown = plan.policies if cap is None else plan.policies[:cap]
    for p in shown:
        where = f" ({p.source})" if p.source else ""
        lines.append(
            f"> - **{p.level}** `{p.rule}`: {_md(f'{p.kind}.{p.key}')}{where}: {p.message}"
        )
    if len(shown) < len(plan.policies):
        lines.append(
            f"> - … and {len(plan.policies) - len(shown)} more (`lakeform plan` lists all)"
        )
    return [*lines, ""]


def _render(plan: Plan, style: Style, cap: int | None) -> str:
    verbs = _verbs(plan)
    title = "Lakeform drift" if plan.drift else "Lakeform plan"
    lines = [f"### {title}: stack `{plan.stack}`", "", f"**{summary(plan)}**", ""]
    if not plan.rows:
        lines.append("No changes." if not plan.drift else "The workspace matches the stack.")
        lines += ["", *policies(plan, cap)] if plan.policies else []
    else:
        lines += [*table(plan), "", *policies(plan, cap), *attention(plan, cap)]
    for kind in KINDS:
        rows = [r for r in plan.rows if r.kind == kind]
        if not rows:
            continue
        counts = [
            f"{len([r for r in rows if r.action == a])} {verbs[a]}"
            for a in ACTIONS
            if any(r.action == a for r in rows)
        ]
        lines += [f"<details><summary><b>{kind}</b>: {', '.join(counts)}</summary>", ""]
        for action in ACTIONS:
            of_action = [r for r in rows if r.action == action]
            if not of_action:
                continue
            lines += [f"**{verbs[action]}**", ""]
            shown = of_action if cap is None else of_action[:cap]
            for row in shown:
                lines += style(row)
            if len(shown) < len(of_action):
                lines.append(
                    f"- … and {len(of_action) - len(shown)} more (`lakeform plan` lists all)"
                )
            lines.append("")
        lines += ["</details>", ""]
    return "\n".join(lines).rstrip() + "\n"


def markdown(plan: Plan, budget: int = DEFAULT_BUDGET) -> str:
    """The plan as a pull-request comment of at most `budget` characters."""
    for style, cap in ((_row_full, None), (_row_short, None), (_row_short, 200), (_row_short, 20)):
        out = _render(plan, style, cap)
        if len(out) <= budget:
            return out
    return out[: budget - 40] + "\n\n… (truncated)\n"


FORMATS: dict[str, Callable[[Plan], str]] = {"text": text, "markdown": markdown, "json": to_json}
