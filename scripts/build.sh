#!/usr/bin/env bash
# Configures and builds scxx into ${SCXX_BUILD_DIR:-build} (after setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${SCXX_BUILD_DIR:-build}
echo "[build] configuring $BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${SCXX_BUILD_TYPE:-RelWithDebInfo} >/dev/null
echo "[build] building"
cmake --build "$BUILD" -j "$(nproc)"
