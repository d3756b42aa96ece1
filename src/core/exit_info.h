// Human-readable form of the exit record the BPF side keeps (intf.h).
#pragma once

#include "intf.h"

#include <string>

namespace scxx {

// Name of an enum scx_exit_kind value ("unregistered", "error", ...).
std::string exit_kind_name(int kind);
// One line: "kind=<name>(<n>) code=<c> reason=\"...\" msg=\"...\"".
std::string describe_exit(const scxx_exit_info &info);
// True when the kernel asked the scheduler to restart (e.g. CPU hotplug).
bool exit_requests_restart(const scxx_exit_info &info);
// True when the exit was an error rather than a normal unregistration.
bool exit_is_error(const scxx_exit_info &info);

} // namespace scxx
