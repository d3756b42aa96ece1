#!/usr/bin/env bash
# Calibration of the simulator against the real scheduler: each rt-app
# workload of examples/workloads/calibration/ runs under each policy for
# real in the scxx VM (`scxx run --policy P`, `perf sched record` around
# rt-app; `eevdf` is the kernel's own scheduler, no scxx) and in `scxx sim`
# on a machine of the VM's shape (`eevdf` as `eevdf-model`). The report
# compares p99 wake-up latency and p99 run-queue delay per task class: the
# ratio sim/real; per workload Kendall's tau between the order of the
# (policy, class) p99s in the simulator and for real; and every pair whose
# real p99s differ 1.5x or more, which the simulator must order the same
# way. Each real run is repeated (--repeats), each repeat in a boot of its
# own: a policy's p99 on a light workload moved more between boots than
# between runs within one boot. A pair whose repeats overlap is a tie, not
# an order, so the report also gives tau over the pairs the real machine
# itself orders the same way every time. A deliberately wrong
# model (no context-switch cost, no tick, no noise, no idle exit, no cost
# at blocking points, a free agent) runs as a negative control and must be
# told apart. A percentile with fewer than 100 samples on either side is
# reported as inconclusive.
#
# Usage: scripts/calibrate.sh [--short] [--seconds S] [--repeats N]
#                             [--policies a,b,c] [--workloads w1,w2]
#                             [--out FILE] [--keep DIR] [--sim-args "ARGS"]
#                             [--costs measured|built-in] [--cost-seconds S]
#        scripts/calibrate.sh --replay DIR [--sim-args "ARGS"] [--out FILE]
#                             [--costs measured|built-in]
#   On the host it boots the VM (tools/vm/scxx-vm) once per repeat and runs
#   itself there for the real runs, then simulates and reports on the host;
#   run inside the VM it does everything in that boot. Defaults:
#   gthulhu,fifo,vtime,eevdf, every workload, 6 s per run, 2 repeats.
#   --short: gthulhu and fifo on two workloads for 3 s each,
#   once (the vm test sim_calibrate_short). --keep DIR keeps the real runs' traces; --replay
#   DIR then redoes only the simulated side against them, on the host in
#   seconds, e.g. to try a cost model given by --sim-args (extra `scxx sim`
#   options for the model's runs).
#   --costs: the model's costs. `measured` (the default on the host): each
#   boot first runs scripts/measure-costs.sh, --cost-seconds (2) per
#   workload, and the model runs with the median of each option over the
#   boots, so it is compared with the machine it was measured on (the VM's
#   speed follows the host's: rt-app's loop took 345-458 ns on one host,
#   582 on another); a replay uses them when the kept run has them.
#   `built-in`: the binary's defaults (`scxx sim --help`). --sim-args
#   overrides either. With the defaults, 25 to 35 minutes on the host
#   (the VM's speed varies between hosts).
set -euo pipefail

# ---- tolerances, fixed before any run ----
RATIO_TOL=3.0    # sim/real p99 within [1/3, 3]
TAU_MIN=0.5      # Kendall tau of the sim's order against the real one
MIN_SAMPLES=100  # fewer samples: inconclusive
ORDER_FACTOR=1.5 # real p99s this far apart: the simulator must order them alike
WARMUP_MS=1000   # latencies count from 1 s after the workload's first task showed up, both sides
CONTROL_ARGS=(--context-switch-us 0 --tick-us 1000000000 --noise-us 0 --timer-wakeup-us 0
              --idle-wakeup-us 0 --block-cpu-us 0 --scxx-switch-us 0 --agent-step-us 0
              --agent-per-task-us 0 --agent-wakeup-us 0 --agent-kick-us 0 --agent-park-us 0)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/scxx-guest.sh"
. "$ROOT/scripts/lib/rtapp-guest.sh"
BIN=${SCXX_BIN:-$ROOT/build/src/daemon/scxx}
SECONDS_EACH=6
REPEATS=2
POLICIES=gthulhu,fifo,vtime,eevdf
WORKLOADS=""
OUT=""
SHORT=0
KEEP=""
REPLAY=""
SIM_ARGS=""
COSTS="" # measured | built-in; empty: measured on the host, as kept in a replay, built-in in the VM
COST_SECONDS=2
MODEL_COSTS="" # the report's account of them (empty: the binary's defaults)
BOOT_REPEAT=""
first=1 last=0 # the repeats this boot runs (none in a replay)
while [ $# -gt 0 ]; do
    case $1 in
        --short) SHORT=1 ;;
        --seconds) SECONDS_EACH=$2; shift ;;
        --repeats) REPEATS=$2; shift ;;
        --policies) POLICIES=$2; shift ;;
        --workloads) WORKLOADS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        --replay) REPLAY=$2; shift ;;
        --sim-args) SIM_ARGS=$2; shift ;;
        --costs) COSTS=$2; shift ;;
        --cost-seconds) COST_SECONDS=$2; shift ;;
        --boot-repeat) BOOT_REPEAT=$2; shift ;; # inside the VM: repeat N's real runs only
        -h | --help) awk 'NR > 1 && /^set -euo/ {exit} NR > 1' "$0"; exit 0 ;;
        *) echo "calibrate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$SHORT" = 1 ]; then
    POLICIES=gthulhu,fifo
    WORKLOADS=${WORKLOADS:-interactive-vs-hogs,pipe-pairs}
    SECONDS_EACH=3
    REPEATS=1
fi
for n in "$SECONDS_EACH" "$REPEATS" "$COST_SECONDS"; do
    case $n in '' | *[!0-9]* | 0) echo "calibrate.sh: --seconds, --repeats and --cost-seconds take a whole number above 0" >&2; exit 2 ;; esac
done
case $COSTS in
    '' | measured | built-in) ;;
    *) echo "calibrate.sh: --costs takes 'measured' or 'built-in', not '$COSTS'" >&2; exit 2 ;;
esac
if [ -n "$BOOT_REPEAT" ]; then
    case $BOOT_REPEAT in *[!0-9]* | 0) echo "calibrate.sh: --boot-repeat takes 1 to --repeats" >&2; exit 2 ;; esac
    [ "$BOOT_REPEAT" -le "$REPEATS" ] || { echo "calibrate.sh: --boot-repeat $BOOT_REPEAT is above --repeats $REPEATS" >&2; exit 2; }
fi
# The median of each `scxx sim` option over measure-costs.sh reports.
median_sim_options() {
    python3 - "$@" <<'PY'
import statistics, sys
opts = {}
for path in sys.argv[1:]:
    lines = open(path).read().splitlines()
    if "scxx sim options for this machine:" not in lines:
        sys.exit(f"calibrate.sh: {path} holds no scxx sim options")
    words = lines[lines.index("scxx sim options for this machine:") + 1].split()
    for name, value in zip(words[::2], words[1::2]):
        opts.setdefault(name, []).append(float(value))
print(" ".join(f"{name} {statistics.median(v):g}" for name, v in opts.items()))
PY
}
# Measured options ($1) with the user's (--sim-args, $2) in place of any of
# the same name.
merge_sim_options() {
    local -a measured user kept=()
    local -A given=()
    read -r -a measured <<<"$1"
    read -r -a user <<<"$2"
    for word in "${user[@]}"; do [[ $word == --* ]] && given[$word]=1; done
    for ((i = 0; i + 1 < ${#measured[@]}; i += 2)); do
        [ -n "${given[${measured[i]}]:-}" ] || kept+=("${measured[i]}" "${measured[i + 1]}")
    done
    echo "${kept[*]}${2:+ $2}"
}
WDIR=$ROOT/examples/workloads/calibration
if [ -z "$WORKLOADS" ]; then
    WORKLOADS=$(cd "$WDIR" && ls -1 *.json | sed 's/\.json$//' | paste -sd,)
fi

if [ -n "$REPLAY" ]; then
    # The simulated side only, against the traces of an earlier --keep run.
    [ -f "$REPLAY/params" ] || { echo "calibrate.sh: $REPLAY holds no kept run (--keep)"; exit 2; }
    REPEATS=1
    . "$REPLAY/params" # SECONDS_EACH POLICIES WORKLOADS CPUS (REPEATS) of that run
elif [ ! -d /sys/kernel/sched_ext ]; then
    # On the host: each repeat's real runs in a boot of their own (this
    # script again, in the VM), into a shared directory; then the simulated
    # side and the report here, as a replay of them.
    results=$(mktemp -d)
    trap 'rm -rf "$results"' EXIT
    out=${OUT:-$ROOT/calibration-report.txt}
    n_w=$(echo "$WORKLOADS" | tr ',' '\n' | grep -c .)
    n_p=$(echo "$POLICIES" | tr ',' '\n' | grep -c .)
    # A run: scxx attach, rt-app (calibrated once per boot) and perf script;
    # under 20 s besides the workload itself on 2 vCPUs.
    timeout=$((180 + n_w * n_p * (SECONDS_EACH + 30)))
    COSTS=${COSTS:-measured}
    [ "$COSTS" = built-in ] || timeout=$((timeout + 240 + 8 * COST_SECONDS)) # measure-costs.sh's own budget
    for ((r = 1; r <= REPEATS; r++)); do
        echo "calibrate.sh: boot $r of $REPEATS"
        "$ROOT/tools/vm/scxx-vm" --cpus "${SCXX_VM_TEST_CPUS:-2}" --timeout "$timeout" \
            --results "$results" -- "$0" --seconds "$SECONDS_EACH" --repeats "$REPEATS" --boot-repeat "$r" \
            --policies "$POLICIES" --workloads "$WORKLOADS" --keep "$results/kept" --costs "$COSTS" \
            --cost-seconds "$COST_SECONDS"
    done
    "$0" --replay "$results/kept" --sim-args "$SIM_ARGS" --costs "$COSTS" --out "$out"
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$results/kept/." "$KEEP/"
        echo "calibrate.sh: the real runs are kept in $KEEP (replay: --replay $KEEP)"
    fi
    cat "$out"
    exit 0
fi

if [ -n "$REPLAY" ]; then
    TMP=$REPLAY
    shopt -s nullglob
    cost_files=("$REPLAY"/costs.r*.txt)
    shopt -u nullglob
    [ -n "$COSTS" ] || { COSTS=built-in; [ ${#cost_files[@]} -eq 0 ] || COSTS=measured; }
    if [ "$COSTS" = measured ]; then
        [ ${#cost_files[@]} -gt 0 ] || { echo "calibrate.sh: $REPLAY holds no measured costs (costs.r*.txt); use --costs built-in"; exit 2; }
        measured=$(median_sim_options "${cost_files[@]}") || exit 1
        echo "calibration: costs measured in ${#cost_files[@]} boot(s): $measured"
        SIM_ARGS=$(merge_sim_options "$measured" "$SIM_ARGS")
        MODEL_COSTS="measured in ${#cost_files[@]} boot(s), the median of each: $SIM_ARGS"
    fi
    # Runs kept before rt-app was calibrated once per boot record no rate.
    loops=$({ grep -o '^NS_PER_LOOP[_R0-9]*=[0-9]*' "$REPLAY/params" || true; } | cut -d= -f2 | paste -sd/)
    echo "calibration: $CPUS CPUs, ${SECONDS_EACH}s per run, $REPEATS repeat(s), policies $POLICIES," \
        "workloads $WORKLOADS, rt-app ${loops:-?} ns per loop; real runs from $REPLAY; model ${SIM_ARGS:-as built}"
else
    for tool in rt-app perf python3; do
        command -v "$tool" >/dev/null || { echo "calibrate.sh: '$tool' is missing (scripts/setup.sh)"; exit 77; }
    done
    TMP=$(mktemp -d)
    RAW=$TMP # perf's own file stays on the guest's disk, not in the shared --keep directory
    [ -n "$KEEP" ] && { mkdir -p "$KEEP"; TMP=$KEEP; }
    CPUS=$(nproc)
    first=1 last=$REPEATS
    if [ -n "$BOOT_REPEAT" ]; then
        first=$BOOT_REPEAT last=$BOOT_REPEAT
    fi
    if [ "$COSTS" = measured ]; then
        # This boot's costs, before any workload (and before rt-app's
        # calibration, which the workloads should follow closely); the replay
        # takes the median over the boots.
        SCXX_BIN=$BIN "$ROOT/scripts/measure-costs.sh" --seconds "$COST_SECONDS" --out "$TMP/costs.r$first.txt" \
            >"$RAW/measure-costs.log" 2>&1 ||
            { cat "$RAW/measure-costs.log"; echo "calibrate.sh: measure-costs.sh failed"; exit 1; }
        echo "  costs of this boot: $(sed -n '/^scxx sim options/{n;s/^ *//;p}' "$TMP/costs.r$first.txt")"
        if [ -z "$BOOT_REPEAT" ]; then # this boot simulates too
            SIM_ARGS=$(merge_sim_options "$(median_sim_options "$TMP/costs.r$first.txt")" "$SIM_ARGS")
            MODEL_COSTS="measured in this boot: $SIM_ARGS"
        fi
    fi
    NS_PER_LOOP=$(rtapp_ns_per_loop "$RAW") || { echo "calibrate.sh: rt-app could not calibrate"; exit 1; }
    [ "$first" != 1 ] || printf 'SECONDS_EACH=%s\nREPEATS=%s\nPOLICIES=%s\nWORKLOADS=%s\nCPUS=%s\nSEPARATE_BOOTS=%s\n' \
        "$SECONDS_EACH" "$REPEATS" "$POLICIES" "$WORKLOADS" "$CPUS" "${BOOT_REPEAT:+1}" >"$TMP/params"
    for ((r = first; r <= last; r++)); do echo "NS_PER_LOOP_R$r=$NS_PER_LOOP" >>"$TMP/params"; done
    echo "calibration: $CPUS CPUs, ${SECONDS_EACH}s per run, repeats $first-$last of $REPEATS in this boot," \
        "policies $POLICIES, workloads $WORKLOADS, rt-app $NS_PER_LOOP ns per loop, model ${SIM_ARGS:-as built}"
fi
[ -n "$MODEL_COSTS" ] || [ -z "$SIM_ARGS" ] || MODEL_COSTS="the binary's defaults with $SIM_ARGS"
read -r -a sim_args <<<"$SIM_ARGS"
# A run shorter than twice the warm-up (--short) keeps its first half out.
warmup=$WARMUP_MS
[ $((SECONDS_EACH * 1000)) -ge $((2 * WARMUP_MS)) ] || warmup=$((SECONDS_EACH * 500))

IFS=, read -r -a policies <<<"$POLICIES"
IFS=, read -r -a workloads <<<"$WORKLOADS"
for w in "${workloads[@]}"; do
    src=$WDIR/$w.json
    [ -n "$REPLAY" ] && src=$REPLAY/$w.json # as that run had it
    [ -f "$src" ] || { echo "calibrate.sh: no workload $src"; exit 2; }
    # The same file for rt-app and the simulator, with this run's length and
    # rt-app's logs out of the way.
    [ -n "$REPLAY" ] || python3 - "$src" "$TMP/$w.json" "$SECONDS_EACH" "$NS_PER_LOOP" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
w.setdefault("global", {}).update({"duration": int(sys.argv[3]), "logdir": "/tmp",
                                   "log_basename": "rtapp", "calibration": int(sys.argv[4])})
json.dump(w, open(sys.argv[2], "w"))
PY
    for p in "${policies[@]}"; do
        sim_policy=$p
        [ "$p" = eevdf ] && sim_policy=eevdf-model
        for ((r = first; r <= last; r++)); do
            [ -z "$REPLAY" ] || break
            real=$TMP/real-$w-$p.txt
            [ "$r" = 1 ] || real=$TMP/real-$w-$p.r$r.txt
            if [ "$p" != eevdf ]; then
                # Real: rt-app under scxx with this policy, traced.
                scxx_start "$TMP/scxx-$w-$p.log" --policy "$p" ||
                    { cat "$TMP/scxx-$w-$p.log"; echo "calibrate.sh: scxx did not attach"; exit 1; }
            fi
            rtapp_traced "$TMP/$w.json" "$real" "$RAW/rtapp.log" ||
                { cat "$RAW/rtapp.log"; echo "calibrate.sh: rt-app failed under $p"; exit 1; }
            if [ "$p" != eevdf ]; then
                scxx_stop || { cat "$TMP/scxx-$w-$p.log"; echo "calibrate.sh: scxx failed under $w"; exit 1; }
            fi
        done
        if [ -n "$BOOT_REPEAT" ]; then
            echo "  $w under $p: traced (repeat $BOOT_REPEAT)"
            continue
        fi
        # Simulated: the same workload, machine and policy; and the control.
        "$BIN" sim -w "$TMP/$w.json" --policy "$sim_policy" --cpus "$CPUS" --seconds "$SECONDS_EACH" \
            --warmup-ms "$warmup" "${sim_args[@]}" --json "$TMP/sim-$w-$p.json" >/dev/null
        "$BIN" sim -w "$TMP/$w.json" --policy "$sim_policy" --cpus "$CPUS" --seconds "$SECONDS_EACH" \
            --warmup-ms "$warmup" "${CONTROL_ARGS[@]}" --json "$TMP/control-$w-$p.json" >/dev/null
        echo "  $w under $p: done"
    done
done

[ -z "$BOOT_REPEAT" ] || exit 0 # the host simulates and reports
report=${OUT:-/dev/stdout}
PYTHONPATH="$ROOT/scripts/lib" python3 "$ROOT/scripts/lib/calibration_report.py" "$TMP" "$POLICIES" "$WORKLOADS" \
    "$RATIO_TOL" "$TAU_MIN" "$MIN_SAMPLES" "$ORDER_FACTOR" "$REPEATS" "$warmup" \
    "${SEPARATE_BOOTS:+each in a boot of its own}" "$MODEL_COSTS" >"$TMP/report.txt"
cat "$TMP/report.txt" >"$report"
[ "$report" = /dev/stdout ] || cat "$TMP/report.txt"
