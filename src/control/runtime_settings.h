// The settings the control plane changes while scxx runs
// (RuntimeSettings, src/control/control_target.h), checked and merged into
// the full Settings of `scxx run` with the same ranges and rules as the
// config file and the command line.
#pragma once

#include "config/settings.h"
#include "control/control_target.h"

#include <optional>
#include <string>

namespace scxx {

// The runtime part of `s`.
RuntimeSettings runtime_settings_of(const Settings &s);

// `base` with the runtime part replaced by `r`, unchecked.
Settings with_runtime_settings(Settings base, const RuntimeSettings &r);

// `s` with `next` applied, or the first problem ("scheduler.slice_us: 50 is
// out of range [100, 1000000]"), checked against the settings table's
// ranges and choices and settings_problem(); `s` is then unchanged.
std::optional<std::string> merge_runtime_settings(const RuntimeSettings &next, Settings &s);

// Whether the policy must be rebuilt to apply `next` over `now`: another
// policy, or the slices it is built from.
bool needs_new_policy(const RuntimeSettings &now, const RuntimeSettings &next);

} // namespace scxx
