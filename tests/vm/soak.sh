#!/usr/bin/env bash
# Soak: each scheduling mode in turn under a rotating mix (stress-ng cpu,
# fork, switch, pipe, mmap, hdd; hackbench; a storm of spinning threads; a
# burst of 1,000 threads released from a barrier at once, burst_threads from
# the directory of spin_threads),
# sampling scxx's counters every second. A mode fails on:
#   - any state but enabled/scxx while it runs, or an unclean exit (the
#     kernel's watchdog, or any other error exit);
#   - a missed wake-up (missed_wakeups > 0);
#   - an agent page fault after warm-up (pf_minor/pf_major grew);
#   - agent memory growth after warm-up (VmRSS grew by more than 64 KiB);
#   - a kernel warning, splat or sched_ext error logged during the soak;
#   - a lost task (user mode): every task sent to the agent gets exactly
#     one outcome, so queued - user - cancelled - failed counts only the
#     tasks in flight when the counters are read; sampled at rest after the
#     warm-up and at the end, it must not drift (by more than 16, the
#     tasks that may be in flight at a sample: the machine is never idle).
# Usage (inside the VM): soak.sh SCXX SPIN_THREADS SECONDS_PER_MODE MODE...
#   MODE: gthulhu, fifo, vtime (user mode, default options) or kernel
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx spin_threads seconds mode...}
SPIN=${2:?usage: $0 scxx spin_threads seconds mode...}
SECS=${3:?usage: $0 scxx spin_threads seconds mode...}
shift 3
[ $# -gt 0 ] || set -- gthulhu fifo vtime kernel
require_tool stress-ng
require_tool hackbench
N=$(nproc)
WORK=$(mktemp -d)
failures=0

stat_of() { # LINE KEY: one counter of a stats line
    grep -oE "(^| )$2=[0-9]+" <<<"$1" | tail -n 1 | cut -d= -f2
}
lost_of() { # LINE: tasks sent to the agent without an outcome yet
    echo $(($(stat_of "$1" queued) - $(stat_of "$1" user) - $(stat_of "$1" cancelled) - $(stat_of "$1" failed)))
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
last_stats() { grep '^\[scxx\] t=' "$1" | tail -n 1; }

# One rotation step of about STEP seconds.
workload() {
    local i=$1 step=$2
    case $((i % 9)) in
        0) stress-ng --cpu "$N" --timeout "${step}s" --quiet ;;
        1) stress-ng --fork "$N" --timeout "${step}s" --quiet ;;
        2) stress-ng --switch "$N" --timeout "${step}s" --quiet ;;
        3) stress-ng --pipe "$N" --timeout "${step}s" --quiet ;;
        4) stress-ng --mmap "$N" --mmap-bytes 32M --timeout "${step}s" --quiet ;;
        5) stress-ng --hdd 1 --hdd-bytes 8M --temp-path "$WORK" --timeout "${step}s" --quiet ;;
        6) local end=$((SECONDS + step))
           while [ "$SECONDS" -lt "$end" ]; do hackbench -g 4 -l 50 >/dev/null || return 1; done ;;
        7) "$SPIN" 400 "$step" >/dev/null ;;
        8) "$(dirname "$SPIN")/burst_threads" 1000 "$step" >/dev/null ;;
    esac
}

soak_mode() {
    local mode=$1 log=$WORK/$1.log args pid warm end i step=10 fails=0
    case $mode in
        gthulhu | fifo | vtime) args=(--policy "$mode") ;;
        kernel) args=(--kernel-mode) ;;
        *) fail "unknown mode '$mode' (gthulhu, fifo, vtime, kernel)" ;;
    esac
    [ "$SECS" -ge 60 ] || step=5
    "$BIN" run "${args[@]}" --stats 1 >"$log" 2>&1 &
    pid=$!
    expect_attached scxx
    # Warm-up: one pass of the heaviest workloads, then the baseline.
    workload 0 3 >/dev/null 2>&1
    workload 6 3 >/dev/null 2>&1
    sleep 1.5
    warm=$(last_stats "$log")
    local rss0 pf0min pf0maj
    rss0=$(rss_kib "$pid")
    local drift0=0
    [ "$mode" = kernel ] || drift0=$(lost_of "$warm")
    pf0min=$(stat_of "$warm" pf_minor) pf0maj=$(stat_of "$warm" pf_major)
    log "$mode: warm (rss ${rss0} KiB, page faults $pf0min/$pf0maj), soaking ${SECS} s"
    end=$((SECONDS + SECS))
    # Each mode starts the rotation elsewhere, so that short soaks still
    # put every workload under some mode.
    i=$((ROTATION_START * 3))
    local first=$i
    while [ "$SECONDS" -lt "$end" ]; do
        workload "$i" "$step" >/dev/null 2>&1 &
        local w=$!
        while kill -0 "$w" 2>/dev/null; do
            if [ "$(sched_state)" != enabled ] || [ "$(sched_ops)" != scxx ]; then
                log "$mode: FAIL: state '$(sched_state)' ops '$(sched_ops)' in workload $((i % 8))"
                tail -n 5 "$log"
                kill "$pid" 2>/dev/null
                wait "$w" 2>/dev/null
                return 1
            fi
            sleep 1
        done
        wait "$w" || { log "$mode: FAIL: workload $((i % 8)) failed"; fails=1; }
        i=$((i + 1))
    done
    sleep 3 # idle: the agent holds nothing, every decision is carried out
    local s rss1 pfmin pfmaj missed drift=0
    s=$(last_stats "$log")
    rss1=$(rss_kib "$pid")
    pfmin=$(stat_of "$s" pf_minor) pfmaj=$(stat_of "$s" pf_major) missed=$(stat_of "$s" missed_wakeups)
    [ "$mode" = kernel ] || drift=$(($(lost_of "$s") - drift0))
    kill -INT "$pid"
    wait "$pid" || { log "$mode: FAIL: scxx exited with an error"; fails=1; }
    grep -q 'exit kind=unregistered(64)' "$log" || { log "$mode: FAIL: no clean exit: $(grep 'exit kind' "$log")"; fails=1; }
    [ "${missed:-0}" -eq 0 ] || { log "$mode: FAIL: $missed missed wake-ups"; fails=1; }
    [ "$pfmin" = "$pf0min" ] && [ "$pfmaj" = "$pf0maj" ] ||
        { log "$mode: FAIL: agent page faults after warm-up: $pf0min/$pf0maj -> $pfmin/$pfmaj"; fails=1; }
    [ $((rss1 - rss0)) -le 64 ] || { log "$mode: FAIL: agent RSS grew from $rss0 to $rss1 KiB"; fails=1; }
    [ "${drift#-}" -le 16 ] || { log "$mode: FAIL: queued - user - cancelled - failed drifted by $drift: lost tasks"; fails=1; }
    log "$mode: $([ $fails = 0 ] && echo PASS || echo FAIL): $((i - first)) workload steps, $(grep -o 'waits: .*' "$log" | cut -d';' -f1), rss $rss0 -> $rss1 KiB, page faults flat at $pfmin/$pfmaj, missed wake-ups ${missed:-0}, drift of unanswered tasks $drift, $(stat_of "$s" starved) moved ahead, $(stat_of "$s" agent_stalls) agent stalls"
    log "$mode: totals: $(grep 'totals:' "$log" | cut -d' ' -f3-)"
    return $fails
}

ROTATION_START=0
kernel_log_start
for mode in "$@"; do
    soak_mode "$mode" || failures=$((failures + 1))
    ROTATION_START=$((ROTATION_START + 1))
    wait_state disabled 10 || fail "state '$(sched_state)' after $mode stopped"
done
[ "$failures" -eq 0 ] || fail "$failures of $# modes failed"
# The default kernel's log stays clean too (7.2 warned about direct writes
# of p->scx.slice and dsq_vtime).
warnings=$(kernel_warnings)
[ -z "$warnings" ] || { echo "$warnings"; fail "the kernel printed warnings during the soak"; }
log "PASS: $* soaked ${SECS} s each, 0 kernel warnings"
