#!/usr/bin/env bash
# Deploys the sample metadata (resources/) to the local workspace as the `local` stack:
#   scripts/demo.sh            pulumi up, then the stack outputs
#   scripts/demo.sh preview    pulumi preview --diff only
# Called by `make demo` / `make preview` with .venv synced; builds the toolchain (on PATH) first.
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:-up}
stack=${STACK:-local}
# The local workspace listens where the local stack's provider will look for it.
host=$(.venv/bin/python -c 'import yaml; print(yaml.safe_load(open("Pulumi.local.yaml"))["config"]["databricks:host"])')
port=${host##*:}
state_dir="$PWD/.lakeform"

python3 devtools/toolchain/build.py build
# The environment every Lakeform Pulumi run gets (cli/pulumienv.py, shared with `lakeform plan/up`):
# toolchain on PATH, the databricks provider (the real plugin where installed, else Lakeform's
# local one), the backend (PULUMI_BACKEND_URL, else file://$PWD/.lakeform/state?metadata=skip), and for the local
# stack its passphrase and the local workspace's token, with every other DATABRICKS_*/ARM_*/AZURE_*/GOOGLE_*
# variable unset (an exported real token never goes to whatever listens on the local port).
eval "$(.venv/bin/python -m cli.pulumienv --stack "$stack")"
echo "==> databricks provider: $LAKEFORM_PROVIDER_USED"

if [ "$stack" = local ]; then
    LAKEFORM_WORKSPACE_PORT=$port scripts/workspace.sh start
    # Some sample rows come from Delta control tables in the local workspace's Unity Catalog:
    # made and filled with deltalake once, kept afterwards (edit them and run make demo again).
    # They are named in the stack's clone settings file (lakeform:settings.clone_settings), which
    # every lakeform command reads too: `lakeform plan --stack local` then sees what was deployed.
    .venv/bin/python -m devtools.workspace.demo_tables "$state_dir" Pulumi.local.yaml
fi
pulumi stack select "$stack" --create --non-interactive >/dev/null

if [ "$action" = preview ]; then
    exec pulumi preview --diff --non-interactive --stack "$stack"
fi

# A run killed mid-way leaves pending creates; adopt what they made rather than duplicate it.
.venv/bin/lakeform recover --stack "$stack" --yes

echo "==> pulumi up (stack $stack, state in $PULUMI_BACKEND_URL)"
# One resource the workspace refuses must not stop the others; the run still fails and says which.
pulumi up --yes --non-interactive --continue-on-error --stack "$stack"

echo
echo "==> stack outputs (pulumi stack output --json --stack $stack)"
pulumi stack output --json --stack "$stack"
if [ "$stack" = local ]; then
    echo
    echo "==> lakeform run olist_daily --stack local (a sample job, followed to its result)"
    .venv/bin/lakeform run olist_daily --stack local --poll-seconds 0.5
fi
if [ "$stack" = local ]; then
    cat <<MSG

Deployed to the local workspace at $host (its state: $state_dir/workspace.json).
  Control tables:     lakeform_local.ops.etl_control (lakeflow-jobs-meta's layout) and
                      lakeform_local.ops.lakeform_rows, Delta tables in $state_dir/unity-catalog/
  List the jobs:      curl -s -H 'Authorization: Bearer x' $host/api/2.2/jobs/list | python3 -m json.tool
  Preview a change:   edit resources/*.yaml, then: make preview
  Run a row:          .venv/bin/lakeform run olist_main_pipeline --stack local --full-refresh
  Stop the workspace: make workspace-stop
MSG
fi
