#!/bin/bash
# `scxx sim --plot DIR` draws, per policy, a wake-up latency CDF and a
# per-CPU timeline as PNG files (gnuplot; skipped with 77 without it).
set -euo pipefail
scxx=$1
src=$2
command -v gnuplot >/dev/null || { echo "gnuplot is not installed (gnuplot-nox)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$scxx" sim -w "$src/examples/workloads/interactive-vs-hogs.yaml" --policy gthulhu,eevdf-model \
  --cpus 2 --seconds 1 --plot "$dir/plots" --plot-seconds 0.2 >"$dir/out.txt"
for policy in gthulhu eevdf-model; do
  for kind in latency-cdf timeline; do
    png="$dir/plots/$policy-$kind.png"
    [[ -s $png ]] || { echo "missing $png"; cat "$dir/out.txt"; exit 1; }
    magic=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
    [[ $magic == 89504e470d0a1a0a ]] || { echo "$png is not a PNG ($magic)"; exit 1; }
    grep -q "plot: $png" "$dir/out.txt" || { echo "$png not reported"; exit 1; }
  done
  # Every task class of the workload is a curve and a timeline colour.
  for cls in hog interactive; do
    grep -q "# $cls" "$dir/plots/$policy-latency.dat" || { echo "no $cls curve"; exit 1; }
    grep -q "# $cls" "$dir/plots/$policy-timeline.dat" || { echo "no $cls timeline"; exit 1; }
  done
done
# The timeline stops at --plot-seconds (200 ms): no slice centred after it.
awk '!/^#/ && NF == 3 && $1 > 200.0 { bad = 1 } END { exit bad }' "$dir/plots/gthulhu-timeline.dat" \
  || { echo "timeline goes past 200 ms"; exit 1; }

# An unwritable directory is an error naming it.
if "$scxx" sim -w "$src/examples/workloads/interactive-vs-hogs.yaml" --policy fifo --cpus 2 \
  --seconds 0.1 --plot /proc/no-such-dir >"$dir/err.txt" 2>&1; then
  echo "--plot into /proc succeeded"; exit 1
fi
grep -q "/proc/no-such-dir" "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }
echo "plots ok"
