"""A stack file Lakeform writes keeps its strings when Pulumi rewrites it: Pulumi's Go YAML reads
an unquoted `08` as the number 8 and writes it back as "8" on its next change to the file."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import yaml

from metadata.settings import dump_for_pulumi
from tests.e2e.harness import toolchain_env

SETTINGS = {"metadata_paths": ["rows"], "shards": {"by": "folder", "folders": {"08": ["rows/08"]}}}


def pulumi_config(project: Path, writer: str) -> dict[str, Any]:
    """The settings as `pulumi config --json` reads them, after a `pulumi config set` has made
    Pulumi rewrite the stack file written by `writer`."""
    (project / "Pulumi.yaml").write_text("name: strings\nruntime: python\n")
    text = {"pyyaml": yaml.safe_dump, "lakeform": dump_for_pulumi}[writer](
        {"config": {"lakeform:settings": SETTINGS}}
    )
    (project / "Pulumi.dev.yaml").write_text(text)
    (project / "state").mkdir()
    env = {
        **os.environ,
        **toolchain_env(),
        "PULUMI_BACKEND_URL": f"file://{project / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "strings",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }

    def pulumi(*args: str) -> str:
        done = subprocess.run(
            ["pulumi", *args], cwd=project, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    pulumi("stack", "init", "dev")
    pulumi("config", "set", "other", "1", "--stack", "dev")
    answer = json.loads(pulumi("config", "--json", "--stack", "dev"))
    return answer["lakeform:settings"]["objectValue"]


def test_a_folder_named_08_stays_08_through_pulumis_rewrite(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    # what yaml.safe_dump writes is changed by Pulumi: the reason for dump_for_pulumi
    assert pulumi_config(tmp_path / "a", "pyyaml")["shards"]["folders"] == {"8": ["rows/08"]}
    assert pulumi_config(tmp_path / "b", "lakeform") == SETTINGS
    rewritten = yaml.safe_load((tmp_path / "b/Pulumi.dev.yaml").read_text())
    assert rewritten["config"]["lakeform:settings"] == SETTINGS
