"""Lakeform: metadata rows in, Databricks jobs, pipelines and quality monitors out."""

from pathlib import Path

import pulumi

from stacks.build import build
from stacks.config import load_settings, load_stack_rows, workspace_host
from stacks.heap import settle_imports, settle_registered
from stacks.sdklog import install as drop_sdk_debug
from stacks.settle import install as wait_outputs_once

settle_imports()
wait_outputs_once()
drop_sdk_debug()
ROOT = Path(__file__).resolve().parent
settings = load_settings(ROOT)
rows, part = load_stack_rows(settings, ROOT)
build(settings, rows, stack=pulumi.get_stack(), root=ROOT, host=workspace_host(settings), part=part)
settle_registered()
