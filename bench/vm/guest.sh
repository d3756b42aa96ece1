#!/usr/bin/env bash
# Runs inside ONE sched_ext guest boot (started by scripts/bench.sh through
# tools/vm/scxx-vm): every workload under every configuration, in order
#   EEVDF, scxx user mode (each policy), scxx kernel mode, scxx-minimal, EEVDF.
#
#   bench/vm/guest.sh OUT_DIR
#
# OUT_DIR is shared read-write with the host and holds params.env (written by
# scripts/bench.sh). This script only measures and records raw data; all
# parsing and statistics happen on the host in bench/vm/report.py:
#   OUT_DIR/guest.txt        guest facts (kernel, CPUs, tool versions)
#   OUT_DIR/events.jsonl     one JSON object per sample / configuration
#   OUT_DIR/raw/<config>/    workload outputs and the timestamped agent log
# Nothing here is an assertion: a configuration that fails is recorded as
# failed (with the reason) and the run goes on.
set -uo pipefail

OUT=${1:?usage: guest.sh OUT_DIR}
# shellcheck source=/dev/null
. "$OUT/params.env"
: "${REPS:=5}" "${CONFIGS:=eevdf-1 user-gthulhu user-gthulhu-policy user-fifo user-vtime kernel minimal eevdf-2}"
: "${WORKLOADS:=hackbench messaging pipe switch latency}" "${STATS_INTERVAL:=0.25}" "${WL_TIMEOUT:=180}"
: "${HB_GROUPS:=4}" "${HB_LOOPS:=100}" "${MSG_GROUPS:=4}" "${MSG_LOOPS:=100}" "${PIPE_LOOPS:=20000}"
: "${SWITCH_SECS:=3}" "${LAT_SECS:=5}" "${LAT_INTERVAL_US:=1000}" "${LAT_HIST_US:=250000}"
: "${SCXX_BIN:=build/src/daemon/scxx}" "${MINIMAL_BIN:=build/src/minimal/scxx-minimal}"

EVENTS=$OUT/events.jsonl
NCPU=$(nproc)
STATE_FILE=/sys/kernel/sched_ext/state
OPS_FILE=/sys/kernel/sched_ext/root/ops

say() { printf '[bench] %s\n' "$*"; }
now() { printf '%s' "$EPOCHREALTIME"; }
state() { cat "$STATE_FILE" 2>/dev/null || echo missing; }
ops() { cat "$OPS_FILE" 2>/dev/null || true; }
# A child that exited stays a zombie until waited for, so kill -0 is not enough.
alive() {
    local st
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

json_str() { # minimal JSON string escaping for short single-line text
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\t'/ }
    s=${s//$'\n'/ }
    s=${s//$'\r'/}
    printf '"%s"' "$s"
}

# --- guest facts ---------------------------------------------------------------
{
    echo "guest_kernel=$(uname -r)"
    echo "guest_cpus=$NCPU"
    echo "guest_cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "guest_mem_kb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
    echo "sched_ext_state_at_start=$(state)"
    echo "clk_tck=$(getconf CLK_TCK)"
    echo "hackbench_version=$(hackbench --help 2>&1 | head -n1 | tr -d '\r')"
    echo "cyclictest_version=$(cyclictest --help 2>&1 | awk '/^cyclictest V/ {print $3; exit}')"
    echo "stress_ng_version=$(stress-ng --version 2>&1 | awk '{print $3; exit}' | tr -d ,)"
    echo "perf_version=$(perf --version 2>&1 | awk '{print $3}')"
} >"$OUT/guest.txt"
say "guest: kernel $(uname -r), $NCPU CPUs, sched_ext $(state)"

# --- agent bookkeeping ------------------------------------------------------------
AGENT_PID=""   # pid of the running scheduler process (scxx configurations)
AGENT_LOG=""

# "<utime+stime ticks> <minflt> <majflt> <runtime ns summed over threads>"
agent_snapshot() {
    local pid=$1 ticks=0 minf=0 majf=0 ns=0 f
    if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
        # the comm field cannot hold spaces here (scxx, scxx-minimal)
        read -r -a f <"/proc/$pid/stat" || true
        minf=${f[9]:-0} majf=${f[11]:-0} ticks=$(( ${f[13]:-0} + ${f[14]:-0} ))
        for t in /proc/"$pid"/task/*/schedstat; do
            read -r r _ <"$t" 2>/dev/null && ns=$((ns + r))
        done
    fi
    printf '%s %s %s %s' "$ticks" "$minf" "$majf" "$ns"
}

# The wait histograms of a running scxx (`scxx ctl --json stats`), as a JSON
# object of three arrays; null for scxx-minimal or an API that did not answer.
api_waits() {
    local j
    [ "$1" = minimal ] && { printf null; return; }
    j=$("$SCXX_BIN" ctl --json stats 2>/dev/null) || { printf null; return; }
    python3 -c 'import json, sys
s = json.load(sys.stdin)
print(json.dumps({k: s.get(k + "_us_log2") for k in ("waits", "waits_to_decision", "waits_after_decision")}))' \
        <<<"$j" 2>/dev/null || printf null
}

# The API call costs the agent CPU time: it is made before the "pre" reading
# and after the "post" one, outside the workload's window.
snapshot_json() { # name pid [kind] -> ,"name":{...}
    local a waits=null
    [ "$1" = pre ] && waits=$(api_waits "${3:-minimal}")
    read -r -a a <<<"$(agent_snapshot "$2")"
    [ "$1" = post ] && waits=$(api_waits "${3:-minimal}")
    printf ',"%s":{"t":%s,"ticks":%s,"minflt":%s,"majflt":%s,"run_ns":%s,"waits":%s}' \
        "$1" "$(now)" "${a[0]}" "${a[1]}" "${a[2]}" "${a[3]}" "$waits"
}

# Is the configuration still in charge? Prints a reason when it is not.
check_config() {
    local kind=$1 expect_ops=$2 s
    s=$(state)
    if [ "$kind" = none ]; then
        [ "$s" = enabled ] && { echo "a sched_ext scheduler ($(ops)) is attached during the EEVDF pass"; return 1; }
        return 0
    fi
    if ! alive "$AGENT_PID"; then
        echo "scheduler process exited ($(agent_exit_reason))"
        return 1
    fi
    if [ "$s" != enabled ]; then
        echo "sched_ext state is '$s' ($(agent_exit_reason))"
        return 1
    fi
    if [ -n "$expect_ops" ] && [ "$(ops)" != "$expect_ops" ]; then
        echo "sched_ext ops is '$(ops)', expected '$expect_ops'"
        return 1
    fi
    return 0
}

agent_exit_reason() {
    [ -n "$AGENT_LOG" ] && [ -f "$AGENT_LOG" ] || { echo "no log"; return; }
    local l
    l=$(grep -E 'exit |error|scxx: |scxx-minimal: [a-z]' "$AGENT_LOG" | grep -v 't=[0-9]' | tail -n 2 |
        cut -d' ' -f2- | tr '\n' ' ')
    echo "${l:-no exit message in the log}"
}

start_agent() { # config kind -> sets AGENT_PID; returns 1 with the reason in REASON
    local cfg=$1 kind=$2
    local -a cmd
    case $kind in
        user)
            case $cfg in
                user-gthulhu-policy) cmd=("$SCXX_BIN" run --policy gthulhu --fast-path off --stats "$STATS_INTERVAL") ;;
                user-gthulhu-ring) cmd=("$SCXX_BIN" run --policy gthulhu --agent-wakeup ring --fast-path off --stats "$STATS_INTERVAL") ;;
                user-gthulhu-spin) cmd=("$SCXX_BIN" run --policy gthulhu --agent-wakeup ring --fast-path off --agent-spin-us "${BENCH_SPIN_US:-50}" --stats "$STATS_INTERVAL") ;;
                *) cmd=("$SCXX_BIN" run --policy "${cfg#user-}" --stats "$STATS_INTERVAL") ;;
            esac ;;
        kernel) cmd=("$SCXX_BIN" run --kernel-mode --stats "$STATS_INTERVAL") ;;
        minimal) cmd=("$MINIMAL_BIN") ;;
    esac
    AGENT_LOG=$OUT/raw/$cfg/agent.log
    echo "# command: ${cmd[*]}" >"$AGENT_LOG"
    # Every output line is prefixed with the guest's wall clock, so the
    # counters can be lined up with the workload windows afterwards.
    "${cmd[@]}" > >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >>"$AGENT_LOG") 2>&1 &
    AGENT_PID=$!
    for _ in $(seq 150); do # up to 15 s: BPF verification is slow under TCG
        if [ "$(state)" = enabled ]; then break; fi
        alive "$AGENT_PID" || break
        sleep 0.1
    done
    sleep 0.3
    if [ "$(state)" != enabled ] || ! alive "$AGENT_PID"; then
        sleep 0.5
        REASON="did not attach: state '$(state)', $(agent_exit_reason)"
        return 1
    fi
    return 0
}

stop_agent() { # SIGINT, wait for the process, then for state disabled
    local rc=0 note=""
    [ -n "$AGENT_PID" ] || return 0
    if alive "$AGENT_PID"; then
        kill -INT "$AGENT_PID" 2>/dev/null
        for _ in $(seq 200); do
            alive "$AGENT_PID" || break
            sleep 0.1
        done
        if alive "$AGENT_PID"; then
            note="did not exit 20 s after SIGINT; sent SIGKILL"
            kill -KILL "$AGENT_PID" 2>/dev/null
        fi
    fi
    wait "$AGENT_PID" 2>/dev/null; rc=$?
    for _ in $(seq 100); do
        case $(state) in disabled|missing) break ;; esac
        sleep 0.1
    done
    [ "$(state)" = disabled ] || note="$note; state still '$(state)' 10 s after stop"
    sleep 0.3 # let the logger drain
    AGENT_STOP_RC=$rc AGENT_STOP_NOTE=$note
    AGENT_PID=""
}

# --- workloads -----------------------------------------------------------------
# Each writes the tool's output to $2 and returns the tool's status.
wl_hackbench() { timeout -k 5 "$WL_TIMEOUT" hackbench -P -g "$HB_GROUPS" -l "$HB_LOOPS" >"$1" 2>&1; }
wl_messaging() { timeout -k 5 "$WL_TIMEOUT" perf bench sched messaging -g "$MSG_GROUPS" -l "$MSG_LOOPS" >"$1" 2>&1; }
wl_pipe() { timeout -k 5 "$WL_TIMEOUT" perf bench sched pipe -l "$PIPE_LOOPS" >"$1" 2>&1; }
wl_switch() {
    timeout -k 5 "$WL_TIMEOUT" stress-ng --switch "$NCPU" --timeout "${SWITCH_SECS}s" --metrics-brief >"$1" 2>&1
}
# cyclictest as an ordinary SCHED_OTHER task (-p 0 --policy=other: without
# --policy, -h would silently switch it to SCHED_FIFO) while one CPU hog per
# CPU keeps every CPU busy. Only non-empty histogram rows are kept.
wl_latency() {
    local out=$1 hog rc cls
    stress-ng --cpu "$NCPU" --timeout "$((LAT_SECS + 10))s" --quiet >/dev/null 2>&1 &
    hog=$!
    sleep 1
    timeout -k 5 "$WL_TIMEOUT" cyclictest -m -q -p 0 --policy=other -t "$NCPU" \
        -i "$LAT_INTERVAL_US" -D "$LAT_SECS" -h "$LAT_HIST_US" 2>&1 |
        awk '/^#/ || /^[a-z]/ {print; next} {for (i = 2; i <= NF; i++) if ($i + 0 > 0) {print; next}}' \
        >"$out" &
    rc=$!
    sleep 1
    cls=$(ps -L -o cls= -C cyclictest 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')
    echo "# thread classes (count class): $cls" >>"$out.classes"
    wait "$rc"; rc=$?
    kill "$hog" 2>/dev/null
    pkill -P "$hog" 2>/dev/null # only the hog's own workers
    wait "$hog" 2>/dev/null
    return $rc
}

# --- main loop -----------------------------------------------------------------
read -r -a CONFIG_LIST <<<"$CONFIGS"
read -r -a WORKLOAD_LIST <<<"$WORKLOADS"
NCONF=${#CONFIG_LIST[@]}
BENCH_T0=$(now)
total_samples=$((NCONF * ${#WORKLOAD_LIST[@]} * REPS))
done_samples=0
say "plan: ${NCONF} configurations x ${#WORKLOAD_LIST[@]} workloads x $REPS reps = $total_samples samples"
say "sizes: hackbench -P -g $HB_GROUPS -l $HB_LOOPS | perf messaging -g $MSG_GROUPS -l $MSG_LOOPS |" \
    "perf pipe -l $PIPE_LOOPS | stress-ng --switch $NCPU ${SWITCH_SECS}s |" \
    "cyclictest -p 0 --policy=other -t $NCPU -i $LAT_INTERVAL_US -D $LAT_SECS under stress-ng --cpu $NCPU"

ci=0
for cfg in "${CONFIG_LIST[@]}"; do
    ci=$((ci + 1))
    mkdir -p "$OUT/raw/$cfg"
    case $cfg in
        eevdf*) kind=none expect_ops="" ;;
        user-*) kind=user expect_ops=scxx ;;
        kernel) kind=kernel expect_ops=scxx ;;
        minimal) kind=minimal expect_ops=scxx_minimal ;;
        *) say "unknown configuration $cfg"; continue ;;
    esac
    tag="[$ci/$NCONF $cfg]"
    cfg_t0=$(now)

    # availability
    # The help is read whole first: grep -q stops reading at the first
    # match, and with pipefail the writer's SIGPIPE would fail the test.
    if [ "$kind" = kernel ] && ! grep -q -- '--kernel-mode' <<<"$("$SCXX_BIN" run --help 2>&1)"; then
        say "$tag not available: 'scxx run --help' does not list --kernel-mode"
        printf '{"type":"config","config":"%s","status":"not available","reason":"scxx run --help does not list --kernel-mode"}\n' "$cfg" >>"$EVENTS"
        done_samples=$((done_samples + ${#WORKLOAD_LIST[@]} * REPS))
        continue
    fi
    if [ "$kind" = minimal ] && [ ! -x "$MINIMAL_BIN" ]; then
        say "$tag not available: $MINIMAL_BIN missing"
        printf '{"type":"config","config":"%s","status":"not available","reason":%s}\n' "$cfg" "$(json_str "$MINIMAL_BIN is missing")" >>"$EVENTS"
        done_samples=$((done_samples + ${#WORKLOAD_LIST[@]} * REPS))
        continue
    fi

    status=ok reason=""
    if [ "$kind" != none ]; then
        say "$tag attaching"
        REASON=""
        if ! start_agent "$cfg" "$kind"; then
            status=failed reason=$REASON
            say "$tag FAILED: $reason"
            stop_agent
        else
            say "$tag attached (ops $(ops)); warm-up"
            wl_hackbench "$OUT/raw/$cfg/warmup-hackbench.out" || true
            wl_pipe "$OUT/raw/$cfg/warmup-pipe.out" || true
            if ! reason=$(check_config "$kind" "$expect_ops"); then
                status=failed
                say "$tag FAILED during warm-up: $reason"
            fi
        fi
    else
        if ! reason=$(check_config none ""); then
            status=failed
            say "$tag FAILED: $reason"
        fi
    fi
    warm=""
    [ "$kind" != none ] && [ "$status" = ok ] && warm=$(snapshot_json after_warmup "$AGENT_PID")

    if [ "$status" = ok ]; then
        for wl in "${WORKLOAD_LIST[@]}"; do
            for rep in $(seq "$REPS"); do
                done_samples=$((done_samples + 1))
                out=$OUT/raw/$cfg/$wl.$rep.out
                pre="" post=""
                [ "$kind" != none ] && pre=$(snapshot_json pre "$AGENT_PID" "$kind")
                t0=$(now)
                "wl_$wl" "$out"; rc=$?
                t1=$(now)
                [ "$kind" != none ] && post=$(snapshot_json post "$AGENT_PID" "$kind")
                valid=true why=""
                if ! why=$(check_config "$kind" "$expect_ops"); then valid=false; fi
                [ $rc -ne 0 ] && { valid=false; why="${why:+$why; }workload exit status $rc"; }
                printf '{"type":"sample","config":"%s","workload":"%s","rep":%d,"start":%s,"end":%s,"rc":%d,"valid":%s,"why":%s,"out":"raw/%s/%s.%d.out"%s%s}\n' \
                    "$cfg" "$wl" "$rep" "$t0" "$t1" "$rc" "$valid" "$(json_str "$why")" "$cfg" "$wl" "$rep" "$pre" "$post" >>"$EVENTS"
                elapsed=$(awk -v a="$BENCH_T0" -v b="$t1" 'BEGIN {printf "%d", b - a}')
                brief=$(awk '/^Time:/ {print $2 " s"} /Total time:/ {print $3 " s"} /ops\/sec/ {print $1 " ops/s"}
                             / switch / && $5 ~ /^[0-9]+$/ && $10 ~ /^[0-9.]+$/ {print $9 " bogo-ops/s"}
                             /^# Max Latencies/ {m = 0; for (i = 4; i <= NF; i++) if ($i + 0 > m) m = $i + 0; print "max " m " us"}' "$out" 2>/dev/null | tail -n 1)
                say "$tag $wl rep $rep/$REPS: ${brief:-no result} ($(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s wall; sample $done_samples/$total_samples; ${elapsed} s elapsed)${why:+ [$why]}"
                if [ "$valid" = false ] && [ "$kind" != none ] && ! check_config "$kind" "$expect_ops" >/dev/null; then
                    status=failed reason=$why
                    say "$tag FAILED mid-run: $why; skipping the rest of this configuration"
                    break 2
                fi
            done
        done
    fi
    end_snap=""
    if [ "$kind" != none ] && [ -n "$AGENT_PID" ]; then
        end_snap=$(snapshot_json at_end "$AGENT_PID")
        say "$tag stopping the scheduler (SIGINT)"
        stop_agent
        [ -n "$AGENT_STOP_NOTE" ] && say "$tag stop: $AGENT_STOP_NOTE"
        [ "$status" = failed ] && reason="$reason; scheduler exit status $AGENT_STOP_RC"
        end_snap="$end_snap,\"stop_rc\":$AGENT_STOP_RC,\"stop_note\":$(json_str "$AGENT_STOP_NOTE")"
    fi
    if [ "$kind" = none ] && [ "$(state)" != disabled ]; then
        say "$tag warning: sched_ext state is '$(state)' at the end of an EEVDF pass"
    fi
    printf '{"type":"config","config":"%s","status":"%s","reason":%s,"start":%s,"end":%s%s%s}\n' \
        "$cfg" "$status" "$(json_str "$reason")" "$cfg_t0" "$(now)" "$warm" "$end_snap" >>"$EVENTS"
    say "$tag done: $status"
done
say "all configurations done in $(awk -v a="$BENCH_T0" -v b="$(now)" 'BEGIN {printf "%d", b - a}') s"
exit 0
