#!/usr/bin/env bash
# `scxx monitor` reads a live scxx: one line per interval with the counters.
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
LOG=$(mktemp)
OUT=$(mktemp)

"$BIN" monitor -n 1 >/dev/null 2>&1 && fail "monitor succeeded with no scxx running"
"$BIN" run --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
# Idle: the agent sleeps on the ring instead of spinning.
"$BIN" monitor -n 2 >"$OUT.idle" 2>&1 || { cat "$OUT.idle"; fail "monitor failed"; }
cat "$OUT.idle"
idle_cpu=$(grep -o 'agent_cpu=[0-9.]*' "$OUT.idle" | tail -1 | cut -d= -f2)
awk -v c="$idle_cpu" 'BEGIN{exit !(c < 10)}' || fail "idle agent used ${idle_cpu}% of a CPU: spinning?"
(hackbench -g 2 -l 300 >/dev/null &)
"$BIN" monitor -n 3 >"$OUT" 2>&1 || { cat "$OUT"; fail "monitor failed"; }
cat "$OUT"
lines=$(grep -c '^queued=' "$OUT")
[ "$lines" = 3 ] || fail "expected 3 stat lines, got $lines"
busy=$(grep -o '^queued=[0-9]*' "$OUT" | cut -d= -f2 | sort -n | tail -1)
[ "$busy" -gt 0 ] || fail "monitor saw no queued tasks during hackbench"
grep -q 'pf_minor=[0-9]* pf_major=[0-9]' "$OUT" || fail "no agent page faults reported"
grep -q 'agent_cpu=' "$OUT" || fail "no agent CPU share reported"
# One formatter: the monitor shows exactly the keys of `run --stats`.
keys() { grep -o '[a-z_]*=' | tr -d = | tr '\n' ' '; }
run_keys=$(grep '^\[scxx\] t=' "$LOG" | tail -1 | sed 's/^\[scxx\] t=[0-9]*s //' | keys)
mon_keys=$(grep '^queued=' "$OUT" | tail -1 | keys)
[ -n "$run_keys" ] && [ "$run_keys" = "$mon_keys" ] ||
    fail "run --stats and monitor differ: run [$run_keys] monitor [$mon_keys]"
kill -INT "$pid"; wait "$pid" || fail "scxx exited with an error"
grep -q '^\[scxx\] totals: queued=' "$LOG" || fail "no totals line at exit"
log "PASS: monitor printed 3 live lines (max queued/interval $busy)"
