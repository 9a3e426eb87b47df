#!/usr/bin/env bash
# Starts (reusing one already answering) or stops the local workspace in the background.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${LAKEFORM_WORKSPACE_PORT:-8765}
host="http://127.0.0.1:${port}"
state_dir="$PWD/.lakeform"
pid_file="$state_dir/workspace.pid"
mkdir -p "$state_dir"

answering() { curl -sf -o /dev/null "$host/.well-known/databricks-config"; }
ours() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "${1:-}" in
start)
    if answering; then
        # Only this clone's workspace is reused: another one (another clone's `make demo`) holds
        # objects this clone's stack state does not know, so a deploy would collide with them.
        if ours || [ "${LAKEFORM_REUSE_WORKSPACE:-}" = 1 ]; then
            echo "==> local workspace already answering at $host (reused)"
            exit 0
        fi
        echo "error: a workspace answers at $host that this clone did not start (another clone's" >&2
        echo "  'make demo'?); its jobs, pipelines and monitors are not in this clone's state, so a" >&2
        echo "  deploy would collide with them. Stop it ('make workspace-stop' in the clone that" >&2
        echo "  started it, or end the process listening on port $port), or deploy to it anyway" >&2
        echo "  with LAKEFORM_REUSE_WORKSPACE=1." >&2
        exit 1
    fi
    echo "==> starting the local workspace at $host (log: $state_dir/workspace.log)"
    nohup .venv/bin/python -m devtools.workspace serve --host 127.0.0.1 --port "$port" \
        --state "$state_dir/workspace.json" >"$state_dir/workspace.log" 2>&1 &
    echo $! >"$pid_file"
    # Ready when it answers; on a loaded machine its start (importing the SDK, loading the state)
    # can take far longer than the usual second, so wait up to a minute unless it has exited.
    deadline=$((SECONDS + ${LAKEFORM_WORKSPACE_START_SECONDS:-60}))
    while [ "$SECONDS" -lt "$deadline" ]; do
        answering && exit 0
        kill -0 "$(cat "$pid_file")" 2>/dev/null || break
        sleep 0.2
    done
    answering && exit 0
    if kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        echo "error: the local workspace did not answer at $host within" \
            "${LAKEFORM_WORKSPACE_START_SECONDS:-60} s (LAKEFORM_WORKSPACE_START_SECONDS); its log says:" >&2
    else
        echo "error: the local workspace did not start; its log says:" >&2
    fi
    cat "$state_dir/workspace.log" >&2
    exit 1
    ;;
stop)
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        kill "$(cat "$pid_file")"
        rm -f "$pid_file"
        echo "==> local workspace stopped (state kept in $state_dir/workspace.json)"
    elif answering; then
        echo "error: a workspace answers at $host but was not started by 'make demo'; stop it yourself" >&2
        exit 1
    else
        echo "==> no local workspace running"
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
