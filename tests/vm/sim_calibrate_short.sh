#!/usr/bin/env bash
# The short calibration (scripts/calibrate.sh --short): gthulhu and fifo on
# two rt-app workloads, a few seconds each, real (under scxx, traced) and
# simulated, with the negative control. Checks that every comparison row
# is there with numbers, that the real side measured wake-ups, and that the
# verdict lines are printed; the numbers themselves are the report's.
# Usage (inside the VM): sim_calibrate_short.sh PATH/TO/scxx PATH/TO/calibrate.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx calibrate.sh}
CAL=${2:?usage: $0 scxx calibrate.sh}
require_tool rt-app
require_tool perf
OUT=$(mktemp)
SCXX_BIN=$BIN "$CAL" --short --out "$OUT" || { cat "$OUT"; fail "calibrate.sh failed"; }
rows=$(grep -cE '^(interactive-vs-hogs|pipe-pairs) +(gthulhu|fifo) ' "$OUT")
# interactive-vs-hogs: 2 classes, pipe-pairs: 2 classes; 2 metrics; 2 policies.
[ "$rows" = 16 ] || fail "expected 16 comparison rows, got $rows"
# Columns: workload policy class metric real-us range n sim-us n ...
awk '/^(interactive-vs-hogs|pipe-pairs) / && $7 + 0 > 0 { n++ } END { exit !(n >= 4) }' "$OUT" ||
    fail "the real side measured (almost) no wake-ups"
grep -q '^negative control told apart: ' "$OUT" || fail "no negative control verdict"
grep -qE '^model: [0-9]+ of [0-9]+ conclusive' "$OUT" || fail "no model summary"
grep -qE 'Kendall tau model +p99 wake' "$OUT" || fail "no Kendall tau"
grep -qE '^model: .* pairs 1.5x apart ordered right: [0-9]+ of [0-9]+' "$OUT" || fail "no pair check"
grep -qE '^goal \(mean tau >= 0.8 and every pair 1.5x apart ordered right\): (met|NOT met)$' "$OUT" ||
    fail "no goal verdict"
log "PASS: $(grep '^negative control' "$OUT")"
