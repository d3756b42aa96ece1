#!/usr/bin/env bash
# Calibration of the simulator against the real scheduler: each rt-app
# workload of examples/workloads/calibration/ runs under each policy for
# real in the scxx VM (`scxx run --policy P`, `perf sched record` around
# rt-app) and in `scxx sim` on a machine of the VM's shape, and the report
# compares p99 wake-up latency and p99 run-queue delay per task class:
# the ratio sim/real, and per workload Kendall's tau between the policies'
# (and classes') order in the simulator and for real. A deliberately wrong
# model (no context-switch cost, no tick, no noise, a free agent) runs as
# a negative control and must be told apart. A percentile with fewer than
# 100 samples on either side is reported as inconclusive.
#
# Usage: scripts/calibrate.sh [--short] [--seconds S] [--policies a,b,c]
#                             [--workloads w1,w2] [--out FILE] [--keep DIR]
#                             [--sim-args "ARGS"]
#        scripts/calibrate.sh --replay DIR [--sim-args "ARGS"] [--out FILE]
#   On the host it boots the VM (tools/vm/scxx-vm) and runs itself there;
#   inside the VM it measures. --short: gthulhu and fifo on two workloads
#   for 3 s each (the vm test sim_calibrate_short). --keep DIR keeps the
#   real runs' traces; --replay DIR then redoes only the simulated side
#   against them, on the host in seconds, e.g. to try a cost model given
#   by --sim-args (extra `scxx sim` options for the model's runs).
set -euo pipefail

# ---- tolerances, fixed before any run ----
RATIO_TOL=3.0    # sim/real p99 within [1/3, 3]
TAU_MIN=0.5      # Kendall tau of the sim's order against the real one
MIN_SAMPLES=100  # fewer samples: inconclusive
CONTROL_ARGS=(--context-switch-us 0 --tick-us 1000000000 --noise-us 0 --agent-step-us 0
              --agent-per-task-us 0 --agent-wakeup-us 0)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SCXX_BIN:-$ROOT/build/src/daemon/scxx}
SECONDS_EACH=10
POLICIES=gthulhu,fifo,vtime
WORKLOADS=""
OUT=""
SHORT=0
KEEP=""
REPLAY=""
SIM_ARGS=""
while [ $# -gt 0 ]; do
    case $1 in
        --short) SHORT=1 ;;
        --seconds) SECONDS_EACH=$2; shift ;;
        --policies) POLICIES=$2; shift ;;
        --workloads) WORKLOADS=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        --replay) REPLAY=$2; shift ;;
        --sim-args) SIM_ARGS=$2; shift ;;
        -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
        *) echo "calibrate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$SHORT" = 1 ]; then
    POLICIES=gthulhu,fifo
    WORKLOADS=${WORKLOADS:-interactive-vs-hogs,pipe-pairs}
    SECONDS_EACH=3
fi
WDIR=$ROOT/examples/workloads/calibration
if [ -z "$WORKLOADS" ]; then
    WORKLOADS=$(cd "$WDIR" && ls -1 *.json | sed 's/\.json$//' | paste -sd,)
fi

if [ -n "$REPLAY" ]; then
    # The simulated side only, against the traces of an earlier --keep run.
    [ -f "$REPLAY/params" ] || { echo "calibrate.sh: $REPLAY holds no kept run (--keep)"; exit 2; }
    . "$REPLAY/params" # SECONDS_EACH POLICIES WORKLOADS CPUS of that run
elif [ ! -d /sys/kernel/sched_ext ]; then
    # On the host: run this script in the VM, the report in a shared directory.
    results=$(mktemp -d)
    out=${OUT:-$ROOT/calibration-report.txt}
    n_w=$(echo "$WORKLOADS" | tr ',' '\n' | grep -c .)
    n_p=$(echo "$POLICIES" | tr ',' '\n' | grep -c .)
    # A run: scxx attach, rt-app (with its own calibration), perf script and
    # two simulations; about 30 s besides the workload itself on 2 vCPUs.
    timeout=$((180 + n_w * n_p * (SECONDS_EACH + 45)))
    keep_args=()
    [ -n "$KEEP" ] && keep_args=(--keep "$results/kept")
    "$ROOT/tools/vm/scxx-vm" --cpus "${SCXX_VM_TEST_CPUS:-2}" --timeout "$timeout" \
        --results "$results" -- "$0" --seconds "$SECONDS_EACH" --policies "$POLICIES" \
        --workloads "$WORKLOADS" --out "$results/report.txt" --sim-args "$SIM_ARGS" "${keep_args[@]}"
    cp "$results/report.txt" "$out"
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$results/kept/." "$KEEP/"
        echo "calibrate.sh: the real runs are kept in $KEEP (replay: --replay $KEEP)"
    fi
    cat "$out"
    exit 0
fi

if [ -n "$REPLAY" ]; then
    TMP=$REPLAY
    echo "calibration (replay of $REPLAY): $CPUS CPUs, ${SECONDS_EACH}s per run, policies $POLICIES," \
        "workloads $WORKLOADS, model ${SIM_ARGS:-as built}"
else
    for tool in rt-app perf python3; do
        command -v "$tool" >/dev/null || { echo "calibrate.sh: '$tool' is missing (scripts/setup.sh)"; exit 77; }
    done
    TMP=$(mktemp -d)
    RAW=$TMP # perf's own file stays on the guest's disk, not in the shared --keep directory
    [ -n "$KEEP" ] && { mkdir -p "$KEEP"; TMP=$KEEP; }
    CPUS=$(nproc)
    printf 'SECONDS_EACH=%s\nPOLICIES=%s\nWORKLOADS=%s\nCPUS=%s\n' \
        "$SECONDS_EACH" "$POLICIES" "$WORKLOADS" "$CPUS" >"$TMP/params"
    echo "calibration: $CPUS CPUs, ${SECONDS_EACH}s per run, policies $POLICIES, workloads $WORKLOADS," \
        "model ${SIM_ARGS:-as built}"
fi
read -r -a sim_args <<<"$SIM_ARGS"

IFS=, read -r -a policies <<<"$POLICIES"
IFS=, read -r -a workloads <<<"$WORKLOADS"
for w in "${workloads[@]}"; do
    src=$WDIR/$w.json
    [ -n "$REPLAY" ] && src=$REPLAY/$w.json # as that run had it
    [ -f "$src" ] || { echo "calibrate.sh: no workload $src"; exit 2; }
    # The same file for rt-app and the simulator, with this run's length and
    # rt-app's logs out of the way.
    [ -n "$REPLAY" ] || python3 - "$src" "$TMP/$w.json" "$SECONDS_EACH" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
w.setdefault("global", {}).update({"duration": int(sys.argv[3]), "logdir": "/tmp",
                                   "log_basename": "rtapp", "calibration": "CPU0"})
json.dump(w, open(sys.argv[2], "w"))
PY
    for p in "${policies[@]}"; do
        if [ -z "$REPLAY" ]; then
            # Real: rt-app under scxx with this policy, traced.
            "$BIN" run --policy "$p" >"$TMP/scxx-$w-$p.log" 2>&1 &
            pid=$!
            for _ in $(seq 100); do
                [ "$(cat /sys/kernel/sched_ext/state)" = enabled ] && break
                sleep 0.1
            done
            [ "$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)" = scxx ] ||
                { cat "$TMP/scxx-$w-$p.log"; echo "calibrate.sh: scxx did not attach"; exit 1; }
            perf sched record -o "$RAW/real.data" -- rt-app "$TMP/$w.json" >"$TMP/rtapp.log" 2>&1 ||
                { cat "$TMP/rtapp.log"; echo "calibrate.sh: rt-app failed under $p"; exit 1; }
            kill -INT "$pid"
            wait "$pid" || { cat "$TMP/scxx-$w-$p.log"; echo "calibrate.sh: scxx failed under $w"; exit 1; }
            perf script -i "$RAW/real.data" -F comm,tid,cpu,time,event,trace >"$TMP/real-$w-$p.txt" 2>/dev/null
            rm -f "$RAW/real.data"
        fi
        # Simulated: the same workload, machine and policy; and the control.
        "$BIN" sim -w "$TMP/$w.json" --policy "$p" --cpus "$CPUS" --seconds "$SECONDS_EACH" \
            "${sim_args[@]}" --json "$TMP/sim-$w-$p.json" >/dev/null
        "$BIN" sim -w "$TMP/$w.json" --policy "$p" --cpus "$CPUS" --seconds "$SECONDS_EACH" \
            "${CONTROL_ARGS[@]}" --json "$TMP/control-$w-$p.json" >/dev/null
        echo "  $w under $p: done"
    done
done

report=${OUT:-/dev/stdout}
python3 - "$TMP" "$POLICIES" "$WORKLOADS" "$RATIO_TOL" "$TAU_MIN" "$MIN_SAMPLES" >"$TMP/report.txt" <<'PY'
import json, math, re, sys
tmp, policies, workloads = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
ratio_tol, tau_min, min_samples = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
head = re.compile(r"^\s*(.*?)\s+(-?\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(\S+):\s*(.*)$")

def nearest_rank(xs, pct):
    xs = sorted(xs)
    return xs[max(0, math.ceil(pct / 100 * len(xs)) - 1)] if xs else 0

def real_samples(path, classes):
    """Wake-up latency (waking to running) and run-queue delay (runnable to
    running, after wake-ups and preemptions) per class, as the simulator
    measures them."""
    woken, runnable, names = {}, {}, {}
    out = {c: {"wake": [], "delay": []} for c in classes}
    def cls(pid):
        name = re.sub(r"-\d+$", "", names.get(pid, ""))
        return name if name in out else None
    for line in open(path):
        m = head.match(line)
        if not m:
            continue
        ts = int(m.group(4)) * 10**9 + int(m.group(5).ljust(9, "0"))
        ev, f = m.group(6), dict(re.findall(r"(\w+)=(\S+)", m.group(7)))
        if ev.endswith(("sched_waking", "sched_wakeup", "sched_wakeup_new")):
            pid = int(f["pid"])
            names[pid] = f.get("comm", names.get(pid, ""))
            if pid not in runnable:
                woken[pid] = runnable[pid] = ts
        elif ev.endswith("sched_switch"):
            prev, nxt = int(f["prev_pid"]), int(f["next_pid"])
            names[prev], names[nxt] = f["prev_comm"], f["next_comm"]
            if prev and f["prev_state"].startswith("R"):
                runnable[prev] = ts
            c = cls(nxt)
            if nxt in runnable:
                since = runnable.pop(nxt)
                if c:
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

def kendall_tau(a, b):
    """Tau-a: concordant minus discordant pairs over all pairs."""
    sign = lambda x: (x > 0) - (x < 0)
    n = len(a)
    s = sum(sign(a[i] - a[j]) * sign(b[i] - b[j]) for i in range(n) for j in range(i + 1, n))
    return 2 * s / (n * (n - 1)) if n > 1 else float("nan")

rows, score = [], {"model": [0, 0], "control": [0, 0]}
taus = {"model": [], "control": []}
print(f"tolerances (fixed before the run): sim/real p99 within [1/{ratio_tol:g}, {ratio_tol:g}], "
      f"Kendall tau >= {tau_min:g}, at least {min_samples} samples per side")
print(f"{'workload':20} {'policy':8} {'class':12} {'metric':6} {'real us':>9} {'n':>6} "
      f"{'sim us':>9} {'n':>6} {'ratio':>6} {'ctrl us':>9} {'ratio':>6}  verdict")
for w in workloads:
    classes = list(json.load(open(f"{tmp}/{w}.json"))["tasks"].keys())
    items = {"model": {"wake": [], "delay": []}, "control": {"wake": [], "delay": []}}
    real_items = {"wake": [], "delay": []}
    for p in policies:
        real = real_samples(f"{tmp}/real-{w}-{p}.txt", classes)
        sim, ctl = sim_p99(f"{tmp}/sim-{w}-{p}.json"), sim_p99(f"{tmp}/control-{w}-{p}.json")
        for c in classes:
            for metric in ("wake", "delay"):
                rs = real[c][metric]
                r99, rn = nearest_rank(rs, 99), len(rs)
                s99, sn = sim.get(c, {}).get(metric, (0, 0))
                c99, cn = ctl.get(c, {}).get(metric, (0, 0))
                floor = 1000  # 1 us: a p99 of 0 compares as 1 us
                ratio = max(s99, floor) / max(r99, floor)
                cratio = max(c99, floor) / max(r99, floor)
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
                    items["model"][metric].append(s99)
                    items["control"][metric].append(c99)
                print(f"{w:20} {p:8} {c:12} {metric:6} {r99/1e3:9.1f} {rn:6} {s99/1e3:9.1f} {sn:6} "
                      f"{ratio:6.2f} {c99/1e3:9.1f} {cratio:6.2f}  {verdict}")
    for metric in ("wake", "delay"):
        for kind in ("model", "control"):
            t = kendall_tau(items[kind][metric], real_items[metric])
            if not math.isnan(t):
                taus[kind].append(t)
            print(f"  {w}: Kendall tau {kind:7} p99 {metric:5}: "
                  + ("inconclusive (fewer than 2 conclusive items)" if math.isnan(t) else f"{t:+.2f}"))
for kind in ("model", "control"):
    ok, n = score[kind]
    mean_tau = sum(taus[kind]) / len(taus[kind]) if taus[kind] else float("nan")
    tau_ok = sum(t >= tau_min for t in taus[kind])
    print(f"{kind}: {ok} of {n} conclusive p99 ratios within tolerance; "
          f"{tau_ok} of {len(taus[kind])} taus >= {tau_min:g} (mean {mean_tau:+.2f})")
m, c = score["model"], score["control"]
apart = m[1] > 0 and (m[0] > c[0] or
                      (taus["model"] and taus["control"] and
                       sum(taus["model"]) / len(taus["model"]) >
                       sum(taus["control"]) / len(taus["control"]) + 0.2))
print("negative control told apart: " + ("yes" if apart else "NO") +
      " (more ratios within tolerance, or a mean tau higher by 0.2)")
print("conclusive comparisons: %d" % m[1])
PY
cat "$TMP/report.txt" >"$report"
[ "$report" = /dev/stdout ] || cat "$TMP/report.txt"
