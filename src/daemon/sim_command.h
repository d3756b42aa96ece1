// `scxx sim`: runs a workload on a simulated machine under one or more
// policies (the registered ones through the real agent loop, and the
// EEVDF reference model `eevdf-model`) and prints them side by side.
#pragma once

#include "sim/sim_settings.h"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace scxx {

class SimCommand {
public:
  // Registers `sim` and its options on `app`.
  explicit SimCommand(CLI::App &app);

  // True when the command line chose `sim`.
  [[nodiscard]] bool chosen() const { return cmd_->parsed(); }
  // Runs it; returns the exit status. Throws ConfigError for bad input.
  int run();

private:
  CLI::App *cmd_;
  std::string workload_;
  std::string trace_;
  std::string plot_dir_;
  double plot_seconds_ = 1.0;
  std::string policies_;
  std::string json_;
  std::vector<std::string> policy_libs_;
  double seconds_ = 0;
  double slice_us_ = 0, slice_min_us_ = 0;
  std::vector<double> cost_us_; // one per cost option (sim_command.cpp's kCostOptions)
  double warmup_ms_ = 0;
  double idle_bound_ms_ = 0, starvation_bound_ms_ = 0;
  bool agent_off_cpu_ = false;
  std::string fast_path_ = "policy";
  bool fail_on_violation_ = false;
  sim::SimSettings settings_;
};

} // namespace scxx
