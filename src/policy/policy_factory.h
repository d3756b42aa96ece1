// Builds a registered policy (policy_registry.h) from its name.
#pragma once

#include "policy/policy.h"
#include "policy/policy_context.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace scxx {

// The names make_policy accepts, sorted.
std::vector<std::string> policy_names();

// "fifo, gthulhu, vtime": for messages.
std::string policy_names_text();

// Throws std::invalid_argument for an unknown name (the message lists the
// known ones) or an unusable context (a zero slice, slice_min above slice,
// an option the policy does not declare or out of its range). Options the
// context lacks take their defaults. The context must outlive the policy.
std::unique_ptr<Policy> make_policy(std::string_view name, PolicyContext &context);

// `given` checked against the policy's declared options and completed with
// the defaults. Throws std::invalid_argument naming the key.
std::map<std::string, double, std::less<>>
resolve_policy_options(std::string_view name, const std::map<std::string, double> &given);

} // namespace scxx
