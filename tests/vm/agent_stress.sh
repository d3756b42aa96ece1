#!/usr/bin/env bash
# Every task scheduled through the user-space agent while stress-ng (cpu,
# fork, switch) and hackbench run for at least 60 s: the scheduler stays
# attached (no watchdog exit), user dispatches happen, and the agent's page
# faults do not grow after warm-up.
# Usage (inside the VM): agent_stress.sh PATH/TO/scxx [POLICY|kernel] [SECONDS]
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx [policy] [seconds]}
POLICY=${2:-fifo}
SECS=${3:-60}
require_tool stress-ng
require_tool hackbench
LOG=$(mktemp)
N=$(nproc)

if [ "$POLICY" = kernel ]; then
    MODE_ARGS=(--kernel-mode)
else
    MODE_ARGS=(--policy "$POLICY")
fi
"$BIN" run "${MODE_ARGS[@]}" --stats 1 --forbid-mmap >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
sleep 3 # warm-up: first tasks seen, pools touched
warm=$(grep -o 'pf_minor=[0-9]* pf_major=[0-9]*' "$LOG" | tail -1)
[ -n "$warm" ] || { cat "$LOG"; fail "no stats line after warm-up"; }
log "warm-up page faults: $warm"

log "stress-ng --cpu $N --fork $N --switch $N for ${SECS}s, hackbench in a loop"
stress-ng --cpu "$N" --fork "$N" --switch "$N" --timeout "${SECS}s" --quiet &
stress=$!
end=$((SECONDS + SECS))
rounds=0
while [ $SECONDS -lt $end ]; do
    hackbench -g 2 -l 100 >/dev/null || fail "hackbench failed under scxx"
    rounds=$((rounds + 1))
done
wait "$stress" || fail "stress-ng failed under scxx"
log "hackbench rounds: $rounds"

kill -0 "$pid" 2>/dev/null || { cat "$LOG"; fail "agent died during the stress run"; }
[ "$(sched_state)" = enabled ] || { cat "$LOG"; fail "state '$(sched_state)' after stress: scheduler was removed"; }
[ "$(sched_ops)" = scxx ] || fail "ops '$(sched_ops)' after stress"
sleep 1.5 # one more stats line
last=$(grep '^\[scxx\] t=' "$LOG" | tail -1)
log "last stats: $last"
user=$(echo "$last" | grep -o ' user=[0-9]*' | cut -d= -f2)
kernel=$(echo "$last" | grep -o ' kernel=[0-9]*' | cut -d= -f2)
if [ "$POLICY" = kernel ]; then
    [ "${kernel:-0}" -gt 1000 ] || fail "kernel mode placed only ${kernel:-0} tasks"
    [ "${user:-1}" -eq 0 ] || fail "kernel mode sent $user tasks through user space"
else
    [ "${user:-0}" -gt 0 ] || fail "no user-space dispatches"
fi
end_pf=$(echo "$last" | grep -o 'pf_minor=[0-9]* pf_major=[0-9]*')
[ "$end_pf" = "$warm" ] || fail "agent page faults grew after warm-up: $warm -> $end_pf"

kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "agent exited with an error"; }
grep -q 'exit kind=unregistered(64)' "$LOG" || { cat "$LOG"; fail "exit reason not read back"; }
wait_state disabled 10 || fail "not disabled after stop"
tail -3 "$LOG"
log "PASS: $POLICY ${SECS}s under stress, user dispatches=$user kernel=$kernel, page faults flat ($end_pf)"
