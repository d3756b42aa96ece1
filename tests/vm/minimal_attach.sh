#!/usr/bin/env bash
# The minimal scheduler attaches to a real sched_ext kernel, schedules
# hackbench, detaches on SIGINT and reports why it stopped.
# While it is attached, scxx must refuse to start with a clear reason.
# Usage (inside the VM): minimal_attach.sh PATH/TO/scxx-minimal PATH/TO/scxx
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx-minimal scxx}
SCXX=${2:?usage: $0 scxx-minimal scxx}
require_tool hackbench
LOG=$(mktemp)

# Negative control: the attach check must reject a loader that never
# attaches (here: an option value the loader refuses). Run it in a subshell so
# its failure does not end this script.
if (
    ATTACH_WAIT=3
    "$BIN" --slice-us 1 >/dev/null 2>&1 &
    expect_attached scxx_minimal
) 2>/dev/null; then
    fail "attach check passed without any scheduler attached"
fi
log "negative control: attach check rejects a missing scheduler"

[ "$(sched_state)" = disabled ] || fail "state is '$(sched_state)' before start"
"$BIN" >"$LOG" 2>&1 &
pid=$!
expect_attached scxx_minimal

out=$("$SCXX" run --duration 1 2>&1) && fail "scxx started while scxx_minimal was attached"
echo "$out" | grep -q 'already attached.*scxx_minimal' ||
    fail "scxx's refusal does not name the attached scheduler: $out"
log "scxx refused to start: $out"

log "hackbench under scxx_minimal"
hackbench -g 4 -l 300 -P || fail "hackbench failed under scxx_minimal"
kill -0 "$pid" 2>/dev/null || { cat "$LOG"; fail "scheduler exited during hackbench"; }
[ "$(sched_state)" = enabled ] || fail "state is '$(sched_state)' after hackbench"
enq=$(grep -o 'enqueued=[0-9]*' "$LOG" | tail -1 | cut -d= -f2)
[ "${enq:-0}" -gt 0 ] || { cat "$LOG"; fail "no task was enqueued through the scheduler"; }

kill -INT "$pid"
wait "$pid"; rc=$?
cat "$LOG"
[ "$rc" = 0 ] || fail "scxx-minimal exited with $rc after SIGINT"
wait_state disabled 10 || fail "state is '$(sched_state)' 10 s after detach"
grep -q 'exit kind=unregistered(64)' "$LOG" || fail "exit reason was not read back"
log "PASS: attached, scheduled hackbench ($enq enqueues), detached, exit reason read"
