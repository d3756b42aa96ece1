// Human-readable form of the exit record the BPF side keeps (intf.h).
#pragma once

#include "core/kernel_abi.h"
#include "intf.h"

#include <string>

namespace scxx {

// The versions without a KernelAbi use kernel_abi(), the running kernel's.

// Name of an enum scx_exit_kind value ("unregistered", "error", ...).
std::string exit_kind_name(int kind);
std::string exit_kind_name(int kind, const KernelAbi &abi);
// One line: "kind=<name>(<n>) code=<c> reason=\"...\" msg=\"...\"".
std::string describe_exit(const scxx_exit_info &info);
std::string describe_exit(const scxx_exit_info &info, const KernelAbi &abi);
// True when the kernel asked the scheduler to restart (e.g. CPU hotplug).
bool exit_requests_restart(const scxx_exit_info &info);
bool exit_requests_restart(const scxx_exit_info &info, const KernelAbi &abi);
// True when the exit was an error rather than a normal unregistration.
bool exit_is_error(const scxx_exit_info &info);
bool exit_is_error(const scxx_exit_info &info, const KernelAbi &abi);

} // namespace scxx
