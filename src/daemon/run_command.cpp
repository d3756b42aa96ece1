#include "daemon/run_command.h"

#include "config/config.h"
#include "control/api_service.h"
#include "control/runtime_settings.h"
#include "core/kernel_features.h"
#include "core/memory_lock.h"
#include "core/sched_ext_sysfs.h"
#include "core/topology.h"
#include "daemon/helper_threads.h"
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

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

void block_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void unblock_stop_signals() {
  const sigset_t signals = stop_signals();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

namespace {

// The settings as they apply: command line > database > config file >
// defaults. The database holds what the control plane last changed.
RunOptions with_stored_settings(const RunOptions &given, const StoredState &stored,
                                const std::string &database) {
  RunOptions out = given;
  if (!stored.settings || !given.command_line_over) {
    return out;
  }
  Settings base = given.file_settings;
  if (const auto problem = merge_runtime_settings(*stored.settings, base)) {
    throw ConfigError(database + ": the stored settings: " + *problem);
  }
  out.settings = given.command_line_over(base);
  if (const auto problem = settings_problem(out.settings)) {
    throw ConfigError(problem->path + ": " + problem->message + " (with the settings stored in " +
                      database + ")");
  }
  const RuntimeSettings now = runtime_settings_of(out.settings);
  std::printf("[scxx] settings stored in %s apply where the command line gives none: policy=%s "
              "slice_us=%llu fast_path=%s\n",
              database.c_str(), now.policy.c_str(), static_cast<unsigned long long>(now.slice_us),
              now.fast_path.c_str());
  return out;
}

} // namespace

int run_scheduler(const RunOptions &given) {
  // SIGINT and SIGTERM are blocked from main() on (block_stop_signals): one
  // that comes during start-up waits for the signal thread, which asks
  // every step below to stop, and nothing is attached.
  LiveSession live;
  live.enter_step("checking the kernel");
  // Before the signal thread exists, each step's enter_step() takes a
  // pending signal; nothing is attached yet, so stopping is returning.
  const auto stopped = [] {
    std::printf("[scxx] stopped during start-up: nothing attached\n");
    std::fflush(stdout);
    return 0;
  };
  require_sched_ext_and_root();
  const KernelFeatureReport features = check_running_kernel();
  std::printf("[scxx] %s\n", describe(features).c_str());
  // The control plane's store: refused (corrupt, foreign, locked by another
  // scxx) before anything is attached.
  if (!live.enter_step("opening the store")) {
    return stopped();
  }
  const ApiSettings api = api_settings(given.settings);
  const std::unique_ptr<Store> store = open_store(api);
  const StoredState stored = store->load();
  const RunOptions options = with_stored_settings(given, stored, api.database);
  const Settings &s = options.settings;
  {
    PolicyContext context = make_policy_context(options);
    (void)make_policy(s.policy, context); // refuse bad settings before attaching
  }

  // Locked and pre-faulted before any thread exists, so every thread
  // allocates from the one locked heap (MemoryLock sets the allocator up).
  std::optional<MemoryLock> memory_lock;
  if (s.lock_memory) {
    if (!live.enter_step("locking memory")) {
      return stopped();
    }
    memory_lock.emplace();
    if (!memory_lock->warnings().empty()) {
      std::fprintf(stderr, "[scxx] warning: %s\n", memory_lock->warnings().c_str());
    }
  }

  // Signals go to one thread that only requests the stop; every thread
  // inherits the mask main() set.
  if (!live.enter_step("starting threads")) {
    return stopped();
  }
  const sigset_t signals = stop_signals();

  // What the control plane reads and changes; alive across reloads. Its
  // own thread starts here, before anything attaches.
  LiveControl control(options, live);
  // Declared after `live` and `control`: leaving the scope stops and joins
  // them first.
  std::jthread signal_waiter = start_signal_waiter(live, signals);
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

  // The control plane's API: its threads exist before the scheduler
  // attaches (src/core/memory_lock.h, --forbid-mmap); it applies the
  // stored strategies, if the API ever changed them, over the file's.
  const std::unique_ptr<ApiService> api_service =
      start_api_service(api, control, *store, {}, options.strategies);
  std::printf("[scxx] api: %s%s%s\n",
              api_service->socket_path().empty() ? "no unix socket"
                                                 : api_service->socket_path().c_str(),
              api_service->tcp_port() ? ", tcp port " : "",
              api_service->tcp_port() ? std::to_string(*api_service->tcp_port()).c_str() : "");
  std::fflush(stdout);

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
