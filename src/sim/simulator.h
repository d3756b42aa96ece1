// One simulated run: a workload on a machine under one policy (a registered
// scxx policy through the real agent loop, or the EEVDF reference model).
// Deterministic: the same workload, settings and seed give the same result.
#pragma once

#include "policy/policy.h"
#include "policy/policy_context.h"
#include "sim/metrics.h"
#include "sim/sim_settings.h"
#include "sim/workload.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scxx::sim {

// The name of the EEVDF reference model among the policies.
inline constexpr std::string_view kEevdfModel = "eevdf-model";

struct RunResult {
  std::string policy;
  uint64_t duration_ns = 0;
  int cpus = 0;
  std::vector<ClassSummary> classes;
  uint64_t busy_ns = 0;     // CPU time tasks and the agent used
  uint64_t overhead_ns = 0; // context switches and noise
  uint64_t agent_ns = 0;
  std::map<std::string, uint64_t> counters; // the kernel side's
  uint64_t violation_count = 0;
  std::map<std::string, uint64_t> violations_by_rule;
  std::vector<std::string> violations; // the first few, described
};

// A context as `scxx run` would build it for `policy` on the simulated
// machine: slices from the settings, the machine's topology, every option
// at its default. Throws std::invalid_argument for an unknown policy.
PolicyContext sim_policy_context(std::string_view policy, const SimSettings &settings);

// Runs a registered policy by name, or kEevdfModel.
RunResult simulate(const Workload &workload, std::string_view policy, const SimSettings &settings);

// Runs a policy object built from `context` (from sim_policy_context).
RunResult simulate_policy(const Workload &workload, Policy &policy, PolicyContext &context,
                          const SimSettings &settings);

} // namespace scxx::sim
