#!/usr/bin/env bash
# Fuzzes the YAML configuration parser (tests/fuzz/config_fuzz.cpp) with
# libFuzzer for a bounded time:
#   tests/fuzz/run_config_fuzz.sh [SECONDS] [BUILD_DIR]     (default 30, build)
# The target is built with clang++-19 and ASan/UBSan into BUILD_DIR/fuzz
# (the main build uses gcc). The seeds in tests/fuzz/corpus/config are read,
# never written; new inputs go to BUILD_DIR/fuzz/corpus, a crashing input to
# BUILD_DIR/fuzz/artifacts/. Exits non-zero on any crash, sanitizer report,
# leak or input slower than 5 s; 77 when clang++-19 or its libFuzzer runtime
# (libclang-rt-19-dev) is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
build=$(realpath -m "${2:-$root/build}")
NAME=config_fuzz
OUT=$build/fuzz
EXTRA_FLAGS=(-isystem "$OUT/generated")
read -r -a LIBS <<<"$(pkg-config --libs yaml-cpp)"
. "$root/tests/fuzz/fuzz_lib.sh"
fuzz_require_clang

# What parse_config links: the config, the strategies and the built-in
# policies (their options are config keys).
SOURCES=("$root"/src/config/config.cpp "$root"/src/config/settings.cpp
         "$root"/src/config/settings_table.cpp
         "$root"/src/strategy/strategy.cpp "$root"/src/strategy/proc_scanner.cpp
         "$root"/src/policy/*_policy.cpp "$root"/src/policy/policy_factory.cpp
         "$root"/src/policy/policy_registry.cpp
         "$root"/tests/fuzz/config_fuzz.cpp)
mkdir -p "$OUT/generated/config"
# The example file compiled in, as src/config/CMakeLists.txt generates it.
python3 - "$root/src/config/example_yaml.h.in" "$root/src/config/example.yaml" \
    "$OUT/generated/config/example_yaml.h.new" <<'PY'
import sys
template, example, dest = sys.argv[1:]
text = open(template).read().replace("@SCXX_EXAMPLE_YAML@", open(example).read())
open(dest, "w").write(text)
PY
if cmp -s "$OUT/generated/config/example_yaml.h.new" "$OUT/generated/config/example_yaml.h"; then
    rm "$OUT/generated/config/example_yaml.h.new"
else
    mv "$OUT/generated/config/example_yaml.h.new" "$OUT/generated/config/example_yaml.h"
fi
fuzz_build
fuzz_run "$seconds" 4096 config.dict config
