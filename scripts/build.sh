#!/usr/bin/env bash
# Configures and builds every target (library, CLI, tests, benchmarks) in
# build/: g++, RelWithDebInfo, Ninja, ccache. Extra arguments go to the
# configure step, e.g. scripts/build.sh -DSHAREMSG_BENCH=OFF.
# JOBS sets build parallelism (default: number of CPUs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${JOBS:-$(nproc)}
# Let ccache share hits between clones at different paths.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}

cmake -S . -B build -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=g++ \
    "$@"
cmake --build build -j "$jobs"
