# shellcheck shell=bash
# Sourced by scripts that start scxx inside the VM (calibrate.sh,
# measure-costs.sh, vm-demo.sh). Needs BIN, the scxx binary.

# scxx_start LOG ARGS...: `scxx run ARGS` in the background, its output in
# LOG and its pid in SCXX_PID; waits up to 10 s for sched_ext to say
# enabled. Fails unless scxx is the scheduler then.
scxx_start() {
    local log=$1 _
    shift
    "$BIN" run "$@" >"$log" 2>&1 &
    SCXX_PID=$!
    for _ in $(seq 100); do
        [ "$(cat /sys/kernel/sched_ext/state)" = enabled ] && break
        sleep 0.1
    done
    [ "$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)" = scxx ]
}

# scxx_stop: detach it (SIGINT) and return its exit status.
scxx_stop() {
    kill -INT "$SCXX_PID"
    wait "$SCXX_PID"
}
