// Builds a policy from its name, as given on the command line.
#pragma once

#include "policy/policy.h"
#include "policy/policy_config.h"

#include <memory>
#include <span>
#include <string_view>

namespace scxx {

// The names make_policy accepts, in the order to show them.
std::span<const std::string_view> policy_names();

// Throws std::invalid_argument for an unknown name (the message lists the
// known ones) or for an unusable config (a zero slice, or slice_min above
// slice).
std::unique_ptr<Policy> make_policy(std::string_view name, const PolicyConfig &config);

} // namespace scxx
