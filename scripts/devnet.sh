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
# A devnet signing key, made the way an operator makes one: a master (payout) key that stays
# outside the node's data directory, and `sharemsg derive-key` run "offline" to derive the
# signing key and its delegation. The node only ever sees the derived key (in a 0600 config
# file, not on its command line, where every local user could read it). Skipped when the
# arguments already name a key (--signing-key-file, --signing-key) or a config.
key_args=()
if [[ " $* " != *" --signing-key"* && " $* " != *" --config"* ]]; then
    master=${MASTER_KEY_FILE:-$datadir.master-key}
    if [[ ! -s $master ]]; then
        (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$master")
        echo "devnet: made a throwaway devnet master key in $master"
    fi
    derived=$(build/sharemsg derive-key --json --network ltc-test --delegation-network devnet - 0 <"$master")
    field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" <<<"$derived"; }
    conf=$datadir/devnet-signing-key.conf
    (umask 077 && printf 'signing-key = "%s"\nsigning-key-index = 0\nsigning-key-delegation = "%s"\n' \
        "$(field signing_key_wif)" "$(field delegation)" >"$conf")
    echo "devnet: signing id $(field signing_id), payout address $(field master_address)"
    key_args=(--config "$conf")
fi
exec "$daemon" --devnet --datadir "$datadir" "${key_args[@]}" "$@"
