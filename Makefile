# Lakeform's commands. `make setup toolchain` is all a fresh machine needs (see README.md).
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The pinned Pulumi toolchain (toolchain/README.md): built once per machine into a per-version
# directory outside the repository; every target that runs Pulumi gets it first on PATH.
TOOLCHAIN_BIN := $(shell python3 toolchain/build.py bin-dir)
export PATH := $(TOOLCHAIN_BIN):$(PATH)
# A missing plugin is a clear error, never a download attempt or a hang; no update nag.
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

PY_PATHS := cli components metadata stacks workspace tests toolchain benchmarks __main__.py

.PHONY: help setup toolchain toolchain-env lint typecheck

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Install the Python dependencies into .venv (uv sync)
	uv sync

toolchain: ## Build the pinned Pulumi CLI, language host and plugins (no-op when built)
	python3 toolchain/build.py build

toolchain-env: ## Print `export` lines that put the toolchain on PATH (eval "$(make -s toolchain-env)")
	@python3 toolchain/build.py env

lint: ## ruff check and format check
	uv run ruff check $(PY_PATHS)
	uv run ruff format --check $(PY_PATHS)

typecheck: ## pyright (strict on components/ metadata/ stacks/)
	uv run pyright
