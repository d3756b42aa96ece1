#!/usr/bin/env bash
# Measures, in the VM every test and benchmark runs in, the costs the
# simulator's model charges (docs/SIMULATOR.md, "Cost model"), each on its
# own and none fitted to the calibration:
#   - a context switch: `perf bench sched pipe` with both tasks on CPU 0
#     under the kernel's scheduler, two switches per round trip; and again
#     under scxx in kernel mode (BPF decides, no agent round trip), whose
#     sched_ext callbacks add to each switch;
#   - background noise: bench/noise_probe spinning alone on CPU 1 (gaps
#     longer than 20 us between two clock reads);
#   - a wake-up onto an idle CPU, from a timer on that CPU and from a task
#     on another CPU: rt-app (one task on a private timer; a ping-pong
#     pair handing over through barriers) under `perf sched record`, under the kernel's scheduler and
#     under scxx (fifo: an idle CPU is taken by BPF's fast path alone);
#   - a wake-up onto a busy CPU: one task on a private timer beside two
#     hogs, under both; under scxx split into the wait for the agent to run
#     and the agent's time on the CPU (the agent decides every such
#     wake-up; the first is the model's --agent-kick-us, the second less a
#     switch and the model's step its --agent-park-us);
#   - the kernel's EEVDF settings eevdf-model follows: the base slice and
#     the scheduler features (debugfs);
#   - what rt-app's `run` costs: two tasks, one running 0.3 ms and one 3 ms
#     every 6 ms, under the kernel's scheduler: the CPU time per activation
#     against the time asked (rt-app turns it into loops, at the rate it
#     measured once at the start; see scripts/lib/rtapp-guest.sh).
# Prints a table and the `scxx sim` options that model them.
#
# Usage: scripts/measure-costs.sh [--seconds S] [--out FILE] [--keep DIR]
#   On the host it boots the VM (tools/vm/scxx-vm) and runs itself there.
#   --keep DIR keeps the traces (perf script text) in DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib/scxx-guest.sh"
. "$ROOT/scripts/lib/rtapp-guest.sh"
BIN=${SCXX_BIN:-$ROOT/build/src/daemon/scxx}
PROBE=${SCXX_NOISE_PROBE:-$ROOT/build/bench/noise_probe}
SECONDS_EACH=4
OUT=""
KEEP=""
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECONDS_EACH=$2; shift ;;
        --out) OUT=$2; shift ;;
        --keep) KEEP=$2; shift ;;
        -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "measure-costs.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
case $SECONDS_EACH in '' | *[!0-9]* | 0) echo "measure-costs.sh: --seconds takes a whole number above 0" >&2; exit 2 ;; esac
for f in "$BIN" "$PROBE"; do
    [ -x "$f" ] || { echo "measure-costs.sh: $f is missing (scripts/build.sh)" >&2; exit 2; }
done

if [ ! -d /sys/kernel/sched_ext ]; then
    results=$(mktemp -d)
    "$ROOT/tools/vm/scxx-vm" --cpus "${SCXX_VM_TEST_CPUS:-2}" --timeout $((240 + 8 * SECONDS_EACH)) \
        --results "$results" -- "$0" --seconds "$SECONDS_EACH" --out "$results/costs.txt" \
        ${KEEP:+--keep "$results/kept"}
    [ -n "$OUT" ] && cp "$results/costs.txt" "$OUT"
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$results/kept/." "$KEEP/" && echo "measure-costs.sh: traces kept in $KEEP"
    fi
    exit 0
fi

for tool in rt-app perf python3 taskset; do
    command -v "$tool" >/dev/null || { echo "measure-costs.sh: '$tool' is missing (scripts/setup.sh)"; exit 77; }
done
[ "$(cat /sys/kernel/sched_ext/state)" = disabled ] ||
    { echo "measure-costs.sh: another sched_ext scheduler is attached"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
report=${OUT:-$TMP/costs.txt}
echo "measuring: $(nproc) CPUs, kernel $(uname -r), ${SECONDS_EACH}s per workload" | tee "$report"
# The rules eevdf-model follows are those this kernel runs with.
sched_dbg=/sys/kernel/debug/sched
[ -r "$sched_dbg/features" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
if [ -r "$sched_dbg/features" ]; then
    echo "EEVDF: base slice $(cat "$sched_dbg/base_slice_ns") ns, features $(cat "$sched_dbg/features")" |
        tee -a "$report"
else
    echo "EEVDF: no $sched_dbg (debugfs) to read the base slice and features from" | tee -a "$report"
fi

# ---- context switch and noise, under the kernel's scheduler ----
pipe_ops=$(taskset -c 0 perf bench sched pipe -l 20000 2>&1 | awk '/ops\/sec/ {print $1}')
noise=$(taskset -c 1 "$PROBE" 3 20)
echo "context switch: perf bench sched pipe on CPU 0: $pipe_ops round trips/s" | tee -a "$report"
echo "noise on CPU 1: $noise" | tee -a "$report"

# ---- wake-ups onto an idle CPU ----
NS_PER_LOOP=$(rtapp_ns_per_loop "$TMP") || { echo "measure-costs.sh: rt-app could not calibrate"; exit 1; }
cat >"$TMP/timer.json" <<JSON
{"global": {"duration": $SECONDS_EACH, "calibration": $NS_PER_LOOP, "logdir": "$TMP", "log_basename": "rtapp"},
 "tasks": {"timer": {"loop": -1, "run": 300, "timer": {"ref": "unique_t", "period": 9000}}}}
JSON
cat >"$TMP/pingpong.json" <<JSON
{"global": {"duration": $SECONDS_EACH, "calibration": $NS_PER_LOOP, "logdir": "$TMP", "log_basename": "rtapp"},
 "tasks": {"ping": {"loop": -1, "run": 200, "barrier1": "to_pong", "barrier2": "to_ping"},
           "pong": {"loop": -1, "barrier1": "to_pong", "run": 200, "barrier2": "to_ping"}}}
JSON
# Both CPUs busy with hogs: a waking task needs a CPU taken from a hog
# (under scxx, first for the agent, which decides, then for the task).
cat >"$TMP/busy.json" <<JSON
{"global": {"duration": $SECONDS_EACH, "calibration": $NS_PER_LOOP, "logdir": "$TMP", "log_basename": "rtapp"},
 "tasks": {"hog": {"instance": 2, "loop": -1, "run": 1000000},
           "waker": {"loop": -1, "run": 300, "timer": {"ref": "unique_w", "period": 9000}}}}
JSON
cat >"$TMP/runs.json" <<JSON
{"global": {"duration": $SECONDS_EACH, "calibration": $NS_PER_LOOP, "logdir": "$TMP", "log_basename": "rtapp"},
 "tasks": {"run300": {"loop": -1, "run": 300, "sleep": 6000},
           "run3000": {"loop": -1, "run": 3000, "sleep": 6000}}}
JSON
trace() { # $1 workload, $2 output
    rtapp_traced "$TMP/$1.json" "$2" "$TMP/rtapp.log" ||
        { cat "$TMP/rtapp.log"; echo "measure-costs.sh: rt-app failed"; exit 1; }
}
for w in timer pingpong busy runs; do trace "$w" "$TMP/eevdf-$w.txt"; done
attach() { scxx_start "$TMP/scxx.log" "$@" || { cat "$TMP/scxx.log"; echo "measure-costs.sh: scxx did not attach"; exit 1; }; }
detach() { scxx_stop || { cat "$TMP/scxx.log"; echo "measure-costs.sh: scxx failed"; exit 1; }; }
attach --policy fifo
for w in timer pingpong busy; do trace "$w" "$TMP/scxx-$w.txt"; done
detach
attach --kernel-mode
scxx_pipe_ops=$(taskset -c 0 perf bench sched pipe -l 20000 2>&1 | awk '/ops\/sec/ {print $1}')
detach
echo "context switch under scxx (kernel mode): perf bench sched pipe on CPU 0: $scxx_pipe_ops round trips/s" |
    tee -a "$report"

# The model's step costs, from the binary's own defaults: --agent-park-us
# is what the agent's time on a CPU leaves beyond a switch and a step.
read -r model_step model_per_task < <("$BIN" sim --help | awk -F= '
    /--agent-step-us FLOAT=/ {step = $2 + 0}
    /--agent-per-task-us FLOAT=/ {per_task = $2 + 0}
    END {print step, per_task}')
export PYTHONPATH="$ROOT/scripts/lib"
python3 - "$TMP" "$pipe_ops" "$noise" "$scxx_pipe_ops" "$model_step" "$model_per_task" <<'PY' | tee -a "$report"
import sys
from perf_events import events, nearest_rank
tmp, pipe_ops, noise = sys.argv[1], float(sys.argv[2] or 0), dict(
    kv.split("=") for kv in sys.argv[3].split())

def rank(xs, pct):
    """A percentile in us (NaN for no samples)."""
    return nearest_rank(xs, pct) / 1e3 if xs else float("nan")

def idle_wakeups(path, comms):
    """Wake-up latency (waking to switch-in, us) of `comms` when the CPU that
    ran the task was idle: woken on that CPU (a timer) or from another."""
    waking, out = {}, {"local": [], "remote": []}
    for cpu, ts, ev, f in events(path):
        if ev.endswith("sched_waking") and f.get("comm") in comms:
            waking[int(f["pid"])] = (ts, cpu)
        elif ev.endswith("sched_switch"):
            w = waking.pop(int(f["next_pid"]), None)
            if w and f["prev_comm"].startswith("swapper"):
                out["local" if w[1] == cpu else "remote"].append(ts - w[0])
    return out

def busy_wakeups(path, comm):
    """Wake-ups of `comm` that took a CPU from another task: waking to the
    task's switch-in, waking to the agent's first switch-in after it (scxx),
    and the agent's time on the CPU each time (all us)."""
    waking, agent_on, out = {}, {}, {"task": [], "agent": [], "agent run": []}
    for cpu, ts, ev, f in events(path):
        if ev.endswith("sched_waking") and f.get("comm") == comm:
            waking[int(f["pid"])] = [ts, None]
        elif ev.endswith("sched_switch"):
            if cpu in agent_on:
                out["agent run"].append(ts - agent_on.pop(cpu))
            if f["next_comm"] == "scxx":
                agent_on[cpu] = ts
                for w in waking.values():
                    w[1] = w[1] or ts
            w = waking.pop(int(f["next_pid"]), None)
            if w and not f["prev_comm"].startswith("swapper"):
                out["task"].append(ts - w[0])
                if w[1]:
                    out["agent"].append(w[1] - w[0])
    return out

def cpu_per_activation(path, comm):
    """CPU time (switch-in to switch-out, us) per wake-up of `comm`."""
    on, cpu_ns, wakes = {}, 0, 0
    for cpu, ts, ev, f in events(path):
        if ev.endswith("sched_waking") and f.get("comm") == comm:
            wakes += 1
        elif ev.endswith("sched_switch"):
            if cpu in on:
                cpu_ns += ts - on.pop(cpu)
            if f["next_comm"] == comm:
                on[cpu] = ts
    return cpu_ns / 1e3 / wakes if wakes else float("nan")

print(f"\n{'cost':44} {'p50':>7} {'p90':>7} {'p99':>7} {'n':>6}")
switch_us = 1e6 / pipe_ops / 2 if pipe_ops else float("nan")
scxx_ops = float(sys.argv[4] or 0)
scxx_switch_us = 1e6 / scxx_ops / 2 if scxx_ops else float("nan")
print(f"{'context switch (a round trip / 2), us':44} {switch_us:7.1f}")
print(f"{'scxx (kernel mode): context switch, us':44} {scxx_switch_us:7.1f}")
print(f"{'noise: mean gap, us (every interval_us)':44} {float(noise['mean_gap_us']):7.1f}"
      f"   every {noise['interval_us']} us, {noise['share_pct']}% of the CPU")
picked = {}
for sched in ("eevdf", "scxx"):
    for w, comms, kind, label in (("timer", {"timer"}, "local", "timer wake-up on its idle CPU"),
                                  ("pingpong", {"ping", "pong"}, "remote", "wake-up of an idle CPU by a task")):
        xs = idle_wakeups(f"{tmp}/{sched}-{w}.txt", comms)[kind]
        print(f"{sched + ': ' + label + ', us':44} {rank(xs, 50):7.0f} {rank(xs, 90):7.0f} "
              f"{rank(xs, 99):7.0f} {len(xs):6}")
        picked[(sched, kind)] = rank(xs, 50)

busy = {}
for sched in ("eevdf", "scxx"):
    b = busy[sched] = busy_wakeups(f"{tmp}/{sched}-busy.txt", "waker")
    rows = [("wake-up onto a busy CPU", b["task"])]
    if sched == "scxx":
        rows += [("  of which waking to the agent running", b["agent"]),
                 ("  the agent's time on a CPU, each time", b["agent run"])]
    for label, xs in rows:
        print(f"{sched + ': ' + label + ', us':44} {rank(xs, 50):7.0f} {rank(xs, 90):7.0f} "
              f"{rank(xs, 99):7.0f} {len(xs):6}")

short, long_ = (cpu_per_activation(f"{tmp}/eevdf-runs.txt", c) for c in ("run300", "run3000"))
slope = (long_ - short) / 2700
print(f"{'eevdf: rt-app run 300 us, CPU per activation':44} {short:7.0f}")
print(f"{'eevdf: rt-app run 3000 us, CPU per activation':44} {long_:7.0f}")
per_activation = short - 300 * slope
print(f"rt-app's run costs {slope:.2f} us of CPU per us asked, plus {per_activation:.0f} us per "
      "activation (its own work and the sleep)")
# The model charges the activation's switch apart from its blocking point.
block = per_activation - switch_us
# The agent's run in the busy workload: one task in, one decision out.
step, per_task = float(sys.argv[5] or 0), float(sys.argv[6] or 0)
agent_switch_us = max(switch_us, scxx_switch_us)  # --context-switch-us plus --scxx-switch-us
park = rank(busy["scxx"]["agent run"], 50) - agent_switch_us - step - 2 * per_task
print(f"the agent's time on a CPU beyond a switch ({agent_switch_us:.0f} us) and a step of one task"
      f" ({step:.0f} + 2 x {per_task:.0f} us): {park:.0f} us")
print("\nscxx sim options for this machine:")
print(f"  --context-switch-us {switch_us:.0f} --scxx-switch-us {max(0, scxx_switch_us - switch_us):.0f}"
      f" --noise-us {float(noise['mean_gap_us']):.0f}"
      f" --noise-interval-us {float(noise['interval_us']):.0f}"
      f" --timer-wakeup-us {picked[('scxx', 'local')]:.0f} --idle-wakeup-us {picked[('scxx', 'remote')]:.0f}"
      f" --block-cpu-us {max(0, block):.0f}"
      f" --agent-kick-us {rank(busy['scxx']['agent'], 50):.0f}"
      f" --agent-park-us {max(0, park):.0f}")
PY
if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp "$TMP"/*.txt "$KEEP/"; fi
