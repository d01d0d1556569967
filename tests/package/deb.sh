#!/usr/bin/env bash
# Builds the Debian packages of a build tree with CPack and checks them: each package's
# metadata and dependencies (dpkg-deb), what each holds (the library under the multiarch
# directory, its shlibs and ldconfig trigger, copyright and changelog, man pages), lintian
# (no error or warning); then unpacks all three into a scratch root, starts sharemsgd from
# there with the systemd unit's own command line (paths moved into the scratch root, ports
# made free) until /health answers, and has `systemd-analyze verify` check the unit.
# lintian and systemd-analyze are required (scripts/deps.sh installs them): without them the
# test fails, it does not skip.
# Usage: deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
for tool in lintian systemd-analyze dpkg-deb dpkg-architecture curl; do
    command -v "$tool" >/dev/null ||
        { echo "FAIL: $tool is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sharemsg-deb.XXXXXX")
pid=
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log" >&2; fail "cpack"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb() { ls "$tmp/out/$1"_*.deb 2>/dev/null | head -n1; }
lib=$(deb libsharemsg0) dev=$(deb libsharemsg-dev) daemon=$(deb sharemsgd)
[[ -f "$lib" && -f "$dev" && -f "$daemon" ]] || fail "packages: $(ls "$tmp/out")"

field() { dpkg-deb -f "$1" "$2"; }
for p in "$lib" "$dev" "$daemon"; do
    [[ "$(field "$p" Version)" == "$version" ]] || fail "$p: version $(field "$p" Version)"
    [[ -n "$(field "$p" Description)" ]] || fail "$p: no description"
done
field "$lib" Depends | grep -q libsecp256k1 || fail "libsharemsg0 does not depend on libsecp256k1"
field "$lib" Depends | grep -q libssl || fail "libsharemsg0 does not depend on libssl"
field "$dev" Depends | grep -q "libsharemsg0 (= $version)" || fail "-dev does not depend on the library"
field "$daemon" Depends | grep -q libsqlite3 || fail "sharemsgd does not depend on libsqlite3"
[[ "$(field "$lib" Section)" == libs && "$(field "$dev" Section)" == libdevel ]] ||
    fail "sections"

contents() { dpkg-deb -c "$1" | awk '{print $6}'; }
contents "$lib" | grep -q "^\./usr/lib/$multiarch/libsharemsg\.so\.0\$" ||
    fail "libsharemsg0 lacks usr/lib/$multiarch/libsharemsg.so.0: $(contents "$lib" | grep '\.so')"
dpkg-deb -I "$lib" shlibs | grep -q "^libsharemsg 0 libsharemsg0 (>= $version)" ||
    fail "libsharemsg0's shlibs: $(dpkg-deb -I "$lib" shlibs 2>&1)"
dpkg-deb -I "$lib" triggers | grep -q '^activate-noawait ldconfig$' ||
    fail "libsharemsg0 has no ldconfig trigger"
for p in "$lib" "$dev" "$daemon"; do
    name=$(field "$p" Package)
    for f in copyright changelog.gz; do
        contents "$p" | grep -q "^\./usr/share/doc/$name/$f\$" || fail "$name lacks /usr/share/doc/$name/$f"
    done
done
if contents "$lib" | grep -q 'libsharemsg\.so$\|include/'; then fail "libsharemsg0 holds dev files"; fi
for f in include/sharemsg/sharemsg.h include/sharemsg/sharemsg.hpp "$multiarch/libsharemsg\.so\$" \
    "$multiarch/libsharemsg\.a\$" "$multiarch/cmake/sharemsg/sharemsgConfig.cmake" \
    "$multiarch/pkgconfig/sharemsg.pc"; do
    contents "$dev" | grep -q "$f" || fail "libsharemsg-dev lacks $f"
done
for f in usr/bin/sharemsgd usr/bin/sharemsg lib/systemd/system/sharemsgd.service; do
    contents "$daemon" | grep -q "$f" || fail "sharemsgd lacks $f"
done
if command -v help2man >/dev/null; then
    for prog in sharemsgd sharemsg; do
        contents "$daemon" | grep -q "man1/$prog\.1\.gz\$" || fail "sharemsgd lacks $prog.1.gz"
    done
fi
# Errors and warnings fail; what the packages override is said, with its reason, in
# packaging/deb/*lintian-overrides*.
lintian --fail-on error,warning --tag-display-limit 0 "$lib" "$dev" "$daemon" \
    >"$tmp/lintian.log" 2>&1 || { cat "$tmp/lintian.log" >&2; fail "lintian"; }
echo "lintian: no error or warning ($(grep -c . "$tmp/lintian.log" || true) lines of notes)"
echo "packages: $(basename "$lib") $(basename "$dev") $(basename "$daemon")"

# Unpack and start the daemon with the unit's command line.
root=$tmp/root
for p in "$lib" "$dev" "$daemon"; do dpkg-deb -x "$p" "$root"; done
unit=$root/usr/lib/systemd/system/sharemsgd.service
[[ -f "$unit" ]] || fail "unit not at usr/lib/systemd/system"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
opts=$(sed -n 's/^Environment=SHAREMSGD_OPTS=//p' "$unit")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
web=$(free_port) p2p=$(free_port)
cmd=${exec_start//\$SHAREMSGD_OPTS/$opts}
cmd=${cmd//\/usr\/bin\//$root/usr/bin/}
cmd=${cmd//\/var\/lib\/sharemsgd/$tmp/state}
echo "unit's command line: $exec_start"
# shellcheck disable=SC2086  # the unit's words, split as systemd splits them
$cmd --web-port "$web" --p2p-port "$p2p" >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    if curl -fsS "http://127.0.0.1:$web/health" >"$tmp/health" 2>/dev/null; then break; fi
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/daemon.log" >&2; fail "sharemsgd exited"; }
    sleep 0.2
done
[[ -s "$tmp/health" ]] || { cat "$tmp/daemon.log" >&2; fail "/health never answered"; }
[[ "$(stat -c %a "$tmp/state")" == 700 ]] || fail "data directory mode $(stat -c %a "$tmp/state")"
echo "unpacked sharemsgd answered /health: $(head -c 200 "$tmp/health")"

# systemd-analyze verify: the unit with its ExecStart pointing at the unpacked binary.
sed "s#/usr/bin/sharemsgd#$root/usr/bin/sharemsgd#" "$unit" >"$tmp/sharemsgd.service"
# --man=no: the man page is in the unpacked package, not installed on this machine.
systemd-analyze verify --man=no "$tmp/sharemsgd.service" >"$tmp/verify.log" 2>&1 ||
    { cat "$tmp/verify.log" >&2; fail "systemd-analyze verify"; }
if grep -q . "$tmp/verify.log"; then cat "$tmp/verify.log" >&2; fail "systemd-analyze verify warns"; fi
echo "systemd-analyze verify: clean"
