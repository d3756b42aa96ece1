#!/usr/bin/env bash
# Fuzzes the control API's request bodies (tests/fuzz/api_fuzz.cpp: JSON
# parsing, strategy, settings and intent validation) with libFuzzer for a
# bounded time:
#   tests/fuzz/run_api_fuzz.sh [SECONDS] [BUILD_DIR]     (default 30, build)
# The target is built with clang++-19 and ASan/UBSan into BUILD_DIR/fuzz-api
# (the main build uses gcc). The seeds in tests/fuzz/corpus/api are read,
# never written; new inputs go to BUILD_DIR/fuzz-api/corpus, a crashing
# input to BUILD_DIR/fuzz-api/artifacts/. Exits non-zero on any crash,
# sanitizer report, leak or input slower than 5 s; 77 when clang++-19 or its
# libFuzzer runtime (libclang-rt-19-dev) is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
build=$(realpath -m "${2:-$root/build}")
out=$build/fuzz-api
CXX=${SCXX_FUZZ_CXX:-clang++-19}

command -v "$CXX" >/dev/null || { echo "api_fuzz: $CXX not found (scripts/setup.sh)"; exit 77; }
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }' |
    "$CXX" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
    echo "api_fuzz: $CXX has no libFuzzer runtime (libclang-rt-19-dev, scripts/setup.sh)"
    exit 77
fi

# The request codecs, what they validate against (the settings table, the
# strategies, the built-in policies) and the target.
sources=("$root"/src/control/api_codec.cpp "$root"/src/control/pod_cgroup.cpp
         "$root"/src/control/stored_strategy.cpp "$root"/src/control/gthulhu_priority.cpp
         "$root"/src/config/settings.cpp "$root"/src/config/settings_table.cpp
         "$root"/src/strategy/strategy.cpp "$root"/src/strategy/proc_scanner.cpp
         "$root"/src/policy/*_policy.cpp "$root"/src/policy/policy_factory.cpp
         "$root"/src/policy/policy_registry.cpp
         "$root"/tests/fuzz/api_fuzz.cpp)
mkdir -p "$out/obj" "$out/corpus" "$out/artifacts"

flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
       -I"$root/src" -I"$root/bpf" -I"$root/tests/fuzz")
# Rebuild an object when its source or any header it includes changed.
objects=()
for src in "${sources[@]}"; do
    obj=$out/obj/$(basename "${src%.cpp}").o
    objects+=("$obj")
    if [ -f "$obj" ] && [ -f "$obj.d" ] &&
       ! find $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d") -newer "$obj" 2>/dev/null | grep -q .; then
        continue
    fi
    echo "[fuzz] compiling $(basename "$src")"
    "$CXX" "${flags[@]}" -MMD -MF "$obj.d" -c "$src" -o "$obj"
done
echo "[fuzz] linking $out/api_fuzz"
"$CXX" -fsanitize=fuzzer,address,undefined "${objects[@]}" \
    -o "$out/api_fuzz"

echo "[fuzz] fuzzing for $seconds s (seeds: tests/fuzz/corpus/api)"
cd "$out"
stamp=$out/artifacts/.run-start
touch "$stamp"
# Slow inputs are findings (-timeout); so is memory past 2 GiB. Every
# finding exits 1 (libFuzzer's own default, 77, means "skipped" to ctest).
rc=0
./api_fuzz -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=2048 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -dict="$root/tests/fuzz/api.dict" -artifact_prefix="$out/artifacts/" \
    -print_final_stats=1 "$out/corpus" "$root/tests/fuzz/corpus/api" || rc=$?
[ "$rc" -eq 0 ] && exit 0

# Parsing is deterministic, so a slow input is slow again. On a machine whose
# processes can be stopped for minutes (a shared host), the timeout also
# fires when the whole process stood still: when the only finding is a
# timeout and that input replays well within the limit, say so and pass.
new_findings=$(find "$out/artifacts" -newer "$stamp" -type f)
if [ -n "$new_findings" ] && ! echo "$new_findings" | grep -qv '/timeout-'; then
    for unit in $new_findings; do
        if ! ./api_fuzz -timeout=5 -runs=3 "$unit" >/dev/null 2>&1; then
            echo "[fuzz] $unit is slow again on replay: a real finding"
            exit 1
        fi
    done
    echo "[fuzz] warning: timeout not reproducible (the process was stalled, not the input): $new_findings"
    exit 0
fi
exit "$rc"
