"""One Notebook, WorkspaceFile, Pipeline, Job and QualityMonitor, with values from stack config.

Config (namespace `t`): timeout (job timeout_seconds), folder (where the notebook and file go),
comment (pipeline configuration value), granularity (monitor time-series granularity),
reverse (declare the job's tasks in reverse task_key order).
"""

import pulumi
import pulumi_databricks as databricks

config = pulumi.Config("t")
folder = config.get("folder") or "/Workspace/Shared/e2e"

notebook = databricks.Notebook(
    "notebook",
    path=f"{folder}/ingest",
    language="PYTHON",
    content_base64="cHJpbnQoJ2luZ2VzdCcpCg==",  # print('ingest')
)
source = databricks.WorkspaceFile(
    "source",
    path=f"{folder}/transform.sql",
    content_base64="U0VMRUNUIDE7Cg==",  # SELECT 1;
)
pipeline = databricks.Pipeline(
    "pipeline",
    name="e2e pipeline",
    catalog="main",
    schema="e2e",
    serverless=True,
    configuration={"comment": config.get("comment") or "first"},
    libraries=[
        databricks.PipelineLibraryArgs(file=databricks.PipelineLibraryFileArgs(path=source.path))
    ],
)
tasks = [
    databricks.JobTaskArgs(
        task_key="a_refresh",
        pipeline_task=databricks.JobTaskPipelineTaskArgs(pipeline_id=pipeline.id),
    ),
    databricks.JobTaskArgs(
        task_key="b_ingest",
        depends_ons=[databricks.JobTaskDependsOnArgs(task_key="a_refresh")],
        notebook_task=databricks.JobTaskNotebookTaskArgs(
            notebook_path=notebook.path, base_parameters={"mode": "full"}
        ),
        max_retries=2,
    ),
]
job = databricks.Job(
    "job",
    name="e2e job",
    timeout_seconds=config.get_int("timeout") or 600,
    tags={"team": "data"},
    schedule=databricks.JobScheduleArgs(quartz_cron_expression="0 0 6 * * ?", timezone_id="UTC"),
    tasks=list(reversed(tasks)) if config.get_bool("reverse") else tasks,
)
monitor = databricks.QualityMonitor(
    "monitor",
    table_name="main.e2e.orders",
    assets_dir="/Workspace/Shared/e2e/monitoring",
    output_schema_name="main.e2e_monitoring",
    time_series=databricks.QualityMonitorTimeSeriesArgs(
        timestamp_col="ts", granularities=[config.get("granularity") or "1 day"]
    ),
    custom_metrics=[
        databricks.QualityMonitorCustomMetricArgs(
            name="total",
            type="CUSTOM_METRIC_TYPE_AGGREGATE",
            definition="sum(amount)",
            input_columns=[":table"],
            output_data_type="double",
        )
    ],
)
pulumi.export("job_id", job.id)
pulumi.export("job_url", job.url)
pulumi.export("pipeline_id", pipeline.id)
pulumi.export("pipeline_url", pipeline.url)
pulumi.export("monitor_dashboard", monitor.dashboard_id)
pulumi.export("notebook_url", notebook.url)
