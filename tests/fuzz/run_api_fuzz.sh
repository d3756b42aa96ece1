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
NAME=api_fuzz
OUT=$build/fuzz-api
EXTRA_FLAGS=()
LIBS=()
. "$root/tests/fuzz/fuzz_lib.sh"
fuzz_require_clang

# The request codecs, what they validate against (the settings table, the
# strategies, the built-in policies) and the target.
SOURCES=("$root"/src/control/api_codec.cpp "$root"/src/control/pod_cgroup.cpp
         "$root"/src/control/runtime_settings.cpp
         "$root"/src/control/stored_strategy.cpp "$root"/src/control/gthulhu_priority.cpp
         "$root"/src/config/settings.cpp "$root"/src/config/settings_table.cpp
         "$root"/src/strategy/strategy.cpp "$root"/src/strategy/proc_scanner.cpp
         "$root"/src/policy/*_policy.cpp "$root"/src/policy/policy_factory.cpp
         "$root"/src/policy/policy_registry.cpp
         "$root"/tests/fuzz/api_fuzz.cpp)
fuzz_build
fuzz_run "$seconds" 2048 api.dict api
