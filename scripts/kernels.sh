#!/usr/bin/env bash
# The kernel matrix: scxx on every Debian kernel series with sched_ext that
# scripts/lib/kernels.txt lists, one VM boot each (tests/vm/kernel_check.sh
# with SCXX_CHECK_DEPTH=matrix: both modes, hackbench and a pipe ping-pong against
# EEVDF in the same boot, the waits, a 5 s SIGSTOP of the agent, a CPU
# offline and back, the kernel log checked for warnings). Writes
# docs/KERNELS.md and the verified-instruction counts the suite's smoke test
# compares with (tests/vm/verified_insns.txt). Takes about 3 minutes per
# kernel here.
#   scripts/kernels.sh                every series
#   scripts/kernels.sh 6.18 7.3       only these (the report keeps the others' rows)
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;; esac
mapfile -t ALL < <(awk '!/^#/ && NF {print $1}' scripts/lib/kernels.txt)
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=("${ALL[@]}")
setup_args=()
for s in "${SERIES[@]}"; do setup_args+=(--kernel "$s"); done
scripts/setup.sh "${setup_args[@]}"
scripts/build.sh
BUILD=${SCXX_BUILD_DIR:-build}
RESULTS=${SCXX_KERNELS_RESULTS:-$PWD/$BUILD/kernels}
mkdir -p "$RESULTS"
failed=()
for s in "${SERIES[@]}"; do
    echo "[kernels] $s: $(cat "${SCXX_CACHE:-/var/cache/scxx}/kernels/$s/version")"
    rm -f "$RESULTS/kernel-$s.txt"
    if ! SCXX_CHECK_DEPTH=matrix tools/vm/scxx-vm --kernel "$s" --cpus 2 --timeout 900 --results "$RESULTS" -- \
            tests/vm/kernel_check.sh "$BUILD/src/daemon/scxx" 2>&1 | tee "$RESULTS/kernel-$s.log"; then
        failed+=("$s")
    fi
    [ -s "$RESULTS/kernel-$s.txt" ] || echo "error=no results (see $RESULTS/kernel-$s.log)" >"$RESULTS/kernel-$s.txt"
done
# The raw results of every series are kept, so a partial run keeps the rest.
mkdir -p docs/results/kernels
for s in "${SERIES[@]}"; do cp "$RESULTS/kernel-$s.txt" docs/results/kernels/; done
python3 scripts/lib/kernels_report.py docs/results/kernels docs/KERNELS.md tests/vm/verified_insns.txt "${ALL[@]}"
echo "[kernels] wrote docs/KERNELS.md and tests/vm/verified_insns.txt"
[ ${#failed[@]} -eq 0 ] || { echo "[kernels] FAILED on: ${failed[*]}" >&2; exit 1; }
