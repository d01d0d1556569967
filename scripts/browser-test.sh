#!/usr/bin/env bash
# Browser tests of the pages sharemsgd serves (tests/browser): starts real devnet daemons from
# build/ and drives Debian's chromium through playwright-core (no browser download).
#   1. installs what is missing: the apt packages chromium, nodejs, npm (through
#      scripts/deps.sh's way: only when missing), and tests/browser/node_modules (npm ci);
#   2. builds sharemsgd and sharemsg in build/ if they are not there (scripts/build.sh
#      builds them with everything else);
#   3. runs `node --test` in tests/browser. Screenshots: build/browser-artifacts/.
# Environment: SHAREMSG_BUILD (default build/), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
build=${SHAREMSG_BUILD:-$root/build}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "browser-test: installing ${missing[*]}"
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [[ ! -x $build/sharemsgd || ! -x $build/sharemsg ]]; then
    echo "browser-test: building sharemsgd and sharemsg in $build"
    bash scripts/build.sh
fi

cd tests/browser
if [[ ! -d node_modules/playwright-core ]]; then
    npm ci --no-audit --no-fund
fi
export SHAREMSG_BUILD=$build
mkdir -p "$build/browser-artifacts"
rm -rf "$build/browser-tmp"
status=0
# Every *.test.js in tests/browser, each starting its own daemons on ports of its own. On
# Node 20 and later the files run one after another; Node 18 (Debian bookworm's) lacks the
# concurrency and timeout flags, and each suite sets its own timeout.
flags=()
if (($(node -p 'process.versions.node.split(".")[0]') >= 20)); then
    flags=(--test-concurrency=1 --test-timeout=600000)
fi
node --test "${flags[@]}" || status=$?
echo "browser-test: screenshots in $build/browser-artifacts/"
exit "$status"
