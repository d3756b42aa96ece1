# shellcheck shell=bash
# Sourced by scripts that run rt-app under perf inside the VM (calibrate.sh,
# measure-costs.sh).

# rtapp_ns_per_loop DIR: rt-app's calibration (nanoseconds per loop of its
# `run`), measured once on CPU 0 under the kernel's scheduler. Runs then take
# it as a number: rt-app's own calibration costs 8 s per start in the VM and,
# under scxx, would measure the policy as much as the CPU, so each policy
# would get a different amount of work for the same `run`.
rtapp_ns_per_loop() {
    local dir=$1 ns
    printf '{"global": {"duration": 1, "calibration": "CPU0", "logdir": "%s", "log_basename": "calib"},
 "tasks": {"idle": {"loop": 1, "sleep": 1000}}}\n' "$dir" >"$dir/calib.json"
    rt-app "$dir/calib.json" >"$dir/calib.log" 2>&1 || { cat "$dir/calib.log" >&2; return 1; }
    ns=$(grep -o 'pLoad = [0-9]*' "$dir/calib.log" | head -1 | awk '{print $3}')
    [ -n "$ns" ] || { cat "$dir/calib.log" >&2; return 1; }
    echo "$ns"
}

# rtapp_traced JSON TRACE LOG: rt-app JSON under `perf sched record`, the
# trace as `perf script` text in TRACE and rt-app's output in LOG. perf's
# own file goes next to LOG; without build ids (-B) perf exits 4-5 s sooner
# in the VM and the tracepoints need none.
rtapp_traced() {
    local json=$1 trace=$2 log=$3 data
    data=$(dirname "$log")/perf.data
    perf sched record -B -o "$data" -- rt-app "$json" >"$log" 2>&1 || return 1
    perf script -i "$data" -F comm,tid,cpu,time,event,trace >"$trace" 2>/dev/null
    rm -f "$data"
}
