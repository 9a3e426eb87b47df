"""The toolchain's versions agree: pyproject.toml pins, devtools/toolchain/versions.toml, go.mod,
uv.lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_pins_have_go_facts(pins: ModuleType) -> None:
    loaded = pins.load()
    assert (loaded.pulumi, loaded.databricks) == pins.read_pyproject_pins()
    assert loaded.pulumi_facts["cli_module"] == "github.com/pulumi/pulumi/pkg/v3"
    assert loaded.engine == loaded.pulumi_facts.get("engine", loaded.pulumi)
    assert loaded.dir_name == f"pulumi-{loaded.engine}_databricks-{loaded.databricks}"


def test_an_engine_newer_than_the_sdk_is_built_where_versions_toml_pairs_them(
    pins: ModuleType, tmp_path: Path
) -> None:
    """pyproject chooses the SDK; versions.toml's `engine` the CLI and language host for it."""
    versions = tmp_path / "versions.toml"
    versions.write_text(
        '[pulumi."3.1.0"]\ncli_module = "c"\nsdk_module = "s"\n'
        '[pulumi."3.2.0"]\nengine = "3.5.0"\ncli_module = "c"\nsdk_module = "s"\n'
        '[pulumi_databricks."1.0.0"]\n',
        encoding="utf-8",
    )
    for sdk, engine in (("3.1.0", "3.1.0"), ("3.2.0", "3.5.0")):
        pyproject = tmp_path / f"pyproject-{sdk}.toml"
        pyproject.write_text(
            f'[project]\ndependencies = ["pulumi=={sdk}", "pulumi-databricks==1.0.0"]\n',
            encoding="utf-8",
        )
        loaded = pins.load(pyproject=pyproject, versions=versions)
        assert (loaded.pulumi, loaded.engine) == (sdk, engine)
        assert loaded.dir_name == f"pulumi-{engine}_databricks-1.0.0"
        go_mod = tmp_path / "go.mod"
        go_mod.write_text(f"module m\nrequire (\n\tc v{engine}\n\ts v{engine}\n)\n")
        pins.check_go_mod(loaded, go_mod=go_mod)
        go_mod.write_text(f"module m\nrequire (\n\tc v{engine}\n\ts v3.0.0\n)\n")
        with pytest.raises(pins.PinError, match=re.escape(f"run `go get s@v{engine}`")):
            pins.check_go_mod(loaded, go_mod=go_mod)


def test_go_mod_requires_the_pinned_pulumi_release(pins: ModuleType) -> None:
    loaded = pins.load()
    requires = pins.go_mod_requires()
    assert requires["github.com/pulumi/pulumi/pkg/v3"] == f"v{loaded.engine}"
    assert requires["github.com/pulumi/pulumi/sdk/v3"] == f"v{loaded.engine}"
    pins.check_go_mod(loaded)  # raises on disagreement


def test_uv_lock_installs_the_pinned_sdks(pins: ModuleType) -> None:
    loaded = pins.load()
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"]: p["version"] for p in lock["package"]}
    assert locked["pulumi"] == loaded.pulumi
    assert locked["pulumi-databricks"] == loaded.databricks


def test_sdk_commit_matches_the_pulumi_pin(pins: ModuleType) -> None:
    facts = pins.load().pulumi_facts
    if "sdk_commit" not in facts:  # says why instead (3.260.0 and later: not obtainable here)
        assert facts["sdk_commit_unknown"]
        return
    assert facts["upstream_language_host"].endswith(facts["sdk_commit"][:12])


def _pyproject_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "pyproject.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("package", "table"), [("pulumi", "pulumi"), ("pulumi-databricks", "pulumi_databricks")]
)
def test_bumping_only_pyproject_fails_loudly(
    pins: ModuleType, tmp_path: Path, package: str, table: str
) -> None:
    names = ("pulumi", "pulumi-databricks")
    current: dict[str, str] = dict(zip(names, pins.read_pyproject_pins(), strict=True))
    pyproject = _pyproject_with(tmp_path, f'"{package}=={current[package]}"', f'"{package}==9.9.9"')
    with pytest.raises(pins.PinError, match=re.escape(f'no [{table}."9.9.9"] entry')):
        pins.load(pyproject=pyproject)


def test_bumping_only_go_mod_fails_loudly(pins: ModuleType, tmp_path: Path) -> None:
    loaded = pins.load()
    go_mod = tmp_path / "go.mod"
    text = pins.CLI_GO_MOD.read_text(encoding="utf-8")
    go_mod.write_text(text.replace(f"pkg/v3 v{loaded.engine}", "pkg/v3 v3.999.0"), encoding="utf-8")
    with pytest.raises(pins.PinError, match=r"requires github.com/pulumi/pulumi/pkg/v3 v3.999.0"):
        pins.check_go_mod(loaded, go_mod=go_mod)


def test_a_range_instead_of_an_exact_pin_is_refused(pins: ModuleType, tmp_path: Path) -> None:
    current, _ = pins.read_pyproject_pins()
    pyproject = _pyproject_with(tmp_path, f'"pulumi=={current}"', '"pulumi>=3.200"')
    with pytest.raises(pins.PinError, match="must be an exact pin"):
        pins.read_pyproject_pins(pyproject)


def test_bin_dir_is_per_version_under_the_toolchain_home(
    pins: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEFORM_TOOLCHAIN_HOME", str(tmp_path))
    loaded = pins.load()
    assert pins.bin_dir(loaded) == tmp_path / loaded.dir_name / "bin"
