// sched_ext constants scxx needs, read from the kernel's BTF when first used
// instead of copied into C++, as the scx tools' enum helpers do: the kernel
// may renumber them, and then scxx follows instead of misreading exits.
#pragma once

#include <cstdint>
#include <memory>

struct btf;

namespace scxx {

struct KernelAbi {
  // enum scx_exit_kind (the kinds scxx names).
  int exit_none;
  int exit_done;
  int exit_unreg;
  int exit_unreg_bpf;
  int exit_unreg_kern;
  int exit_sysrq;
  int exit_error;
  int exit_error_bpf;
  int exit_error_stall;
  // enum scx_exit_code: the action bit asking the scheduler to restart.
  uint64_t ecode_act_restart;
  // enum scx_ops_flags: only tasks set to SCHED_EXT run on the scheduler.
  uint64_t ops_switch_partial;

  bool operator==(const KernelAbi &) const = default;
};

// The values in `btf`; throws Error naming the enum or value it lacks.
KernelAbi read_kernel_abi(const struct btf *btf);

// The running kernel's BTF (/sys/kernel/btf/vmlinux); throws Error (exit 78)
// when it cannot be read.
std::unique_ptr<struct btf, void (*)(struct btf *)> load_running_kernel_btf();

// The running kernel's values, read once (thread-safe); throws Error when its
// BTF cannot be read or lacks a value.
const KernelAbi &kernel_abi();

} // namespace scxx
