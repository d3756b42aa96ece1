#include "daemon/live_control.h"

#include "control/runtime_settings.h"
#include "core/memory_lock.h"
#include "core/sched_ext_sysfs.h"
#include "policy/policy_factory.h"

#include <cstdio>
#include <exception>
#include <string>
#include <utility>

namespace scxx {
namespace {

constexpr auto kSwitchPoll = std::chrono::milliseconds(1);

uint64_t to_us(uint64_t ns) {
  return ns / kNsecPerUsec;
}

} // namespace

LiveControl::LiveControl(const RunOptions &options, LiveSession &live)
    : options_(options), live_(live), settings_(options.settings),
      reporter_([this](const std::stop_token &token) { complete_reports(token); }) {}

LiveControl::~LiveControl() {
  reporter_.request_stop();
  report_wake_.notify_all();
}

Settings LiveControl::current_settings() const {
  const std::lock_guard lock(mutex_);
  return settings_;
}

RuntimeSettings LiveControl::settings() const {
  return runtime_settings_of(current_settings());
}

LiveControl::OwnedPolicy LiveControl::build_policy(const Settings &s) const {
  RunOptions run;
  run.settings = s;
  run.policy_options = options_.policy_options;
  OwnedPolicy owned;
  owned.context = std::make_unique<PolicyContext>(make_policy_context(run));
  owned.policy = make_policy(s.policy, *owned.context);
  return owned;
}

LiveControl::SessionPolicy LiveControl::build_session_policy() {
  const std::lock_guard lock(mutex_);
  current_ = build_policy(settings_);
  return {*current_.policy, *current_.context};
}

void LiveControl::begin_session(BpfScheduler &sched, AgentLoop *loop) {
  const std::lock_guard lock(mutex_);
  sched_ = &sched;
  loop_ = loop;
  ++session_;
}

void LiveControl::end_session() {
  const std::lock_guard lock(mutex_);
  sched_ = nullptr;
  loop_ = nullptr;
  // The loop is gone: a policy it was still draining is free.
  retiring_ = {};
  retiring_switch_.reset();
  report_due_.reset();
}

void LiveControl::free_retired_locked() {
  if (retiring_switch_ && retiring_switch_->retired.load(std::memory_order_acquire)) {
    retiring_ = {};
    retiring_switch_.reset();
  }
}

LiveStats LiveControl::stats() const {
  LiveStats out;
  out.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const PageFaults faults = process_page_faults();
  out.agent_cpu_s = process_cpu_seconds();
  out.agent_minor_faults = faults.minor;
  out.agent_major_faults = faults.major;
  const std::lock_guard lock(mutex_);
  out.kernel_mode = settings_.kernel_mode;
  out.policy = settings_.kernel_mode ? "deadline(bpf)" : settings_.policy;
  out.last_switch = last_switch_;
  if (sched_ != nullptr) {
    out.attached = true;
    out.ops_name = sched_ext_ops_name();
    out.sched = sched_->stats();
    const auto copy = [this](scxx_wait_phase phase, WaitHistogram &to) {
      const auto hist = sched_->wait_histogram(phase);
      static_assert(std::tuple_size_v<decltype(hist)> == kWaitHistogramBuckets);
      std::copy(hist.begin(), hist.end(), to.begin());
    };
    copy(SCXX_WAIT_ALL, out.waits);
    copy(SCXX_WAIT_TO_DECISION, out.waits_to_decision);
    copy(SCXX_WAIT_AFTER_DECISION, out.waits_after_decision);
  }
  return out;
}

std::optional<std::string> LiveControl::change_settings(const RuntimeSettings &next) {
  const std::lock_guard change(change_mutex_);
  Settings next_settings = current_settings();
  const RuntimeSettings now = runtime_settings_of(next_settings);
  if (auto problem = merge_runtime_settings(next, next_settings)) {
    return problem;
  }
  const bool new_policy = needs_new_policy(now, next);
  if (new_policy && next_settings.kernel_mode && now.policy != next.policy) {
    return "scheduler.policy: kernel mode decides in BPF, there is no policy to switch (\"" +
           now.policy + "\" stays)";
  }
  OwnedPolicy built;
  if (new_policy && !next_settings.kernel_mode) {
    try {
      built = build_policy(next_settings); // on this thread, not the loop's
    } catch (const std::exception &e) {
      return "scheduler.policy: " + next_settings.policy + " refuses these settings: " + e.what();
    }
    if (auto problem = switch_policy(built, next_settings)) {
      return problem;
    }
  }
  const std::lock_guard lock(mutex_);
  settings_ = next_settings;
  if (sched_ != nullptr) {
    // fast_path "policy" follows the policy deciding now.
    const bool allows = current_.policy == nullptr || current_.policy->allows_fast_path();
    sched_->set_tunables(scheduler_options(settings_, allows));
  }
  return std::nullopt;
}

std::optional<std::string> LiveControl::switch_policy(OwnedPolicy &next,
                                                      const Settings &next_settings) {
  auto sw = std::make_unique<PolicySwitch>();
  sw->next = next.policy.get();
  sw->next_context = next.context.get();
  uint64_t session = 0;
  std::string from;
  {
    const std::lock_guard lock(mutex_);
    free_retired_locked();
    if (loop_ == nullptr) {
      // Between sessions: the next one builds its policy from the settings.
      return std::nullopt;
    }
    session = session_;
    from = std::string(current_.policy->name());
    sched_->reset_max_wait_since(); // the window starts with the switch
    if (!loop_->offer_switch(*sw)) {
      return std::string("scheduler.policy: another switch is still in progress");
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kSwitchTimeout;
  for (;;) {
    {
      const std::lock_guard lock(mutex_);
      const bool same_session = loop_ != nullptr && session_ == session;
      if (sw->taken.load(std::memory_order_acquire)) {
        if (!same_session) {
          return std::nullopt; // it ran until its session ended; the next builds anew
        }
        const PolicySwitchReport report{
            .from = from,
            .to = std::string(next.policy->name()),
            .tasks_handed_over = sw->handed_over,
            .pause_us = to_us(sw->pause_ns),
            .max_wait_us = 0,
            .at_s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()};
        last_switch_ = report;
        report_due_ = std::chrono::steady_clock::now() + kSwitchWaitWindow;
        report_session_ = session;
        report_drained_ = sw->drained;
        if (sw->retired.load(std::memory_order_acquire)) {
          current_ = std::move(next); // the old policy goes here, on this thread
        } else {
          retiring_ = std::exchange(current_, std::move(next));
          retiring_switch_ = std::move(sw);
        }
        report_wake_.notify_all();
        return std::nullopt;
      }
      if (!same_session) {
        // The loop stopped before it took the switch (a reload): not taken.
        return std::nullopt;
      }
      if (std::chrono::steady_clock::now() >= deadline && loop_->withdraw_switch(*sw)) {
        return "scheduler.policy: the agent loop did not take the switch to " +
               next_settings.policy + " within " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(kSwitchTimeout).count()) +
               " ms (nothing changed)";
      }
    }
    std::this_thread::sleep_for(kSwitchPoll);
  }
}

void LiveControl::complete_reports(const std::stop_token &token) {
  std::unique_lock lock(mutex_);
  while (!token.stop_requested()) {
    if (!report_due_) {
      report_wake_.wait(lock, token, [&] { return report_due_.has_value(); });
      continue;
    }
    const auto due = *report_due_;
    if (report_wake_.wait_until(lock, token, due,
                                [&] { return !report_due_ || *report_due_ != due; })) {
      continue; // a newer switch, or the session ended
    }
    if (token.stop_requested()) {
      break;
    }
    report_due_.reset();
    if (sched_ == nullptr || session_ != report_session_ || !last_switch_) {
      continue;
    }
    PolicySwitchReport &r = *last_switch_;
    r.max_wait_us = to_us(sched_->max_wait_since_ns());
    std::printf(
        "[scxx] policy %s -> %s: %llu tasks %s, loop paused %llu us, longest wait %llu us "
        "in the next %lld ms\n",
        r.from.c_str(), r.to.c_str(), static_cast<unsigned long long>(r.tasks_handed_over),
        report_drained_ ? "drained by the old policy" : "handed over",
        static_cast<unsigned long long>(r.pause_us), static_cast<unsigned long long>(r.max_wait_us),
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(kSwitchWaitWindow).count()));
    std::fflush(stdout);
  }
}

void LiveControl::set_strategies(std::vector<StrategyRule> rules) {
  {
    const std::lock_guard lock(live_.mutex);
    live_.rules = std::move(rules);
    ++live_.rules_generation;
  }
  live_.wake.notify_all(); // the applier rescans at once
}

std::vector<StrategyCoverage> LiveControl::strategy_coverage() const {
  const std::lock_guard lock(live_.mutex);
  return live_.coverage;
}

} // namespace scxx
