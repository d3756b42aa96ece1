#!/usr/bin/env bash
# A SIGINT or SIGTERM at any moment of `scxx run`'s start-up stops it:
# nothing stays attached, it says what it was doing, and it exits 0 (a clean
# stop) within a second of the step it was in (a load in progress, the
# kernel's verifier, finishes first). The signal is sent as soon as scxx
# announces each start-up step ("[scxx] start: ..."), and once after it has
# attached; SIGINT and SIGTERM in turn. scxx is started in the background of
# this non-interactive shell, so it inherits SIGINT ignored, as under a
# script or a service manager: the case where a signal used to be lost.
# Usage (inside the VM): start_signals.sh PATH/TO/scxx
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: $0 scxx}
LOG=$(mktemp)
# The moments, as the line scxx prints when it enters them.
MOMENTS=("start: checking the kernel" "start: opening the store" "start: locking memory"
         "start: starting threads" "start: loading the BPF program" "start: attaching"
         "attached:")
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

n=0
for moment in "${MOMENTS[@]}"; do
    sig=INT
    [ $((n % 2)) = 1 ] && sig=TERM
    n=$((n + 1))
    [ "$(sched_state)" = disabled ] || fail "state '$(sched_state)' before the run for '$moment'"
    "$BIN" run >"$LOG" 2>&1 &
    pid=$!
    for _ in $(seq 3000); do
        grep -qF "[scxx] $moment" "$LOG" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    grep -qF "[scxx] $moment" "$LOG" || { cat "$LOG"; fail "scxx never printed '$moment'"; }
    [ "$moment" = "attached:" ] && sleep 1
    t0=$(now_ms)
    kill -"$sig" "$pid"
    # Bounded: the load may finish first, then one second.
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        cat "$LOG"
        fail "SIG$sig at '$moment': still running 15 s later"
    fi
    rc=0
    wait "$pid" || rc=$?
    took=$(( $(now_ms) - t0 ))
    [ "$rc" = 0 ] || { cat "$LOG"; fail "SIG$sig at '$moment': exit status $rc, not 0 (a clean stop)"; }
    wait_state disabled 5 || { cat "$LOG"; fail "SIG$sig at '$moment': state '$(sched_state)' after scxx exited"; }
    said=$(grep -E '^\[scxx\] (signal|stopped before)' "$LOG" | tr '\n' ' ')
    [ -n "$said" ] || { cat "$LOG"; fail "SIG$sig at '$moment': scxx did not say what it was doing"; }
    # One second after the step the signal landed in: a step in progress
    # (locking memory, the verifier's load: seconds under emulation)
    # finishes first. scxx prints how long each step took; every step from
    # the signalled moment on may have been in progress.
    steps_ms=$(sed -n "/\[scxx\] ${moment//\//\\/}/,\$p" "$LOG" | grep -oE 'took [0-9]+ ms' | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
    limit=$(( 1000 + ${steps_ms:-0} ))
    [ "$took" -le "$limit" ] || { cat "$LOG"; fail "SIG$sig at '$moment': took $took ms to stop (limit $limit ms)"; }
    log "SIG$sig at '$moment': stopped in $took ms (limit $limit ms), status 0, state disabled; it said: $said"
done
log "PASS: a signal at each of ${#MOMENTS[@]} moments of start-up stopped scxx cleanly"
