#!/usr/bin/env bash
# Stages `cmake --install` of a build tree into a scratch prefix and checks what a pool
# node's developer gets there: only the public headers (no nlohmann-json in them), a
# versioned shared library exporting only sharemsg_*, the static library, the CMake package
# and sharemsg.pc. Then builds, out of tree, examples/pool_node with find_package and
# examples/c_verify with pkg-config (shared and static), and runs them.
# Usage: out_of_tree.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sharemsg-oot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null

# Headers: exactly the public ones, standing alone.
headers=$(cd "$prefix/include" && find . -type f | sort | tr '\n' ' ')
[[ "$headers" == "./sharemsg/sharemsg.h ./sharemsg/sharemsg.hpp " ]] ||
    fail "installed headers are: $headers"
if grep -l nlohmann "$prefix/include/sharemsg/"*; then fail "nlohmann in an installed header"; fi

libdir=$(dirname "$(find "$prefix" -name 'libsharemsg.so' | head -n1)")
[[ -n "$libdir" && -f "$libdir/libsharemsg.a" ]] || fail "libsharemsg.so / .a not installed"
[[ -f "$libdir/pkgconfig/sharemsg.pc" ]] || fail "sharemsg.pc not installed"
[[ -f "$libdir/cmake/sharemsg/sharemsgConfig.cmake" ]] || fail "CMake package not installed"
soname=$(readelf -d "$libdir/libsharemsg.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ "$soname" == libsharemsg.so.0 ]] || fail "SONAME is '$soname'"
[[ -L "$libdir/libsharemsg.so.0" ]] || fail "libsharemsg.so.0 link missing"
others=$(nm -D --defined-only "$libdir/libsharemsg.so" | awk '$2 ~ /[TDBRVW]/ {print $3}' |
    grep -v '^sharemsg_' | grep -v '^SHAREMSG_0$' || true)
[[ -z "$others" ]] || fail "exported symbols outside the C ABI: $(echo "$others" | head -5)"
echo "install: headers, $soname, static library, CMake package and sharemsg.pc"

# The C++ example through find_package.
cmake -S "$src/examples/pool_node" -B "$tmp/pool_node" -G Ninja \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/pool_node" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/pool_node/pool_node" "$src/vectors/reference/transition_v35_v36_mainnet.hex"

# The C example through pkg-config: shared, then static.
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc=${CC:-cc}
$cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags sharemsg) \
    -o "$tmp/verify" "$src/examples/c_verify/verify.c" $(pkg-config --libs sharemsg)
LD_LIBRARY_PATH=$libdir "$tmp/verify" "$src/vectors/reference/transition_v35_v36_mainnet.hex"
$cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags sharemsg) \
    -o "$tmp/verify_static" "$src/examples/c_verify/verify.c" "$libdir/libsharemsg.a" \
    $(pkg-config --libs libsecp256k1 libcrypto) -lstdc++ -lm
if ldd "$tmp/verify_static" | grep -q libsharemsg; then fail "static build links libsharemsg.so"; fi
"$tmp/verify_static" "$src/vectors/reference/transition_v35_v36_mainnet.hex" >/dev/null
# A blob that does not decrypt: the rule rejects it (exit 1).
echo 01$(printf '00%.0s' $(seq 80)) >"$tmp/bad.hex"
set +e
LD_LIBRARY_PATH=$libdir "$tmp/verify" "$tmp/bad.hex" >/dev/null
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "verify of a bad blob exited $rc, not 1"
echo "out of tree: pool_node (find_package), verify (pkg-config, shared and static) all passed"
