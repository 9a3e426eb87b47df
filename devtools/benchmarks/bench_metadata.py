"""Load-and-validate time of synthetic metadata: 1,000 and 10,000 rows (prints figures)."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from metadata import load_rows
from metadata.settings import StackSettings

ROWS_PER_FILE = 100
TASKS_PER_JOB = 6


def job(i: int) -> str:
    tasks = []
    for t in range(TASKS_PER_JOB):
        if i % 2:  # half the jobs use execution_order, half depends_on
            order = f"execution_order: {t // 2 + 1}"
        else:
            order = f"depends_on: [t{t - 1}]" if t else "depends_on: []"
        if t == TASKS_PER_JOB - 1:
            kind = f"pipeline_task: {{pipeline: p{i}}}"
        elif t % 3 == 1:
            kind = "sql_task: {file: {path: src/q.sql}, parameters: {c: '${var.catalog}'}}"
        else:
            kind = (
                "notebook_task: {notebook_path: src/nb.py, base_parameters: {c: '${var.catalog}'}}"
            )
        tasks.append(f"      - {{task_key: t{t}, {order}, max_retries: 1, {kind}}}")
    return (
        f"  j{i}:\n"
        f"    schedule: {{quartz_cron_expression: '0 {i % 60} {i % 24} * * ?', timezone_id: UTC}}\n"
        "    timeout_seconds: 3600\n"
        "    email_notifications: {on_failure: ['${var.notification_email}']}\n"
        f"    stack_overrides: {{prod: {{timeout_seconds: 7200}}}}\n"
        "    tasks:\n" + "\n".join(tasks) + "\n"
    )


def pipeline(i: int) -> str:
    return (
        f"  p{i}:\n    catalog: '${{var.catalog}}'\n    schema: s{i}\n    serverless: true\n"
        "    libraries: [{file: {path: src/nb.py}}]\n"
    )


def monitor(i: int) -> str:
    return (
        f"  m{i}:\n    table_name: c.s.t{i}\n    assets_dir: /m/{i}\n    output_schema_name: c.m\n"
        "    snapshot: {}\n    custom_metrics:\n"
        "      - {type: AGGREGATE, name: n, input_columns: [':table'], definition: 'COUNT(*)',"
        " output_data_type: bigint}\n"
        "      - {type: DERIVED, name: d, input_columns: [':table'], definition: 'n * 2',"
        " output_data_type: double}\n"
    )


def generate(root: Path, n: int) -> None:
    """n rows: per 10, 4 jobs (each with its pipeline: 8 rows) and 2 monitors."""
    (root / "src").mkdir()
    (root / "src" / "nb.py").write_text("# notebook\n")
    (root / "src" / "q.sql").write_text("SELECT 1;\n")
    out = root / "resources"
    out.mkdir()
    jobs, pipelines, monitors = n * 4 // 10, n * 4 // 10, n - 2 * (n * 4 // 10)
    for start in range(0, max(jobs, monitors), ROWS_PER_FILE // 2):
        end = start + ROWS_PER_FILE // 2
        parts = ["jobs:\n", *(job(i) for i in range(start, min(end, jobs)))]
        parts += ["pipelines:\n", *(pipeline(i) for i in range(start, min(end, pipelines)))]
        parts += ["quality_monitors:\n", *(monitor(i) for i in range(start, min(end, monitors)))]
        (out / f"rows_{start:06d}.yaml").write_text("".join(parts))


def measure(n: int, repeat: int) -> tuple[float, int]:
    settings = StackSettings(
        variables={"catalog": "c", "notification_email": "a@b.c"}, default_warehouse_id="wh"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, n)
        times = []
        total = 0
        for _ in range(repeat):
            began = time.perf_counter()
            rows = load_rows([Path("resources")], root=root, stack="prod", settings=settings)
            times.append(time.perf_counter() - began)
            total = rows.total
        return statistics.median(times), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000, 10_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'rows':>7} {'loaded':>7} {'seconds':>8} {'rows/s':>8}  (median of {args.repeat})")
    for n in args.rows:
        seconds, total = measure(n, args.repeat)
        print(f"{n:>7} {total:>7} {seconds:>8.2f} {total / seconds:>8.0f}")


if __name__ == "__main__":
    main()
