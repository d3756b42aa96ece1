#include "core/kernel_abi.h"

#include "core/error.h"

#include <bpf/btf.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

namespace scxx {
namespace {

// Enumerator `value` of enum `type`, which pahole emits as ENUM or, when any
// value needs 64 bits (scx_exit_code), ENUM64.
uint64_t enum_value(const struct btf *btf, const char *type, const char *value) {
  int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
  if (id < 0) {
    id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM64);
  }
  if (id < 0) {
    throw Error(std::string("the kernel's BTF has no enum ") + type + " (needed for " + value +
                    "): this kernel's sched_ext is not one scxx supports",
                kExitNoSchedExt);
  }
  const struct btf_type *t = btf__type_by_id(btf, static_cast<uint32_t>(id));
  const uint16_t n = btf_vlen(t);
  if (btf_is_enum(t)) {
    const struct btf_enum *e = btf_enum(t);
    for (uint16_t i = 0; i < n; ++i) {
      if (std::strcmp(btf__name_by_offset(btf, e[i].name_off), value) == 0) {
        // kflag marks a signed enum; widen as the kernel's C would.
        return btf_kflag(t) ? static_cast<uint64_t>(static_cast<int64_t>(e[i].val))
                            : static_cast<uint64_t>(static_cast<uint32_t>(e[i].val));
      }
    }
  } else {
    const struct btf_enum64 *e = btf_enum64(t);
    for (uint16_t i = 0; i < n; ++i) {
      if (std::strcmp(btf__name_by_offset(btf, e[i].name_off), value) == 0) {
        return btf_enum64_value(&e[i]);
      }
    }
  }
  throw Error(std::string("the kernel's BTF has no ") + value + " in enum " + type +
                  ": this kernel's sched_ext is not one scxx supports",
              kExitNoSchedExt);
}

// Exit kinds are compared with scxx_exit_info::kind, an s32.
int exit_kind(const struct btf *btf, const char *value) {
  const auto v = static_cast<int64_t>(enum_value(btf, "scx_exit_kind", value));
  if (v < 0 || v > std::numeric_limits<int32_t>::max()) {
    throw Error(std::string("the kernel's ") + value + " (" + std::to_string(v) +
                    ") does not fit the 32-bit exit kind scxx records",
                kExitNoSchedExt);
  }
  return static_cast<int>(v);
}

KernelAbi load_kernel_abi() {
  return read_kernel_abi(load_running_kernel_btf().get());
}

} // namespace

std::unique_ptr<struct btf, void (*)(struct btf *)> load_running_kernel_btf() {
  std::unique_ptr<struct btf, void (*)(struct btf *)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
  if (vmlinux == nullptr) {
    throw Error(errno_message("reading the running kernel's BTF (/sys/kernel/btf/vmlinux)", errno),
                kExitNoSchedExt);
  }
  return vmlinux;
}

KernelAbi read_kernel_abi(const struct btf *btf) {
  return KernelAbi{
      .exit_none = exit_kind(btf, "SCX_EXIT_NONE"),
      .exit_done = exit_kind(btf, "SCX_EXIT_DONE"),
      .exit_unreg = exit_kind(btf, "SCX_EXIT_UNREG"),
      .exit_unreg_bpf = exit_kind(btf, "SCX_EXIT_UNREG_BPF"),
      .exit_unreg_kern = exit_kind(btf, "SCX_EXIT_UNREG_KERN"),
      .exit_sysrq = exit_kind(btf, "SCX_EXIT_SYSRQ"),
      .exit_error = exit_kind(btf, "SCX_EXIT_ERROR"),
      .exit_error_bpf = exit_kind(btf, "SCX_EXIT_ERROR_BPF"),
      .exit_error_stall = exit_kind(btf, "SCX_EXIT_ERROR_STALL"),
      .ecode_act_restart = enum_value(btf, "scx_exit_code", "SCX_ECODE_ACT_RESTART"),
      .ops_switch_partial = enum_value(btf, "scx_ops_flags", "SCX_OPS_SWITCH_PARTIAL"),
  };
}

const KernelAbi &kernel_abi() {
  // A throw leaves it unset, so the next call tries again.
  static const KernelAbi abi = load_kernel_abi();
  return abi;
}

} // namespace scxx
