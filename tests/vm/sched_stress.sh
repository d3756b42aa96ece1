#!/usr/bin/env bash
# Scheduling modes under load on CPUs that run in parallel, one after the
# other in one boot (a boot and EEVDF's baseline cost a minute). Fails on any
# sign that a runnable task was left waiting:
#   - the kernel's watchdog unloaded scxx (state not enabled, exit record);
#   - a task waited longer than the stall bound (1 s) in any mode: scxx's
#     own liveness counter (long_waits) must stay 0;
#   - one plain `hackbench -g 4 -l 200 -s 100` run took more than 2.5x the
#     median of EEVDF's runs in the same boot;
#   - the agent's page faults grew after warm-up, or it dispatched nothing.
# Phases: EEVDF hackbench runs, scxx hackbench runs, then stress-ng (cpu,
# fork, switch, pipe) with hackbench in a loop for SECONDS.
# Usage (inside the VM): sched_stress.sh PATH/TO/scxx MODE[,MODE...] [SECONDS]
#   MODE: fifo, vtime, gthulhu (user mode, that policy, default options),
#   gthulhu-policy (no fast path: the policy places every task),
#   gthulhu-ring (the agent sleeps on the ring instead of yielding) or
#   kernel (kernel mode)
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx MODE[,MODE...] [seconds]}
MODES=${2:?usage: $0 scxx MODE[,MODE...] [seconds]}
SECS=${3:-30}
RUNS=${STRESS_HACKBENCH_RUNS:-5}
MAX_RATIO=2.5
require_tool stress-ng
require_tool hackbench
LOG=$(mktemp)
N=$(nproc)

# mode_args MODE: sets MODE_ARGS, the options of `scxx run` for MODE.
mode_args() {
    case $1 in
        fifo | vtime | gthulhu) MODE_ARGS=(--policy "$1") ;;
        gthulhu-policy) MODE_ARGS=(--policy gthulhu --fast-path off) ;;
        gthulhu-ring) MODE_ARGS=(--policy gthulhu --agent-wakeup ring) ;;
        kernel) MODE_ARGS=(--kernel-mode) ;;
        *) fail "unknown mode '$1' (fifo, vtime, gthulhu, gthulhu-policy, gthulhu-ring, kernel)" ;;
    esac
}

# hackbench_secs: one standard run, its wall time in seconds on stdout.
hackbench_secs() {
    local t0 t1
    t0=$(date +%s%N)
    hackbench -g 4 -l 200 -s 100 >/dev/null || return 1
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
dump() { cat "$LOG"; }

IFS=, read -r -a MODE_LIST <<<"$MODES"
for m in "${MODE_LIST[@]}"; do mode_args "$m"; done # refuse a bad list before any work
log "$N CPUs, modes ${MODE_LIST[*]}, stress ${SECS}s each"
eevdf=()
for _ in 1 2 3; do
    t=$(hackbench_secs) || fail "hackbench failed under EEVDF"
    eevdf+=("$t")
done
eevdf_median=$(echo "${eevdf[*]}" | median)
log "EEVDF hackbench: ${eevdf[*]} s (median $eevdf_median s)"

# run_mode MODE: scxx in MODE through hackbench and the stress phase, then
# every check; exits the script on the first failure.
run_mode() {
    MODE=$1
    mode_args "$MODE"
    LOG=$(mktemp)
    log "mode $MODE (${MODE_ARGS[*]})"
    "$BIN" run "${MODE_ARGS[@]}" --stats 1 --forbid-mmap >"$LOG" 2>&1 &
    pid=$!
    expect_attached scxx
    sleep 3 # warm-up: first tasks seen, pools touched
    warm=$(grep -o 'pf_minor=[0-9]* pf_major=[0-9]*' "$LOG" | tail -1)
    [ -n "$warm" ] || { dump; fail "no stats line after warm-up"; }

    scxx_runs=()
    for _ in $(seq "$RUNS"); do
        t=$(hackbench_secs) || { dump; fail "hackbench failed under scxx"; }
        scxx_runs+=("$t")
    done
    slowest=$(echo "${scxx_runs[*]}" | tr ' ' '\n' | sort -n | tail -1)
    ratio=$(awk -v a="$slowest" -v b="$eevdf_median" 'BEGIN { printf "%.2f", a / b }')
    log "scxx hackbench: ${scxx_runs[*]} s (median $(echo "${scxx_runs[*]}" | median) s); slowest/EEVDF median = $ratio"

    log "stress-ng --cpu $N --fork $N --switch $N --pipe $N for ${SECS}s, hackbench in a loop"
    stress-ng --cpu "$N" --fork "$N" --switch "$N" --pipe "$N" --timeout "${SECS}s" --quiet &
    stress=$!
    end=$((SECONDS + SECS))
    rounds=0
    while [ $SECONDS -lt $end ]; do
        hackbench -g 2 -l 100 >/dev/null || { dump; fail "hackbench failed under stress"; }
        rounds=$((rounds + 1))
    done
    wait "$stress" || { dump; fail "stress-ng failed under scxx"; }
    log "hackbench rounds under stress: $rounds"

    kill -0 "$pid" 2>/dev/null || { dump; fail "agent died during the stress run"; }
    [ "$(sched_state)" = enabled ] || { dump; fail "state '$(sched_state)' after stress: scheduler was removed"; }
    [ "$(sched_ops)" = scxx ] || fail "ops '$(sched_ops)' after stress"
    sleep 1.5 # one more stats line
    last=$(grep '^\[scxx\] t=' "$LOG" | tail -1)
    field() { echo "$last" | grep -o " $1=[0-9]*" | cut -d= -f2; }
    user=$(field user) kernel=$(field kernel) long_waits=$(field long_waits) fast=$(field fast)
    max_wait=$(field max_wait) starved=$(field starved)
    kill -INT "$pid"
    wait "$pid" || { dump; fail "agent exited with an error"; }
    grep -q 'exit kind=unregistered(64)' "$LOG" || { dump; fail "exit reason not read back"; }
    wait_state disabled 10 || fail "not disabled after stop"
    grep '^\[scxx\] \(exit\|totals\|waits\)' "$LOG"

    if [ "$MODE" = kernel ]; then
        [ "${kernel:-0}" -gt 1000 ] || fail "kernel mode placed only ${kernel:-0} tasks"
        [ "${user:-1}" -eq 0 ] || fail "kernel mode sent $user tasks through user space"
    else
        [ "${user:-0}" -gt 0 ] || fail "no user-space dispatches"
    fi
    # The fast path is on where the policy allows it (all built-in ones do) and
    # off where the operator turned it off: then the policy sees every task.
    case "$MODE" in
        gthulhu-policy) [ "${fast:-1}" -eq 0 ] || fail "--fast-path off, yet BPF placed $fast tasks itself" ;;
        kernel) ;;
        *) [ "${fast:-0}" -gt 0 ] || fail "the fast path never placed a task (fast=${fast:-?})" ;;
    esac
    end_pf=$(echo "$last" | grep -o 'pf_minor=[0-9]* pf_major=[0-9]*')
    if [ "$end_pf" != "$warm" ]; then
        # A clocksource switch moves the vDSO's clock reads to another page of
        # the vvar mapping, which mlock cannot populate: say if one happened.
        log "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null); kernel says:"
        dmesg | grep -i 'clocksource' | tail -5
        log "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled); $(grep -E '^thp_(collapse_alloc|fault_alloc) ' /proc/vmstat | tr '\n' ' ')"
        grep '^\[scxx\] t=' "$LOG" | grep -o 't=[0-9]*s .*pf_minor=[0-9]*' | sed 's/ queued.* pf_minor/ pf_minor/' | tail -40 | tr '\n' ' '
        echo
        fail "agent page faults grew after warm-up: $warm -> $end_pf"
    fi
    [ "${long_waits:-1}" -eq 0 ] || fail "$long_waits tasks waited longer than the 1 s stall bound (see 'waits:' above)"
    awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r <= m) }' ||
        fail "slowest hackbench run ${slowest} s is ${ratio}x EEVDF's median ${eevdf_median} s (limit ${MAX_RATIO}x)"
    log "PASS: $MODE on $N CPUs: hackbench slowest ${ratio}x EEVDF, longest wait ${max_wait} ms, ${starved} moved ahead, user=$user kernel=$kernel, page faults flat ($end_pf)"
}

for m in "${MODE_LIST[@]}"; do
    run_mode "$m"
done
