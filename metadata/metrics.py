"""What a custom metric's definition may refer to, checked on its SQL parsed by sqlglot."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metadata.messages import suggest

if TYPE_CHECKING:
    from sqlglot import exp

# sqlglot is imported when a definition is parsed, not with this module: the checks import it for
# every stack, and most stacks (the Pulumi program's included, once per engine run) have no custom
# metric; its import is about 0.07 CPU-s.

# Jinja placeholders are not SQL: each is swapped for an identifier SQL cannot spell by chance,
# then the definition is parsed as a Databricks SQL expression.
TEMPLATE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_PLACEHOLDER = "__lakeform_template_{}__"
_PLACEHOLDER_NAME = re.compile(r"^__lakeform_template_(\w+)__$")

WINDOWS = ("current_df", "base_df")
"""Drift templates: the metrics of the window compared and of the baseline (or previous one)."""

# Databricks' custom-metrics page lists exactly these template variables; which metric type
# they serve follows from what each names (a column of the table, or a window of metrics).
TEMPLATE_VARIABLES: Mapping[str, frozenset[str]] = {
    "AGGREGATE": frozenset({"input_column"}),
    "AGGREGATE_INFERENCE": frozenset({"input_column", "prediction_col", "label_col"}),
    "DERIVED": frozenset(),
    "DRIFT": frozenset(WINDOWS),
}

PROFILE_METRICS = frozenset(
    {
        "count",
        "num_nulls",
        "num_zeros",
        "num_nan",
        "avg",
        "min",
        "max",
        "sum",
        "stddev",
        "median",
        "quantiles",
        "distinct_count",
        "percent_null",
        "percent_zeros",
        "percent_nan",
        "percent_distinct",
        "avg_length",
        "min_length",
        "max_length",
        "frequent_items",
        "non_null_columns",
    }
)
"""Built-in columns of the profile metrics table (Lakehouse Monitoring's metric tables page):
what derived metrics and both sides of a drift metric may use besides the custom ones."""


@dataclass(frozen=True)
class MetricDef:
    """One custom metric as the checks see it."""

    kind: str
    """AGGREGATE, DERIVED or DRIFT."""
    name: str
    definition: str


def definition_problems(
    metric: MetricDef, profile_metrics: set[str], inference: bool
) -> Iterator[str]:
    """Messages for what `metric.definition` refers to that the service would refuse.

    `profile_metrics` are the monitor's AGGREGATE and DERIVED metric names; `inference`: the
    monitor has an inference_log profile (the only one with prediction and label columns)."""
    kind = metric.kind.lower()
    allowed = TEMPLATE_VARIABLES[
        "AGGREGATE_INFERENCE" if metric.kind == "AGGREGATE" and inference else metric.kind
    ]
    usable = (profile_metrics - {metric.name}) | PROFILE_METRICS
    own = sorted(profile_metrics - {metric.name})
    used: set[str] = set()
    for match in TEMPLATE.finditer(metric.definition):
        variable = match.group(1)
        used.add(variable)
        if variable in allowed:
            continue
        if metric.kind == "DERIVED" and variable in usable:
            yield (
                f"{kind} metric '{metric.name}' refers to metrics by bare name: "
                f"write {variable}, not {_tpl(variable)}"
            )
        elif metric.kind == "DRIFT" and variable in usable:
            yield (
                f"{kind} metric '{metric.name}' refers to metrics of a window: write "
                f"{_tpl('current_df')}.{variable} or {_tpl('base_df')}.{variable}, "
                f"not {_tpl(variable)}"
            )
        else:
            shown = ", ".join(_tpl(v) for v in sorted(allowed)) or "none"
            where = (
                " of an inference_log monitor" if metric.kind == "AGGREGATE" and inference else ""
            )
            bare = "; refer to metrics by bare name" if metric.kind == "DERIVED" else ""
            yield (
                f"{kind} metric '{metric.name}' uses undefined template variable "
                f"{_tpl(variable)}{_did_you_mean(variable, allowed | set(own))}; allowed in "
                f"{kind} metrics{where}: {shown}{bare}"
            )
    if metric.kind == "DRIFT" and not set(WINDOWS) <= used:
        yield (
            f"drift metric '{metric.name}' must compare two windows: refer to metrics as "
            "{{current_df}}.name and {{base_df}}.name, e.g. "
            "{{current_df}}.total_revenue - {{base_df}}.total_revenue"
        )
    import sqlglot
    from sqlglot import exp

    sql = TEMPLATE.sub(lambda m: _PLACEHOLDER.format(_word(m.group(1))), metric.definition)
    try:
        tree = sqlglot.parse_one(sql, dialect="databricks")
    except sqlglot.ParseError as err:
        first = err.errors[0]["description"] if err.errors else str(err)
        yield f"{kind} metric '{metric.name}' is not a SQL expression: {first}"
        return
    if metric.kind == "AGGREGATE":
        yield from _nested_aggregates(metric, tree)
        return  # its bare names are columns of the monitored table, unknown here
    for column in tree.find_all(exp.Column):
        yield from _reference(metric, column, usable, own)


def _nested_aggregates(metric: MetricDef, tree: exp.Expr) -> Iterator[str]:
    """An aggregate function inside another (`SUM(CASE WHEN x >= PERCENTILE(x, 0.9) ...)`):
    Spark refuses it when the monitor runs ("It is not allowed to use an aggregate function in
    the argument of another aggregate function"), so it is refused here, before any deploy."""
    from sqlglot import exp

    for outer in tree.find_all(exp.AggFunc):
        inner = next((n for n in outer.find_all(exp.AggFunc) if n is not outer), None)
        if inner is not None and not outer.find_ancestor(exp.AggFunc):
            yield (
                f"aggregate metric '{metric.name}' uses an aggregate function inside another "
                f"({_function(inner)} inside {_function(outer)}), which Spark refuses: compute "
                "the inner one as its own aggregate metric and combine them in a derived metric"
            )


def _function(node: exp.Expr) -> str:
    """The function's name as written in Databricks SQL (PERCENTILE, not sqlglot's QUANTILE)."""
    return node.sql(dialect="databricks").split("(", 1)[0].upper()


def _reference(
    metric: MetricDef, column: exp.Column, usable: set[str], own: list[str]
) -> Iterator[str]:
    kind = metric.kind.lower()
    name = column.name
    qualifier = _PLACEHOLDER_NAME.match(column.table)
    window = qualifier.group(1) if qualifier else None
    if _PLACEHOLDER_NAME.match(name):
        return  # a template variable on its own, checked above
    if column.table and window not in WINDOWS:
        yield (
            f"{kind} metric '{metric.name}' refers to '{column.sql(dialect='databricks')}'; "
            "metrics are named bare, or as {{current_df}}.name / {{base_df}}.name in a drift metric"
        )
        return
    if metric.kind == "DERIVED" and window is not None:
        yield (
            f"derived metric '{metric.name}' refers to {{{{{window}}}}}.{name}: windows are for "
            f"drift metrics; write {name}"
        )
        return
    if name in usable:
        if metric.kind == "DRIFT" and window is None:
            yield (
                f"drift metric '{metric.name}' refers to '{name}' without a window: write "
                f"{{{{current_df}}}}.{name} or {{{{base_df}}}}.{name}"
            )
        return
    yield (
        f"{kind} metric '{metric.name}' refers to undefined metric '{name}'"
        + _did_you_mean(name, own)
        + f"; defined: {', '.join(own) or 'none'} (or a built-in profile metric such as count, avg)"
    )


def _tpl(name: str) -> str:
    return "{{" + name + "}}"


def _word(text: str) -> str:
    return re.sub(r"\W", "_", text)


def _did_you_mean(word: str, choices: set[str] | list[str] | frozenset[str]) -> str:
    hint = suggest(word, choices)
    return f" ({hint.removeprefix('; ')})" if hint.startswith("; did") else ""
