#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#   1. scripts/deps.sh and scripts/build.sh (g++ RelWithDebInfo in build/);
#   2. the unit tests in build/ (they read the reference's vectors from their copies in
#      vectors/reference/); the independent Python check of the open profile's vectors
#      (vectors/check_open_profile.py, python3-cryptography);
#   3. a clang build in build-san/ with AddressSanitizer + UBSan and libFuzzer
#      instrumentation (it compiles at nice 19 while step 2's tests run; its log is
#      build-san/build.log); the unit tests again, under the sanitizers;
#   4. every fuzz_* target in build-san/ for FUZZ_SECONDS (default 20) each,
#      FUZZ_JOBS (default: number of CPUs) at a time, seeded from fuzz/corpus/<target>/
#      when it exists (copied to build-san/fuzz-work/: the repository is not modified);
#   5. the browser tests of the web pages against build/ (scripts/browser-test.sh:
#      real devnet daemons, headless chromium; screenshots in build/browser-artifacts/).
# Steps run on after a failure where they can, then a summary is printed;
# the exit status is non-zero if anything failed.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_JOBS, FUZZ_SEED (libFuzzer -seed),
# JOBS (build parallelism, default: number of CPUs), TEST_JOBS (ctest -j, default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

fuzz_seconds=${FUZZ_SECONDS:-20}
jobs=${JOBS:-$(nproc)}
test_jobs=${TEST_JOBS:-2}
fuzz_jobs=${FUZZ_JOBS:-$jobs}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
# Sanitizer reports are failures; keep the stack traces.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# GLib, GObject and libnice keep their type registrations for the life of the process
# (src/ice); their allocations are suppressed, ours are not.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}

summary=()
failed=0
n_ok=0 n_fail=0 n_skip=0
start=$SECONDS
fuzz_work=$root/build-san/fuzz-work
trap 'rm -rf "$fuzz_work"' EXIT

# record STATUS NAME [SECONDS]
record() {
    local line
    line=$(printf '%-4s  %s' "$1" "$2")
    if [[ $# -ge 3 ]]; then line+=" (${3}s)"; fi
    summary+=("$line")
    case $1 in
        ok) n_ok=$((n_ok + 1)) ;;
        FAIL) n_fail=$((n_fail + 1)) failed=1 ;;
        *) n_skip=$((n_skip + 1)) ;;
    esac
}

# step NAME COMMAND...: runs one command, records ok/FAIL; returns its status.
step() {
    local name=$1 t0=$SECONDS
    shift
    echo
    echo "==> $name"
    if "$@"; then
        record ok "$name" $((SECONDS - t0))
        return 0
    fi
    record FAIL "$name" $((SECONDS - t0))
    return 1
}

print_summary() {
    echo
    echo "==> summary ($((SECONDS - start))s)"
    printf '%s\n' "${summary[@]}"
    echo "steps: $n_ok passed, $n_fail failed, $n_skip skipped"
}

# Sanitizer + fuzzer build. Debug with -O1: assertions stay on (no NDEBUG),
# and the fuzzers run at a useful speed.
# shellcheck disable=SC2317  # called indirectly, through step
san_build() {
    CC=clang CXX=clang++ cmake -S . -B build-san -G Ninja \
        -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
        -DCMAKE_CXX_COMPILER=clang++ \
        -DSHAREMSG_SANITIZE=ON -DSHAREMSG_FUZZ=ON -DSHAREMSG_BENCH=OFF &&
        cmake --build build-san -j "$jobs"
}

# start_san_build: san_build in the background at nice 19, its output in san_log and its
# duration in san_time.
start_san_build() {
    (
        t0=$SECONDS
        rc=0
        renice -n 19 -p "$BASHPID" >/dev/null
        san_build >"$san_log" 2>&1 || rc=$?
        echo $((SECONDS - t0)) >"$san_time"
        exit "$rc"
    ) &
    san_pid=$!
}

# finish_san_build: waits for the background build and records it as a step.
finish_san_build() {
    local name="build (clang++, ASan+UBSan, libFuzzer) in build-san/" rc=0
    echo
    echo "==> $name"
    wait "$san_pid" || rc=$?
    if [[ $rc -eq 0 ]]; then
        tail -n 5 "$san_log"
        record ok "$name" "$(cat "$san_time")"
    else
        tail -n 200 "$san_log"
        record FAIL "$name" "$(cat "$san_time")"
    fi
    mkdir -p build-san && cp "$san_log" build-san/build.log
    rm -f "$san_log" "$san_time"
    return "$rc"
}

# run_fuzzer PATH: runs one libFuzzer target for fuzz_seconds; status 0 if
# it neither crashed nor reported a sanitizer error.
# shellcheck disable=SC2317  # called indirectly, through run_fuzzers
run_fuzzer() {
    local bin=$1 name corpus work log rc
    name=$(basename "$bin")
    corpus=$root/fuzz/corpus/$name
    work=$fuzz_work/$name
    log=$root/build-san/fuzz-logs/$name.log
    rm -rf "$work"
    mkdir -p "$root/build-san/fuzz-logs" "$root/build-san/fuzz-artifacts" "$work"
    if [[ -d $corpus ]]; then
        cp -R "$corpus/." "$work/" || return 1
    fi
    local args=(-max_total_time="$fuzz_seconds" -timeout=10
        -artifact_prefix="$root/build-san/fuzz-artifacts/$name-")
    if [[ -n ${FUZZ_SEED:-} ]]; then args+=(-seed="$FUZZ_SEED"); fi
    if [[ -f $root/fuzz/$name.dict ]]; then args+=(-dict="$root/fuzz/$name.dict"); fi
    echo "    $name: $(find "$work" -type f | wc -l) seed inputs, ${fuzz_seconds}s"
    rc=0
    "$bin" "${args[@]}" "$work" >"$log" 2>&1 || rc=$?
    rm -rf "$work"
    if [[ $rc -ne 0 ]]; then
        echo "    $name: exit status $rc; end of $log:"
        tail -n 60 "$log" | sed 's/^/      /'
        echo "    crash inputs (if any): build-san/fuzz-artifacts/$name-*"
        return 1
    fi
    echo "    $name: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || echo 'done')"
}

# run_fuzzers PATH...: runs the targets fuzz_jobs at a time (each libFuzzer process uses
# one core), then prints and records each one's result in order, as step does.
run_fuzzers() {
    local batch=() bin
    for bin in "$@"; do
        batch+=("$bin")
        if [[ ${#batch[@]} -ge $fuzz_jobs ]]; then
            run_fuzz_batch "${batch[@]}"
            batch=()
        fi
    done
    if [[ ${#batch[@]} -gt 0 ]]; then run_fuzz_batch "${batch[@]}"; fi
}

run_fuzz_batch() {
    local pids=() outs=() t0=$SECONDS i name
    for bin in "$@"; do
        outs+=("$(mktemp)")
        run_fuzzer "$bin" >"${outs[-1]}" 2>&1 &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        name="fuzz $(basename "${@:i+1:1}") for ${fuzz_seconds}s"
        echo
        echo "==> $name"
        if wait "${pids[$i]}"; then
            cat "${outs[$i]}"
            record ok "$name" $((SECONDS - t0))
        else
            cat "${outs[$i]}"
            record FAIL "$name" $((SECONDS - t0))
        fi
        rm -f "${outs[$i]}"
    done
}

if ! step "deps" bash scripts/deps.sh; then
    print_summary
    exit 1
fi

# Main build, then its tests while the sanitizer build compiles beside them at the lowest
# CPU priority (the tests mostly wait on sockets and processes; the build takes what is left).
san_log=$(mktemp)
san_time=$(mktemp)
if step "build (g++, RelWithDebInfo) in build/" bash scripts/build.sh; then
    start_san_build
    step "unit tests in build/" \
        ctest --test-dir build --output-on-failure --no-tests=error -j "$test_jobs" || true
    main_built=1
else
    record skip "unit tests in build/ (build failed)"
    main_built=0
    start_san_build
fi

# Written from docs/protocol.md without any of our C++: it needs no build.
step "independent check of vectors/open_profile.json (Python)" \
    python3 vectors/check_open_profile.py vectors/open_profile.json || true

if finish_san_build; then
    step "unit tests under ASan+UBSan in build-san/" \
        ctest --test-dir build-san --output-on-failure --no-tests=error -j "$test_jobs" || true

    mapfile -t fuzzers < <(find build-san -maxdepth 1 -type f -executable -name 'fuzz_*' | sort)
    if [[ ${#fuzzers[@]} -eq 0 ]]; then
        record skip "fuzzing: no fuzz_* targets in build-san/"
    fi
    run_fuzzers "${fuzzers[@]}"
else
    record skip "unit tests under ASan+UBSan (build failed)"
    record skip "fuzzing (build failed)"
fi

if [[ $main_built -eq 1 ]]; then
    step "browser tests of the web pages against build/" bash scripts/browser-test.sh || true
else
    record skip "browser tests (build failed)"
fi

print_summary
exit "$failed"
