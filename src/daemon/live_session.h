// What `scxx run`'s helper threads share with the thread that schedules:
// the scheduler of the current session (swapped around each reload) and
// the stop request. Helpers wait on `wake`; every change notifies it.
#pragma once

#include "control/control_target.h"
#include "core/bpf_scheduler.h"
#include "daemon/stats_line.h"
#include "strategy/strategy.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace scxx {

struct LiveSession {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::atomic<bool> stop{false}; // SIGINT/SIGTERM, --duration, or a fatal error
  // What `scxx run` is doing, for a signal's message ("attached" once it
  // schedules); a string literal.
  std::atomic<const char *> step{"starting"};
  std::chrono::steady_clock::time_point step_since = std::chrono::steady_clock::now();

  // Under `mutex`:
  BpfScheduler *sched = nullptr; // null between sessions
  bool reloaded = false;         // boosts must be pushed again
  StatsSample at_attach;         // counts in the stats line start here
  // The strategy rules (valid: StrategyEngine accepts them); a new
  // generation makes the applier take them at once.
  std::vector<StrategyRule> rules;
  uint64_t rules_generation = 0;
  std::vector<StrategyCoverage> coverage; // from the applier's last scan

  // Enters start-up step `what` (a string literal) and says so, with how
  // long the previous one took. A SIGINT or SIGTERM pending since then (the
  // signal thread may not exist yet) is taken and asks the stop: returns
  // false when start-up must not go on.
  bool enter_step(const char *what);
  // Says that signal `sig` stops scxx, detaching or before anything is
  // attached, as the current step tells.
  void announce_signal(int sig) const;

  // Under the mutex, so a helper between checking `stop` and waiting cannot
  // miss the wake-up.
  void request_stop() {
    {
      const std::lock_guard lock(mutex);
      stop = true;
    }
    wake.notify_all();
  }
};

// A sample of the scheduler's statistics and this process's usage, now.
StatsSample sample_stats(const BpfScheduler &sched);

} // namespace scxx
