#!/usr/bin/env bash
# scxx setup: installs everything the build and the three test tiers need on a
# Debian 12 machine, as root. Idempotent: every step checks before it acts and
# says what it does or skips.
#
#   scripts/setup.sh                 packages + libbpf + the default sched_ext kernel
#   scripts/setup.sh --kernel 6.18   ... and the kernel of another Debian series
#                                    (repeatable; scripts/lib/kernels.txt lists them)
#   scripts/setup.sh --all-kernels   ... and every supported series
#
# Environment:
#   SCXX_CACHE   where downloads and built artifacts live (default
#                /var/cache/scxx); kernels end up in $SCXX_CACHE/kernels/SERIES,
#                and $SCXX_CACHE/kernel points at the default one.
set -euo pipefail

CACHE=${SCXX_CACHE:-/var/cache/scxx}
MIRROR=${SCXX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

WANT_KERNELS=()
while [ $# -gt 0 ]; do
    case $1 in
        --kernel) [ $# -ge 2 ] || die "--kernel needs a series (see scripts/lib/kernels.txt)"
                  WANT_KERNELS+=("$2"); shift ;;
        --kernel=*) WANT_KERNELS+=("${1#*=}") ;;
        --all-kernels) mapfile -t -O "${#WANT_KERNELS[@]}" WANT_KERNELS < <(awk '!/^#/ && NF {print $1}' "$(dirname "$0")/lib/kernels.txt") ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $1 (see --help)" ;;
    esac
    shift
done
for k in "${WANT_KERNELS[@]}"; do
    awk -v k="$k" '$1 == k {found = 1} END {exit !found}' "$(dirname "$0")/lib/kernels.txt" ||
        die "--kernel $k: not a supported series; scripts/lib/kernels.txt lists: $(awk '!/^#/ && NF {printf "%s ", $1}' "$(dirname "$0")/lib/kernels.txt")"
done

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and writes $CACHE)"
command -v apt-get >/dev/null || die "needs a Debian system with apt-get"
mkdir -p "$CACHE"

# --- 1. Debian 12 packages (bpftool and perf from bookworm-backports) --------
BACKPORTS=/etc/apt/sources.list.d/scxx-bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    say "adding bookworm-backports (not preferred by default: only named packages come from it)"
    echo "deb $MIRROR bookworm-backports main" >"$BACKPORTS"
    rm -f "$CACHE/.apt-updated"
fi

PKGS=(build-essential cmake ninja-build pkg-config git ca-certificates curl
      clang-19 llvm-19 libclang-rt-19-dev libelf-dev zlib1g-dev dpkg-dev
      clang-format clang-tidy
      libgtest-dev libgmock-dev libbenchmark-dev
      libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
      libcpp-httplib-dev libseccomp-dev libsqlite3-dev libssl-dev openssl prometheus
      busybox-static zstd cpio xz-utils kmod
      rt-tests rt-app stress-ng gnuplot-nox procps util-linux python3)
# QEMU from backports (10.x): Debian 12's 7.2 panics guests in int3 text
# patching under multi-threaded TCG (4 of 8 boots with 10 scheduler
# attach/detach cycles each on 4 vCPUs; 10.0.2: 0 of 8), and the VM tests
# need vCPUs that really run in parallel.
BPO_PKGS=(bpftool linux-perf qemu-system-x86)
QEMU_MIN_MAJOR=8

missing=()
for p in "${PKGS[@]}" "${BPO_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
qemu_major=$( { dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true; } | sed -E 's/^[0-9]+://; s/[.].*//')
if [ -n "$qemu_major" ] && [ "$qemu_major" -lt "$QEMU_MIN_MAJOR" ] 2>/dev/null; then
    say "qemu-system-x86 $qemu_major.x is too old for multi-threaded TCG: upgrading from bookworm-backports"
    missing+=(qemu-system-x86)
fi
if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages: all installed, skipping"
else
    say "installing: ${missing[*]}"
    # A third-party source that cannot be reached must not stop the set-up.
    apt-get update -q || say "warning: apt-get update reported errors (continuing)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PKGS[@]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -t bookworm-backports "${BPO_PKGS[@]}"
fi

# --- 2. A private apt view of Debian (never the system's sources) ------------
# unstable (the default kernel, libbpf's source) and trixie-backports (the
# LTS and backported kernels of --kernel). Used only for `update`,
# `download` and `source --download-only`, so nothing from them is ever
# installed into the system.
PRIV=$CACHE/apt-unstable
mkdir -p "$PRIV/lists/partial" "$PRIV/archives/partial"
cat >"$PRIV/sources.list.new" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR unstable main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR unstable main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie-backports main
SRC
# A changed list of suites needs a fresh index.
cmp -s "$PRIV/sources.list.new" "$PRIV/sources.list" || rm -f "$PRIV/lists/"*Packages* 2>/dev/null
mv -f "$PRIV/sources.list.new" "$PRIV/sources.list"
PAPT=(-o Dir::Etc::SourceList="$PRIV/sources.list" -o Dir::Etc::SourceParts=/nonexistent
      -o Dir::State::Lists="$PRIV/lists" -o Dir::Cache::Archives="$PRIV/archives"
      -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1)
priv_update() {
    if [ -z "$(find "$PRIV/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        say "refreshing the private index of Debian unstable and trixie-backports"
        apt-get "${PAPT[@]}" update -q
    fi
}

# --- 3. libbpf >= 1.5 ----------------------------------------------------------
LIBBPF_DIR=$CACHE/libbpf
libbpf_ok() {
    local v; v=$(pkg-config --modversion libbpf 2>/dev/null || echo 0)
    dpkg --compare-versions "$v" ge 1.5
}
if libbpf_ok; then
    say "system libbpf $(pkg-config --modversion libbpf) is new enough, skipping"
elif [ -f "$LIBBPF_DIR/usr/lib64/libbpf.a" ] || [ -f "$LIBBPF_DIR/usr/lib/libbpf.a" ]; then
    say "libbpf already built in $LIBBPF_DIR, skipping"
else
    priv_update
    say "building a static libbpf from Debian's libbpf source package"
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get "${PAPT[@]}" source --download-only -q libbpf)
    dsc=$(ls "$work"/libbpf_*.dsc | head -1)
    dpkg-source --no-check -x "$dsc" "$work/src" >/dev/null
    make -s -C "$work/src/src" BUILD_STATIC_ONLY=1 OBJDIR="$work/obj" \
        DESTDIR="$LIBBPF_DIR" PREFIX=/usr install >/dev/null
    say "libbpf $(grep -h '^Version' "$LIBBPF_DIR"/usr/lib*/pkgconfig/libbpf.pc | head -1) in $LIBBPF_DIR"
    rm -rf "$work"; trap - EXIT
fi

# --- 4. sched_ext kernels for the VM, one directory per Debian series --------
# scripts/lib/kernels.txt lists the series scxx supports and the default one
# (the build's vmlinux.h and every VM test without --kernel). Each goes to
# $CACHE/kernels/SERIES (vmlinuz, the modules the guest needs, version,
# vmlinux.btf); $CACHE/kernel points at the default.
KERNELS_TXT=$(cd "$(dirname "$0")" && pwd -P)/lib/kernels.txt
DEFAULT_SERIES=$(awk '!/^#/ { for (i = 2; i <= NF; i++) if ($i == "default") print $1 }' "$KERNELS_TXT")
[ -n "$DEFAULT_SERIES" ] || die "$KERNELS_TXT names no default kernel"

# The newest Debian image of a series, e.g. 6.18 -> linux-image-6.18.15+deb13-amd64.
resolve_image() {
    local series=$1 re
    re="^linux-image-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-amd64\$"
    apt-cache "${PAPT[@]}" pkgnames linux-image- 2>/dev/null | grep -E "$re" | sort -V | tail -n 1
}

# fetch_kernel SERIES: downloads and unpacks the series' kernel (skipped when cached).
fetch_kernel() {
    local series=$1 dir=$CACHE/kernels/$1 img pkgs work vmlinuz kver m f
    if [ -f "$dir/vmlinuz" ] && [ -f "$dir/version" ] && [ -d "$dir/modules" ]; then
        say "kernel $series: $(cat "$dir/version") already in $dir, skipping"
        return
    fi
    priv_update
    img=$(resolve_image "$series")
    [ -n "$img" ] || die "no Debian kernel image of series $series in unstable or trixie-backports"
    say "kernel $series: $img"
    # Newer images are meta packages, split into binary + modules parts. A
    # part the index no longer lists (<name>: backports of 6.19-7.1 lost
    # their modules packages from the index) is still in the pool, at the
    # image's version: fetched from there.
    pkgs=("$img") pool=()
    while read -r dep; do
        case $dep in "<"*) pool+=("${dep//[<>]/}") ;; *) pkgs+=("$dep") ;; esac
    done < <(apt-cache "${PAPT[@]}" depends "$img" 2>/dev/null |
             awk '/Depends: <?linux-(binary|modules)-/{print $2}')
    work=$(mktemp -d)
    (cd "$work" && apt-get "${PAPT[@]}" download -q "${pkgs[@]}") || { rm -rf "$work"; die "download of ${pkgs[*]} failed"; }
    ver=$(apt-cache "${PAPT[@]}" show "$img" 2>/dev/null | awk '/^Version:/ {print $2; exit}')
    for p in "${pool[@]}"; do
        say "kernel $series: $p is not in the index, fetching it from the pool"
        curl -fsSL -o "$work/${p}_${ver}_amd64.deb" "$MIRROR/pool/main/l/linux/${p}_${ver}_amd64.deb" ||
            { rm -rf "$work"; die "$p $ver is neither in the index nor in the pool"; }
    done
    rm -rf "$dir.new"; mkdir -p "$dir.new/root"
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dir.new/root"; done
    # Newer Debian kernels ship the image as /usr/lib/modules/KVER/vmlinuz,
    # older ones as /boot/vmlinuz-KVER.
    vmlinuz=$(find "$dir.new/root" -path '*/modules/*/vmlinuz' -o -name 'vmlinuz-*' | head -1)
    [ -n "$vmlinuz" ] || die "no vmlinuz in ${pkgs[*]}"
    kver=$(basename "$(dirname "$vmlinuz")")
    case "$vmlinuz" in */vmlinuz-*) kver=${vmlinuz##*/vmlinuz-} ;; esac
    mv "$vmlinuz" "$dir.new/vmlinuz"
    # Only the modules the guest needs for 9p sharing and the overlay root,
    # decompressed so busybox insmod can load them.
    mkdir -p "$dir.new/modules"
    for m in netfs 9pnet 9pnet_virtio 9p overlay; do
        f=$(find "$dir.new/root" -path "*/modules/$kver/*" -name "$m.ko*" | head -1)
        if [ -z "$f" ]; then say "note: module $m not found (assuming built in)"; continue; fi
        case "$f" in
            *.xz) xz -dc "$f" >"$dir.new/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" >"$dir.new/modules/$m.ko" ;;
            *) cp "$f" "$dir.new/modules/$m.ko" ;;
        esac
    done
    echo "$kver" >"$dir.new/version"
    rm -rf "$dir.new/root" "$dir"
    mv "$dir.new" "$dir"
    rm -rf "$work"
    say "kernel $series: $kver ready in $dir"
}

# extract_btf SERIES: vmlinux.btf from the image (the source of vmlinux.h
# for the default; kernel_abi and the matrix read the others).
extract_btf() {
    local dir=$CACHE/kernels/$1 off
    [ -f "$dir/vmlinux.btf" ] && return
    say "kernel $1: extracting BTF from the kernel image"
    # The bzImage payload is zstd: find its magic and decompress from there.
    off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$dir/vmlinuz" | head -1 | cut -d: -f1)
    [ -n "$off" ] || die "no zstd payload in $dir/vmlinuz"
    tail -c +$((off + 1)) "$dir/vmlinuz" | zstd -qdc >"$dir/vmlinux.elf" 2>/dev/null || true  # trailing data after the frame is expected
    llvm-objcopy-19 --dump-section .BTF="$dir/vmlinux.btf.tmp" "$dir/vmlinux.elf" /dev/null 2>/dev/null ||
        cp "$dir/vmlinux.elf" "$dir/vmlinux.btf.tmp"
    bpftool btf dump file "$dir/vmlinux.btf.tmp" format c >"$dir/vmlinux.h.tmp" ||
        die "bpftool could not read BTF from the kernel image"
    # The package ships no config: BTF tells whether sched_ext is built in.
    grep -q '^struct sched_ext_ops {' "$dir/vmlinux.h.tmp" ||
        die "kernel $(cat "$dir/version") has no sched_ext (no struct sched_ext_ops in its BTF)"
    rm -f "$dir/vmlinux.h.tmp" "$dir/vmlinux.elf"
    mv "$dir/vmlinux.btf.tmp" "$dir/vmlinux.btf"
}

# A cache from before per-series directories: keep its kernel as its series'.
if [ -d "$CACHE/kernel" ] && [ ! -L "$CACHE/kernel" ]; then
    old=$(cat "$CACHE/kernel/version" 2>/dev/null || true)
    old_series=$(echo "$old" | cut -d. -f1,2)
    mkdir -p "$CACHE/kernels"
    if [ -n "$old_series" ] && [ ! -e "$CACHE/kernels/$old_series" ]; then
        mv "$CACHE/kernel" "$CACHE/kernels/$old_series"
    else
        rm -rf "$CACHE/kernel"
    fi
fi
for series in "$DEFAULT_SERIES" "${WANT_KERNELS[@]}"; do
    fetch_kernel "$series"
    extract_btf "$series"
done
ln -sfn "kernels/$DEFAULT_SERIES" "$CACHE/kernel"
say "done"
