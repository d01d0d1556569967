#!/usr/bin/env bash
# Installs what is missing, builds, and starts a local devnet node:
#   build/sharemsgd --devnet --datadir "${DATADIR:-$HOME/.sharemsg-devnet}" ARGS...
# Extra arguments go to sharemsgd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh
bash scripts/build.sh

daemon=build/sharemsgd
if [[ ! -x "$daemon" ]]; then
    echo "devnet: $daemon was not built: the node daemon does not exist yet in this" >&2
    echo "devnet: checkout (apps/sharemsgd). The offline tool is build/sharemsg." >&2
    exit 1
fi

datadir=${DATADIR:-$HOME/.sharemsg-devnet}
if [[ ! -d $datadir ]]; then
    # Private by default: the data directory holds the API cookie and node state.
    mkdir -p -- "$(dirname -- "$datadir")"
    mkdir -m 700 -- "$datadir"
fi
exec "$daemon" --devnet --datadir "$datadir" "$@"
