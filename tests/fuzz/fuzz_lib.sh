# Shared by the run_*_fuzz.sh scripts: checks for clang++-19 and libFuzzer,
# builds a target with ASan/UBSan (objects rebuilt only when a source or a
# header it includes changed) and fuzzes it for a bounded time. Sourced;
# the caller sets NAME (the target, tests/fuzz/NAME.cpp), OUT (the build
# directory), SOURCES, and optionally EXTRA_FLAGS and LIBS (arrays).
CXX=${SCXX_FUZZ_CXX:-clang++-19}

# Exits 77 (skipped) when the compiler or its libFuzzer runtime is missing.
fuzz_require_clang() {
    command -v "$CXX" >/dev/null || { echo "$NAME: $CXX not found (scripts/setup.sh)"; exit 77; }
    if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }' |
        "$CXX" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
        echo "$NAME: $CXX has no libFuzzer runtime (libclang-rt-19-dev, scripts/setup.sh)"
        exit 77
    fi
}

fuzz_build() {
    local src obj objects=()
    local flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
                 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                 -I"$root/src" -I"$root/bpf" -I"$root/tests/fuzz" "${EXTRA_FLAGS[@]}")
    mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"
    for src in "${SOURCES[@]}"; do
        obj=$OUT/obj/$(basename "${src%.cpp}").o
        objects+=("$obj")
        if [ -f "$obj" ] && [ -f "$obj.d" ] &&
           ! find $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d") -newer "$obj" 2>/dev/null | grep -q .; then
            continue
        fi
        echo "[fuzz] compiling $(basename "$src")"
        "$CXX" "${flags[@]}" -MMD -MF "$obj.d" -c "$src" -o "$obj"
    done
    echo "[fuzz] linking $OUT/$NAME"
    "$CXX" -fsanitize=fuzzer,address,undefined "${objects[@]}" "${LIBS[@]}" -o "$OUT/$NAME"
}

# fuzz_run SECONDS MAX_LEN: fuzzes with tests/fuzz/<dict> and the seeds of
# tests/fuzz/corpus/<seeds>; exits with the verdict.
fuzz_run() {
    local seconds=$1 max_len=$2 dict=$3 seeds=$4
    echo "[fuzz] fuzzing for $seconds s (seeds: tests/fuzz/corpus/$seeds)"
    cd "$OUT"
    local stamp=$OUT/artifacts/.run-start
    touch "$stamp"
    # Slow inputs are findings (-timeout); so is memory past 2 GiB. Every
    # finding exits 1 (libFuzzer's own default, 77, means "skipped" to ctest).
    local rc=0
    "./$NAME" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len="$max_len" \
        -error_exitcode=1 -timeout_exitcode=1 \
        -dict="$root/tests/fuzz/$dict" -artifact_prefix="$OUT/artifacts/" \
        -print_final_stats=1 "$OUT/corpus" "$root/tests/fuzz/corpus/$seeds" || rc=$?
    [ "$rc" -eq 0 ] && exit 0

    # Parsing is deterministic, so a slow input is slow again. On a machine
    # whose processes can be stopped for minutes (a shared host), the timeout
    # also fires when the whole process stood still: when the only finding
    # is a timeout and that input replays well within the limit, say so and
    # pass.
    local new_findings unit
    new_findings=$(find "$OUT/artifacts" -newer "$stamp" -type f)
    if [ -n "$new_findings" ] && ! echo "$new_findings" | grep -qv '/timeout-'; then
        for unit in $new_findings; do
            if ! "./$NAME" -timeout=5 -runs=3 "$unit" >/dev/null 2>&1; then
                echo "[fuzz] $unit is slow again on replay: a real finding"
                exit 1
            fi
        done
        echo "[fuzz] warning: timeout not reproducible (the process was stalled, not the input): $new_findings"
        exit 0
    fi
    exit "$rc"
}
