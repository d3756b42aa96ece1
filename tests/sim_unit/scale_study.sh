#!/bin/bash
# scripts/scale-study.sh on two CPU counts (2 and 16), 0.2 simulated s:
# every policy under both cost models, the table, the saturation verdicts
# and the plot; one agent keeps up with 16 CPUs at the host's costs and not
# at the VM's (skipped with 77 without gnuplot or jq).
set -euo pipefail
scxx=$1
src=$2
for tool in gnuplot jq; do
  command -v $tool >/dev/null || { echo "$tool is not installed"; exit 77; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

SCXX_BIN=$scxx "$src/scripts/scale-study.sh" --out "$dir" --cpus "2 16" --seconds 0.2 >"$dir/out.txt"
tsv=$dir/scale.tsv
rows=$(($(wc -l <"$tsv") - 1))
[[ $rows == 12 ]] || { echo "expected 12 rows (2 costs x 2 CPU counts x 3 policies), got $rows"; cat "$tsv"; exit 1; }
for p in fifo vtime gthulhu; do
  for costs in vm host; do
    grep -q "^| $costs | $p | " "$dir/scale.md" || { echo "no saturation verdict for $costs $p"; exit 1; }
  done
  # Host costs, 16 CPUs: everything asked is delivered, the agent mostly idle.
  awk -F'\t' -v p=$p '$1 == "host" && $2 == 16 && $3 == p {
      found = 1
      if ($5 != 32000 || $6 < 0.98 * $5 || $7 > 20) bad = 1
    } END { exit !found || bad }' "$tsv" || { echo "host costs, 16 CPUs, $p:"; cat "$tsv"; exit 1; }
  # VM costs, 16 CPUs: one agent is saturated (busy 90% or more), 5x the host's.
  awk -F'\t' -v p=$p '$2 == 16 && $3 == p { busy[$1] = $7 }
      END { exit !(busy["vm"] >= 90 && busy["vm"] > 5 * busy["host"]) }' "$tsv" \
    || { echo "VM costs, 16 CPUs, $p: the agent is not the bottleneck"; cat "$tsv"; exit 1; }
done
grep -q "^| vm | fifo | 16 |" "$dir/scale.md" || { echo "VM costs: fifo's agent not saturated at 16 CPUs"; cat "$dir/scale.md"; exit 1; }
magic=$(head -c 8 "$dir/scale.png" | od -An -tx1 | tr -d ' \n')
[[ $magic == 89504e470d0a1a0a ]] || { echo "scale.png is not a PNG ($magic)"; exit 1; }
echo "scale study ok"
