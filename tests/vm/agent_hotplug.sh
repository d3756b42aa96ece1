#!/usr/bin/env bash
# A CPU taken offline and back online: the kernel asks the scheduler to
# restart, the agent reloads itself and stays attached.
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
LOG=$(mktemp)
CPU=/sys/devices/system/cpu/cpu1/online
[ -w "$CPU" ] || skip "cpu1 cannot be taken offline here (needs >= 2 CPUs)"

# --forbid-mmap: the reload must work under the seccomp filter too.
"$BIN" run --stats 1 --forbid-mmap >"$LOG" 2>&1 &
pid=$!
expect_attached scxx

restarts() { grep -c 'reloading' "$LOG" || true; }
for state in 0 1; do
    before=$(restarts)
    echo "$state" >"$CPU" || fail "could not write $state to $CPU"
    log "cpu1 online=$state"
    for _ in $(seq 100); do
        [ "$(restarts)" -gt "$before" ] && [ "$(sched_state)" = enabled ] && break
        sleep 0.1
    done
    [ "$(restarts)" -gt "$before" ] || { cat "$LOG"; fail "agent did not restart after cpu1 online=$state"; }
    expect_attached scxx
    kill -0 "$pid" || fail "agent process exited"
done
hackbench -g 2 -l 50 >/dev/null || fail "hackbench failed after restarts"
kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "agent exited with an error"; }
grep 'exit\|reloading' "$LOG"
log "PASS: restarted after offline and online, $(restarts) reloads"
