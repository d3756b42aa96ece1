#!/bin/busybox sh
# shellcheck shell=dash disable=SC3045,SC3040  # busybox ash: ulimit -l/-n, pipefail
# Guest init for tools/vm/scxx-vm (runs as PID 1 from the initramfs).
#
# Builds the guest root: the host root (9p tag host0, read-only) with a tmpfs
# overlay on top, the usual kernel file systems, the read-write shares at their
# host paths, and the per-run directory (9p tag scxxrun) at /run/scxx-vm. Then
# it runs /run/scxx-vm/cmd.sh (written by the harness) chrooted into that root
# with its output on the console, stores the exit status in
# /run/scxx-vm/status and powers the machine off.
#
# Files the harness puts into the per-run directory, one value per line:
#   nonce   marker token, so the harness can tell our markers from CMD output
#   cwd     working directory of CMD
#   shares  "TAG PATH" lines: 9p tags to mount read-write at PATH
#   printk  console log level while CMD runs
#   output  "tty": CMD writes to the console directly; "pipe": through a pipe
#   cmd.sh  the command script (bash), run as root in the guest root

/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /mnt /newroot
/bin/busybox --install -s /bin
export PATH=/bin:/sbin

mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Without a /dev/console node in the archive the kernel starts us with no
# standard descriptors; attach them to the console now.
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
exec </dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys

say() { echo "[scxx-vm guest] $*"; }

halt_now() {
    sync
    poweroff -f
    echo o >/proc/sysrq-trigger
    sleep 5
    exit 1
}

# A failure before CMD starts: no status file is written, so the harness
# sees a guest that never reached the command.
fail() {
    say "error: $*"
    halt_now
}

P9=trans=virtio,version=9p2000.L,msize=262144

for m in netfs 9pnet 9pnet_virtio 9p overlay; do
    if [ -f "/lib/modules/$m.ko" ]; then
        insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
    fi
done

mkdir -p /mnt/run /mnt/lower /mnt/rw
mount -t 9p -o "$P9" scxxrun /mnt/run || fail "cannot mount the run directory (9p tag scxxrun)"
[ -f /mnt/run/cmd.sh ] || fail "no cmd.sh in the run directory"

read -r NONCE </mnt/run/nonce
read -r CWD </mnt/run/cwd
read -r PRINTK </mnt/run/printk
read -r OUTPUT </mnt/run/output
[ -n "$CWD" ] || CWD=/

mount -t 9p -o "ro,$P9" host0 /mnt/lower || fail "cannot mount the host root (9p tag host0)"
mount -t tmpfs -o mode=0755 tmpfs /mnt/rw || fail "cannot mount the overlay tmpfs"
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot ||
    fail "cannot mount the overlay root"
R=/newroot

# /run gets a fresh tmpfs below. If the working directory lives there, keep
# the host's view of it (through the overlay) at the same path. /tmp stays
# the overlay's: a checkout under /tmp (as CI may use) must be visible whole,
# and writes there land in the overlay's tmpfs anyway.
case "$CWD" in
    /run/*|/dev/shm/*)
        if [ -d "$R$CWD" ]; then
            mkdir -p /mnt/cwd
            mount --bind "$R$CWD" /mnt/cwd || fail "cannot bind the working directory"
        fi
        ;;
esac

mount -t proc proc "$R/proc" || fail "mount /proc"
mount -t sysfs sysfs "$R/sys" || fail "mount /sys"
mount -t devtmpfs devtmpfs "$R/dev" || fail "mount /dev"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts" || fail "mount /dev/pts"
ln -sf pts/ptmx "$R/dev/ptmx" 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm" || fail "mount /dev/shm"
ln -sfn /proc/self/fd "$R/dev/fd"
ln -sf /proc/self/fd/0 "$R/dev/stdin"
ln -sf /proc/self/fd/1 "$R/dev/stdout"
ln -sf /proc/self/fd/2 "$R/dev/stderr"
mount -t bpf bpf "$R/sys/fs/bpf" || fail "mount /sys/fs/bpf"
mount -t debugfs debugfs "$R/sys/kernel/debug" || fail "mount /sys/kernel/debug"
[ -d "$R/sys/kernel/tracing" ] && mount -t tracefs tracefs "$R/sys/kernel/tracing" 2>/dev/null
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" || fail "mount /sys/fs/cgroup"
mount -t tmpfs -o mode=0755 tmpfs "$R/run" || fail "mount /run"

if [ -d /mnt/cwd ]; then
    mkdir -p "$R$CWD"
    mount --move /mnt/cwd "$R$CWD" || fail "cannot move the working directory"
fi

# Read-write shares, parents before children (the harness sorts them).
if [ -f /mnt/run/shares ]; then
    while read -r tag path; do
        [ -n "$tag" ] || continue
        mkdir -p "$R$path" || fail "cannot create mount point $path"
        mount -t 9p -o "$P9" "$tag" "$R$path" || fail "cannot mount share $path (9p tag $tag)"
    done </mnt/run/shares
fi

mkdir -p "$R/run/scxx-vm"
mount --move /mnt/run "$R/run/scxx-vm" || fail "cannot move the run directory"
RUN=$R/run/scxx-vm

hostname scxx-vm
echo scxx-vm >/proc/sys/kernel/hostname
ulimit -l unlimited
ulimit -n 65536 2>/dev/null

: >"$RUN/started" || fail "cannot write to the run directory"
[ -n "$PRINTK" ] && echo "$PRINTK" >/proc/sys/kernel/printk
echo "@@scxx-vm start $NONCE@@"
if [ "$OUTPUT" = pipe ]; then
    # The harness does not write to a terminal: give CMD a pipe, not a tty.
    set -o pipefail
    chroot "$R" /bin/bash /run/scxx-vm/cmd.sh </dev/null 2>&1 | cat
    rc=$?
    set +o pipefail
else
    chroot "$R" /bin/bash /run/scxx-vm/cmd.sh </dev/null
    rc=$?
fi
echo "$rc" >"$RUN/status.tmp" && mv "$RUN/status.tmp" "$RUN/status"
sync
echo "@@scxx-vm end $NONCE rc=$rc@@"
echo 1 >/proc/sys/kernel/printk
halt_now
