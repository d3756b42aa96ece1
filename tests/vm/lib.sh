# Helpers for scripts that run inside the scxx VM (tools/vm/scxx-vm). Every
# check fails loudly; nothing here can pass by default.
set -u

SCX=/sys/kernel/sched_ext
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}

log() { printf '[%s] %s\n' "$TEST_NAME" "$*"; }
fail() { printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2; exit 1; }
skip() { printf '[%s] SKIP: %s\n' "$TEST_NAME" "$*" >&2; exit 77; }

sched_state() { cat "$SCX/state" 2>/dev/null || echo missing; }
sched_ops() { cat "$SCX/root/ops" 2>/dev/null || true; }

# wait_state WANT SECONDS: poll until the sched_ext state is WANT.
wait_state() {
    local want=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        [ "$(sched_state)" = "$want" ] && return 0
        sleep 0.1
    done
    return 1
}

# expect_attached OPS: state enabled with our ops name, else fail (printing
# ATTACH_LOG, the scheduler's output, if set).
expect_attached() {
    local ops=$1
    local secs=${ATTACH_WAIT:-20}
    if ! wait_state enabled "$secs"; then
        [ -n "${ATTACH_LOG:-}" ] && cat "$ATTACH_LOG"
        fail "sched_ext state is '$(sched_state)', not 'enabled', $secs s after start"
    fi
    [ "$(sched_ops)" = "$ops" ] || fail "root/ops is '$(sched_ops)', expected '$ops'"
    log "attached: state=$(sched_state) ops=$(sched_ops)"
}

# The kernel log from here on: kernel_warnings prints every warning, splat
# or sched_ext error logged since kernel_log_start (the boot's own are gone).
kernel_log_start() { dmesg -C; }
kernel_warnings() {
    dmesg | grep -E 'WARNING|BUG:|Call Trace|sched_ext.*(error|deprecated|runtime error)|scx_.*(error|warn)|is deprecated' || true
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "required tool '$1' is missing (scripts/setup.sh installs it)"
}

[ -d "$SCX" ] || fail "this kernel has no sched_ext ($SCX missing): not running in the scxx VM?"
[ "$(id -u)" = 0 ] || fail "VM tests run as root"
