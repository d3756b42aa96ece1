#include "daemon/run_command.h"

#include "core/memory_lock.h"
#include "core/sched_ext_sysfs.h"
#include "core/topology.h"
#include "daemon/helper_threads.h"
#include "daemon/live_change_script.h"
#include "daemon/live_control.h"
#include "daemon/scheduler_session.h"
#include "policy/policy_factory.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <optional>
#include <thread>

namespace scxx {

PolicyContext make_policy_context(const RunOptions &options) {
  PolicyContext context;
  context.config = policy_config(options.settings);
  context.limits.max_queued = options.settings.max_queued;
  context.topology = read_cpu_topology();
  const auto it = options.policy_options.find(options.settings.policy);
  if (it != options.policy_options.end()) {
    context.options.insert(it->second.begin(), it->second.end());
  }
  return context;
}

int run_scheduler(const RunOptions &options) {
  const Settings &s = options.settings;
  const std::vector<LiveChange> live_changes = parse_live_changes(options.test_live_changes);
  require_sched_ext_and_root();
  {
    PolicyContext context = make_policy_context(options);
    (void)make_policy(s.policy, context); // refuse bad settings before attaching
  }

  // Locked and pre-faulted before any thread exists, so every thread
  // allocates from the one locked heap (MemoryLock sets the allocator up).
  std::optional<MemoryLock> memory_lock;
  if (s.lock_memory) {
    memory_lock.emplace();
    if (!memory_lock->warnings().empty()) {
      std::fprintf(stderr, "[scxx] warning: %s\n", memory_lock->warnings().c_str());
    }
  }

  // Signals go to one thread that only requests the stop; blocked here,
  // before any thread exists, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (!live_changes.empty()) {
    sigaddset(&signals, SIGUSR1);
  }
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  LiveSession live;
  // What the control plane reads and changes; alive across reloads. Its
  // own thread starts here, before anything attaches.
  LiveControl control(options, live);
  // Declared after `live` and `control`: leaving the scope stops and joins
  // them first.
  size_t next_change = 0;
  std::jthread signal_waiter = start_signal_waiter(live, signals, [&] {
    if (next_change >= live_changes.size()) {
      std::printf("[scxx] live change: none left\n");
    } else {
      const LiveChange &change = live_changes[next_change++];
      const auto refused = apply_live_change(control, change);
      std::printf("[scxx] live change %zu (%s): %s\n", next_change, change.text.c_str(),
                  refused ? ("refused: " + *refused).c_str() : "applied");
    }
    std::fflush(stdout);
  });
  std::jthread stats_printer;
  if (s.stats_interval_s > 0) {
    stats_printer = start_stats_printer(live, s.stats_interval_s);
  }
  // Always running: the control plane may set strategies at any time.
  std::jthread strategy_applier = start_strategy_applier(live, options.strategies);
  std::jthread stop_timer;
  if (s.duration_s > 0) {
    stop_timer = start_stop_timer(live, s.duration_s);
  }

  // ---- The control plane's API service starts here, with `control` (a
  // ControlTarget), so that its threads exist before the scheduler
  // attaches (src/core/memory_lock.h, --forbid-mmap). ----

  SchedulerSession session(live, control);
  try {
    for (;;) {
      const SessionOutcome outcome = session.run();
      if (!outcome.restart) {
        live.request_stop();
        return outcome.status;
      }
    }
  } catch (...) {
    live.request_stop(); // helpers end before the error is reported
    throw;
  }
}

} // namespace scxx
