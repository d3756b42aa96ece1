#!/usr/bin/env bash
# The main job: set up, build, then boot the sched_ext kernel in a VM and run
# the scxx scheduler there under a demo workload, with live statistics.
#   scripts/demo.sh [SECONDS] [POLICY]      (defaults: 30 s, gthulhu;
#                                            POLICY: fifo|vtime|gthulhu|kernel)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-30}
POLICY=${2:-gthulhu}
scripts/setup.sh
scripts/build.sh
BUILD=${SCXX_BUILD_DIR:-build}
echo "[demo] booting the VM: scxx ($POLICY policy) under hackbench + stress-ng for ${SECS}s"
exec tools/vm/scxx-vm --timeout $((SECS + 120)) -- scripts/vm-demo.sh "$PWD/$BUILD/src/daemon/scxx" "$SECS" "$POLICY"
