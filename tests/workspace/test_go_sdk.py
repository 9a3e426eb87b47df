"""The provider's own SDK (databricks-sdk-go v0.175.0) against the local workspace.

The Go program in gosdk/ makes the calls the provider's resources make. It is built with the Go
module cache only (GOPROXY=off), so the test is skipped where `go` or the modules are missing;
`cd tests/workspace/gosdk && go mod download` fetches them once (a cold build takes minutes).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from devtools.workspace.testing import running_workspace

GOSDK = Path(__file__).with_name("gosdk")


def _binary() -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed")
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((GOSDK / name).read_bytes())
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lakeform"
    binary = cache / f"gosdk-{digest.hexdigest()[:16]}"
    if binary.exists():
        return binary
    cache.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0"}
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=GOSDK,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if built.returncode != 0:
        if "GOPROXY=off" in built.stderr or "module lookup disabled" in built.stderr:
            pytest.skip("databricks-sdk-go is not in the Go module cache (go mod download)")
        pytest.fail(f"go build failed:\n{built.stderr}")
    return binary


def test_go_sdk_calls_as_the_provider_makes_them() -> None:
    binary = _binary()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "ARM_"))}
    env["DATABRICKS_CONFIG_FILE"] = os.devnull
    with running_workspace() as ws:
        result = subprocess.run(
            [str(binary), ws.url, str(ws.workspace_id)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        writes = ws.requests.writes()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "ok all"
    assert "WARN" not in result.stderr, result.stderr
    assert writes["jobs.create"] == 1
    assert writes["pipelines.edit"] == 1
    assert writes["monitors.update"] == 1
    assert writes["workspace.import"] == 3  # two file uploads and one notebook
