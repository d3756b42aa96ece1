#!/usr/bin/env bash
# Runs inside the VM (see scripts/demo.sh): scxx with live stats while a demo
# workload runs, then a clean stop.
set -euo pipefail
BIN=$1 SECS=$2 POLICY=$3
echo "[demo] kernel $(uname -r), $(nproc) CPUs, sched_ext state: $(cat /sys/kernel/sched_ext/state)"
"$BIN" run --policy "$POLICY" --stats 1 &
pid=$!
for _ in $(seq 100); do
    [ "$(cat /sys/kernel/sched_ext/state)" = enabled ] && break
    sleep 0.1
done
echo "[demo] sched_ext state: $(cat /sys/kernel/sched_ext/state), ops: $(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
stress-ng --cpu "$(nproc)" --switch 1 --timeout "${SECS}s" --quiet &
end=$((SECONDS + SECS))
while [ $SECONDS -lt $end ]; do
    hackbench -g 2 -l 200 | sed 's/^/[hackbench] /' | grep -i time || true
done
wait %2 2>/dev/null || true
kill -INT "$pid"
wait "$pid"
echo "[demo] sched_ext state after stop: $(cat /sys/kernel/sched_ext/state)"
