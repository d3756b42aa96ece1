#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: set up, build, run the
# unit, host-bpf and vm tiers. Extra arguments go to ctest, e.g.
#   scripts/test.sh -L unit          only one tier
#   scripts/test.sh -R minimal       tests matching a name
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh
scripts/build.sh
BUILD=${SCXX_BUILD_DIR:-build}
export SCXX_VM_LOG=${SCXX_VM_LOG:-$PWD/$BUILD/vm-boots.log}
echo "[test] ctest (VM boots logged to $SCXX_VM_LOG)"
rc=0
ctest --test-dir "$BUILD" --output-on-failure --no-tests=error "$@" || rc=$?
if [ -f "$SCXX_VM_LOG" ]; then
    echo "[test] VM boots this run: $(wc -l <"$SCXX_VM_LOG") invocations, see $SCXX_VM_LOG"
fi
echo "[test] wall time $(( $(date +%s) - start )) s"
exit $rc
