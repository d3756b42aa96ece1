#!/usr/bin/env bash
# Partial mode: only tasks switched to SCHED_EXT go through scxx.
# Usage (inside the VM): agent_partial.sh PATH/TO/scxx PATH/TO/scxx-ext-run
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx scxx-ext-run}
EXT=${2:?usage: $0 scxx scxx-ext-run}
LOG=$(mktemp)
queued() { grep -o ' queued=[0-9]*' "$LOG" | tail -1 | cut -d= -f2; }

"$BIN" run --partial --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
sleep 1.5
base=$(queued)
hackbench -g 2 -l 100 >/dev/null || fail "hackbench (SCHED_OTHER) failed"
sleep 1.5
after_normal=$(queued)
log "queued before=$base after a SCHED_OTHER hackbench=$after_normal"
[ $((after_normal - base)) -lt 100 ] || fail "partial mode scheduled $((after_normal - base)) non-SCHED_EXT tasks"

"$EXT" -- hackbench -g 2 -l 100 >/dev/null || fail "hackbench under SCHED_EXT failed"
sleep 1.5
after_ext=$(queued)
log "queued after a SCHED_EXT hackbench=$after_ext"
[ $((after_ext - after_normal)) -gt 500 ] || fail "only $((after_ext - after_normal)) SCHED_EXT tasks went through scxx"

kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "agent exited with an error"; }
log "PASS: SCHED_OTHER tasks bypass scxx, SCHED_EXT tasks go through it"
