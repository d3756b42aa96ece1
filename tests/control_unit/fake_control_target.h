// A ControlTarget that records what the API asks of it, for the control
// API's tests (the daemon's real one needs a running scheduler).
#pragma once

#include "control/control_target.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace scxx::test {

class FakeControlTarget : public ControlTarget {
public:
  FakeControlTarget() {
    settings_.policy = "gthulhu";
    settings_.slice_us = 20000;
    settings_.slice_min_us = 1000;
    settings_.fast_path = "policy";
    settings_.max_run_ms = 0;
    settings_.agent_timeout_ms = 1000;
    settings_.starvation_ms = 1000;
    settings_.stall_ms = 1000;
    stats_.attached = true;
    stats_.policy = "gthulhu";
  }

  [[nodiscard]] LiveStats stats() const override {
    const std::lock_guard lock(mutex_);
    return stats_;
  }
  [[nodiscard]] RuntimeSettings settings() const override {
    const std::lock_guard lock(mutex_);
    return settings_;
  }
  [[nodiscard]] std::optional<std::string> change_settings(const RuntimeSettings &next) override {
    const std::lock_guard lock(mutex_);
    ++change_calls;
    if (refusal) {
      return refusal;
    }
    settings_ = next;
    stats_.policy = next.policy;
    return std::nullopt;
  }
  void set_strategies(std::vector<StrategyRule> rules) override {
    const std::lock_guard lock(mutex_);
    ++set_calls;
    rules_ = std::move(rules);
  }
  [[nodiscard]] std::vector<StrategyCoverage> strategy_coverage() const override {
    const std::lock_guard lock(mutex_);
    std::vector<StrategyCoverage> out;
    for (size_t i = 0; i < rules_.size(); ++i) {
      out.push_back({i, threads_per_rule});
    }
    return out;
  }

  [[nodiscard]] std::vector<StrategyRule> rules() const {
    const std::lock_guard lock(mutex_);
    return rules_;
  }
  void set_stats(const LiveStats &s) {
    const std::lock_guard lock(mutex_);
    stats_ = s;
  }

  std::optional<std::string> refusal; // change_settings refuses with it when set
  uint64_t threads_per_rule = 2;
  int set_calls = 0;
  int change_calls = 0;

private:
  mutable std::mutex mutex_;
  LiveStats stats_;
  RuntimeSettings settings_;
  std::vector<StrategyRule> rules_;
};

} // namespace scxx::test
