"""The names table (components/names.json): derived from the installed SDKs, not stale, every
property without an SDK counterpart reviewed, and its conversions between wire and REST shapes."""

from __future__ import annotations

import json

import pytest

from components import names
from components.names import from_rest, to_rest, unknown_properties
from devtools import derive_names

UNVERIFIED = {
    # Wire properties with no field of the same (or singular) name in databricks-sdk's request
    # dataclass. Each is reviewed: it is the provider's own, a legacy Jobs 2.0 field, or a field
    # the REST API answers outside the spec. They keep their snake name.
    "databricks:index/job:Job": [
        # provider-only: never sent (resources.Job.not_sent)
        "alwaysRunning", "controlRunState", "providerConfig",
        "jobClusters[].newCluster.providerConfig", "tasks[].newCluster.providerConfig",
        "tasks[].libraries[].providerConfig", "tasks[].forEachTask.task.newCluster.providerConfig",
        "tasks[].forEachTask.task.libraries[].providerConfig",
        "jobClusters[].newCluster.__applyPolicyDefaultValuesAllowLists",
        "tasks[].newCluster.__applyPolicyDefaultValuesAllowLists",
        # Jobs 2.0 single-task fields at job level (the API 2.0 shapes, same snake names)
        "dbtTask", "existingClusterId", "libraries", "maxRetries", "minRetryIntervalMillis",
        "newCluster", "notebookTask", "pipelineTask", "pythonWheelTask", "retryOnTimeout",
        "runJobTask", "sparkJarTask", "sparkPythonTask", "sparkSubmitTask",
        # cluster fields of the Clusters API that jobs' new_cluster does not document
        "jobClusters[].newCluster.clusterId", "jobClusters[].newCluster.clusterMountInfos",
        "jobClusters[].newCluster.idempotencyToken", "jobClusters[].newCluster.libraries",
        "tasks[].newCluster.clusterId", "tasks[].newCluster.clusterMountInfos",
        "tasks[].newCluster.idempotencyToken", "tasks[].newCluster.libraries",
        "tasks[].forEachTask.task.newCluster.clusterId",
        "tasks[].forEachTask.task.newCluster.clusterMountInfos",
        "tasks[].forEachTask.task.newCluster.idempotencyToken",
        "tasks[].forEachTask.task.newCluster.libraries",
        # the provider's trigger block keeps two older shapes
        "trigger.continuous", "trigger.schedule",
    ],
    "databricks:index/pipeline:Pipeline": [
        # answered beside the spec by GET (resources.Pipeline.computed) or create/edit-only
        "allowDuplicateNames", "cause", "clusterId", "creatorUserName", "expectedLastModified",
        "health", "lastModified", "latestUpdates", "pipelineId", "providerConfig", "runAs",
        "runAsUserName", "state", "url",
        # the provider pluralises these lists differently from the SDK
        "ingestionDefinition.objects[].report.tableConfiguration.sequenceBies",
        "ingestionDefinition.objects[].schema.connectorOptions.linkedinAdsOptions"
        ".customReportOptions.entityGranularities",
        "ingestionDefinition.objects[].schema.tableConfiguration.sequenceBies",
        "ingestionDefinition.objects[].table.connectorOptions.linkedinAdsOptions"
        ".customReportOptions.entityGranularities",
        "ingestionDefinition.objects[].table.tableConfiguration.sequenceBies",
        "ingestionDefinition.tableConfiguration.sequenceBies",
    ],
    "databricks:index/qualityMonitor:QualityMonitor": [
        # create-request fields (not in MonitorInfo) and the provider's own
        "monitorId", "providerConfig", "skipBuiltinDashboard", "warehouseId",
    ],
    "databricks:index/notebook:Notebook": [],
    "databricks:index/workspaceFile:WorkspaceFile": [],
    "databricks:index/permissions:Permissions": [
        # the object the permissions are of: in the request path, never in the body
        "alertV2Id", "appName", "authorization", "clusterId", "clusterPolicyId", "dashboardId",
        "databaseInstanceName", "databaseProjectName", "directoryId", "directoryPath",
        "experimentId", "instancePoolId", "jobId", "knowledgeAssistantId", "notebookId",
        "notebookPath", "pipelineId", "registeredModelId", "repoId", "repoPath",
        "servingEndpointId", "sqlAlertId", "sqlDashboardId", "sqlEndpointId", "sqlQueryId",
        "supervisorAgentId", "vectorSearchEndpointId", "workspaceFileId", "workspaceFilePath",
        # answered by GET (object_type), or the provider's own
        "objectType", "providerConfig",
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def derived() -> dict[str, object]:
    return derive_names.derive(derive_names.listed())


def test_the_committed_table_is_what_the_installed_sdks_give(derived) -> None:
    assert names.table() == json.loads(json.dumps(derived)), (
        "components/names.json is stale: run `uv run python -m devtools.derive_names`"
    )


def test_every_property_without_an_sdk_counterpart_is_reviewed(derived) -> None:
    assert {k: sorted(v) for k, v in derived["unverified"].items()} == {
        k: sorted(v) for k, v in UNVERIFIED.items()
    }


def test_a_new_resource_type_is_one_more_argument_to_the_generator() -> None:
    table = derive_names.derive({"databricks:index/notebook:Notebook": None})
    notebook = table["resources"]["databricks:index/notebook:Notebook"]
    assert notebook["args"] == "NotebookArgs"
    assert notebook["inputs"]["contentBase64"] == {
        "rest": "content_base64",
        "python": "content_base64",
        "type": "string",
    }
    assert list(table["resources"]) == ["databricks:index/notebook:Notebook"]


def test_plural_blocks_map_to_the_apis_singular_names() -> None:
    job = names.inputs("databricks:index/job:Job")
    task = job["tasks"]["items"]["fields"]
    assert job["tasks"]["rest"] == "tasks"
    assert task["dependsOns"]["rest"] == "depends_on"
    assert task["dependsOns"]["python"] == "depends_ons"
    assert job["emailNotifications"]["fields"]["onFailures"]["rest"] == "on_failure"
    assert job["gitSource"]["class"] == "JobGitSourceArgs"
    assert job["gitSource"]["fields"]["url"]["rest"] == "git_url"
    assert job["gitSource"]["fields"]["url"]["python"] == "url"
    monitor = names.inputs("databricks:index/qualityMonitor:QualityMonitor")
    assert monitor["customMetrics"]["rest"] == "custom_metrics"
    permissions = names.inputs("databricks:index/permissions:Permissions")
    assert permissions["accessControls"]["rest"] == "access_control_list"


def test_wire_values_round_trip_through_rest_names_with_integers_restored() -> None:
    fields = names.inputs("databricks:index/job:Job")
    wire = {
        "name": "x",
        "timeoutSeconds": 600.0,
        "tags": {"lakeform_key": "x", "Mixed.Case": "kept"},
        "tasks": [{"taskKey": "b", "dependsOns": [{"taskKey": "a"}], "maxRetries": 1.0}],
    }
    rest = to_rest(fields, wire)
    assert rest == {
        "name": "x",
        "timeout_seconds": 600,
        "tags": {"lakeform_key": "x", "Mixed.Case": "kept"},
        "tasks": [{"task_key": "b", "depends_on": [{"task_key": "a"}], "max_retries": 1}],
    }
    assert isinstance(rest["timeout_seconds"], int)
    assert from_rest(fields, {**rest, "job_id": 5, "created_time": 1}) == wire


def test_an_unknown_property_is_named_with_its_path() -> None:
    fields = names.inputs("databricks:index/job:Job")
    found = unknown_properties(fields, {"name": "x", "tasks": [{"taskKey": "a", "bogus": 1}]})
    assert found == ["tasks[0].bogus"]
