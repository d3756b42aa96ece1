#!/usr/bin/env bash
# The cost measurement of the simulator's model (scripts/measure-costs.sh),
# 1 s per workload: every cost it measures must come out as a number above
# zero from enough samples, under EEVDF and under scxx (which it attaches
# and checks itself), and it must print the `scxx sim` options.
# Usage (inside the VM): measure_costs_short.sh scxx noise_probe measure-costs.sh
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx noise_probe measure-costs.sh}
PROBE=${2:?usage: $0 scxx noise_probe measure-costs.sh}
SCRIPT=${3:?usage: $0 scxx noise_probe measure-costs.sh}
require_tool rt-app
require_tool perf
OUT=$(mktemp)
SCXX_BIN=$BIN SCXX_NOISE_PROBE=$PROBE "$SCRIPT" --seconds 1 --out "$OUT" || { cat "$OUT"; fail "measure-costs.sh failed"; }
cat "$OUT"
positive() { awk -v x="$1" 'BEGIN { exit !(x + 0 > 0) }'; }
for label in "context switch (a round trip / 2), us" "scxx (kernel mode): context switch, us" \
    "noise: mean gap, us"; do
    v=$(grep -F "$label" "$OUT" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) {print $i; exit}}')
    positive "$v" || fail "'$label' is '$v'"
done
for sched in eevdf scxx; do
    for what in "timer wake-up on its idle CPU" "wake-up of an idle CPU by a task"; do
        line=$(grep -F "$sched: $what" "$OUT") || fail "no '$sched: $what' line"
        read -r p50 n <<<"$(echo "$line" | awk '{print $(NF-3), $NF}')"
        positive "$p50" || fail "$sched $what: median '$p50'"
        [ "$n" -ge 20 ] || fail "$sched $what: only $n samples"
    done
done
for label in "eevdf: wake-up onto a busy CPU" "scxx: wake-up onto a busy CPU" \
    "scxx:   of which waking to the agent running"; do
    line=$(grep -F "$label" "$OUT") || fail "no '$label' line"
    read -r p50 n <<<"$(echo "$line" | awk '{print $(NF-3), $NF}')"
    positive "$p50" || fail "$label: median '$p50'"
    [ "$n" -ge 20 ] || fail "$label: only $n samples"
done
# eevdf-model follows the kernel's EEVDF as the VM runs it: its base slice
# (0.7 ms x (1 + log2(CPUs, at most 8))) and the features it models.
line=$(grep -E '^EEVDF: base slice [0-9]+ ns, features ' "$OUT") || fail "no EEVDF settings line"
cpus=$(nproc); factor=1
for n in 2 4 8; do [ "$cpus" -ge "$n" ] && factor=$((factor + 1)); done
[ "$(echo "$line" | awk '{print $4}')" = $((700000 * factor)) ] ||
    fail "the kernel's base slice is not eevdf-model's 0.7 ms x $factor: $line"
for feature in PLACE_LAG RUN_TO_PARITY DELAY_DEQUEUE DELAY_ZERO HRTICK WAKEUP_PREEMPTION; do
    echo "$line" | grep -qw -- "$feature" || fail "the kernel runs without $feature, which eevdf-model models: $line"
done
grep -qE "^rt-app's run costs [0-9.]+ us of CPU per us asked, plus -?[0-9]+ us per activation" "$OUT" ||
    fail "no rt-app run cost"
grep -qE "^the agent's time on a CPU beyond a switch \([0-9]+ us\) and a step of one task \([0-9]+ \+ 2 x [0-9]+ us\): -?[0-9]+ us" "$OUT" ||
    fail "no agent park cost"
opts=$(grep -E '^  --context-switch-us .* --block-cpu-us [0-9]+ .* --agent-park-us [0-9]+$' "$OUT") || fail "no scxx sim options line"
log "PASS: $opts"
