#!/usr/bin/env bash
# scxx on the kernel this VM booted (tools/vm/scxx-vm --kernel SERIES), in
# one boot. Both modes attach, schedule hackbench and detach cleanly; the
# kernel log gains no warning, splat or sched_ext error; no BPF program's
# verified instructions grow past 1.5x of the count recorded for this kernel
# series (tests/vm/verified_insns.txt, written by scripts/kernels.sh).
# With SCXX_CHECK_DEPTH=matrix (scripts/kernels.sh) also: hackbench and a pipe
# ping-pong against EEVDF in the same boot, the waits, a 5 s SIGSTOP of the
# agent and a CPU taken offline and back. Writes key=value lines to
# $SCXX_VM_RESULTS/kernel-SERIES.txt.
# Usage (inside the VM): kernel_check.sh PATH/TO/scxx
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
DEPTH=${SCXX_CHECK_DEPTH:-smoke}
RECORDED=$(dirname "$0")/verified_insns.txt
KVER=$(uname -r)
SERIES=$(echo "$KVER" | cut -d. -f1,2)
OUT=${SCXX_VM_RESULTS:-/tmp}/kernel-$SERIES.txt
: >"$OUT"
require_tool hackbench
put() { echo "$1=$2" >>"$OUT"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# A counter summed over the sessions of one run (a CPU hotplug reloads scxx,
# and each session prints its own totals).
stat_of() { grep 'totals:' "$1" | grep -oE "(^| )$2=[0-9]+" | cut -d= -f2 | awk '{s += $1} END {print s + 0}'; }
put kernel "$KVER"
kernel_log_start

hb() { # seconds of one hackbench run
    hackbench -g 4 -l 100 2>&1 | awk '/^Time:/ {print $2}'
}
pipe_us() { # microseconds per pipe round trip
    perf bench sched pipe -l 20000 2>&1 | awk '/usecs\/op/ {print $1}'
}

if [ "$DEPTH" = matrix ]; then
    # EEVDF's first pass of a boot runs cold (slower); its last pass, after
    # scxx, is the reference.
    require_tool perf
    put eevdf_first_hackbench_s "$(hb)"
    put eevdf_first_pipe_us "$(pipe_us)"
fi

for mode in user kernel; do
    args=(--stats 1)
    [ "$mode" = kernel ] && args+=(--kernel-mode)
    LOG=$(mktemp)
    # shellcheck disable=SC2034 # read by expect_attached (lib.sh)
    ATTACH_LOG=$LOG ATTACH_WAIT=60
    t0=$(now_ms)
    "$BIN" run "${args[@]}" >"$LOG" 2>&1 &
    pid=$!
    expect_attached scxx
    put "${mode}_attach_ms" $(( $(now_ms) - t0 ))
    put "${mode}_load_ms" "$(grep -oE 'loaded in [0-9]+ ms' "$LOG" | grep -oE '[0-9]+')"
    [ "$mode" = user ] && put features "$(sed -n '/\[scxx\] kernel features/,/\[scxx\] start:/p' "$LOG" | grep -v 'start:' | tr '\n' ';' | sed 's/\[scxx\] kernel features: *//')"
    # Verified instructions per program, against the recorded ones.
    insns=$(grep -oE 'verified instructions: .*' "$LOG" | cut -d: -f2-)
    put "${mode}_verified" "$(echo "$insns" | xargs)"
    grep -qE "^$SERIES $mode " "$RECORDED" 2>/dev/null ||
        log "note: no verified-instruction counts recorded for $SERIES $mode mode in $RECORDED (scripts/kernels.sh records them)"
    for pair in $insns; do
        prog=${pair%=*} n=${pair#*=}
        [ "$prog" = total ] && continue
        rec=$(awk -v s="$SERIES" -v m="$mode" -v p="$prog" '$1 == s && $2 == m && $3 == p {print $4}' "$RECORDED" 2>/dev/null)
        if [ -n "$rec" ] && [ "$n" -gt $(( rec * 3 / 2 )) ]; then
            kill -INT "$pid"
            fail "$mode mode: $prog needs $n verified instructions, past 1.5x of the $rec recorded for $SERIES ($RECORDED)"
        fi
    done
    if [ "$DEPTH" = matrix ]; then
        put "${mode}_hackbench_s" "$(hb)"
        put "${mode}_pipe_us" "$(pipe_us)"
    else
        hackbench -g 2 -l 50 >/dev/null || { cat "$LOG"; fail "$mode mode: hackbench failed"; }
    fi
    if [ "$DEPTH" = matrix ] && [ "$mode" = user ]; then
        # The agent stopped for 5 s under hackbench: BPF takes over.
        ( hackbench -g 4 -l 200 >/dev/null ) &
        load=$!
        sleep 1
        kill -STOP "$pid"
        for _ in $(seq 10); do
            [ "$(sched_state)" = enabled ] || { kill -CONT "$pid"; cat "$LOG"; fail "unloaded while the agent was stopped"; }
            sleep 0.5
        done
        kill -CONT "$pid"
        wait "$load" || fail "hackbench failed around the agent's stop"
        # A CPU offline and back: the kernel asks for a restart, scxx reloads.
        if [ -w /sys/devices/system/cpu/cpu1/online ]; then
            echo 0 >/sys/devices/system/cpu/cpu1/online
            sleep 2
            echo 1 >/sys/devices/system/cpu/cpu1/online
            sleep 2
            expect_attached scxx
            put hotplug_reloads "$(grep -c 'reloading' "$LOG")"
        fi
    fi
    if [ "$(sched_state)" != enabled ] || [ "$(sched_ops)" != scxx ]; then cat "$LOG"; fail "$mode mode: not attached after the load"; fi
    kill -INT "$pid"
    wait "$pid" || { cat "$LOG"; fail "$mode mode: scxx exited with an error"; }
    grep -q 'exit kind=unregistered' "$LOG" || { cat "$LOG"; fail "$mode mode: no clean exit"; }
    wait_state disabled 5 || fail "$mode mode: state '$(sched_state)' after detach"
    put "${mode}_longest_wait_ms" "$(grep -oE 'waits: longest [0-9]+' "$LOG" | grep -oE '[0-9]+' | sort -n | tail -n 1)"
    put "${mode}_starved" "$(grep -oE '[0-9]+ moved ahead' "$LOG" | grep -oE '^[0-9]+' | awk '{s += $1} END {print s + 0}')"
    put "${mode}_long_waits" "$(stat_of "$LOG" long_waits)"
    put "${mode}_agent_stalls" "$(stat_of "$LOG" agent_stalls)"
    log "$mode mode: attached, scheduled, detached cleanly ($(grep -oE 'loaded in [0-9]+ ms' "$LOG"))"
done

if [ "$DEPTH" = matrix ]; then
    put eevdf_hackbench_s "$(hb)"
    put eevdf_pipe_us "$(pipe_us)"
fi

# Every warning the kernel printed while scxx ran (the boot's own are gone).
warnings=$(kernel_warnings)
put warnings "$(echo -n "$warnings" | grep -c . || true)"
[ -z "$warnings" ] || { echo "$warnings"; fail "the kernel printed warnings while scxx ran"; }
cat "$OUT"
log "PASS: kernel $KVER: both modes attached, scheduled and detached cleanly, 0 kernel warnings"
