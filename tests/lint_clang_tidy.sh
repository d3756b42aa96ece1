#!/usr/bin/env bash
# clang-tidy over every source, one process per CPU: one process for all of
# them outgrew its time budget once the simulator came in.
# Usage: lint_clang_tidy.sh CLANG_TIDY BUILD_DIR SOURCE...
set -uo pipefail
tidy=${1:?usage: $0 clang-tidy build-dir source...}
build=${2:?usage: $0 clang-tidy build-dir source...}
shift 2
printf '%s\n' "$@" | xargs -P "$(nproc)" -n 4 "$tidy" -p "$build" --quiet
