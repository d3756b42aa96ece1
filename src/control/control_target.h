// What the control plane (the API served by `scxx run`, src/control) may
// read and change in the running scheduler. The daemon implements it
// (src/daemon); the API's tests use a fake. Every method is called from an
// API worker thread, never from the agent loop, and must be safe against
// the loop and the scheduler being reloaded (CPU hotplug) meanwhile.
#pragma once

#include "core/scheduler_stats.h"
#include "strategy/strategy.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scxx {

// The settings that change while scxx runs, in the units of the settings
// table (src/config/settings.h, same names as its YAML keys). The others
// (kernel mode, partial, agent wake-up, memory locking) are fixed at start.
struct RuntimeSettings {
  std::string policy;        // one of policy_names()
  uint64_t slice_us = 0;     // scheduler.slice_us
  uint64_t slice_min_us = 0; // scheduler.slice_min_us
  std::string fast_path;     // "policy" | "on" | "off"
  uint64_t max_run_ms = 0;   // scheduler.max_run_ms (tick watchdog)
  uint64_t agent_timeout_ms = 0;
  uint64_t starvation_ms = 0;
  uint64_t stall_ms = 0;

  friend bool operator==(const RuntimeSettings &, const RuntimeSettings &) = default;
};

// Waits of runnable tasks (from runnable to running), in power-of-two
// buckets: bucket i counts waits in [2^i, 2^(i+1)) microseconds, the first
// also shorter ones, the last also longer ones.
inline constexpr size_t kWaitHistogramBuckets = 24;
using WaitHistogram = std::array<uint64_t, kWaitHistogramBuckets>;

// The last policy switch, as the running scheduler measured it.
struct PolicySwitchReport {
  std::string from;
  std::string to;
  uint64_t tasks_handed_over = 0; // held by the old policy, given to the new
  uint64_t pause_us = 0;          // the agent loop decided nothing this long
  // The longest wait of a runnable task from the switch until one second
  // after it (0 until that second has passed).
  uint64_t max_wait_us = 0;
  double at_s = 0; // uptime when it happened
};

struct LiveStats {
  bool attached = false; // false between sessions (a reload)
  bool kernel_mode = false;
  std::string ops_name;   // sched_ext's ops name while attached
  double uptime_s = 0;    // since `scxx run` started
  SchedulerStats sched;   // every counter of bpf/intf.h (SCXX_STATS), since load
  double agent_cpu_s = 0; // user + system CPU time of the scxx process
  long agent_minor_faults = 0;
  long agent_major_faults = 0;
  WaitHistogram waits{}; // since load
  // The wake-ups the agent decided, in two parts (bpf/intf.h, scxx_wait_phase):
  // until its decision was carried out, and from then until the task ran.
  WaitHistogram waits_to_decision{};
  WaitHistogram waits_after_decision{};
  std::string policy; // the policy deciding now
  std::optional<PolicySwitchReport> last_switch;
};

// Threads a strategy covers now (index into the list last set).
struct StrategyCoverage {
  size_t rule = 0;
  uint64_t threads = 0;
};

class ControlTarget {
public:
  ControlTarget() = default;
  ControlTarget(const ControlTarget &) = delete;
  ControlTarget &operator=(const ControlTarget &) = delete;
  virtual ~ControlTarget() = default;

  [[nodiscard]] virtual LiveStats stats() const = 0;
  [[nodiscard]] virtual RuntimeSettings settings() const = 0;

  // Applies `next` as a whole (a policy switch hands every task the old
  // policy held to the new one without detaching). Returns the problem,
  // naming the key ("scheduler.slice_us: ..."), when nothing was changed;
  // nullopt when all of it applies.
  [[nodiscard]] virtual std::optional<std::string> change_settings(const RuntimeSettings &next) = 0;

  // Replaces the strategy rules (already validated: StrategyEngine accepts
  // them). Takes effect at once for every thread the kernel can tell.
  virtual void set_strategies(std::vector<StrategyRule> rules) = 0;
  [[nodiscard]] virtual std::vector<StrategyCoverage> strategy_coverage() const = 0;
};

} // namespace scxx
