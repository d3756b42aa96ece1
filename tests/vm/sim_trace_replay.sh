#!/usr/bin/env bash
# A `perf sched record` of hackbench under scxx (gthulhu), replayed by
# `scxx sim --trace` against gthulhu and eevdf-model: the replay must hold
# every traced task (hackbench's all under their class) and use the CPU
# time the trace recorded, counted here independently from the switches.
# Usage (inside the VM): sim_trace_replay.sh PATH/TO/scxx
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
require_tool perf
require_tool hackbench
require_tool python3
DIR=$(mktemp -d)
LOG=$DIR/scxx.log

"$BIN" run --policy gthulhu >"$LOG" 2>&1 &
pid=$!
expect_attached scxx
perf sched record -o "$DIR/trace.data" -- hackbench -g 2 -l 50 >"$DIR/perf.log" 2>&1 ||
    { cat "$DIR/perf.log"; fail "perf sched record failed"; }
state=$(sched_state) ops=$(sched_ops)
[ "$state" = enabled ] && [ "$ops" = scxx ] ||
    { cat "$LOG"; fail "after the recording: state '$state', ops '$ops' (expected enabled, scxx)"; }
log "recorded under state=$state ops=$ops"
kill -INT "$pid"
wait "$pid" || { cat "$LOG"; fail "scxx exited with an error"; }

perf script -i "$DIR/trace.data" -F comm,tid,cpu,time,event,trace >"$DIR/trace.txt" 2>/dev/null ||
    fail "perf script failed"
log "trace: $(grep -c sched_switch "$DIR/trace.txt") switches, $(wc -c <"$DIR/trace.txt") bytes"
"$BIN" sim --trace "$DIR/trace.txt" --policy gthulhu,eevdf-model --json "$DIR/out.json" \
    >"$DIR/sim.txt" 2>&1 || {
    cat "$DIR/sim.txt"
    n=$(grep -o 'trace.txt:[0-9]*' "$DIR/sim.txt" | head -1 | cut -d: -f2)
    [ -n "$n" ] && sed -n "$((n > 2 ? n - 2 : 1)),$((n + 1))p" "$DIR/trace.txt" | cat -A | cut -c1-250
    fail "scxx sim --trace failed"
}
sed -n '/^trace replay/,/^kernel side/p' "$DIR/sim.txt"

python3 - "$DIR/trace.txt" "$DIR/out.json" <<'PY' || fail "the replay does not match the trace"
import json, re, sys
# Per CPU, the time between switches belongs to the task switched out; the
# first stretch counts from the trace's start, the last to its end.
head = re.compile(r"^\s*(.*?)\s+(-?\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+(\S+):\s*(.*)$")
cpu_ns, since, current, names = {}, {}, {}, {}
first = last = None
for line in open(sys.argv[1]):
    m = head.match(line)
    if not m:
        continue
    tid, cpu = int(m.group(2)), int(m.group(3))
    ts = int(m.group(4)) * 10**9 + int(m.group(5).ljust(9, "0"))
    first = ts if first is None else first
    last = ts
    cpu_start = since.setdefault(cpu, first)
    current.setdefault(cpu, max(tid, 0))
    if m.group(6).endswith("sched_switch"):
        f = dict(re.findall(r"(\w+)=(\S+)", m.group(7)))
        prev, nxt = int(f["prev_pid"]), int(f["next_pid"])
        if prev:
            cpu_ns[prev] = cpu_ns.get(prev, 0) + ts - cpu_start
        if nxt:
            names[nxt] = f["next_comm"]
        since[cpu], current[cpu] = ts, nxt
for cpu, tid in current.items():
    if tid:
        cpu_ns[tid] = cpu_ns.get(tid, 0) + last - since[cpu]
total = sum(cpu_ns.values())
hackbench = sum(1 for t, n in names.items() if n == "hackbench")
ok = True
for run in json.load(open(sys.argv[2]))["runs"]:
    rp = run["trace_replay"]
    classes = {c["name"]: c for c in run["classes"]}
    hb = classes.get("hackbench", {}).get("tasks", 0)
    ratio = rp["cpu_ns"] / total
    print(f"{run['policy']}: tasks {rp['tasks']} (ran in the trace: {len(cpu_ns)}), finished "
          f"{rp['finished']}, hackbench tasks {hb} of {hackbench}, CPU time "
          f"{rp['cpu_ns'] / 1e6:.1f} ms of {total / 1e6:.1f} ms ({ratio:.4f})")
    ok &= rp["tasks"] >= len(cpu_ns) and rp["finished"] == rp["tasks"]
    ok &= hb == hackbench and hackbench > 80
    ok &= abs(rp["recorded_cpu_ns"] - total) <= total * 0.005 and abs(ratio - 1) <= 0.01
sys.exit(0 if ok else 1)
PY
log "PASS: replay matches the trace"
