# Lakeform's commands. `make setup toolchain` is all a fresh machine needs (see README.md).
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The pinned Pulumi toolchain (devtools/toolchain/README.md): built once per machine into a per-version
# directory outside the repository; every target that runs Pulumi gets it first on PATH.
TOOLCHAIN_BIN := $(shell python3 devtools/toolchain/build.py bin-dir)
export PATH := $(TOOLCHAIN_BIN):$(PATH)
# A missing plugin is a clear error, never a download attempt or a hang; no update nag.
export PULUMI_SKIP_UPDATE_CHECK := true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION := true

PY_PATHS := cli components metadata stacks devtools policies tests scripts __main__.py
# uv from PATH, else the one `make setup` installs with pip (a fresh machine has neither).
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
STACK ?= local

.PHONY: help setup toolchain toolchain-env demo preview up workspace-start workspace-stop \
	validate test test-fast check lint typecheck

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (these build machines) Python would
# compile pulumi_databricks' ~500 modules from source in every Pulumi run; compiled once here.
# The same for the repository's own modules: every engine run imports them in the program and in
# both starts of the local provider, and every `lakeform` command in the CLI (compileall writes
# __pycache__ whatever the variable says; a file edited since is compiled in memory, as before).
setup: ## Install uv if missing, then the locked Python dependencies into .venv
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode
	@$(UV) run --locked python -m compileall -q cli components metadata stacks devtools policies

toolchain: ## Build the pinned Pulumi CLI, language host and plugins (no-op when built)
	python3 devtools/toolchain/build.py build

toolchain-env: ## Print `export` lines: the toolchain on PATH, the databricks provider (eval "$(make -s toolchain-env)")
	@python3 devtools/toolchain/build.py env

demo: setup ## Deploy the sample rows (resources/) to the local workspace as stack `local`
	scripts/demo.sh

preview: setup ## pulumi preview --diff of STACK (default local) against the local state
	scripts/demo.sh preview

workspace-start: setup ## Start the local workspace in the background (reuses the one this clone started)
	scripts/workspace.sh start

workspace-stop: ## Stop the local workspace that `make demo` started
	scripts/workspace.sh stop

validate: setup ## Validate the metadata rows for every stack (lakeform validate)
	$(UV) run lakeform validate

# Three pytest-xdist workers on 2 cores: much of the suite waits (on engine runs, subprocesses,
# sleeps), and with two the cores were 1.65 busy of 2. Measured on a quiet 2-core machine
# (docs/performance.md, "The test loop"): -n 2 10 min 34 s, -n 3 9 min 33 s, the same CPU.
# worksteal: a worker out of tests takes another's, so no long e2e file runs alone at the end;
# each worker deploys the shared e2e stacks it needs once (tests/e2e/conftest.py).
PYTEST_PARALLEL := -n 3 --dist worksteal

test: setup toolchain ## Every test: unit, metadata, local workspace, provider, end to end (real engine)
	@# The databricks-sdk-go check builds offline from the module cache; fill it first.
	@if command -v go >/dev/null 2>&1; then cd tests/workspace/gosdk && go mod download; fi
	@# lakeform browse's tests drive Debian's headless Chromium: install it if missing (issue 14).
	scripts/ensure-chromium.sh
	$(UV) run pytest $(PYTEST_PARALLEL)

# The inner loop: no Pulumi engine (tests/e2e) and no browser (tests/browse), the slow ones.
test-fast: setup toolchain ## Every test but the end-to-end and browser ones (the inner loop, 1-2 min)
	$(UV) run pytest $(PYTEST_PARALLEL) --ignore=tests/e2e --ignore=tests/browse

check: lint typecheck test ## Everything CI runs

lint: setup ## ruff check and format check
	$(UV) run ruff check $(PY_PATHS)
	$(UV) run ruff format --check $(PY_PATHS)

typecheck: setup ## pyright (strict on components/ metadata/ stacks/)
	$(UV) run pyright
