#!/usr/bin/env bash
# The task_boosts map holds exactly what the strategies match: a matching
# thread gets one entry naming it by pid and start time (the /proc stat
# start, field 22), and once it exits the entry is deleted, leaving the map
# empty. A stale entry would otherwise boost whichever thread reuses the pid.
# Usage (inside the VM): strategy_cleanup.sh PATH/TO/scxx
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
require_tool bpftool
require_tool jq
WORK=$(mktemp -d)
LOG=$WORK/scxx.log
ln -s "$(command -v sleep)" "$WORK/boostme"
cat >"$WORK/scxx.yaml" <<YAML
strategies:
  - name: cleanup
    match: {comm: "^boostme\$"}
    priority: 12
YAML

boosts() { bpftool -j map dump name task_boosts; }
# wait_log PATTERN: the scxx log shows PATTERN within 10 s.
wait_log() {
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "$1" "$LOG" && return 0
        sleep 0.1
    done
    cat "$LOG"; fail "no '$1' in the scxx log within 10 s"
}

"$BIN" run --config "$WORK/scxx.yaml" >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
"$WORK/boostme" 600 &
target=$!
wait_log 'strategies: 1 threads boosted (+1 -0)'
entries=$(boosts)
log "task_boosts with the target running: $entries"
[ "$(jq length <<<"$entries")" = 1 ] || fail "expected one entry, got: $entries"
[ "$(jq '.[0].formatted.key' <<<"$entries")" = "$target" ] || fail "the entry is not for pid $target"
[ "$(jq '.[0].formatted.value.priority' <<<"$entries")" = 12 ] || fail "wrong priority: $entries"
start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$target/stat")
[ "$(jq '.[0].formatted.value.start_ticks' <<<"$entries")" = "$start" ] ||
    fail "the entry's start_ticks is not the thread's start ($start): $entries"

kill "$target"; wait "$target" 2>/dev/null
wait_log 'strategies: 0 threads boosted (+0 -1)'
entries=$(boosts)
[ "$(jq length <<<"$entries")" = 0 ] || fail "entries left after the thread exited: $entries"

kill -INT "$pid"; wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }
grep -q 'strategies: .*fail\|not boosted' "$LOG" && { cat "$LOG"; fail "scxx reported a map problem"; }
log "PASS: one entry for the matching thread, none after it exited"
