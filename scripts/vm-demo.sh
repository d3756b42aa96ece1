#!/usr/bin/env bash
# Runs inside the VM (see scripts/demo.sh): scxx with the given policy while
# a demo workload runs, its live state shown by `scxx monitor`, then a clean
# stop with the exit reason and totals.
set -euo pipefail
. "$(dirname "$0")/lib/scxx-guest.sh"
BIN=$1 SECS=$2 POLICY=$3
LOG=$(mktemp)
echo "[demo] kernel $(uname -r), $(nproc) CPUs, sched_ext state: $(cat /sys/kernel/sched_ext/state)"
if [ "$POLICY" = kernel ]; then
    scxx_start "$LOG" --kernel-mode || true # the state line below says
else
    scxx_start "$LOG" --policy "$POLICY" || true
fi
cat "$LOG"
echo "[demo] sched_ext state: $(cat /sys/kernel/sched_ext/state), ops: $(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
echo "[demo] workload: stress-ng --cpu $(nproc) --switch 1, hackbench in a loop, for ${SECS}s"
stress-ng --cpu "$(nproc)" --switch 1 --timeout "${SECS}s" --quiet &
stress=$!
(
    end=$((SECONDS + SECS))
    while [ $SECONDS -lt $end ]; do
        hackbench -g 2 -l 200 | grep -i '^time' | sed 's/^/[hackbench] /' || true
    done
) &
bench=$!
echo "[demo] scxx monitor (per second; counts are per interval):"
"$BIN" monitor --count "$SECS"
wait "$stress" "$bench" || true
scxx_stop || true
tail -n +2 "$LOG"
echo "[demo] sched_ext state after stop: $(cat /sys/kernel/sched_ext/state)"
