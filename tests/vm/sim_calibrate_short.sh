#!/usr/bin/env bash
# The short calibration (scripts/calibrate.sh --short): gthulhu and fifo on
# two rt-app workloads, a few seconds each, real (under scxx, traced) and
# simulated, with the negative control. Checks that every comparison row
# is there with numbers, that the real side measured wake-ups, and that the
# verdict lines are printed; the numbers themselves are the report's. The
# model runs with the costs measure-costs.sh measured in this boot (1 s per
# workload), as a calibration on the host does.
# Usage (inside the VM): sim_calibrate_short.sh PATH/TO/scxx PATH/TO/calibrate.sh PATH/TO/noise_probe
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx calibrate.sh noise_probe}
CAL=${2:?usage: $0 scxx calibrate.sh noise_probe}
PROBE=${3:?usage: $0 scxx calibrate.sh noise_probe}
require_tool rt-app
require_tool perf
OUT=$(mktemp)
LOG=$(mktemp)
SCXX_BIN=$BIN SCXX_NOISE_PROBE=$PROBE "$CAL" --short --costs measured --cost-seconds 1 --out "$OUT" >"$LOG" 2>&1 ||
    { cat "$LOG"; fail "calibrate.sh failed"; }
cat "$LOG"
costs=$(grep -E '^  costs of this boot: --context-switch-us [0-9]+ .* --agent-park-us [0-9]+$' "$LOG") ||
    fail "no measured costs"
# The model's runs take them: the report's header names them as its model.
grep -qF "model ${costs#  costs of this boot: }" "$LOG" || fail "the model did not run with the measured costs"
grep -qF "the model's costs: measured in this boot: ${costs#  costs of this boot: }" "$OUT" ||
    fail "the report does not name the measured costs"
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
