#!/usr/bin/env bash
# No task is stranded by full storage, and a storm of runnable threads does
# not get scxx unloaded. scxx runs with a small policy capacity
# (--max-queued 64) while an unprivileged user starts THREADS threads that
# all spin for SECONDS, plus a fork storm. Fails on any state but
# enabled/scxx while it lasts, on a thread that never ran (spin_threads
# checks), on an unclean exit, and unless the policy really overflowed
# (overflow > 0: those tasks were placed by the agent loop).
# Usage (inside the VM): thread_storm.sh PATH/TO/scxx PATH/TO/spin_threads [THREADS] [SECONDS]
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx spin_threads [threads] [seconds]}
SPIN=${2:?usage: $0 scxx spin_threads [threads] [seconds]}
THREADS=${3:-3000}
SECS=${4:-10}
LOG=$(mktemp)
OUT=$(mktemp)
chmod 666 "$OUT"
field() { grep "$1" "$LOG" | tail -n 1 | grep -oE "(^| )$2=[0-9]+" | cut -d= -f2; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

"$BIN" run --max-queued 64 --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
as_nobody "$SPIN" "$THREADS" "$SECS" >"$OUT" 2>&1 &
spin=$!
as_nobody sh -c "end=\$((\$(date +%s) + $SECS)); i=0
    while [ \$(date +%s) -lt \$end ]; do (:) & i=\$((i + 1)); [ \$((i % 64)) -eq 0 ] && wait; done; wait; echo forks=\$i" >>"$OUT" 2>&1 &
forks=$!
log "$THREADS spinning threads and a fork storm for ${SECS} s, as user nobody, policy capacity 64"
while kill -0 "$spin" 2>/dev/null || kill -0 "$forks" 2>/dev/null; do
    [ "$(sched_state)" = enabled ] && [ "$(sched_ops)" = scxx ] ||
        { cat "$LOG" "$OUT"; fail "state '$(sched_state)' ops '$(sched_ops)' during the storm"; }
    sleep 0.5
done
wait "$spin" || { cat "$OUT"; fail "not every spinning thread ran"; }
wait "$forks" || { cat "$OUT"; fail "the fork storm failed"; }
cat "$OUT"
kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }
grep -q 'exit kind=unregistered(64)' "$LOG" || { cat "$LOG"; fail "no clean exit: the scheduler was unloaded"; }
overflow=$(field 'totals:' overflow)
max_wait=$(grep -oE 'longest [0-9]+ ms' "$LOG" | tail -n 1)
[ "${overflow:-0}" -gt 0 ] || { cat "$LOG"; fail "overflow=$overflow: the storm never exceeded the policy's capacity"; }
log "PASS: attached through the storm, every thread ran, overflow=$overflow (placed by the agent loop), $max_wait"
