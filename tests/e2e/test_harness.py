"""The harness writes stack config in place of `pulumi config set`, and a new stack in place of
`pulumi stack init`: the same files they would."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from cli.pulumienv import file_backend
from devtools.workspace.testing import RunningWorkspace
from tests.e2e.harness import PASSPHRASE, Project, set_config, toolchain_env


def test_a_plain_key_is_set_as_a_string_beside_the_others() -> None:
    config = {"databricks:host": "http://127.0.0.1:1"}
    set_config(config, "t:timeout", "900", path=False)
    set_config(config, "t:a.b", "x", path=False)  # without path, a dot is part of the key
    assert config == {"databricks:host": "http://127.0.0.1:1", "t:timeout": "900", "t:a.b": "x"}


def test_a_path_replaces_a_list_item_and_appends_one_creating_the_list() -> None:
    config = {"lakeform:settings": {"metadata_paths": ["resources"], "tags": {"a": "b"}}}
    set_config(config, "lakeform:settings.metadata_paths[0]", "nowhere", path=True)
    set_config(config, "lakeform:settings.release[0]", "jobs.x", path=True)
    set_config(config, "lakeform:settings.release[1]", "jobs.y", path=True)
    set_config(config, "lakeform:settings.tags.c", "d", path=True)
    assert config == {
        "lakeform:settings": {
            "metadata_paths": ["nowhere"],
            "tags": {"a": "b", "c": "d"},
            "release": ["jobs.x", "jobs.y"],
        }
    }


@pytest.mark.parametrize("key", ["a..b", "a[x]", ""])
def test_a_malformed_path_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a config path"):
        set_config({}, key, "v", path=True)


def _probe(root: Path) -> Project:
    """A project with a stack file and a backend of its own, without a workspace."""
    (root / "program").mkdir(parents=True)
    (root / "state").mkdir()
    (root / "program" / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (root / "program" / "Pulumi.e2e.yaml").write_text("config:\n  probe:a: x\n  probe:n: '08'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env.update(
        toolchain_env(),
        PULUMI_BACKEND_URL=file_backend(root / "state"),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
    )
    return Project(
        dir=root / "program", stack="e2e", workspace=cast(RunningWorkspace, None), env=env
    )


def _init_files(project: Project) -> tuple[Any, ...]:
    """The stack file, checkpoint and backend meta file, less the random salt and the time."""
    state = project.dir.parent / "state" / ".pulumi"
    stack_file = yaml.safe_load(project.stack_file.read_text())
    salt = stack_file.pop("encryptionsalt")
    checkpoint = json.loads((state / "stacks" / "probe" / "e2e.json").read_text())
    latest = checkpoint["checkpoint"]["latest"]
    assert latest.pop("secrets_providers") == {"type": "passphrase", "state": {"salt": salt}}
    latest["manifest"].pop("time")
    return stack_file, checkpoint, (state / "meta.yaml").read_text()


def test_a_stack_the_harness_inits_is_the_one_pulumi_stack_init_makes(tmp_path: Path) -> None:
    real, written = _probe(tmp_path / "real"), _probe(tmp_path / "written")
    real.pulumi("stack", "init", "e2e")
    written.init_stack()
    assert _init_files(written) == _init_files(real)
    # pulumi takes it for a stack of its own, and its salt for the passphrase's
    written.pulumi("config", "set", "--secret", "probe:token", "s3cret")
    assert written.pulumi("config", "get", "probe:token").stdout.strip() == "s3cret"
    exported = json.loads(written.pulumi("stack", "export", "--show-secrets").stdout)
    assert exported["deployment"]["secrets_providers"]["type"] == "passphrase"
