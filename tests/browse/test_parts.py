"""The page's parts without a browser: search, filters, the task graph, source paths, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.browse import BrowseError, stack_host
from cli.browse.catalog import Item, item_of
from cli.browse.errors import in_words
from cli.browse.graph import layers, task_graph_svg
from cli.browse.query import PAGE_SIZE, Filters, match, run
from cli.browse.sources import repo_path, source_refs
from cli.browse.state import Selected, StateFile
from metadata.formats.api import monitor_row, pipeline_row
from metadata.formats.export import job_row


def items() -> list[Item]:
    out = [Item("jobs", str(n), f"Finance revenue daily {n:04d}") for n in range(120)]
    out.append(Item("jobs", "900", "Olist orders nightly"))
    out.append(Item("pipelines", "p1", "olist_cdc", stack="local"))
    out.append(Item("pipelines", "p2", "olist_main", stack="prod"))
    return out


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("olsit", "Olist orders nightly", True),  # two letters swapped
        ("olist nihgtly", "Olist orders nightly", True),
        ("revnue", "Finance revenue daily", True),  # one letter missing
        ("olist", "Finance revenue daily", False),
        ("ab", "Finance revenue daily", False),  # short words must appear as they are
        ("900", "Olist orders nightly 900", True),
    ],
)
def test_search_tolerates_typos_not_strangers(query: str, text: str, found: bool) -> None:
    assert (match(query, text) > 0) is found


def test_managed_filter_tells_this_stack_from_another_and_none() -> None:
    def names(managed: str) -> list[str]:
        return [i.name for i in run(items(), Filters(managed=managed, q="olist"), "local").items]

    assert names("this") == ["olist_cdc"]
    assert names("other") == ["olist_main"]
    assert names("none") == ["Olist orders nightly"]


def test_pages_cut_the_sorted_result() -> None:
    result = run(items(), Filters(kind="jobs", sort="name", desc=True, page=3), None)
    assert (result.total, result.pages, result.page) == (121, 3, 3)
    assert len(result.items) == 121 - 2 * PAGE_SIZE
    assert result.items[-1].name == "Finance revenue daily 0000"
    assert run(items(), Filters(page=99), None).page == 3  # past the end: the last page


def test_filters_from_the_address_ignore_what_they_do_not_know() -> None:
    f = Filters.from_mapping({"q": " x ", "page": "nope", "sort": "rm -rf", "managed": "?", "z": 1})
    assert f == Filters(q="x")
    address = Filters.from_mapping({"q": "a b", "page": "2"}).query(page=3)
    assert address == "q=a+b&sort=relevance&page=3"


def test_task_graph_columns_follow_dependencies() -> None:
    tasks = [
        {"task_key": "c", "depends_on": [{"task_key": "b"}, {"task_key": "a"}]},
        {"task_key": "b", "depends_on": [{"task_key": "a"}]},
        {"task_key": "a", "notebook_task": {"notebook_path": "/x"}},
        {"task_key": "loop", "depends_on": [{"task_key": "loop"}]},  # a cycle does not hang
    ]
    assert layers(tasks) == {"a": 0, "b": 1, "c": 2, "loop": 0}
    svg = task_graph_svg(tasks)
    assert svg.count('class="edge"') == 4  # the self-loop too: drawn, not hidden
    assert svg.count('<g class="task"') == 4
    assert "<script" not in svg


def test_task_graph_escapes_task_keys() -> None:
    assert "<b>" not in task_graph_svg([{"task_key": "<b>"}])


def test_sources_are_the_workspace_paths_of_tasks_not_git_or_repository_ones() -> None:
    job = {
        "job_id": 1,
        "settings": {
            "name": "j",
            "tasks": [
                {"task_key": "a", "notebook_task": {"notebook_path": "/Workspace/Users/a/nb"}},
                {"task_key": "b", "spark_python_task": {"python_file": "dbfs:/x.py"}},
                {"task_key": "c", "notebook_task": {"notebook_path": "/Repos/x", "source": "GIT"}},
                {"task_key": "d", "sql_task": {"file": {"path": "/Shared/q.sql"}}},
            ],
        },
    }
    assert [r.path for r in source_refs(job_row(job))] == ["/Workspace/Users/a/nb", "/Shared/q.sql"]
    loop = {"task": {"task_key": "e", "notebook_task": {"notebook_path": "/Shared/each"}}}
    job["settings"]["tasks"].append({"task_key": "e", "for_each_task": {"inputs": "[1]", **loop}})
    refs = source_refs(job_row(job))
    assert [(r.where, r.path) for r in refs][-1] == (
        "tasks[4].for_each_task.task.notebook_task.notebook_path",
        "/Shared/each",
    )
    job["settings"]["git_source"] = {"git_url": "https://example.com/r", "git_branch": "main"}
    assert source_refs(job_row(job)) == []  # its tasks' files come from Git
    pipeline = {
        "pipeline_id": "p1",
        "spec": {
            "name": "p",
            "libraries": [
                {"notebook": {"path": "/Workspace/p/nb"}},
                {"file": {"path": "/Volumes/main/v/f.py"}},
                {"file": {"path": "/Shared/f.py"}},
            ],
        },
    }
    refs = source_refs(pipeline_row(pipeline))
    assert [(r.where, r.path) for r in refs] == [
        ("libraries[0].notebook.path", "/Workspace/p/nb"),
        ("libraries[2].file.path", "/Shared/f.py"),
    ]
    assert source_refs(monitor_row({"table_name": "main.s.t", "snapshot": {}})) == []
    into = repo_path("src/adopted", "/Workspace/Users/a/nb", "PYTHON")
    assert into == "src/adopted/Users/a/nb.py"
    assert repo_path("src/adopted", "/Shared/../../etc/q.sql", None) == "src/adopted/etc/q.sql"


def test_job_item_reads_schedule_and_lakeform_tags() -> None:
    item = item_of(
        "jobs",
        {
            "job_id": 5,
            "creator_user_name": "ana",
            "settings": {
                "name": "n",
                "schedule": {
                    "quartz_cron_expression": "0 0 6 * * ?",
                    "timezone_id": "UTC",
                    "pause_status": "PAUSED",
                },
                "tags": {"lakeform_managed": "true", "lakeform_stack": "dev"},
            },
        },
        {},
    )
    assert (item.trigger, item.state, item.stack) == ("0 0 6 * * ? (UTC)", "paused", "dev")


def test_errors_are_words() -> None:
    from databricks.sdk.errors import PermissionDenied

    assert in_words(PermissionDenied("no")).startswith("The workspace refused access (403): no")
    assert in_words(ValueError("default auth: cannot configure default credentials")).startswith(
        "No usable Databricks credentials"
    )


def test_state_survives_a_restart_and_a_damaged_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.json")
    state.state.selection["jobs:1"] = Selected("jobs", "1", "n", sources=True)
    state.state.filters = {"q": "x"}
    state.save()
    again = StateFile(tmp_path / "s.json")
    assert again.state.selection["jobs:1"].sources is True
    assert again.state.filters == {"q": "x"}
    (tmp_path / "s.json").write_text("{not json")
    assert StateFile(tmp_path / "s.json").state.selection == {}


def test_stack_host_comes_from_the_stack_file(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.local.yaml").write_text("config:\n  databricks:host: http://127.0.0.1:1\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  databricks:host: <set me>\n")
    assert stack_host(tmp_path, "local") == "http://127.0.0.1:1"
    with pytest.raises(BrowseError, match=r"Pulumi.dev.yaml: no databricks:host; set it with"):
        stack_host(tmp_path, "dev")


def test_a_stack_file_nested_too_deep_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text("config: " + "[" * 30000 + "\n")
    with pytest.raises(
        BrowseError, match=r"^Pulumi\.dev\.yaml:1:72: nested deeper than 64 levels of mappings"
    ):
        stack_host(tmp_path, "dev")
