"""Check refuses what the real provider's schema refuses (devtools/localprovider/README.md, "Check:
schema"), in terraform-plugin-sdk's words; workspace objects' computed paths as it sets them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.localprovider.client import Client, ProviderConfig
from devtools.localprovider.resources import Job, Kind, Notebook, Pipeline, WorkspaceFile
from devtools.localprovider.wire import UNKNOWN
from devtools.workspace.testing import RunningWorkspace, running_workspace

GIT = {"url": "https://github.com/acme/etl", "provider": "gitHub"}
TASKS = [{"taskKey": "x", "notebookTask": {"notebookPath": "/Shared/nb"}}]
CONTENT = base64.b64encode(b"print(1)\n").decode()
IPYNB = base64.b64encode(b'{"cells": [], "metadata": {}, "nbformat": 4}').decode()

REFUSED: list[tuple[type[Kind], dict[str, Any], list[tuple[str, str]]]] = [
    (
        Pipeline,
        {"catalog": "main", "storage": "/mnt/p"},
        [
            ("storage", '"storage": conflicts with catalog'),
            ("catalog", '"catalog": conflicts with storage'),
        ],
    ),
    (
        Pipeline,
        {"schema": "s", "target": "s"},
        [
            ("target", '"target": conflicts with schema'),
            ("schema", '"schema": conflicts with target'),
        ],
    ),
    (
        Pipeline,
        {"catalog": "main", "libraries": []},
        [
            (
                "libraries",
                "Not enough list items: Attribute library requires 1 item minimum, but config "
                "has only 0 declared.",
            )
        ],
    ),
    (
        Pipeline,
        {"notifications": [{"emailRecipients": [], "alerts": ["on-update-failure"]}]},
        [
            (
                "notifications[0].emailRecipients",
                "Not enough list items: Attribute notification.0.email_recipients requires 1 "
                "item minimum, but config has only 0 declared.",
            )
        ],
    ),
    (
        Job,
        {"tasks": TASKS, "gitSource": {**GIT, "url": "http://github.com/acme/etl"}},
        [
            (
                "gitSource.url",
                'expected "git_source.0.url" to have a url with schema of: "https", got '
                "http://github.com/acme/etl",
            )
        ],
    ),
    (
        Job,
        {"tasks": TASKS, "gitSource": {**GIT, "url": "git@github.com:acme/etl.git"}},
        [
            (
                "gitSource.url",
                'expected "git_source.0.url" to have a host, got git@github.com:acme/etl.git',
            )
        ],
    ),
    (
        Job,
        {"tasks": TASKS, "gitSource": {**GIT, "branch": "main", "tag": "v1"}},
        [
            ("gitSource.tag", '"git_source.0.tag": conflicts with git_source.0.branch'),
            ("gitSource.branch", '"git_source.0.branch": conflicts with git_source.0.tag'),
        ],
    ),
    (
        Job,
        {"tasks": TASKS, "trigger": {"periodic": {"interval": 0.0, "unit": "HOURS"}}},
        [("trigger.periodic.interval", "expected interval to be at least (1), got 0")],
    ),
    (
        Job,
        {"tasks": TASKS, "trigger": {"tableUpdate": {"tableNames": []}}},
        [
            (
                "trigger.tableUpdate.tableNames",
                "Not enough list items: Attribute trigger.0.table_update.0.table_names requires "
                "1 item minimum, but config has only 0 declared.",
            )
        ],
    ),
    (
        Notebook,
        {"path": "/Shared/nb", "contentBase64": IPYNB, "format": "JUPYTER"},
        [("contentBase64", '"content_base64": all of `content_base64,language` must be specified')],
    ),
    (
        Notebook,
        {"path": "/Shared/nb", "contentBase64": IPYNB, "format": "JUPYTER", "language": "JUPYTER"},
        [("language", 'expected language to be one of ["SCALA" "PYTHON" "R" "SQL"], got JUPYTER')],
    ),
    (
        WorkspaceFile,
        {"path": "/Shared/./a//b.sql", "contentBase64": CONTENT},
        [
            (
                "path",
                "Clean path required: Replace value with /Shared/a/b.sql to avoid resource "
                "replacement",
            )
        ],
    ),
    (
        WorkspaceFile,
        {"path": "dbfs:/tmp/b.sql", "contentBase64": CONTENT},
        [
            (
                "path",
                "Remove `dbfs:` prefix: Even though `dbfs:` is a valid filesystem prefix, we "
                "recommend to remove it to avoid confusion and recreation of resource: /tmp/b.sql",
            )
        ],
    ),
    (
        Notebook,
        {"path": "//Workspace/nb", "contentBase64": CONTENT, "language": "PYTHON"},
        [
            (
                "path",
                "Clean path required: Replace value with /Workspace/nb to avoid resource "
                "replacement",
            )
        ],
    ),
]


@pytest.mark.parametrize(("kind", "news", "failures"), REFUSED)
def test_check_refuses_what_the_provider_schema_refuses(
    kind: type[Kind], news: dict[str, Any], failures: list[tuple[str, str]]
) -> None:
    assert kind().failures(news) == failures


@pytest.mark.parametrize(
    ("kind", "news"),
    [
        (Pipeline, {"catalog": "main", "schema": "s", "libraries": [{"file": {"path": "/a.py"}}]}),
        (Pipeline, {"storage": "/mnt/p", "target": "s"}),
        (
            Pipeline,
            {"notifications": [{"emailRecipients": ["a@b.c"], "alerts": ["on-flow-failure"]}]},
        ),
        # A value not known before the deploy conflicts with nothing (the SDK skips it).
        (Pipeline, {"catalog": UNKNOWN, "storage": "/mnt/p"}),
        (Job, {"tasks": TASKS, "gitSource": {**GIT, "commit": "0123abc"}}),
        (Job, {"tasks": TASKS, "trigger": {"periodic": {"interval": 1.0, "unit": "DAYS"}}}),
        (Job, {"tasks": TASKS, "trigger": {"tableUpdate": {"tableNames": ["main.s.t"]}}}),
        (
            Notebook,
            {
                "path": "/Shared/nb",
                "contentBase64": IPYNB,
                "format": "JUPYTER",
                "language": "PYTHON",
            },
        ),
        (Notebook, {"path": "/Workspace/Shared/nb", "contentBase64": CONTENT, "language": "SQL"}),
        (WorkspaceFile, {"path": "/Workspace/Shared/a.sql", "contentBase64": CONTENT}),
    ],
)
def test_check_accepts_what_the_provider_accepts(kind: type[Kind], news: dict[str, Any]) -> None:
    assert kind().failures(news) == []


@pytest.fixture
def ws(clean_databricks_env: None) -> Iterator[RunningWorkspace]:
    with running_workspace() as running:
        yield running


def test_workspace_path_is_slash_workspace_plus_the_id_as_the_provider_sets_it(
    ws: RunningWorkspace,
) -> None:
    # Lakeform's default root starts with /Workspace: the provider's workspace_path then holds
    # it twice; the url does not.
    client = Client(ProviderConfig(host=ws.url, token=ws.token, rate_limit=0))
    path = "/Workspace/Shared/lakeform/dev/jobs/daily/src/explore"
    news = {"path": path, "contentBase64": IPYNB, "format": "JUPYTER", "language": "PYTHON"}
    assert Notebook().failures(news) == []
    id_, state = Notebook().create(client, news)
    assert id_ == path
    assert state["workspacePath"] == f"/Workspace{path}"
    assert state["url"] == f"{ws.url}/#workspace{path}"
    assert state["objectType"] == "NOTEBOOK" and state["language"] == "PYTHON"
    _, file_state = WorkspaceFile().create(
        client, {"path": "/Shared/a.sql", "contentBase64": CONTENT}
    )
    assert file_state["workspacePath"] == "/Workspace/Shared/a.sql"
