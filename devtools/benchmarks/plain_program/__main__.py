"""The same resources as the Lakeform rows, written directly with pulumi_databricks."""

import json
import os
from pathlib import Path

import pulumi_databricks as d

# With PLAIN_WITH_LAKEFORM_GC set, the program runs with Lakeform's collector settings
# (stacks/heap.py, copied here as lakeform_heap.py by the benchmark): to tell Lakeform's own cost
# from what those settings save.
TUNED = bool(os.environ.get("PLAIN_WITH_LAKEFORM_GC"))
if TUNED:
    import lakeform_heap  # pyright: ignore[reportMissingImports]

    lakeform_heap.settle_imports()

spec = json.loads(Path("spec.json").read_text())
pipelines = {}
for p in spec["pipelines"]:
    pipelines[p["key"]] = d.Pipeline(
        p["key"],
        name=p["name"],
        catalog=p["catalog"],
        schema=p["schema"],
        serverless=True,
        libraries=[d.PipelineLibraryArgs(file=d.PipelineLibraryFileArgs(path=p["file"]))],
        tags=p["tags"],
    )
for j in spec["jobs"]:
    t = j["tasks"]
    d.Job(
        j["key"],
        name=j["name"],
        timeout_seconds=j["timeout_seconds"],
        tags=j["tags"],
        schedule=d.JobScheduleArgs(quartz_cron_expression=j["cron"], timezone_id="UTC"),
        tasks=[
            d.JobTaskArgs(
                task_key="extract",
                max_retries=1,
                notebook_task=d.JobTaskNotebookTaskArgs(notebook_path=t["notebook"]),
            ),
            d.JobTaskArgs(
                task_key="load",
                depends_ons=[d.JobTaskDependsOnArgs(task_key="extract")],
                pipeline_task=d.JobTaskPipelineTaskArgs(pipeline_id=pipelines[t["pipeline"]].id),
            ),
            d.JobTaskArgs(
                task_key="report",
                depends_ons=[d.JobTaskDependsOnArgs(task_key="load")],
                sql_task=d.JobTaskSqlTaskArgs(
                    warehouse_id="bench-warehouse",
                    file=d.JobTaskSqlTaskFileArgs(path=t["sql"], source="WORKSPACE"),
                ),
            ),
            d.JobTaskArgs(
                task_key="verify",
                depends_ons=[d.JobTaskDependsOnArgs(task_key="load")],
                notebook_task=d.JobTaskNotebookTaskArgs(notebook_path=t["notebook"]),
            ),
        ],
    )
for m in spec["monitors"]:
    d.QualityMonitor(
        m["key"],
        table_name=m["table"],
        assets_dir=m["assets_dir"],
        output_schema_name=m["schema"],
        snapshot=d.QualityMonitorSnapshotArgs(),
    )
if TUNED:
    lakeform_heap.settle_registered()  # pyright: ignore[reportPossiblyUnboundVariable]
