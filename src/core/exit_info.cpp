#include "core/exit_info.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

namespace scxx {
namespace {

std::string bounded(const char *s, size_t cap) {
  return {s, strnlen(s, cap)};
}

} // namespace

std::string exit_kind_name(int kind, const KernelAbi &abi) {
  // By value, not a switch: the values come from the kernel at run time.
  const std::array<std::pair<int, const char *>, 9> names{{
      {abi.exit_none, "none"},
      {abi.exit_done, "done"},
      {abi.exit_unreg, "unregistered"},
      {abi.exit_unreg_bpf, "unregistered-by-bpf"},
      {abi.exit_unreg_kern, "unregistered-by-kernel"},
      {abi.exit_sysrq, "sysrq"},
      {abi.exit_error, "error"},
      {abi.exit_error_bpf, "bpf-error"},
      {abi.exit_error_stall, "runnable-task-stall"},
  }};
  for (const auto &[value, name] : names) {
    if (value == kind) {
      return name;
    }
  }
  return "unknown";
}

std::string describe_exit(const scxx_exit_info &info, const KernelAbi &abi) {
  if (info.valid == 0) {
    return "no exit recorded";
  }
  return "kind=" + exit_kind_name(info.kind, abi) + "(" + std::to_string(info.kind) +
         ") code=" + std::to_string(info.exit_code) + " reason=\"" +
         bounded(info.reason, sizeof(info.reason)) + "\" msg=\"" +
         bounded(info.msg, sizeof(info.msg)) + "\"";
}

bool exit_requests_restart(const scxx_exit_info &info, const KernelAbi &abi) {
  return info.valid != 0 && (static_cast<uint64_t>(info.exit_code) & abi.ecode_act_restart) != 0;
}

bool exit_is_error(const scxx_exit_info &info, const KernelAbi &abi) {
  return info.valid != 0 && info.kind >= abi.exit_error;
}

std::string exit_kind_name(int kind) {
  return exit_kind_name(kind, kernel_abi());
}

std::string describe_exit(const scxx_exit_info &info) {
  return describe_exit(info, kernel_abi());
}

bool exit_requests_restart(const scxx_exit_info &info) {
  return exit_requests_restart(info, kernel_abi());
}

bool exit_is_error(const scxx_exit_info &info) {
  return exit_is_error(info, kernel_abi());
}

} // namespace scxx
