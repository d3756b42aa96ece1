#!/usr/bin/env bash
# scxx setup: installs everything the build and the three test tiers need on a
# Debian 12 machine, as root. Idempotent: every step checks before it acts and
# says what it does or skips.
#
#   scripts/setup.sh            packages + libbpf + sched_ext kernel
#
# Environment:
#   SCXX_CACHE   where downloads and built artifacts live (default
#                /var/cache/scxx); the kernel ends up in $SCXX_CACHE/kernel.
set -euo pipefail

CACHE=${SCXX_CACHE:-/var/cache/scxx}
MIRROR=${SCXX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

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

PKGS=(build-essential cmake ninja-build pkg-config git ca-certificates
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

# --- 2. A private apt view of Debian unstable (never the system's sources) ---
# Used only for `update`, `download` and `source --download-only`, so nothing
# from unstable is ever installed into the system.
PRIV=$CACHE/apt-unstable
mkdir -p "$PRIV/lists/partial" "$PRIV/archives/partial"
cat >"$PRIV/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR unstable main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR unstable main
SRC
PAPT=(-o Dir::Etc::SourceList="$PRIV/sources.list" -o Dir::Etc::SourceParts=/nonexistent
      -o Dir::State::Lists="$PRIV/lists" -o Dir::Cache::Archives="$PRIV/archives"
      -o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1)
priv_update() {
    if [ -z "$(find "$PRIV/lists" -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
        say "refreshing the private index of Debian unstable"
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

# --- 4. A sched_ext kernel for the VM ------------------------------------------
KDIR=$CACHE/kernel
if [ -f "$KDIR/vmlinuz" ] && [ -f "$KDIR/version" ] && [ -d "$KDIR/modules" ]; then
    say "kernel $(cat "$KDIR/version") already in $KDIR, skipping"
else
    priv_update
    # Resolve the current image through the meta package rather than a fixed version.
    img=$(apt-cache "${PAPT[@]}" depends linux-image-amd64 2>/dev/null |
          awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [ -n "$img" ] || die "could not resolve linux-image-amd64 in Debian unstable"
    say "sched_ext kernel package: $img"
    # The image may be a meta package itself, split into binary + modules parts.
    pkgs=("$img")
    while read -r dep; do pkgs+=("$dep"); done < <(apt-cache "${PAPT[@]}" depends "$img" 2>/dev/null |
          awk '/Depends: linux-(binary|modules)-/{print $2}')
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get "${PAPT[@]}" download -q "${pkgs[@]}")
    rm -rf "$KDIR.new"; mkdir -p "$KDIR.new/root"
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$KDIR.new/root"; done
    # Newer Debian kernels ship the image as /usr/lib/modules/KVER/vmlinuz,
    # older ones as /boot/vmlinuz-KVER.
    vmlinuz=$(find "$KDIR.new/root" -path '*/modules/*/vmlinuz' -o -name 'vmlinuz-*' | head -1)
    [ -n "$vmlinuz" ] || die "no vmlinuz in ${pkgs[*]}"
    kver=$(basename "$(dirname "$vmlinuz")")
    case "$vmlinuz" in */vmlinuz-*) kver=${vmlinuz##*/vmlinuz-} ;; esac
    mv "$vmlinuz" "$KDIR.new/vmlinuz"
    # Only the modules the guest needs for 9p sharing and the overlay root,
    # decompressed so busybox insmod can load them.
    mkdir -p "$KDIR.new/modules"
    for m in netfs 9pnet 9pnet_virtio 9p overlay; do
        f=$(find "$KDIR.new/root" -path "*/modules/$kver/*" -name "$m.ko*" | head -1)
        if [ -z "$f" ]; then say "note: module $m not found (assuming built in)"; continue; fi
        case "$f" in
            *.xz) xz -dc "$f" >"$KDIR.new/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" >"$KDIR.new/modules/$m.ko" ;;
            *) cp "$f" "$KDIR.new/modules/$m.ko" ;;
        esac
    done
    echo "$kver" >"$KDIR.new/version"
    rm -rf "$KDIR.new/root" "$KDIR"
    mv "$KDIR.new" "$KDIR"
    rm -rf "$work"; trap - EXIT
    say "kernel $kver ready in $KDIR"
fi

# --- 5. vmlinux.h source: BTF extracted from the kernel image -----------------
if [ -f "$KDIR/vmlinux.btf" ]; then
    say "kernel BTF already extracted, skipping"
else
    say "extracting BTF from the kernel image"
    # The bzImage payload is zstd: find its magic and decompress from there.
    off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$KDIR/vmlinuz" | head -1 | cut -d: -f1)
    [ -n "$off" ] || die "no zstd payload in $KDIR/vmlinuz"
    tail -c +$((off + 1)) "$KDIR/vmlinuz" | zstd -qdc >"$KDIR/vmlinux.elf" 2>/dev/null || true  # trailing data after the frame is expected
    llvm-objcopy-19 --dump-section .BTF="$KDIR/vmlinux.btf.tmp" "$KDIR/vmlinux.elf" /dev/null 2>/dev/null ||
        cp "$KDIR/vmlinux.elf" "$KDIR/vmlinux.btf.tmp"
    bpftool btf dump file "$KDIR/vmlinux.btf.tmp" format c >"$KDIR/vmlinux.h.tmp" ||
        die "bpftool could not read BTF from the kernel image"
    # The package ships no config: BTF tells whether sched_ext is built in.
    grep -q '^struct sched_ext_ops {' "$KDIR/vmlinux.h.tmp" ||
        die "kernel $(cat "$KDIR/version") has no sched_ext (no struct sched_ext_ops in its BTF)"
    rm -f "$KDIR/vmlinux.h.tmp" "$KDIR/vmlinux.elf"
    mv "$KDIR/vmlinux.btf.tmp" "$KDIR/vmlinux.btf"
fi
say "done"
