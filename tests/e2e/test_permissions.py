"""Row permissions through the real engine, the databricks provider and the local workspace:
deployed with the job and the pipeline, one write for one changed level, reset when removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from devtools.workspace.testing import RunningWorkspace
from tests.e2e.conftest import PROGRAMS
from tests.e2e.harness import LAKEFORM_PROGRAM, Project

ROWS: dict[str, Any] = {
    "jobs": {
        "daily": {
            "name": "Daily",
            "tasks": [{"task_key": "ingest", "notebook_task": {"notebook_path": "src/ingest.py"}}],
            "permissions": [
                {"level": "CAN_VIEW", "group_name": "analysts"},
                {"level": "CAN_MANAGE_RUN", "user_name": "ann@example.com"},
            ],
        }
    },
    "pipelines": {
        "sales": {
            "name": "Sales",
            "libraries": [{"file": {"path": "src/sales.sql"}}],
            "permissions": [
                {"level": "CAN_RUN", "group_name": "ops"},
                {"level": "CAN_VIEW", "group_name": "analysts"},
            ],
        }
    },
}


@pytest.fixture
def project(workspace: RunningWorkspace, tmp_path: Path) -> Project:
    made = Project.copy_of(
        PROGRAMS / "lakeform", tmp_path, workspace=workspace, stack="e2e", include=LAKEFORM_PROGRAM
    )
    write_rows(made, ROWS)
    return made


def write_rows(project: Project, rows: dict[str, Any]) -> None:
    (project.dir / "resources" / "rows.yaml").write_text(yaml.safe_dump(rows, sort_keys=False))


def test_permissions_are_deployed_changed_with_one_write_and_reset_when_removed(
    project: Project, workspace: RunningWorkspace
) -> None:
    project.up()
    out = project.outputs()
    job_id, pipeline_id = out["jobs"]["daily"]["id"], out["pipelines"]["sales"]["id"]
    owner = workspace.user_name
    assert workspace.direct_grants(f"/jobs/{job_id}") == {
        owner: "IS_OWNER",
        "analysts": "CAN_VIEW",
        "ann@example.com": "CAN_MANAGE_RUN",
    }
    assert workspace.direct_grants(f"/pipelines/{pipeline_id}") == {
        owner: "IS_OWNER",
        "ops": "CAN_RUN",
        "analysts": "CAN_VIEW",
    }

    # One level changed on the job; the pipeline's list only reordered.
    changed = yaml.safe_load(yaml.safe_dump(ROWS))
    changed["jobs"]["daily"]["permissions"][0]["level"] = "CAN_MANAGE_RUN"
    changed["pipelines"]["sales"]["permissions"].reverse()
    write_rows(project, changed)
    job_before = workspace.client().api_client.do(
        "GET", "/api/2.2/jobs/get", query={"job_id": job_id}
    )
    workspace.requests.clear()
    project.up()
    assert workspace.requests.writes() == {"permissions.set": 1}
    assert workspace.requests.count("PUT", f"/api/2.0/permissions/jobs/{job_id}") == 1
    assert workspace.direct_grants(f"/jobs/{job_id}")["analysts"] == "CAN_MANAGE_RUN"
    job_after = workspace.client().api_client.do(
        "GET", "/api/2.2/jobs/get", query={"job_id": job_id}
    )
    assert job_after == job_before

    # Permissions removed: the job is its creator's alone again; the provider's delete leaves a
    # pipeline's grants as they are (terraform-provider-databricks v1.128.0).
    for kind in ("jobs", "pipelines"):
        for row in changed[kind].values():
            del row["permissions"]
    write_rows(project, changed)
    workspace.requests.clear()
    project.up()
    assert project.changes() == {"delete": 2, "same": 7}
    assert workspace.requests.writes() == {"permissions.set": 1}
    assert workspace.direct_grants(f"/jobs/{job_id}") == {owner: "IS_OWNER"}
    assert workspace.direct_grants(f"/pipelines/{pipeline_id}") == {
        owner: "IS_OWNER",
        "ops": "CAN_RUN",
        "analysts": "CAN_VIEW",
    }
