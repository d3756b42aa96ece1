#!/usr/bin/env bash
# Long soak of every scheduling mode in one sched_ext VM boot (see
# tests/vm/soak.sh for what is checked). Run as root from anywhere:
#
#   scripts/soak.sh [--minutes M] [--cpus N] [--no-setup] [MODE...]
#
# M minutes in all (default 10), split evenly over the modes (default:
# gthulhu fifo vtime kernel). The test suite runs a 2-minute version
# (vm.soak_short). Prints every mode's verdict and totals; exit status 0
# only if every mode passed.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10 cpus=2 setup=1
while [ $# -gt 0 ]; do
    case $1 in
        --minutes) minutes=${2:?--minutes needs a number}; shift 2 ;;
        --cpus) cpus=${2:?--cpus needs a number}; shift 2 ;;
        --no-setup) setup=0; shift ;;
        -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "soak: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "soak: --minutes must be a positive number" >&2; exit 2; }
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(gthulhu fifo vtime kernel)
if [ "$setup" = 1 ]; then
    scripts/setup.sh
    scripts/build.sh
fi
BUILD=${SCXX_BUILD_DIR:-build}
per_mode=$((minutes * 60 / ${#modes[@]}))
echo "[soak] ${modes[*]}: ${per_mode} s each on $cpus vCPUs ($(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%FT%TZ))"
exec tools/vm/scxx-vm --cpus "$cpus" --timeout $((minutes * 60 + 600)) -- \
    tests/vm/soak.sh "$PWD/$BUILD/src/daemon/scxx" "$PWD/$BUILD/tests/vm_bin/spin_threads" "$per_mode" "${modes[@]}"
