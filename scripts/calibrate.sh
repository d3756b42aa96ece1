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
#        scripts/calibrate.sh --replay DIR [--sim-args "ARGS"] [--out FILE]
#   On the host it boots the VM (tools/vm/scxx-vm) once per repeat and runs
#   itself there for the real runs, then simulates and reports on the host;
#   run inside the VM it does everything in that boot. Defaults:
#   gthulhu,fifo,vtime,eevdf, every workload, 6 s per run, 2 repeats (about
#   25 minutes). --short: gthulhu and fifo on two workloads for 3 s each,
#   once (the vm test sim_calibrate_short). --keep DIR keeps the real runs' traces; --replay
#   DIR then redoes only the simulated side against them, on the host in
#   seconds, e.g. to try a cost model given by --sim-args (extra `scxx sim`
#   options for the model's runs).
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
for n in "$SECONDS_EACH" "$REPEATS"; do
    case $n in '' | *[!0-9]* | 0) echo "calibrate.sh: --seconds and --repeats take a whole number above 0" >&2; exit 2 ;; esac
done
if [ -n "$BOOT_REPEAT" ]; then
    case $BOOT_REPEAT in *[!0-9]* | 0) echo "calibrate.sh: --boot-repeat takes 1 to --repeats" >&2; exit 2 ;; esac
    [ "$BOOT_REPEAT" -le "$REPEATS" ] || { echo "calibrate.sh: --boot-repeat $BOOT_REPEAT is above --repeats $REPEATS" >&2; exit 2; }
fi
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
    for ((r = 1; r <= REPEATS; r++)); do
        echo "calibrate.sh: boot $r of $REPEATS"
        "$ROOT/tools/vm/scxx-vm" --cpus "${SCXX_VM_TEST_CPUS:-2}" --timeout "$timeout" \
            --results "$results" -- "$0" --seconds "$SECONDS_EACH" --repeats "$REPEATS" --boot-repeat "$r" \
            --policies "$POLICIES" --workloads "$WORKLOADS" --keep "$results/kept"
    done
    "$0" --replay "$results/kept" --sim-args "$SIM_ARGS" --out "$out"
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$results/kept/." "$KEEP/"
        echo "calibrate.sh: the real runs are kept in $KEEP (replay: --replay $KEEP)"
    fi
    cat "$out"
    exit 0
fi

if [ -n "$REPLAY" ]; then
    TMP=$REPLAY
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
    NS_PER_LOOP=$(rtapp_ns_per_loop "$RAW") || { echo "calibrate.sh: rt-app could not calibrate"; exit 1; }
    first=1 last=$REPEATS
    if [ -n "$BOOT_REPEAT" ]; then
        first=$BOOT_REPEAT last=$BOOT_REPEAT
    fi
    [ "$first" != 1 ] || printf 'SECONDS_EACH=%s\nREPEATS=%s\nPOLICIES=%s\nWORKLOADS=%s\nCPUS=%s\nSEPARATE_BOOTS=%s\n' \
        "$SECONDS_EACH" "$REPEATS" "$POLICIES" "$WORKLOADS" "$CPUS" "${BOOT_REPEAT:+1}" >"$TMP/params"
    for ((r = first; r <= last; r++)); do echo "NS_PER_LOOP_R$r=$NS_PER_LOOP" >>"$TMP/params"; done
    echo "calibration: $CPUS CPUs, ${SECONDS_EACH}s per run, repeats $first-$last of $REPEATS in this boot," \
        "policies $POLICIES, workloads $WORKLOADS, rt-app $NS_PER_LOOP ns per loop, model ${SIM_ARGS:-as built}"
fi
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
PYTHONPATH="$ROOT/scripts/lib" python3 - "$TMP" "$POLICIES" "$WORKLOADS" "$RATIO_TOL" "$TAU_MIN" "$MIN_SAMPLES" "$ORDER_FACTOR" \
    "$REPEATS" "$warmup" "${SEPARATE_BOOTS:+each in a boot of its own}" >"$TMP/report.txt" <<'PY'
import json, math, re, sys
from perf_events import events, nearest_rank
tmp, policies, workloads = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
ratio_tol, tau_min, min_samples = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
order_factor, repeats, warmup_ns = float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]) * 10**6
boots = f" {sys.argv[10]}" if len(sys.argv) > 10 and sys.argv[10] else ""
def real_samples(path, classes):
    """Wake-up latency (waking to running) and run-queue delay (runnable to
    running, after wake-ups and preemptions) per class, as the simulator
    measures them."""
    woken, runnable, names = {}, {}, {}
    out = {c: {"wake": [], "delay": []} for c in classes}
    first = None  # the first event of a workload task: the simulator's time 0
    def cls(pid):
        name = re.sub(r"-\d+$", "", names.get(pid, ""))
        return name if name in out else None
    for _, ts, ev, f in events(path):
        if ev.endswith(("sched_waking", "sched_wakeup", "sched_wakeup_new")):
            pid = int(f["pid"])
            names[pid] = f.get("comm", names.get(pid, ""))
            if first is None and cls(pid):
                first = ts
            if pid not in runnable:
                woken[pid] = runnable[pid] = ts
        elif ev.endswith("sched_switch"):
            prev, nxt = int(f["prev_pid"]), int(f["next_pid"])
            names[prev], names[nxt] = f["prev_comm"], f["next_comm"]
            if prev and f["prev_state"].startswith("R"):
                runnable[prev] = ts
            c = cls(nxt)
            if first is None and (c or cls(prev)):
                first = ts
            if nxt in runnable:
                since = runnable.pop(nxt)
                if c and ts - first >= warmup_ns:
                    out[c]["delay"].append(ts - since)
                    if nxt in woken:
                        out[c]["wake"].append(ts - since)
            woken.pop(nxt, None)
    return out

def sim_p99(path):
    run = json.load(open(path))["runs"][0]
    return {c["name"]: {"wake": (c["wake_latency_ns"]["p99"], c["wake_latency_ns"]["count"]),
                        "delay": (c["run_queue_delay_ns"]["p99"], c["run_queue_delay_ns"]["count"])}
            for c in run["classes"]}

FLOOR = 1000  # 1 us: a p99 of 0 compares as 1 us
sign = lambda x: (x > 0) - (x < 0)

def geo_mean(xs):
    return math.exp(sum(math.log(max(x, FLOOR)) for x in xs) / len(xs))

def kendall_tau(sim, real):
    """Tau-a: concordant minus discordant pairs over all pairs (a tie on
    either side counts as neither)."""
    n = len(sim)
    s = sum(sign(sim[i] - sim[j]) * sign(real[i] - real[j]) for i in range(n) for j in range(i + 1, n))
    return 2 * s / (n * (n - 1)) if n > 1 else float("nan")

def resolved(lo_hi_a, lo_hi_b):
    """The real repeats order the pair the same way every time."""
    return lo_hi_a[1] < lo_hi_b[0] or lo_hi_b[1] < lo_hi_a[0]

def tau_resolved(sim, real, ranges):
    """Tau over the pairs the real repeats order alike: (concordant -
    discordant) / such pairs; a tie in the simulator is not concordant."""
    n, s, m = len(sim), 0, 0
    for i in range(n):
        for j in range(i + 1, n):
            if resolved(ranges[i], ranges[j]):
                m += 1
                s += sign(sim[i] - sim[j]) * sign(real[i] - real[j])
    return s / m if m else float("nan")

kinds = ("model", "control")
score = {k: [0, 0] for k in kinds}
taus = {k: [] for k in kinds}
taus_res = {k: [] for k in kinds}
pairs = {k: [0, 0, 0, 0] for k in kinds}  # right, all 1.5x pairs, right among resolved, resolved
wrong = []
print(f"tolerances (fixed before the run): sim/real p99 within [1/{ratio_tol:g}, {ratio_tol:g}], "
      f"Kendall tau >= {tau_min:g}, at least {min_samples} samples per side; pairs whose real p99s "
      f"differ {order_factor:g}x or more must be ordered alike; {repeats} real run(s) per item{boots} "
      f"(real us: their geometric mean; range: lowest-highest); latencies from "
      f"{warmup_ns / 1e9:g} s after the first workload task on both sides")
print(f"{'workload':20} {'policy':8} {'class':12} {'metric':6} {'real us':>9} {'range':>17} {'n':>6} "
      f"{'sim us':>9} {'n':>6} {'ratio':>6} {'ctrl us':>9} {'ratio':>6}  verdict")
for w in workloads:
    classes = list(json.load(open(f"{tmp}/{w}.json"))["tasks"].keys())
    items = {k: {"wake": [], "delay": []} for k in kinds}
    real_items = {"wake": [], "delay": []}
    real_ranges = {"wake": [], "delay": []}
    labels = {"wake": [], "delay": []}
    for p in policies:
        traces = [f"{tmp}/real-{w}-{p}.txt"] + [f"{tmp}/real-{w}-{p}.r{r}.txt"
                                                 for r in range(2, repeats + 1)]
        reals = [real_samples(t, classes) for t in traces]
        sim, ctl = sim_p99(f"{tmp}/sim-{w}-{p}.json"), sim_p99(f"{tmp}/control-{w}-{p}.json")
        for c in classes:
            for metric in ("wake", "delay"):
                r99s = [nearest_rank(r[c][metric], 99) for r in reals]
                rn = min(len(r[c][metric]) for r in reals)
                r99 = geo_mean(r99s)
                s99, sn = sim.get(c, {}).get(metric, (0, 0))
                c99, cn = ctl.get(c, {}).get(metric, (0, 0))
                ratio = max(s99, FLOOR) / r99
                cratio = max(c99, FLOOR) / r99
                conclusive = rn >= min_samples and sn >= min_samples
                verdict = "inconclusive (<%d samples)" % min_samples
                if conclusive:
                    ok = 1 / ratio_tol <= ratio <= ratio_tol
                    cok = 1 / ratio_tol <= cratio <= ratio_tol and cn >= min_samples
                    score["model"][0] += ok; score["model"][1] += 1
                    score["control"][0] += cok; score["control"][1] += 1
                    verdict = ("within" if ok else "OUTSIDE") + " tolerance; control " + \
                              ("within" if cok else "outside")
                    real_items[metric].append(r99)
                    real_ranges[metric].append((max(min(r99s), FLOOR), max(max(r99s), FLOOR)))
                    labels[metric].append(f"{p}/{c}")
                    items["model"][metric].append(max(s99, FLOOR))
                    items["control"][metric].append(max(c99, FLOOR))
                rng = f"{min(r99s)/1e3:.0f}-{max(r99s)/1e3:.0f}" if len(r99s) > 1 else "-"
                print(f"{w:20} {p:8} {c:12} {metric:6} {r99/1e3:9.1f} {rng:>17} {rn:6} "
                      f"{s99/1e3:9.1f} {sn:6} {ratio:6.2f} {c99/1e3:9.1f} {cratio:6.2f}  {verdict}")
    for metric in ("wake", "delay"):
        real, ranges, lab = real_items[metric], real_ranges[metric], labels[metric]
        for kind in kinds:
            sim = items[kind][metric]
            t = kendall_tau(sim, real)
            tr = tau_resolved(sim, real, ranges)
            if not math.isnan(t):
                taus[kind].append(t)
            if not math.isnan(tr):
                taus_res[kind].append(tr)
            for i in range(len(real)):
                for j in range(i + 1, len(real)):
                    hi, lo = (i, j) if real[i] > real[j] else (j, i)
                    if real[hi] < order_factor * real[lo]:
                        continue
                    right = sim[hi] > sim[lo]
                    res = resolved(ranges[i], ranges[j])
                    pairs[kind][0] += right; pairs[kind][1] += 1
                    pairs[kind][2] += right and res; pairs[kind][3] += res
                    if kind == "model" and not right:
                        wrong.append(f"{w} {metric}: real {lab[hi]} {real[hi]/1e3:.0f} us > "
                                     f"{lab[lo]} {real[lo]/1e3:.0f} us, simulated "
                                     f"{sim[hi]/1e3:.0f} us vs {sim[lo]/1e3:.0f} us"
                                     + ("" if res else " (the real repeats overlap)"))
            fmt = lambda x: "inconclusive (fewer than 2 conclusive items)" if math.isnan(x) else f"{x:+.2f}"
            print(f"  {w}: Kendall tau {kind:7} p99 {metric:5}: {fmt(t)}; over pairs the real "
                  f"repeats order alike: {fmt(tr)}")
mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
for kind in kinds:
    ok, n = score[kind]
    tau_ok = sum(t >= tau_min for t in taus[kind])
    r, n2, rr, nr = pairs[kind]
    print(f"{kind}: {ok} of {n} conclusive p99 ratios within tolerance; "
          f"{tau_ok} of {len(taus[kind])} taus >= {tau_min:g} (mean {mean(taus[kind]):+.2f}); "
          f"mean tau over pairs the real repeats order alike {mean(taus_res[kind]):+.2f}; "
          f"pairs {order_factor:g}x apart ordered right: {r} of {n2} ({rr} of {nr} the real "
          f"repeats agree on)")
for line in wrong:
    print("  model orders wrongly: " + line)
m, c = score["model"], score["control"]
apart = m[1] > 0 and (m[0] > c[0] or
                      (taus["model"] and taus["control"] and
                       mean(taus["model"]) > mean(taus["control"]) + 0.2))
print("negative control told apart: " + ("yes" if apart else "NO") +
      " (more ratios within tolerance, or a mean tau higher by 0.2)")
goal = mean(taus["model"]) >= 0.8 and pairs["model"][0] == pairs["model"][1]
print("goal (mean tau >= 0.8 and every pair %gx apart ordered right): %s"
      % (order_factor, "met" if goal else "NOT met"))
print("conclusive comparisons: %d" % m[1])
PY
cat "$TMP/report.txt" >"$report"
[ "$report" = /dev/stdout ] || cat "$TMP/report.txt"
