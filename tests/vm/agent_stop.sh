#!/usr/bin/env bash
# A stalled agent degrades, it does not stall the machine: SIGSTOP the agent
# for 10 s under hackbench. The kernel's watchdog would unload a scheduler
# whose tasks wait 5 s; BPF must notice the stall (agent_timeout, 500 ms),
# place every task itself, take back the ones the agent held, and hand
# control back after SIGCONT. Fails on any state but enabled/scxx during or
# after the stop, on a hackbench run that fails, and unless the counters show
# the take-over (agent_stalls, fallback) and the agent deciding again after.
# Usage (inside the VM): agent_stop.sh PATH/TO/scxx [extra scxx run args]
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx [args]}
shift
STOP_SECS=${STOP_SECS:-10}
require_tool hackbench
LOG=$(mktemp)
field() { grep "$1" "$LOG" | tail -n 1 | grep -oE "(^| )$2=[0-9]+" | cut -d= -f2; }

"$BIN" run --stats 1 "$@" >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
# hackbench back to back until the stop is long over.
(
    end=$((SECONDS + STOP_SECS + 8))
    while [ "$SECONDS" -lt "$end" ]; do
        hackbench -g 4 -l 50 >/dev/null || exit 1
    done
) &
load=$!
sleep 2
kill -STOP "$pid"
log "agent stopped (SIGSTOP) for ${STOP_SECS} s under hackbench"
t0=$SECONDS
probe_max=0
probes=""
while [ $((SECONDS - t0)) -lt "$STOP_SECS" ]; do
    [ "$(sched_state)" = enabled ] && [ "$(sched_ops)" = scxx ] ||
        { kill -CONT "$pid"; cat "$LOG"; fail "state '$(sched_state)' ops '$(sched_ops)' $((SECONDS - t0)) s into the stop"; }
    # A fresh process still runs while the agent is stopped.
    t1=$(date +%s%N)
    timeout 5 sh -c true || {
        kill -CONT "$pid"
        sleep 2
        grep '^\[scxx\] t=' "$LOG" | tail -n 6
        fail "no new process ran within 5 s, $((SECONDS - t0)) s into the stop (started $(( ($(date +%s%N) - t1) / 1000000 )) ms ago)"
    }
    ms=$(( ($(date +%s%N) - t1) / 1000000 ))
    [ "$ms" -le "$probe_max" ] || probe_max=$ms
    probes="$probes $((SECONDS - t0))s:${ms}ms"
    sleep 0.5
done
kill -CONT "$pid"
log "agent continued (SIGCONT)"
wait "$load" || { cat "$LOG"; fail "hackbench failed during or after the stop"; }
sleep 3 # the agent decides again: user= grows
[ "$(sched_state)" = enabled ] && [ "$(sched_ops)" = scxx ] || { cat "$LOG"; fail "state '$(sched_state)' after SIGCONT"; }
u1=$(field '^\[scxx\] t=' user)
hackbench -g 2 -l 20 >/dev/null || fail "hackbench after SIGCONT failed"
sleep 1.5
u2=$(field '^\[scxx\] t=' user)
kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }
grep -q 'exit kind=unregistered(64)' "$LOG" || { cat "$LOG"; fail "no clean exit: the scheduler was unloaded"; }
stalls=$(field 'totals:' agent_stalls)
fallback=$(field 'totals:' fallback)
cancelled=$(field 'totals:' cancelled)
[ "${stalls:-0}" -ge 1 ] || { cat "$LOG"; fail "agent_stalls=$stalls: BPF never took over"; }
[ "${fallback:-0}" -ge 1 ] || { cat "$LOG"; fail "fallback=$fallback: BPF placed no task itself"; }
[ "${u2:-0}" -gt "${u1:-0}" ] || { cat "$LOG"; fail "the agent made no decision after SIGCONT (user $u1 -> $u2)"; }
log "new processes during the stop (time into the stop: how long it took):$probes"
log "PASS: stayed attached through a ${STOP_SECS} s SIGSTOP (agent_stalls=$stalls fallback=$fallback cancelled=$cancelled; a new process ran within ${probe_max} ms at worst), agent deciding again after (user $u1 -> $u2)"
