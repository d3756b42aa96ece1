#include "policy/policy_factory.h"

#include "policy/fifo_policy.h"
#include "policy/gthulhu_policy.h"
#include "policy/vtime_policy.h"

#include <array>
#include <stdexcept>
#include <string>

namespace scxx {

namespace {

constexpr std::array<std::string_view, 3> kPolicyNames{"fifo", "vtime", "gthulhu"};

} // namespace

std::span<const std::string_view> policy_names() {
  return kPolicyNames;
}

std::unique_ptr<Policy> make_policy(std::string_view name, const PolicyConfig &config) {
  if (auto problem = policy_config_problem(config)) {
    throw std::invalid_argument(*problem);
  }
  if (name == "fifo") {
    return std::make_unique<FifoPolicy>(config);
  }
  if (name == "vtime") {
    return std::make_unique<VtimePolicy>(config);
  }
  if (name == "gthulhu") {
    return std::make_unique<GthulhuPolicy>(config);
  }
  std::string known;
  for (std::string_view n : kPolicyNames) {
    known += known.empty() ? "" : ", ";
    known += n;
  }
  throw std::invalid_argument("unknown policy '" + std::string(name) + "' (known: " + known + ")");
}

} // namespace scxx
