// The running scheduler as the control plane sees it (ControlTarget,
// src/control/control_target.h): created by run_scheduler before anything
// attaches and alive across reloads, so the API can hold it from the start.
// Each SchedulerSession builds its policy here and registers its scheduler
// and agent loop while attached; an API thread then changes settings in
// BPF, switches the policy through the loop (AgentLoop::offer_switch), and
// reads statistics, while the loop keeps scheduling.
#pragma once

#include "agent/agent_loop.h"
#include "control/control_target.h"
#include "core/bpf_scheduler.h"
#include "daemon/live_session.h"
#include "daemon/run_command.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace scxx {

class LiveControl final : public ControlTarget {
public:
  // Starts the thread that completes switch reports (it must exist before
  // the scheduler attaches: see src/core/memory_lock.h).
  LiveControl(const RunOptions &options, LiveSession &live);
  ~LiveControl() override;
  LiveControl(const LiveControl &) = delete;
  LiveControl &operator=(const LiveControl &) = delete;

  [[nodiscard]] LiveStats stats() const override;
  [[nodiscard]] RuntimeSettings settings() const override;
  [[nodiscard]] std::optional<std::string> change_settings(const RuntimeSettings &next) override;
  void set_strategies(std::vector<StrategyRule> rules) override;
  [[nodiscard]] std::vector<StrategyCoverage> strategy_coverage() const override;

  // ---- for SchedulerSession ----
  // The settings as changed so far: a reload starts from them.
  [[nodiscard]] Settings current_settings() const;
  struct SessionPolicy {
    Policy &policy;
    PolicyContext &context;
  };
  // A fresh policy from current_settings(), owned here until the next one.
  SessionPolicy build_session_policy();
  // The session's scheduler and loop (null in kernel mode) while attached.
  void begin_session(BpfScheduler &sched, AgentLoop *loop);
  // The loop has stopped: nothing of this session is used any more.
  void end_session();

  // How long change_settings waits for the loop to take a switch.
  static constexpr auto kSwitchTimeout = std::chrono::seconds(2);
  // The window after a switch in which the longest wait is measured.
  static constexpr auto kSwitchWaitWindow = std::chrono::seconds(1);

private:
  struct OwnedPolicy {
    std::unique_ptr<PolicyContext> context;
    std::unique_ptr<Policy> policy;
  };
  [[nodiscard]] OwnedPolicy build_policy(const Settings &s) const;
  // Runs the switch to `next` through the session's loop; the problem if
  // it could not happen. Called with change_mutex_ held.
  std::optional<std::string> switch_policy(OwnedPolicy &next, const Settings &next_settings);
  // Frees a policy switched away from once the loop no longer uses it.
  void free_retired_locked();
  void complete_reports(const std::stop_token &token);

  const RunOptions &options_;
  LiveSession &live_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  std::mutex change_mutex_; // one change at a time, held across a switch
  mutable std::mutex mutex_;
  std::condition_variable_any report_wake_;
  // Under mutex_:
  Settings settings_;
  OwnedPolicy current_;
  OwnedPolicy retiring_; // switched away from, its tasks still being decided
  std::unique_ptr<PolicySwitch> retiring_switch_;
  BpfScheduler *sched_ = nullptr;
  AgentLoop *loop_ = nullptr;
  uint64_t session_ = 0; // counts begin_session calls
  std::optional<PolicySwitchReport> last_switch_;
  std::optional<std::chrono::steady_clock::time_point> report_due_;
  uint64_t report_session_ = 0;
  bool report_drained_ = false;

  std::jthread reporter_; // last: stopped and joined before the rest goes
};

} // namespace scxx
