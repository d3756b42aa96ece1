// A test-only way to drive the control plane of `scxx run` before the API
// exists in the VM tests: `--test-live-changes "policy=vtime,slice_us=5000"
// --test-live-changes "strategy=tgid:1234:15"` lists changes, and each
// SIGUSR1 applies the next one through ControlTarget, exactly as an API
// call would. Hidden from --help.
#pragma once

#include "control/control_target.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scxx {

struct LiveChange {
  std::string text; // as given, for messages
  // RuntimeSettings fields by their short name (policy, slice_us, ...).
  std::vector<std::pair<std::string, std::string>> settings;
  std::optional<StrategyRule> strategy; // replaces the rules with this one
};

// Throws ConfigError naming the entry and what is wrong with it.
std::vector<LiveChange> parse_live_changes(const std::vector<std::string> &entries);

// Applies one change; the refusal, or nullopt.
std::optional<std::string> apply_live_change(ControlTarget &target, const LiveChange &change);

} // namespace scxx
