#!/usr/bin/env bash
# The scale study (docs/SIMULATOR.md, "Scale: where one agent saturates"):
# each built-in policy on 2 to 256 simulated CPUs, with the VM's costs (the
# simulator's defaults) and with costs measured on the host, on a wake-up
# heavy workload that grows with the CPU count: 2 tasks per CPU, each on
# its own timer running 50 us every 1 ms (timers spread over the period),
# every wake-up through the agent (--fast-path off). For each run:
# decisions per second asked (the tasks' wake-ups: 1,000 a second each)
# and delivered (sent by the agent), the agent's busy share of its one CPU,
# the p99 wake-up latency, the activations that ended past their period
# (late); per policy and costs, the first CPU count where one agent
# saturates (busy 90% of the time or more). Writes DIR/scale.tsv,
# DIR/scale.md (the table) and DIR/scale.png (gnuplot), and prints the
# table.
#
# Usage: scripts/scale-study.sh [--out DIR] [--cpus "2 4 ..."] [--seconds S] [--per-cpu N]
#   SCXX_BIN: the scxx binary (default build/src/daemon/scxx).
# The full study (8 CPU counts x 2 cost models, 3 policies each, 0.5
# simulated seconds) takes about 5 s on the 2-CPU build host.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SCXX_BIN:-$ROOT/build/src/daemon/scxx}
OUT=scale-study
CPU_COUNTS="2 4 8 16 32 64 128 256"
SIM_SECONDS=0.5
WARMUP_MS=100
POLICIES=fifo,vtime,gthulhu
RUN_US=50
PERIOD_US=1000
PER_CPU=2
while [ $# -gt 0 ]; do
  case $1 in
  --out) OUT=$2; shift 2 ;;
  --cpus) CPU_COUNTS=$2; shift 2 ;;
  --per-cpu) PER_CPU=$2; shift 2 ;;
  --seconds) SIM_SECONDS=$2; shift 2 ;;
  *) echo "usage: $0 [--out DIR] [--cpus \"2 4 ...\"] [--seconds S] [--per-cpu N]" >&2; exit 2 ;;
  esac
done
for tool in jq gnuplot awk; do
  command -v $tool >/dev/null || { echo "scale-study: needs $tool" >&2; exit 77; }
done
[ -x "$BIN" ] || { echo "scale-study: no scxx binary at $BIN (set SCXX_BIN)" >&2; exit 2; }
mkdir -p "$OUT/runs"

# Host costs, each measured on the build host (AMD EPYC, 2 vCPUs):
#   a switch: `taskset -c 0 perf bench sched pipe -l 50000`, 8.0 us a round
#     trip (two switches with their pipe calls);
#   noise: bench/noise_probe 2 s on CPU 1, gaps over 20 us: 35 us every 2.6 ms;
#   the agent's wake-up: BM_RingWakeup, 14 us (ring mode: the yield wake-up
#     needs sched_ext and cannot be measured on the host);
#   a step: channel_bench, ring of one message not notified, 731 k/s: 1.4 us;
#   per task: the ring's 0.13 us per message (batches of 64-512) plus the
#     policy's own code, bounded by sim_bench (gthulhu's code and the
#     simulator together: 1.84 M events/s on one core, 0.54 us each): 0.5 us.
# Costs only the VM measured (idle exits, sched_ext's callbacks, the kick,
# the park, rt-app's blocking points) are left out, as in sim_bench.
HOST_COSTS="--agent-wakeup ring --agent-wakeup-us 14 --agent-step-us 1.4 --agent-per-task-us 0.5
  --context-switch-us 4 --noise-interval-us 2600 --noise-us 35 --scxx-switch-us 0
  --timer-wakeup-us 0 --idle-wakeup-us 0 --agent-kick-us 0 --agent-park-us 0 --block-cpu-us 0"

tsv=$OUT/scale.tsv
printf 'costs\tcpus\tpolicy\ttasks\tasked_per_s\tdelivered_per_s\tagent_busy_pct\twake_p99_us\tlate_pct\n' >"$tsv"
for costs in vm host; do
  opts=""
  if [ $costs = host ]; then
    opts=$HOST_COSTS
  fi
  for n in $CPU_COUNTS; do
    tasks=$((PER_CPU * n))
    w=$OUT/runs/w$n.yaml
    # Each task its own timer, started a fraction of the period apart, so
    # wake-ups come evenly spread rather than all at once.
    awk -v t=$tasks -v p=$PERIOD_US -v r=$RUN_US 'BEGIN {
      print "tasks:"
      for (i = 0; i < t; i++)
        printf "  - {name: w%d, class: w, kind: periodic, period_us: %d, run_us: %d, delay_ms: %.3f}\n",
          i, p, r, i * p / t / 1000
    }' >"$w"
    json=$OUT/runs/$costs-$n.json
    llc=$((n < 16 ? n : 16))
    # shellcheck disable=SC2086
    "$BIN" sim -w "$w" --cpus "$n" --cpus-per-llc $llc --seconds "$SIM_SECONDS" \
      --warmup-ms $WARMUP_MS --fast-path off --policy $POLICIES $opts --json "$json" >/dev/null
    asked=$((tasks * 1000000 / PERIOD_US))
    jq -r --arg costs $costs --argjson n "$n" --argjson tasks $tasks --argjson asked "$asked" \
      --argjson s "$SIM_SECONDS" '.runs[] |
        [$costs, $n, .policy, $tasks, $asked,
         ((.counters["decisions sent"] // 0) / $s | round),
         (.agent_ns / ($s * 1e9) * 1000 | round / 10),
         (.classes[0].wake_latency_ns.p99 / 100 | round / 10),
         (.classes[0].deadline_misses / ([.classes[0].activations, 1] | max) * 1000 | round / 10)]
        | @tsv' "$json" >>"$tsv"
  done
done

# Per policy and costs: the first CPU count where the agent is busy 90% of
# the time or more.
saturation=$(awk -F'\t' 'NR > 1 {
    k = $1 "\t" $3
    if (!(k in seen)) { seen[k] = 1; order[++n] = k }
    if ($7 >= 90 && !(k in sat)) sat[k] = $2
  } END {
    for (i = 1; i <= n; i++) print order[i] "\t" (order[i] in sat ? sat[order[i]] : "none")
  }' "$tsv")

md=$OUT/scale.md
{
  echo "| costs | CPUs | policy | tasks | asked/s | delivered/s | agent busy % | p99 wake-up (us) | late % |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$tsv"
  echo
  echo "One agent saturates (busy 90% or more) at:"
  echo
  echo "| costs | policy | CPUs |"
  echo "|---|---|---:|"
  echo "$saturation" | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, ($3 == "none" ? "not up to " max : $3) }' \
    max="$(echo "$CPU_COUNTS" | awk '{ print $NF }')"
} >"$md"

# The plot: delivered decisions per second against asked, and the agent's
# busy share, both over the CPU count.
for costs in vm host; do
  for p in ${POLICIES//,/ }; do
    awk -F'\t' -v c=$costs -v p="$p" '$1 == c && $3 == p { print $2, $5, $6, $7, $8 }' "$tsv" \
      >"$OUT/runs/$costs-$p.dat"
  done
done
gp=$OUT/runs/scale.gp
{
  echo "set terminal pngcairo noenhanced size 1400,600"
  echo "set output '$OUT/scale.png'"
  echo "set multiplot layout 1,2 title 'scxx sim: one agent, $PER_CPU tasks per CPU ($RUN_US us every $PERIOD_US us; VM costs solid, host costs dashed)'"
  echo "set logscale x 2; set grid; set xlabel 'simulated CPUs'; set key top left"
  echo "set xrange [$(echo "$CPU_COUNTS" | awk '{ print $1 ":" $NF }')]"
  echo "set logscale y; set ylabel 'decisions per second'; set title 'asked and delivered'"
  plot="plot '$OUT/runs/vm-fifo.dat' using 1:2 with lines lc 'black' lw 3 title 'asked'"
  i=0
  for p in ${POLICIES//,/ }; do
    i=$((i + 1))
    plot+=", '$OUT/runs/vm-$p.dat' using 1:3 with linespoints lc $i lw 2 title '$p, VM costs'"
    plot+=", '$OUT/runs/host-$p.dat' using 1:3 with linespoints lc $i dt 2 lw 2 title '$p, host costs'"
  done
  echo "$plot"
  echo "unset logscale y; set yrange [0:*]; set ylabel 'agent busy (% of its CPU)'; set title 'the agent'"
  echo "set key bottom right"
  plot="plot 90 with lines lc 'dark-gray' dt 3 lw 2 title 'saturated (90%)'"
  i=0
  for p in ${POLICIES//,/ }; do
    i=$((i + 1))
    plot+=", '$OUT/runs/vm-$p.dat' using 1:4 with linespoints lc $i lw 2 title '$p, VM costs'"
    plot+=", '$OUT/runs/host-$p.dat' using 1:4 with linespoints lc $i dt 2 lw 2 title '$p, host costs'"
  done
  echo "$plot"
  echo "unset multiplot"
} >"$gp"
gnuplot "$gp"
cat "$md"
echo
echo "scale-study: $md, $OUT/scale.png, $tsv"
