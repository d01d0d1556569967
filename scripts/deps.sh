#!/usr/bin/env bash
# Installs the Debian bookworm packages sharemsg needs to build and test.
# Idempotent: asks dpkg which packages are missing and installs only those,
# so on a machine that has them all it changes nothing and needs no root.
set -euo pipefail

packages=(
    # Toolchain: g++ for the main build, clang 14 (with its compiler-rt
    # runtimes) for the AddressSanitizer/UBSan build and libFuzzer.
    build-essential cmake ninja-build pkg-config ccache
    clang libclang-rt-14-dev
    # Libraries.
    libsecp256k1-dev libssl-dev libsqlite3-dev
    libboost-dev libboost-system-dev
    nlohmann-json3-dev libcli11-dev libspdlog-dev
    # CRC-32 for STUN's FINGERPRINT (src/net/stun.cpp).
    zlib1g-dev
    # The relay's PostgreSQL backend (libpq), and the server its tests start themselves.
    libpq-dev postgresql
    # Test and benchmark frameworks.
    libgtest-dev libgmock-dev libbenchmark-dev wrk
    # The independent check of the open profile's vectors (vectors/check_open_profile.py)
    # and the fuzz seed generator (fuzz/make_corpus.py).
    python3 python3-cryptography
    # The Python binding of libsharemsg (python/, ctypes) is tested on PyPy 3 as well.
    pypy3
    # Man pages of sharemsgd and sharemsg from their --help (cmake/packaging.cmake), and what
    # the Debian package test (tests/package/deb.sh) calls: dpkg-shlibdeps, curl.
    help2man dpkg-dev curl
    # The packages' policy check in that test (lintian) and its `systemd-analyze verify` of
    # the unit (systemd).
    lintian systemd
    # Browser tests of the web pages (scripts/browser-test.sh): Debian's chromium,
    # driven by playwright-core from npm.
    chromium nodejs npm
    # The NAT lab of the integration tests (tests/integration/netlab.*, docs/natlab.md):
    # network namespaces and veths (iproute2), the routers' NAT rules (iptables), and coturn
    # (turnserver, turnutils_natdiscovery, turnutils_uclient) as the STUN/TURN server.
    iptables coturn iproute2
    # ICE sessions (src/ice, docs/nat.md): libnice (ICE, STUN, TURN, a reliable stream) and
    # the GLib it runs on.
    libnice-dev libglib2.0-dev
)

# Packages that stand for a program: a machine that already has the program from elsewhere
# (Node.js from NodeSource bundles npm and conflicts with Debian's npm package) keeps it.
declare -A provides=([nodejs]=node [npm]=npm [chromium]=chromium [wrk]=wrk)

missing=()
for pkg in "${packages[@]}"; do
    if [[ -n ${provides[$pkg]:-} ]] && command -v "${provides[$pkg]}" >/dev/null 2>&1; then
        continue
    fi
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "installed" ]]; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "deps: all ${#packages[@]} packages installed"
    exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "deps: missing packages and not root, and sudo is not available;" >&2
        echo "deps: as root run: apt-get install ${missing[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"

# The tests start their own turnserver inside a network namespace; none should run as a system
# service. Debian's coturn keeps its SysV script off (TURNSERVER_ENABLED stays commented out in
# /etc/default/coturn), but its systemd unit ignores that file and is enabled and started by
# the package's postinst. So when coturn was installed just now, on a machine run by systemd,
# stop and disable that service: it would hold port 3478 on every address of the machine.
if [[ " ${missing[*]} " == *" coturn "* ]] && [[ -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now coturn.service || true
fi
