#!/usr/bin/env bash
# scxx against the kernel's default scheduler (EEVDF), side by side, in one
# sched_ext guest boot. Run as root from anywhere:
#
#   scripts/bench.sh [--reps N] [--quick] [--out DIR]
#
# Boots the VM once and, inside that boot, runs every workload under EEVDF,
# scxx user mode (gthulhu, fifo, vtime), scxx kernel mode, scxx-minimal and
# EEVDF again (see bench/vm/README.md and docs/PERFORMANCE.md). Results go to
# DIR (default bench-results/<timestamp>/): results.json, results.md, *.png.
#
# Options:
#   --reps N           repetitions of each measurement (default 5)
#   --quick            2 repetitions (a first look; --reps wins if also given)
#   --out DIR          results directory (created; default bench-results/<timestamp>)
#   --cpus N           guest CPUs (default 2)
#   --tcg-thread MODE  multi (default: vCPUs run in parallel) or single (in
#                      turn on one host thread; for comparison with old runs)
#   --configs "A B"    subset/order of: eevdf-1 user-gthulhu (default options:
#                      yield wake-up, fast path) user-gthulhu-policy (no fast
#                      path) user-gthulhu-ring (ring wake-up, no fast path)
#                      user-gthulhu-spin (the same plus a spin of BENCH_SPIN_US,
#                      default 50) user-fifo user-vtime kernel minimal eevdf-2
#                      (default: all but user-gthulhu-ring and -spin, in that
#                      order)
#   --workloads "A B"  subset of hackbench messaging pipe switch latency
#   --no-setup         skip scripts/setup.sh and scripts/build.sh
#   --report-only DIR  only (re)make results.json/.md and plots from DIR
#
# Environment: SCXX_CACHE as for tools/vm/scxx-vm; BENCH_HB_GROUPS,
# BENCH_HB_LOOPS, BENCH_MSG_GROUPS, BENCH_MSG_LOOPS, BENCH_PIPE_LOOPS,
# BENCH_SWITCH_SECS, BENCH_LAT_SECS override the workload sizes; BENCH_SPIN_US
# the agent's spin in user-gthulhu-spin.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
ORIG_ARGS="$*"

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 2; }

ALL_CONFIGS="eevdf-1 user-gthulhu user-gthulhu-policy user-gthulhu-ring user-gthulhu-spin user-fifo user-vtime kernel minimal eevdf-2"
# The default run: every configuration but the comparisons with older
# designs (--configs adds them).
DEFAULT_CONFIGS="eevdf-1 user-gthulhu user-gthulhu-policy user-fifo user-vtime kernel minimal eevdf-2"
ALL_WORKLOADS="hackbench messaging pipe switch latency"
reps="" quick=0 out="" cpus=2 tcg_thread=multi configs=$DEFAULT_CONFIGS workloads=$ALL_WORKLOADS setup=1 report_only=""
while [ $# -gt 0 ]; do
    case $1 in
        --reps) reps=${2:?--reps needs a number}; shift 2 ;;
        --quick) quick=1; shift ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --cpus) cpus=${2:?--cpus needs a number}; shift 2 ;;
        --tcg-thread) tcg_thread=${2:?--tcg-thread needs single or multi}; shift 2 ;;
        --configs) configs=${2:?}; shift 2 ;;
        --workloads) workloads=${2:?}; shift 2 ;;
        --no-setup) setup=0; shift ;;
        --report-only) report_only=${2:?--report-only needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
done
if [ -n "$report_only" ]; then
    exec python3 "$REPO/bench/vm/report.py" "$report_only"
fi
[ -z "$reps" ] && { [ "$quick" = 1 ] && reps=2 || reps=5; }
case $reps in ''|*[!0-9]*|0) die "--reps: expected a positive number: $reps" ;; esac
case $cpus in ''|*[!0-9]*|0) die "--cpus: expected a positive number: $cpus" ;; esac
case $tcg_thread in single|multi) ;; *) die "--tcg-thread: expected single or multi: $tcg_thread" ;; esac
for c in $configs; do
    case " $ALL_CONFIGS " in *" $c "*) ;; *) die "unknown configuration '$c' (known: $ALL_CONFIGS)" ;; esac
done
for w in $workloads; do
    case " $ALL_WORKLOADS " in *" $w "*) ;; *) die "unknown workload '$w' (known: $ALL_WORKLOADS)" ;; esac
done
[ "$(id -u)" = 0 ] || die "run as root (the VM harness and the set-up need it)"

if [ "$setup" = 1 ]; then
    scripts/setup.sh
    scripts/build.sh
fi
BUILD=${SCXX_BUILD_DIR:-build}
[ -x "$BUILD/src/daemon/scxx" ] || die "$BUILD/src/daemon/scxx is missing: run scripts/build.sh"

stamp=$(date +%Y%m%d-%H%M%S)
out=${out:-bench-results/$stamp}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -z "$(ls -A "$out")" ] || die "$out is not empty"
mkdir -p "$out/bin" "$out/raw"

# Snapshot the binaries: the build tree may be rebuilt while the guest runs.
cp "$BUILD/src/daemon/scxx" "$out/bin/scxx"
minimal_bin=$out/bin/scxx-minimal
if [ -x "$BUILD/src/minimal/scxx-minimal" ]; then
    cp "$BUILD/src/minimal/scxx-minimal" "$minimal_bin"
fi

CACHE=${SCXX_CACHE:-/var/cache/scxx}
accel_cached=$(head -n1 "$CACHE/vm/accel" 2>/dev/null || true)
{
    echo "date=$(date -Iseconds)"
    echo "command=scripts/bench.sh${ORIG_ARGS:+ $ORIG_ARGS}"
    echo "host_cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "host_cpus=$(nproc)"
    echo "host_kernel=$(uname -r)"
    echo "accel_cached=$accel_cached"
    echo "git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "git_dirty=$(git -C "$REPO" status --porcelain 2>/dev/null | grep -c . || true)"
    echo "qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n1)"
    echo "guest_cpus=$cpus"
    echo "tcg_thread=$tcg_thread"
} >"$out/host.txt"

# Workload sizes: chosen so that the default run (5 reps, 8 configurations,
# 2 vCPUs under TCG) stays well under an hour.
cat >"$out/params.env" <<EOF
REPS=$reps
CONFIGS="$configs"
WORKLOADS="$workloads"
SCXX_BIN=$out/bin/scxx
MINIMAL_BIN=$minimal_bin
STATS_INTERVAL=0.25
WL_TIMEOUT=180
HB_GROUPS=${BENCH_HB_GROUPS:-4}
HB_LOOPS=${BENCH_HB_LOOPS:-100}
MSG_GROUPS=${BENCH_MSG_GROUPS:-4}
MSG_LOOPS=${BENCH_MSG_LOOPS:-100}
PIPE_LOOPS=${BENCH_PIPE_LOOPS:-20000}
SWITCH_SECS=${BENCH_SWITCH_SECS:-3}
LAT_SECS=${BENCH_LAT_SECS:-5}
LAT_INTERVAL_US=1000
LAT_HIST_US=250000
BENCH_SPIN_US=${BENCH_SPIN_US:-50}
EOF

nconf=$(wc -w <<<"$configs") nwl=$(wc -w <<<"$workloads")
# Generous bound for the single boot: ~60 s per sample worst case + set-up.
timeout_s=$((300 + nconf * (90 + nwl * reps * 60)))
say "host: $(awk -F= '/^host_cpu_model/ {print $2}' "$out/host.txt"), kernel $(uname -r), accel (cached probe) ${accel_cached:-unknown}"
say "results: $out"
say "$nconf configurations x $nwl workloads x $reps reps in one boot ($cpus vCPUs, boot bound ${timeout_s} s)"

t0=$(date +%s)
vm_rc=0
SCXX_VM_LOG=$out/vm.log tools/vm/scxx-vm --cpus "$cpus" --tcg-thread "$tcg_thread" --mem 2G --timeout "$timeout_s" \
    --results "$out" -- bash "$REPO/bench/vm/guest.sh" "$out" || vm_rc=$?
wall=$(( $(date +%s) - t0 ))
{
    echo "vm_exit=$vm_rc"
    echo "vm_wall_s=$wall"
    echo "accel_used=$(sed -n 's/.* accel=\([a-z-]*\).*/\1/p' "$out/vm.log" 2>/dev/null | tail -n1)"
} >>"$out/host.txt"
[ "$vm_rc" = 0 ] || say "warning: the VM harness exited with status $vm_rc (see tools/vm/README.md); reporting what was recorded"
say "VM run took ${wall} s"

python3 "$REPO/bench/vm/report.py" "$out"
say "done: $out/results.md"
