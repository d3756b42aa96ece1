#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine: set up, build, run the
# unit, host-bpf and vm tiers. Extra arguments go to ctest, e.g.
#   scripts/test.sh -L unit          only one tier
#   scripts/test.sh -R minimal       tests matching a name
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# The kernels the suite's smoke tests boot besides the default one.
mapfile -t smoke < <(awk '!/^#/ && / smoke/ {print "--kernel"; print $1}' scripts/lib/kernels.txt)
scripts/setup.sh "${smoke[@]}"
scripts/build.sh
BUILD=${SCXX_BUILD_DIR:-build}
export SCXX_VM_LOG=${SCXX_VM_LOG:-$PWD/$BUILD/vm-boots.log}
echo "[test] ctest (VM boots logged to $SCXX_VM_LOG)"
rc=0
ctest --test-dir "$BUILD" --output-on-failure --no-tests=error "$@" || rc=$?
if [ -f "$SCXX_VM_LOG" ]; then
    # Boots that never reached their test were retried by the harness: count
    # them, never hide them.
    awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
           n++; boots += f["boots"]; if (f["boots"] > 1) retried += f["boots"] - 1
           out[f["outcome"]]++; acc[f["accel"]]++ }
         END { printf "[test] VM: %d runs, %d boots (%d retried after a boot failure);", n, boots, retried
               for (o in out) printf " %s=%d", o, out[o]
               printf "; accel"; for (a in acc) printf " %s=%d", a, acc[a]; print "" }' "$SCXX_VM_LOG"
    echo "[test] VM log: $SCXX_VM_LOG"
fi
echo "[test] wall time $(( $(date +%s) - start )) s"
exit $rc
