#!/usr/bin/env bash
# Runs the vm stress test (tests/vm/sched_stress.sh) of each given mode many
# times in a row, one fresh VM boot per run, and counts what happened:
# passes, failures, watchdog exits (the kernel unloaded scxx) and boots that
# never reached the test (retried by the harness, counted here).
#
#   scripts/stress-repeat.sh [--runs N] [--cpus C] [--secs S] [--out DIR] MODE...
#   scripts/stress-repeat.sh --runs 10 gthulhu gthulhu-policy kernel
#   scripts/stress-repeat.sh --burst 3000 --runs 5 --cpus 2 --secs 10
#
# MODE: fifo, vtime, gthulhu, gthulhu-policy, gthulhu-ring, kernel (default: all but gthulhu-ring).
# With --burst THREADS it runs tests/vm/burst.sh instead: THREADS threads
# released at once, EEVDF first in each boot, then the modes default,
# fast-path-off, kernel and stalled, each as root and as nobody; every run's
# longest waits next to EEVDF's are in DIR/burst-results.txt.
# Every run's whole console (boot included) and the harness's boot log land in DIR (default
# build/stress-repeat-<date>); a summary table is printed at the end and
# written to DIR/summary.txt. Exit status 0 only if every run passed.
# Expects scripts/setup.sh and scripts/build.sh to have run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
BUILD=${SCXX_BUILD_DIR:-build}
runs=10 cpus=2 secs=30 out="" burst=0
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=${2:?--runs needs a number}; shift ;;
        --cpus) cpus=${2:?--cpus needs a number}; shift ;;
        --secs) secs=${2:?--secs needs a number}; shift ;;
        --out) out=${2:?--out needs a directory}; shift ;;
        --burst) burst=${2:?--burst needs a thread count}; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "stress-repeat: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
for v in "$runs" "$cpus" "$secs"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "stress-repeat: not a positive number: $v" >&2; exit 2; }
done
modes=("$@")
if [ "$burst" != 0 ]; then
    [[ $burst =~ ^[1-9][0-9]*$ ]] || { echo "stress-repeat: --burst: not a positive number: $burst" >&2; exit 2; }
    [ ${#modes[@]} -gt 0 ] || modes=(default fast-path-off kernel stalled)
    for m in "${modes[@]}"; do
        case $m in default | fast-path-off | kernel | stalled) ;;
            *) echo "stress-repeat: unknown burst mode $m" >&2; exit 2 ;; esac
    done
else
    [ ${#modes[@]} -gt 0 ] || modes=(fifo vtime gthulhu gthulhu-policy kernel)
    for m in "${modes[@]}"; do
        case $m in fifo | vtime | gthulhu | gthulhu-policy | gthulhu-ring | kernel) ;;
            *) echo "stress-repeat: unknown mode $m" >&2; exit 2 ;; esac
    done
fi
[ -x "$BUILD/src/daemon/scxx" ] || { echo "stress-repeat: build first (scripts/build.sh)" >&2; exit 2; }
out=${out:-$BUILD/stress-repeat-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
export SCXX_VM_LOG=$out/vm-boots.log
qemu=$(qemu-system-x86_64 --version | head -1)
echo "[stress-repeat] $runs runs x ${modes[*]} on $cpus vCPUs (${secs}s stress each); $qemu; logs in $out"

status=0
if [ "$burst" != 0 ]; then
    # All modes in one boot per run (EEVDF's reference is per boot).
    : >"$out/burst-results.txt"
    for ((i = 1; i <= runs; i++)); do
        log=$out/burst-$i.log
        t0=$SECONDS
        USERS="root nobody" tools/vm/scxx-vm --cpus "$cpus" --timeout 3000 --results "$out/run-$i" -- \
            tests/vm/burst.sh "$BUILD/src/daemon/scxx" "$BUILD/tests/vm_bin/burst_threads" "$burst" "$secs" "${modes[@]}" >"$log" 2>&1
        rc=$?
        [ $rc -eq 0 ] || status=1
        sed "s/^/run=$i /" "$out/run-$i/burst-${cpus}cpu.txt" >>"$out/burst-results.txt" 2>/dev/null
        echo "[stress-repeat] burst run $i/$runs: $([ $rc -eq 0 ] && echo PASS || echo "FAIL($rc)") in $((SECONDS - t0)) s: $(grep -E '^\[burst\] (PASS|FAIL)' "$log" | tail -1 | cut -c1-200)"
    done
    column -t "$out/burst-results.txt" | tee "$out/summary.txt"
    exit $status
fi

declare -A pass fail exits
for m in "${modes[@]}"; do
    pass[$m]=0 fail[$m]=0 exits[$m]=0
    for ((i = 1; i <= runs; i++)); do
        log=$out/$m-$i.log
        t0=$SECONDS
        tools/vm/scxx-vm --verbose --cpus "$cpus" --timeout 400 -- \
            tests/vm/sched_stress.sh "$BUILD/src/daemon/scxx" "$m" "$secs" >"$log" 2>&1
        rc=$?
        verdict=PASS
        if [ $rc -ne 0 ]; then verdict="FAIL($rc)"; fail[$m]=$((fail[$m] + 1)); status=1; else pass[$m]=$((pass[$m] + 1)); fi
        # A watchdog exit shows as an error exit record (kind >= 1024, e.g.
        # runnable-task-stall(1026)) or the kernel's message; a normal stop
        # prints "disabled (unregistered from user space)", which is not one.
        if grep -qE 'exit kind=[a-z-]+\(1[0-9]{3}\)|BPF scheduler "scxx" disabled \((runnable task stall|.*error)' "$log"; then
            exits[$m]=$((exits[$m] + 1))
            verdict+=" watchdog-exit"
        fi
        summary=$(grep -E '^\[sched_stress\] (PASS|FAIL)' "$log" | tail -1 | cut -c1-200)
        echo "[stress-repeat] $m run $i/$runs: $verdict in $((SECONDS - t0)) s: $summary"
    done
done

{
    echo "mode          runs  pass  fail  watchdog-exits   ($cpus vCPUs, ${secs}s stress, $qemu)"
    for m in "${modes[@]}"; do
        printf '%-13s %4d  %4d  %4d  %4d\n' "$m" "$runs" "${pass[$m]}" "${fail[$m]}" "${exits[$m]}"
    done
    echo "boots: $(wc -l <"$SCXX_VM_LOG") test runs, $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^boots=/) { split($i, a, "="); s += a[2] - 1 } } END { print s + 0 }' "$SCXX_VM_LOG") retried boots"
} | tee "$out/summary.txt"
exit $status
