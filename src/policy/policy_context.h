// What a policy knows besides its tasks: its settings, its machine, its own
// options and the time. The agent owns one context for the policy's whole
// life and passes it to the policy's constructor; the policy may keep a
// reference and read it in every callback.
#pragma once

#include "policy/cpu_topology.h"
#include "policy/policy_config.h"

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace scxx {

class PolicyContext {
public:
  PolicyConfig config; // slices of `scxx run`
  PolicyLimits limits; // capacities to allocate in the constructor
  CpuTopology topology;
  // The policy's own options (`policies.<name>.<key>` in the config file),
  // every declared key present: the given value or its default.
  std::map<std::string, double, std::less<>> options;

  // Now, in ns of CLOCK_MONOTONIC: the clock of QueuedTask::start_ts and
  // stop_ts (the kernel's bpf_ktime_get_ns). The agent sets it before each
  // step, so it is as fresh in on_queued as in on_tick.
  [[nodiscard]] uint64_t now_ns() const { return now_ns_; }
  void set_now_ns(uint64_t now) { now_ns_ = now; }

  // The value of a declared option (see SCXX_REGISTER_POLICY). Throws
  // std::out_of_range for a key the policy did not declare: read options
  // in the constructor, not on the hot path.
  [[nodiscard]] double option(std::string_view key) const {
    const auto it = options.find(key);
    if (it == options.end()) {
      throw std::out_of_range("no policy option '" + std::string(key) + "'");
    }
    return it->second;
  }

private:
  uint64_t now_ns_ = 0;
};

} // namespace scxx
