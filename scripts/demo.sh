#!/usr/bin/env bash
# Deploys the sample metadata (resources/) to the local workspace as the `local` stack.
# Called by `make demo` with the toolchain already on PATH and the Python environment synced.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${LAKEFORM_WORKSPACE_PORT:-8765}
host="http://127.0.0.1:${port}"
state_dir="$PWD/.lakeform"
mkdir -p "$state_dir/state"

export PULUMI_BACKEND_URL="file://$state_dir/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-lakeform-local}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The local stack's provider reads the token the standard way; any non-empty token is accepted locally.
export DATABRICKS_TOKEN="${DATABRICKS_TOKEN:-lakeform-local-token}"

scripts/workspace.sh start

echo "==> pulumi up (stack local, state in $state_dir/state)"
pulumi stack select local --create >/dev/null
pulumi up --yes --stack local --suppress-progress

echo
echo "==> stack outputs (pulumi stack output --json --stack local)"
pulumi stack output --json --stack local
cat <<MSG

Deployed to the local workspace at $host (state file: $state_dir/workspace.json).
  Look at a job:      curl -s -H 'Authorization: Bearer x' '$host/api/2.2/jobs/list' | python3 -m json.tool
  Preview a change:   edit resources/*.yaml, then \`make preview\`
  Stop the workspace: make workspace-stop
MSG
