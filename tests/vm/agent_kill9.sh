#!/usr/bin/env bash
# kill -9 of the agent: the kernel falls back to its default scheduler, the
# system stays responsive, and a new agent can attach afterwards.
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
LOG=$(mktemp)

# Bring the probe's binaries into the page cache first: the check is about
# scheduling, not about reading them over 9p under load.
timeout 5 sh -c true || fail "timeout/sh do not work"
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
# The bound is the sched_ext watchdog's 5 s plus room for an emulated
# machine that also runs the load: a scheduler left stuck would exceed it.
timeout 10 sh -c 'echo alive >/dev/null' || fail "no new process ran within 10 s after agent death"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "a new process ran in ${ms} ms under load after the agent died"

"$BIN" run --stats 1 >"$LOG.2" 2>&1 &
pid2=$!
expect_attached scxx
sleep 2
kill -TERM "$pid2" # SIGTERM detaches as cleanly as SIGINT
wait "$pid2" || { cat "$LOG.2"; fail "second agent failed"; }
grep -q 'exit kind=unregistered(64)' "$LOG.2" || { cat "$LOG.2"; fail "no clean exit on SIGTERM"; }
kill "$stress" 2>/dev/null; wait "$stress" 2>/dev/null
wait_state disabled 10 || fail "not disabled after the second agent stopped"
log "PASS: fallback after SIGKILL, responsive, re-attach worked"
