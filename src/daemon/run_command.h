// `scxx run`: load, attach, schedule through a user-space Policy until
// signalled, reload after a CPU hotplug restart request.
#pragma once

#include "strategy/strategy.h"

#include <cstdint>
#include <string>
#include <vector>

namespace scxx {

struct RunOptions {
  std::string policy = "gthulhu";
  uint64_t slice_us = 20000;
  uint64_t slice_min_us = 1000;
  bool partial = false;
  bool builtin_idle = false;
  bool kernel_mode = false;     // decide in BPF, no user-space round trip
  uint64_t max_run_ms = 500;    // tick watchdog, 0 = off
  uint64_t stall_ms = 1000;     // liveness bound: longer waits are counted and named
  bool stall_abort = false;     // stop the scheduler at the first wait past stall_ms
  uint64_t starvation_ms = 250; // waits in scxx's DSQs past this are moved ahead (0: off)
  bool debug = false;
  bool lock_memory = true;
  bool forbid_mmap = false;
  double stats_interval_s = 0;          // 0: no live stats
  double duration_s = 0;                // 0: until SIGINT/SIGTERM
  std::vector<StrategyRule> strategies; // resolved against /proc twice a second
};

// Returns the process exit status.
int run_scheduler(const RunOptions &options);

} // namespace scxx
