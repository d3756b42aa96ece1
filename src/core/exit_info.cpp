#include "core/exit_info.h"

#include <cstdint>
#include <cstring>

namespace scxx {
namespace {
// Values of enum scx_exit_kind and the exit-code action bit (stable kernel ABI).
constexpr int kExitNone = 0;
constexpr int kExitDone = 1;
constexpr int kExitUnreg = 64;
constexpr int kExitUnregBpf = 65;
constexpr int kExitUnregKern = 66;
constexpr int kExitSysrq = 67;
constexpr int kExitError = 1024;
constexpr int kExitErrorBpf = 1025;
constexpr int kExitErrorStall = 1026;
constexpr uint64_t kEcodeActRestart = 1ULL << 48;

std::string bounded(const char *s, size_t cap) {
  return {s, strnlen(s, cap)};
}
} // namespace

std::string exit_kind_name(int kind) {
  switch (kind) {
  case kExitNone:
    return "none";
  case kExitDone:
    return "done";
  case kExitUnreg:
    return "unregistered";
  case kExitUnregBpf:
    return "unregistered-by-bpf";
  case kExitUnregKern:
    return "unregistered-by-kernel";
  case kExitSysrq:
    return "sysrq";
  case kExitError:
    return "error";
  case kExitErrorBpf:
    return "bpf-error";
  case kExitErrorStall:
    return "runnable-task-stall";
  default:
    return "unknown";
  }
}

std::string describe_exit(const scxx_exit_info &info) {
  if (info.valid == 0) {
    return "no exit recorded";
  }
  return "kind=" + exit_kind_name(info.kind) + "(" + std::to_string(info.kind) +
         ") code=" + std::to_string(info.exit_code) + " reason=\"" +
         bounded(info.reason, sizeof(info.reason)) + "\" msg=\"" +
         bounded(info.msg, sizeof(info.msg)) + "\"";
}

bool exit_requests_restart(const scxx_exit_info &info) {
  return info.valid != 0 && (static_cast<uint64_t>(info.exit_code) & kEcodeActRestart) != 0;
}

bool exit_is_error(const scxx_exit_info &info) {
  return info.valid != 0 && info.kind >= kExitError;
}

} // namespace scxx
