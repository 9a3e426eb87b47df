"""Stack settings: the four stack files, file and runtime readers, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from metadata.settings import SettingsError, StackSettings, load_stack_settings
from stacks.config import LakeformError, load_settings, workspace_host

ROOT = Path(__file__).resolve().parents[2]


def test_the_four_stack_files_differ_as_documented() -> None:
    local, dev, staging, prod = (
        load_stack_settings(ROOT, s, clone=False) for s in ("local", "dev", "staging", "prod")
    )
    assert [s.variables["catalog"] for s in (local, dev, staging, prod)] == [
        "olist_local",
        "olist_dev",
        "olist_staging",
        "olist",
    ]
    assert [s.name_prefix for s in (local, dev, staging, prod)] == ["", "[DEV] ", "[STAGING] ", ""]
    assert dev.pause_schedules and dev.development and dev.email_notifications is None
    assert not (staging.pause_schedules or prod.pause_schedules)
    assert staging.email_notifications is not None and staging.email_notifications.on_failure
    assert prod.email_notifications is not None and prod.email_notifications.on_failure
    assert prod.protect and not (local.protect or dev.protect or staging.protect)
    assert all(s.default_warehouse_id for s in (local, dev, staging, prod))


def test_stack_files_keep_the_token_out_of_plain_config() -> None:
    for stack in ("local", "dev", "staging", "prod"):
        text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
        assert "databricks:token:" not in text
    assert "databricks:host: http://127.0.0.1:8765" in (ROOT / "Pulumi.local.yaml").read_text()


def _write(tmp_path: Path, body: str, stack: str = "dev") -> Path:
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(body)
    return tmp_path


def test_unknown_field_names_the_line_and_the_known_fields(tmp_path: Path) -> None:
    _write(tmp_path, "config:\n  lakeform:settings:\n    name_prefx: '[DEV] '\n")
    with pytest.raises(SettingsError) as err:
        load_stack_settings(tmp_path, "dev")
    message = str(err.value)
    assert message.startswith("Pulumi.dev.yaml:3: lakeform:settings.name_prefx: unknown field;")
    assert "name_prefix" in message


def test_wrong_type_names_the_nested_field_path(tmp_path: Path) -> None:
    body = (
        "config:\n  lakeform:settings:\n    pause_schedules: true\n"
        "    email_notifications:\n      on_failure: oncall@example.com\n"
    )
    _write(tmp_path, body)
    with pytest.raises(
        SettingsError,
        match=r"^Pulumi\.dev\.yaml:5: lakeform:settings\.email_notifications\.on_failure: "
        r"Input should be a valid list",
    ):
        load_stack_settings(tmp_path, "dev")


def test_bad_release_entry_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "config:\n  lakeform:settings:\n    release: [jobs.daily]\n")
    with pytest.raises(SettingsError, match=r"release: .*pipelines\.<key> or quality_monitors"):
        load_stack_settings(tmp_path, "dev")


def test_missing_settings_key_and_missing_file(tmp_path: Path) -> None:
    _write(tmp_path, "config:\n  databricks:host: https://x\n")
    with pytest.raises(
        SettingsError, match=r"Pulumi\.dev\.yaml: config: missing `lakeform:settings`"
    ):
        load_stack_settings(tmp_path, "dev")
    with pytest.raises(
        SettingsError, match=r"Pulumi\.qa\.yaml: no such stack file; known: Pulumi\.dev\.yaml"
    ):
        load_stack_settings(tmp_path, "qa")


def test_workspace_root_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute workspace folder"):
        StackSettings(workspace_root="Shared/lakeform")
    assert StackSettings(workspace_root="/Workspace/x/").workspace_root == "/Workspace/x"


@pytest.mark.parametrize("root", ["//Workspace/x", "/Workspace/./x", "/Workspace//x", "/a/../x"])
def test_workspace_root_must_be_a_clean_path(root: str) -> None:
    # Uploads go to <root>/...; the Databricks provider refuses a workspace path not clean.
    with pytest.raises(ValueError, match=r"must be a clean path \(no './', '//' or '\.\.'\)"):
        StackSettings(workspace_root=root)


def test_runtime_reader_validates_with_the_same_model(program) -> None:
    program("staging", {"lakeform:settings": {"name_prefix": "[STAGING] ", "tags": {"a": "b"}}})
    settings = load_settings()
    assert settings.name_prefix == "[STAGING] " and settings.tags == {"a": "b"}


def test_runtime_reader_error_lists_field_paths(program) -> None:
    program("prod", {"lakeform:settings": {"protect": "yes", "run_as": {"user_name": 3}}})
    with pytest.raises(LakeformError) as err:
        load_settings()
    message = str(err.value)
    assert "Pulumi.prod.yaml: lakeform:settings.protect: Input should be a valid boolean" in message
    assert "lakeform:settings.run_as.user_name: Input should be a valid string" in message


def test_runtime_reader_without_settings(program) -> None:
    program("qa", {})
    with pytest.raises(LakeformError, match=r"Pulumi\.qa\.yaml: missing `lakeform:settings`"):
        load_settings()


def test_workspace_host_for_urls(program, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_HOST", raising=False)
    program("dev", {"databricks:host": "https://dev.example.com/"})
    assert workspace_host(StackSettings()) == "https://dev.example.com"
    assert (
        workspace_host(StackSettings(ui_host="https://ui.example.com")) == "https://ui.example.com"
    )
    program("dev", {})
    monkeypatch.setenv("DATABRICKS_HOST", "adb-1.azuredatabricks.net")
    assert workspace_host(StackSettings()) == "https://adb-1.azuredatabricks.net"


CLONE = "    clone_settings: .lakeform/local-settings.yaml\n"


def test_clone_settings_file_replaces_the_fields_it_sets_when_it_exists(tmp_path: Path) -> None:
    _write(tmp_path, "config:\n  lakeform:settings:\n    name_prefix: '[DEV] '\n" + CLONE)
    # absent (CI, a fresh clone): the stack file alone
    assert load_stack_settings(tmp_path, "dev").control_tables == []
    (tmp_path / ".lakeform").mkdir()
    (tmp_path / ".lakeform" / "local-settings.yaml").write_text(
        "control_tables: [main.ops.rows]\nname_prefix: '[ME] '\n"
    )
    settings = load_stack_settings(tmp_path, "dev")
    assert (settings.control_tables, settings.name_prefix) == (["main.ops.rows"], "[ME] ")
    committed = load_stack_settings(tmp_path, "dev", clone=False)
    assert (committed.control_tables, committed.name_prefix) == ([], "[DEV] ")


def test_runtime_reader_applies_the_clone_settings_file(
    program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".lakeform").mkdir()
    (tmp_path / ".lakeform" / "local-settings.yaml").write_text("control_tables: [main.ops.rows]\n")
    monkeypatch.chdir(tmp_path)  # the Pulumi program runs in the project root
    program("local", {"lakeform:settings": {"clone_settings": ".lakeform/local-settings.yaml"}})
    assert load_settings().control_tables == ["main.ops.rows"]


def test_bad_clone_settings_file_names_its_file_line_and_field(tmp_path: Path) -> None:
    _write(tmp_path, "config:\n  lakeform:settings:\n" + CLONE)
    clone = tmp_path / ".lakeform" / "local-settings.yaml"
    clone.parent.mkdir()
    clone.write_text("# mine\ncontrol_tables: [main.ops]\n")
    with pytest.raises(SettingsError) as err:
        load_stack_settings(tmp_path, "dev")
    assert str(err.value).startswith(
        ".lakeform/local-settings.yaml:2: lakeform:settings.control_tables: Value error, "
        "'main.ops':"
    )
    clone.write_text("control_tables: []\nclone_settings: other.yaml\n")
    with pytest.raises(
        SettingsError,
        match=r"^\.lakeform/local-settings\.yaml:2: clone_settings: "
        "not allowed in a clone_settings file; name it in the stack file only$",
    ):
        load_stack_settings(tmp_path, "dev")
    clone.write_text("- main.ops.rows\n")
    with pytest.raises(SettingsError, match="expected a mapping of lakeform:settings fields"):
        load_stack_settings(tmp_path, "dev")


def test_clone_settings_must_be_a_relative_path() -> None:
    with pytest.raises(ValueError, match="must be a file path relative to the project root"):
        StackSettings(clone_settings="/etc/lakeform.yaml")
