#!/usr/bin/env bash
# Fuzzes the YAML configuration parser (tests/fuzz/config_fuzz.cpp) with
# libFuzzer for a bounded time:
#   tests/fuzz/run_config_fuzz.sh [SECONDS] [BUILD_DIR]     (default 60, build)
# The target is built with clang++-19 and ASan/UBSan into BUILD_DIR/fuzz
# (the main build uses gcc). The seeds in tests/fuzz/corpus/config are read,
# never written; new inputs go to BUILD_DIR/fuzz/corpus, a crashing input to
# BUILD_DIR/fuzz/artifacts/. Exits non-zero on any crash, sanitizer report,
# leak or input slower than 5 s; 77 when clang++-19 or its libFuzzer runtime
# (libclang-rt-19-dev) is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=$(realpath -m "${2:-$root/build}")
out=$build/fuzz
CXX=${SCXX_FUZZ_CXX:-clang++-19}

command -v "$CXX" >/dev/null || { echo "config_fuzz: $CXX not found (scripts/setup.sh)"; exit 77; }
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }' |
    "$CXX" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
    echo "config_fuzz: $CXX has no libFuzzer runtime (libclang-rt-19-dev, scripts/setup.sh)"
    exit 77
fi

# What parse_config links: the config, the strategies and the built-in
# policies (their options are config keys).
sources=("$root"/src/config/config.cpp "$root"/src/config/settings.cpp
         "$root"/src/config/settings_table.cpp
         "$root"/src/strategy/strategy.cpp "$root"/src/strategy/proc_scanner.cpp
         "$root"/src/policy/*_policy.cpp "$root"/src/policy/policy_factory.cpp
         "$root"/src/policy/policy_registry.cpp
         "$root"/tests/fuzz/config_fuzz.cpp)
mkdir -p "$out/generated/config" "$out/obj" "$out/corpus" "$out/artifacts"

# The example file compiled in, as src/config/CMakeLists.txt generates it.
python3 - "$root/src/config/example_yaml.h.in" "$root/src/config/example.yaml" \
    "$out/generated/config/example_yaml.h.new" <<'PY'
import sys
template, example, dest = sys.argv[1:]
text = open(template).read().replace("@SCXX_EXAMPLE_YAML@", open(example).read())
open(dest, "w").write(text)
PY
if cmp -s "$out/generated/config/example_yaml.h.new" "$out/generated/config/example_yaml.h"; then
    rm "$out/generated/config/example_yaml.h.new"
else
    mv "$out/generated/config/example_yaml.h.new" "$out/generated/config/example_yaml.h"
fi

flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
       -I"$root/src" -I"$root/bpf" -I"$root/tests/fuzz" -isystem "$out/generated")
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
echo "[fuzz] linking $out/config_fuzz"
"$CXX" -fsanitize=fuzzer,address,undefined "${objects[@]}" \
    $(pkg-config --libs yaml-cpp) -o "$out/config_fuzz"

echo "[fuzz] fuzzing for $seconds s (seeds: tests/fuzz/corpus/config)"
cd "$out"
stamp=$out/artifacts/.run-start
touch "$stamp"
# Slow inputs are findings (-timeout); so is memory past 2 GiB. Every
# finding exits 1 (libFuzzer's own default, 77, means "skipped" to ctest).
rc=0
./config_fuzz -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=4096 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -dict="$root/tests/fuzz/config.dict" -artifact_prefix="$out/artifacts/" \
    -print_final_stats=1 "$out/corpus" "$root/tests/fuzz/corpus/config" || rc=$?
[ "$rc" -eq 0 ] && exit 0

# Parsing is deterministic, so a slow input is slow again. On a machine whose
# processes can be stopped for minutes (a shared host), the timeout also
# fires when the whole process stood still: when the only finding is a
# timeout and that input replays well within the limit, say so and pass.
new_findings=$(find "$out/artifacts" -newer "$stamp" -type f)
if [ -n "$new_findings" ] && ! echo "$new_findings" | grep -qv '/timeout-'; then
    for unit in $new_findings; do
        if ! ./config_fuzz -timeout=5 -runs=3 "$unit" >/dev/null 2>&1; then
            echo "[fuzz] $unit is slow again on replay: a real finding"
            exit 1
        fi
    done
    echo "[fuzz] warning: timeout not reproducible (the process was stalled, not the input): $new_findings"
    exit 0
fi
exit "$rc"
