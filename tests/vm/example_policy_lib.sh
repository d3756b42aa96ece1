#!/usr/bin/env bash
# A policy built outside the tree (examples/, by tests/example_out_of_tree.sh)
# schedules the VM: scxx loads it with --policy-lib, attaches, and its
# decisions carry hackbench to the end, with its option from the config file.
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx policy-lib}
LIB=${2:?usage: $0 scxx policy-lib}
LOG=$(mktemp)
[ -f "$LIB" ] || fail "$LIB missing: the example.out_of_tree test builds it"

printf 'policies:\n  shortest-first:\n    runtime_cap_ms: 5\n' >/tmp/example.yaml
"$BIN" run --policy-lib "$LIB" --policy shortest-first -c /tmp/example.yaml --stats 1 >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
grep -q 'policy=shortest-first' "$LOG" || { cat "$LOG"; fail "not running the library's policy"; }
# The policy opts out of the fast path (allows_fast_path() is false) and the
# default `--fast-path policy` follows it.
grep -q 'fast_path=off' "$LOG" || { cat "$LOG"; fail "the policy opted out, yet the fast path is on"; }
require_tool hackbench
timeout 120 hackbench -g 2 -l 200 >/dev/null || { cat "$LOG"; fail "hackbench did not finish under the library's policy"; }
sleep 1.5 # one more stats line
[ "$(sched_state)" = enabled ] || { cat "$LOG"; fail "state '$(sched_state)' after hackbench"; }
kill -INT "$pid"; wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }
user=$(grep '^\[scxx\] totals:' "$LOG" | grep -o ' user=[0-9]*' | cut -d= -f2)
[ "${user:-0}" -gt 1000 ] || { cat "$LOG"; fail "the policy decided for only ${user:-0} tasks"; }
# It sees every task: BPF placed none by the fast path.
fast=$(grep '^\[scxx\] totals:' "$LOG" | grep -o ' fast=[0-9]*' | cut -d= -f2)
[ "${fast:-1}" -eq 0 ] || { cat "$LOG"; fail "the policy opted out, yet BPF placed $fast tasks by the fast path"; }
grep -q 'exit kind=unregistered(64)' "$LOG" || { cat "$LOG"; fail "no clean exit"; }
log "PASS: shortest-first from $LIB scheduled hackbench ($user decisions, fast=0: it saw every task), clean exit"
