// What the kernel says about sched_ext under /sys/kernel/sched_ext.
#pragma once

#include <optional>
#include <string>

namespace scxx {

inline constexpr const char *kSchedExtDir = "/sys/kernel/sched_ext";

bool sched_ext_supported();
// "enabled", "disabled", "enabling", "disabling"; nullopt without sched_ext.
std::optional<std::string> sched_ext_state();
// Name of the attached scheduler's ops ("" when none).
std::string sched_ext_ops_name();

// Throws scxx::Error (exit code 78 without sched_ext, 1 when not root) when
// this process cannot attach a scheduler here.
void require_sched_ext_and_root();

} // namespace scxx
