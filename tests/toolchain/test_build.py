"""`make toolchain` is a fast no-op once the per-version directory is complete."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest


def _complete_dir(build: ModuleType, pins: ModuleType, home: Path) -> Path:
    loaded = pins.load()
    root = home / loaded.dir_name
    (root / "bin").mkdir(parents=True)
    for name in build.binaries(loaded):
        exe = root / "bin" / name
        exe.write_text("#!/bin/sh\n", encoding="utf-8")
        exe.chmod(0o755)
    marker = {
        "pulumi": loaded.engine,
        "databricks": loaded.databricks,
        "language_host_source": build.source_hash(),
    }
    (root / build.MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return root


def _no_go(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("go build must not run when the toolchain is complete")


def test_complete_toolchain_is_a_no_op(
    build: ModuleType,
    pins: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LAKEFORM_TOOLCHAIN_HOME", str(tmp_path))
    _complete_dir(build, pins, tmp_path)
    monkeypatch.setattr(build, "go_build", _no_go)
    assert build.main(["build"]) == 0
    assert "nothing to do" in capsys.readouterr().out


class _GoBuild:
    """Records `go build` calls and writes a stand-in binary for each package asked for."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, module_dir: Path, out_dir: Path, packages: list[str], ldflags: str) -> None:
        del module_dir, ldflags
        self.calls.append(packages)
        for package in packages:
            binary = out_dir / package.rsplit("/", 1)[-1]
            binary.write_text("#!/bin/sh\necho new\n")
            binary.chmod(0o755)


@pytest.mark.parametrize("recorded", ["0" * 64, None])
def test_a_changed_language_host_source_rebuilds_the_language_host_alone(
    build: ModuleType,
    pins: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    recorded: str | None,
) -> None:
    """A directory built from other sources (or before the marker recorded them, None) gets a
    new language host and nothing else; the next build is a no-op again."""
    monkeypatch.setenv("LAKEFORM_TOOLCHAIN_HOME", str(tmp_path))
    root = _complete_dir(build, pins, tmp_path)
    marker = json.loads((root / build.MARKER).read_text())
    marker["language_host_source"] = recorded
    (root / build.MARKER).write_text(json.dumps(marker))
    go = _GoBuild()
    monkeypatch.setattr(build, "go_build", go)
    assert build.main(["build"]) == 0
    assert go.calls == [["./cmd/pulumi-language-python"]]
    assert (root / "bin" / "pulumi-language-python").read_text() == "#!/bin/sh\necho new\n"
    assert (root / "bin" / "pulumi").read_text() == "#!/bin/sh\n"  # the CLI untouched
    assert json.loads((root / build.MARKER).read_text()) == {
        **marker,
        "language_host_source": build.source_hash(),
    }
    assert "rebuilding pulumi-language-python alone" in capsys.readouterr().out
    monkeypatch.setattr(build, "go_build", _no_go)
    assert build.main(["build"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_the_source_hash_follows_every_file_of_the_go_module(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "pulumi"
    shutil.copytree(build.CLI_MODULE_DIR, copy)
    original = build.source_hash()
    monkeypatch.setattr(build, "CLI_MODULE_DIR", copy)
    assert build.source_hash() == original
    main_go = copy / "cmd" / "pulumi-language-python" / "main.go"
    main_go.write_text(main_go.read_text() + "\n// changed\n")
    changed = build.source_hash()
    assert changed != original
    (copy / "cmd" / "pulumi-language-python" / "extra.go").write_text("package main\n")
    assert build.source_hash() not in (original, changed)


def test_missing_binary_or_marker_means_incomplete(
    build: ModuleType, pins: ModuleType, tmp_path: Path
) -> None:
    loaded = pins.load()
    root = _complete_dir(build, pins, tmp_path)
    assert build.is_complete(loaded, root)
    (root / "bin" / "pulumi-language-python-exec").chmod(0o644)  # exec bit lost
    assert not build.is_complete(loaded, root)
    (root / "bin" / "pulumi-language-python-exec").chmod(0o755)
    (root / build.MARKER).unlink()
    assert not build.is_complete(loaded, root)


def test_marker_for_other_versions_is_not_complete(
    build: ModuleType, pins: ModuleType, tmp_path: Path
) -> None:
    loaded = pins.load()
    root = _complete_dir(build, pins, tmp_path)
    (root / build.MARKER).write_text(
        json.dumps({"pulumi": "3.0.0", "databricks": loaded.databricks}), encoding="utf-8"
    )
    assert not build.is_complete(loaded, root)


def test_unknown_command_is_a_clear_error(
    build: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build.main(["frobnicate"]) == 1
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def _fake_official_pulumi(directory: Path, version: str, plugin_version: str) -> None:
    """A stand-in for the official CLI: answers `version` and `plugin ls --json` like it does."""
    directory.mkdir()
    plugins = json.dumps([{"name": "databricks", "kind": "resource", "version": plugin_version}])
    script = directory / "pulumi"
    script.write_text(
        f"#!/bin/sh\nif [ \"$1\" = version ]; then echo v{version}; exit 0; fi\necho '{plugins}'\n",
        encoding="utf-8",
    )
    script.chmod(0o755)


def test_official_pulumi_at_the_pins_means_nothing_is_built(
    build: ModuleType,
    pins: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    loaded = pins.load()
    _fake_official_pulumi(tmp_path / "official", loaded.engine, loaded.databricks)
    monkeypatch.setenv("PATH", f"{tmp_path / 'official'}:/usr/bin:/bin")
    monkeypatch.setenv("LAKEFORM_TOOLCHAIN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(build, "go_build", _no_go)
    assert build.main(["build"]) == 0
    assert "using the official Pulumi on PATH" in capsys.readouterr().out
    assert not (tmp_path / "home").exists()


@pytest.mark.parametrize("which", ["cli", "plugin"])
def test_official_pulumi_at_other_versions_is_not_used(
    build: ModuleType, pins: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    loaded = pins.load()
    cli = "3.1.0" if which == "cli" else loaded.engine
    plugin = "1.0.0" if which == "plugin" else loaded.databricks
    _fake_official_pulumi(tmp_path / "official", cli, plugin)
    monkeypatch.setenv("PATH", f"{tmp_path / 'official'}:/usr/bin:/bin")
    assert build.official_install(loaded) is None


def test_a_supplied_plugin_is_installed_into_the_plugin_cache(
    build: ModuleType, pins: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = pins.load()
    calls = tmp_path / "calls.txt"
    bin_path = tmp_path / "bin"
    bin_path.mkdir()
    fake = bin_path / "pulumi"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho "[]"\n', encoding="utf-8")
    fake.chmod(0o755)
    plugin = tmp_path / "pulumi-resource-databricks"
    plugin.write_text("#!/bin/sh\n", encoding="utf-8")
    plugin.chmod(0o755)
    monkeypatch.setenv("LAKEFORM_DATABRICKS_PLUGIN", str(plugin))
    build.provider_stage(loaded, bin_path)
    lines = calls.read_text(encoding="utf-8").splitlines()
    assert lines == [
        "plugin ls --json",
        f"plugin install resource databricks {loaded.databricks} --file {plugin} --reinstall",
    ]


def test_a_supplied_plugin_that_is_not_executable_is_refused(
    build: ModuleType, pins: ModuleType, tmp_path: Path
) -> None:
    plugin = tmp_path / "pulumi-resource-databricks"
    plugin.write_text("not a program", encoding="utf-8")
    with pytest.raises(RuntimeError, match="is not an executable file"):
        build.install_plugin("pulumi", pins.load(), plugin)


def test_installing_a_plugin_prints_nothing_on_stdout(
    build: ModuleType, pins: ModuleType, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """`eval "$(build.py provider-env)"` runs whatever reaches stdout: pulumi's chatter must not."""
    fake = tmp_path / "pulumi"
    fake.write_text('#!/bin/sh\necho "[resource plugin databricks] installing"\n', encoding="utf-8")
    fake.chmod(0o755)
    plugin = tmp_path / "pulumi-resource-databricks"
    plugin.write_text("#!/bin/sh\n", encoding="utf-8")
    plugin.chmod(0o755)
    build.install_plugin(str(fake), pins.load(), plugin, home=tmp_path / "home")
    out, err = capfd.readouterr()
    assert out == ""
    assert "installing" in err


def test_toolchain_env_lets_plain_pulumi_find_the_databricks_plugin(
    build: ModuleType, pins: ModuleType
) -> None:
    """`eval "$(make -s toolchain-env)"` is all a shell needs for plain `pulumi` to find the
    pinned databricks plugin (the local provider's PULUMI_HOME, or the real one's cache)."""
    loaded = pins.load()
    if not build.is_complete(loaded, pins.toolchain_home() / loaded.dir_name):
        pytest.skip("the toolchain is not built here (make toolchain)")
    env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_HOME", "LAKEFORM_PROVIDER")}
    done = subprocess.run(
        ["bash", "-c", 'eval "$(make -s toolchain-env)" && pulumi plugin ls --json'],
        cwd=pins.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = [(p["name"], p["kind"], p["version"]) for p in json.loads(done.stdout)]
    assert ("databricks", "resource", loaded.databricks) in listed


def test_the_plugins_folder_is_read_as_pulumi_plugin_ls_lists_it(
    build: ModuleType, pins: ModuleType, tmp_path: Path
) -> None:
    """build.py reads the plugin cache itself instead of starting `pulumi plugin ls` (its
    listed_plugins); the pinned engine must list the same plugins from the same folder: an
    install under way (`.partial`), a temporary folder, a symlink, a file, short and malformed
    versions."""
    loaded = pins.load()
    pulumi = pins.toolchain_home() / loaded.dir_name / "bin" / "pulumi"
    if not build.is_complete(loaded, pulumi.parent.parent):
        pytest.skip("the toolchain is not built here (make toolchain)")
    home = tmp_path / "home"
    plugins = home / "plugins"
    for name in (
        f"resource-databricks-v{loaded.databricks}",
        "resource-half-v1.0.0",
        "resource-aws-v6.1",
        "resource-old-v01.2.3",
        "resource-pre-v1.2.3-alpha.1",
        "resource-two-words-v2.0.0",
        "language-yaml-v1.5.0",
        "resource-busy-v1.0.0.tmp123",
        "nonsense",
        "resource-x-vnot-a-version",
    ):
        (plugins / name).mkdir(parents=True)
    (plugins / "resource-half-v1.0.0.partial").write_text("", encoding="utf-8")
    (plugins / "resource-link-v1.0.0").symlink_to(plugins / "language-yaml-v1.5.0")
    (plugins / "resource-file-v1.0.0").write_text("", encoding="utf-8")
    env = {**build.pulumi_env(), "PULUMI_HOME": str(home)}
    done = subprocess.run(
        [str(pulumi), "plugin", "ls", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    engine = {(p["kind"], p["name"], p["version"]) for p in json.loads(done.stdout or "[]")}
    assert ("resource", "databricks", loaded.databricks) in engine
    assert set(build.listed_plugins(home, explicit=True)) == engine
    assert build.plugin_installed(str(pulumi), loaded, str(home))
    (plugins / f"resource-databricks-v{loaded.databricks}.partial").write_text("", encoding="utf-8")
    assert not build.plugin_installed(str(pulumi), loaded, str(home))
