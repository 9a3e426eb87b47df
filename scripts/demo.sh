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

python3 toolchain/build.py build
# The real databricks plugin where it is installed, else Lakeform's local provider (loopback only).
eval "$(python3 toolchain/build.py provider-env)"
echo "==> databricks provider: $LAKEFORM_PROVIDER_USED"

mkdir -p "$state_dir/state"
export PULUMI_BACKEND_URL="file://$state_dir/state"
# The passphrase that Pulumi.local.yaml's encryptionsalt was made with; other stacks bring their own.
if [ "$stack" = local ]; then
    export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakeform-local}"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The provider reads the token the standard way; the local workspace accepts any non-empty token.
export DATABRICKS_TOKEN="${DATABRICKS_TOKEN:-lakeform-local-token}"

if [ "$stack" = local ]; then
    LAKEFORM_WORKSPACE_PORT=$port scripts/workspace.sh start
fi
pulumi stack select "$stack" --create --non-interactive >/dev/null

if [ "$action" = preview ]; then
    exec pulumi preview --diff --non-interactive --stack "$stack"
fi

# A run killed mid-way leaves pending creates; adopt what they made rather than duplicate it.
.venv/bin/lakeform recover --stack "$stack" --yes

echo "==> pulumi up (stack $stack, state in $state_dir/state)"
# One resource the workspace refuses must not stop the others; the run still fails and says which.
pulumi up --yes --non-interactive --continue-on-error --stack "$stack"

echo
echo "==> stack outputs (pulumi stack output --json --stack $stack)"
pulumi stack output --json --stack "$stack"
if [ "$stack" = local ]; then
    cat <<MSG

Deployed to the local workspace at $host (its state: $state_dir/workspace.json).
  List the jobs:      curl -s -H 'Authorization: Bearer x' $host/api/2.2/jobs/list | python3 -m json.tool
  Preview a change:   edit resources/*.yaml, then: make preview
  Stop the workspace: make workspace-stop
MSG
fi
