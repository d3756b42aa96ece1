#!/usr/bin/env bash
# kill -9 of the agent: the kernel falls back to its default scheduler, the
# system stays responsive, and a new agent can attach afterwards.
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
LOG=$(mktemp)

"$BIN" run --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
stress-ng --cpu "$(nproc)" --timeout 20s --quiet &
stress=$!
sleep 2
kill -9 "$pid"
log "agent killed with SIGKILL"
wait_state disabled 10 || fail "state '$(sched_state)' 10 s after SIGKILL: kernel did not fall back"
# Responsive: a fresh process gets to run promptly under full CPU load.
t0=$(date +%s%N)
timeout 5 sh -c 'echo alive >/dev/null' || fail "system not responsive after agent death"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "a new process ran in ${ms} ms under load after the agent died"
[ "$ms" -lt 5000 ] || fail "took ${ms} ms"

"$BIN" run --stats 1 >"$LOG.2" 2>&1 &
pid2=$!
expect_attached scxx
sleep 2
kill -INT "$pid2"
wait "$pid2" || { cat "$LOG.2"; fail "second agent failed"; }
kill "$stress" 2>/dev/null; wait "$stress" 2>/dev/null
wait_state disabled 10 || fail "not disabled after the second agent stopped"
log "PASS: fallback after SIGKILL, responsive, re-attach worked"
