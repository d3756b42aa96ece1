// One simulated run: a workload on a machine under one policy (a registered
// scxx policy through the real agent loop, or the EEVDF reference model).
// Deterministic: the same workload, settings and seed give the same result.
#pragma once

#include "policy/policy.h"
#include "policy/policy_context.h"
#include "sim/machine.h"
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

// One task's CPU time at the end of a run (a replayed trace compares it
// with the recording).
struct TaskCpu {
  std::string name;
  std::string cls;
  uint64_t cpu_ns = 0;
  uint64_t recorded_cpu_ns = 0; // in the trace (0: not a trace)
  bool finished = false;        // ran its whole program
};

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
  std::vector<TaskCpu> tasks;
  // With SimSettings::keep_samples / timeline_ns (for plots).
  std::map<std::string, std::vector<uint64_t>> wake_samples;
  std::vector<TimelineSlice> timeline;
};

// A context as `scxx run` would build it for `policy` on the simulated
// machine: slices from the settings, the machine's topology, every option
// at its default. Throws std::invalid_argument for an unknown policy.
PolicyContext sim_policy_context(std::string_view policy, const SimSettings &settings);

// Runs a registered policy by name, kEevdfModel, or (for a trace) the
// "recorded" pseudo-policy (recorded_side.h).
RunResult simulate(const Workload &workload, std::string_view policy, const SimSettings &settings);

// Runs a policy object built from `context` (from sim_policy_context).
RunResult simulate_policy(const Workload &workload, Policy &policy, PolicyContext &context,
                          const SimSettings &settings);

} // namespace scxx::sim
