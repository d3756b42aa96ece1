#!/usr/bin/env bash
# A burst of runnable threads released at once must never get scxx unloaded,
# and their waits stay within the documented bound (docs/RELIABILITY.md,
# "Bursts"). In one boot: EEVDF first (the same burst, the reference), then
# scxx in each MODE; in each, burst_threads releases THREADS threads from a
# barrier and each spins for SECONDS. Fails on any state but enabled/scxx
# while scxx runs, a thread that does not finish, an unclean exit, or a
# longest wait (measured inside the threads, the same way under EEVDF) past
# the bound. Mode "stalled" is the defaults with the agent stopped
# (SIGSTOP) for 2 s in the middle of the burst: BPF must take back every
# task the agent held, within the dispatch slots the kernel gives.
# Each mode runs as root and as user nobody (USERS="root nobody"), or with
# USERS=alternate, root and nobody in turn (the suite's short version).
# Usage (inside the VM): burst.sh PATH/TO/scxx PATH/TO/burst_threads THREADS SECONDS MODE...
#   MODE: default | fast-path-off | kernel | stalled
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx burst_threads threads seconds mode...}
BURST=${2:?usage}
THREADS=${3:?usage}
SECS=${4:?usage}
shift 4
[ $# -gt 0 ] || fail "no mode given"
USERS=${USERS:-alternate}
CPUS=$(nproc)
RESULTS=${SCXX_VM_RESULTS:-/tmp}/burst-${CPUS}cpu.txt
: >"$RESULTS"

# The bound (docs/RELIABILITY.md, "Bursts"): the starvation guard's period
# and scan (250 + 100 ms) plus every other runnable thread of the CPU
# running once, 1.5 x N/C rounds of at least a tick (a slice ends only at a
# tick, 4 ms at HZ=250). Under emulation one round takes longer than a tick
# for every scheduler (EEVDF itself waited 6.5 ms per thread of its CPU
# here), so where EEVDF's own longest wait in this boot exceeds the tick
# formula, the bound is 1.25 x EEVDF's plus the guard's 350 ms.
TICK_MS=4
bound_ms() {
    local ticks=$(( 350 + THREADS * TICK_MS * 3 / (2 * CPUS) )) rel=$(( 350 + eevdf * 5 / 4 ))
    echo $(( ticks > rel ? ticks : rel ))
}

as_user() { # USER CMD...
    if [ "$1" = root ]; then shift; "$@"; else shift; setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; fi
}
# What burst_threads printed: the longest wait of a running thread for its
# CPU, and the longest time from the release to a thread's first run.
longest() { grep -oE 'longest wait [0-9]+ ms' "$1" | grep -oE '[0-9]+'; }
first_run() { grep -oE 'longest start [0-9]+ ms' "$1" | grep -oE '[0-9]+'; }

run_burst() { # USER OUT: runs the burst, fails unless every thread finished
    as_user "$1" "$BURST" "$THREADS" "$SECS" >"$2" 2>&1 || { cat "$2"; return 1; }
}

log "EEVDF: $THREADS threads released at once, ${SECS} s each, on $CPUS CPUs"
OUT=$(mktemp)
chmod 666 "$OUT"
[ "$(sched_state)" = disabled ] || fail "a sched_ext scheduler is already attached"
run_burst nobody "$OUT" || fail "EEVDF: not every thread finished"
eevdf=$(longest "$OUT")
eevdf_start=$(first_run "$OUT")
log "EEVDF: $(cat "$OUT")"
echo "eevdf threads=$THREADS cpus=$CPUS longest_wait_ms=$eevdf first_run_ms=$eevdf_start" >>"$RESULTS"

turn=0
for mode in "$@"; do
    case $mode in
        default) args=() ;;
        stalled) args=() ;;
        fast-path-off) args=(--fast-path off) ;;
        kernel) args=(--kernel-mode) ;;
        *) fail "unknown mode $mode" ;;
    esac
    if [ "$USERS" = alternate ]; then
        if [ $((turn % 2)) = 0 ]; then users=root; else users=nobody; fi
    else
        users=$USERS
    fi
    turn=$((turn + 1))
    for user in $users; do
        LOG=$(mktemp)
        "$BIN" run --stats 1 "${args[@]}" >"$LOG" 2>&1 &
        pid=$!
        expect_attached scxx
        run_burst "$user" "$OUT" &
        burst=$!
        stopper=""
        if [ "$mode" = stalled ]; then
            # Stopped in the real-time class, which sched_ext does not
            # schedule: with the agent stopped, nothing scxx schedules would
            # get to send SIGCONT.
            chrt -f 10 bash -c "sleep $((SECS / 2)); kill -STOP $pid; sleep 2; kill -CONT $pid" &
            stopper=$!
        fi
        while kill -0 "$burst" 2>/dev/null; do
            if [ "$(sched_state)" != enabled ] || [ "$(sched_ops)" != scxx ]; then
                kill -CONT "$pid" 2>/dev/null
                sleep 1
                cat "$LOG"
                fail "$mode as $user: state '$(sched_state)' ops '$(sched_ops)' during the burst"
            fi
            sleep 0.5
        done
        wait "$burst" || { cat "$LOG"; fail "$mode as $user: not every thread finished"; }
        [ -z "$stopper" ] || wait "$stopper"
        kill -INT "$pid"
        wait "$pid" || { cat "$LOG"; fail "$mode as $user: scxx exited with an error"; }
        grep -q 'exit kind=unregistered' "$LOG" || { cat "$LOG"; fail "$mode as $user: no clean exit: the scheduler was unloaded"; }
        ms=$(longest "$OUT")
        totals=$(grep 'totals:' "$LOG" | tail -n 1)
        waits=$(grep '\[scxx\] waits:' "$LOG" | tail -n 1 | sed 's/; last:.*//')
        stat() { echo "$totals" | grep -oE "(^| )$1=[0-9]+" | cut -d= -f2; }
        if [ "$mode" = stalled ]; then
            [ "$(stat agent_stalls)" -ge 1 ] || { cat "$LOG"; fail "stalled: agent_stalls=$(stat agent_stalls), BPF never took over"; }
            [ "$(stat fallback)" -ge 1 ] || { cat "$LOG"; fail "stalled: fallback=$(stat fallback), BPF placed no task"; }
        fi
        log "$mode as $user: $(cat "$OUT")"
        log "$mode as $user: scxx ${waits#\[scxx\] }; agent_stalls=$(stat agent_stalls) fallback=$(stat fallback)"
        echo "$mode user=$user threads=$THREADS cpus=$CPUS longest_wait_ms=$ms first_run_ms=$(first_run "$OUT") eevdf_wait_ms=$eevdf eevdf_first_run_ms=$eevdf_start bound_ms=$(bound_ms) scxx_max_wait_ms=$(echo "$waits" | grep -oE 'longest [0-9]+' | grep -oE '[0-9]+') starved=$(echo "$waits" | grep -oE '[0-9]+ moved ahead' | grep -oE '[0-9]+')" >>"$RESULTS"
        [ "$ms" -le "$(bound_ms)" ] ||
            fail "$mode as $user: longest wait $ms ms, past the bound of $(bound_ms) ms (EEVDF: $eevdf ms)"
        rm -f "$LOG"
    done
done
log "results in $RESULTS:"
cat "$RESULTS"
log "PASS: $THREADS threads released at once on $CPUS CPUs in every mode ($*), attached throughout, every thread finished, every longest wait within $(bound_ms) ms (EEVDF $eevdf ms)"
