#!/usr/bin/env bash
# No task is stranded by full storage, and a storm of runnable threads does
# not get scxx unloaded. scxx runs with a small policy capacity
# (--max-queued 16) while an unprivileged user starts THREADS threads that
# all spin for SECONDS, plus a fork storm. Fails on any state but
# enabled/scxx while it lasts, on a thread that never ran (spin_threads
# checks), on an unclean exit, and unless the policy really overflowed
# (overflow > 0: those tasks were placed by the agent loop).
# The agent keeps up with the storm on its own (a few tasks per read), so
# 3 s in it is paused for PAUSE_SECS (SIGSTOP, shorter than the agent
# timeout, so BPF does not take over): the slices that end meanwhile pile
# up in the ring, and the agent's first read after SIGCONT holds more tasks
# than the policy's storage.
# Usage (inside the VM): thread_storm.sh PATH/TO/scxx PATH/TO/spin_threads [THREADS] [SECONDS]
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx spin_threads [threads] [seconds]}
SPIN=${2:?usage: $0 scxx spin_threads [threads] [seconds]}
THREADS=${3:-3000}
SECS=${4:-10}
PAUSE_SECS=${PAUSE_SECS:-2}
LOG=$(mktemp)
OUT=$(mktemp)
chmod 666 "$OUT"
field() { grep "$1" "$LOG" | tail -n 1 | grep -oE "(^| )$2=[0-9]+" | cut -d= -f2; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

"$BIN" run --max-queued 16 --agent-timeout-ms 3000 --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
as_nobody "$SPIN" "$THREADS" "$SECS" >"$OUT" 2>&1 &
spin=$!
as_nobody sh -c "end=\$((\$(date +%s) + $SECS)); i=0
    while [ \$(date +%s) -lt \$end ]; do (:) & i=\$((i + 1)); [ \$((i % 64)) -eq 0 ] && wait; done; wait; echo forks=\$i" >>"$OUT" 2>&1 &
forks=$!
log "$THREADS spinning threads and a fork storm for ${SECS} s, as user nobody, policy capacity 16"
check_state() {
    [ "$(sched_state)" = enabled ] && [ "$(sched_ops)" = scxx ] ||
        { kill -CONT "$pid"; cat "$LOG" "$OUT"; fail "state '$(sched_state)' ops '$(sched_ops)' $1"; }
}
# The pause runs in the real-time class, which sched_ext does not schedule:
# with the agent stopped, nothing scxx schedules would get to send SIGCONT.
PAUSE=$(mktemp)
chrt -f 10 bash -c "sleep 3; kill -STOP $pid; t=0
    while [ \$t -lt $((PAUSE_SECS * 2)) ]; do
        echo \"\$(cat $SCX/state) \$(cat $SCX/root/ops)\"; sleep 0.5; t=\$((t + 1))
    done; kill -CONT $pid" >"$PAUSE" 2>&1 &
pauser=$!
while kill -0 "$spin" 2>/dev/null || kill -0 "$forks" 2>/dev/null; do
    check_state "during the storm"
    sleep 0.5
done
wait "$pauser" || { kill -CONT "$pid"; cat "$PAUSE"; fail "the pause did not run"; }
[ "$(grep -c '^enabled scxx$' "$PAUSE")" -eq $((PAUSE_SECS * 2)) ] ||
    { cat "$PAUSE"; fail "state was not enabled/scxx throughout the pause"; }
log "agent paused for ${PAUSE_SECS} s in the storm, state enabled/scxx throughout"
wait "$spin" || { cat "$OUT"; fail "not every spinning thread ran"; }
wait "$forks" || { cat "$OUT"; fail "the fork storm failed"; }
cat "$OUT"
kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }
grep -q 'exit kind=unregistered(64)' "$LOG" || { cat "$LOG"; fail "no clean exit: the scheduler was unloaded"; }
stalls=$(field 'totals:' agent_stalls)
[ "${stalls:-0}" -eq 0 ] || { cat "$LOG"; fail "agent_stalls=$stalls: the pause was taken for a stall, BPF placed the backlog"; }
overflow=$(field 'totals:' overflow)
max_wait=$(grep -oE 'longest [0-9]+ ms' "$LOG" | tail -n 1)
[ "${overflow:-0}" -gt 0 ] || { cat "$LOG"; fail "overflow=$overflow: the storm never exceeded the policy's capacity"; }
log "PASS: attached through the storm, every thread ran, overflow=$overflow (placed by the agent loop), $max_wait"
